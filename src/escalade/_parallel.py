"""Run independent tasks in this process, in local worker processes, or on a Dask cluster.

Every executor calls the same picklable function on the same picklable
tasks and hands each result back to the caller, in this process, as it
finishes; so the executor changes the speed, never the numbers. Dask
(``dask``/``distributed``, the ``cluster`` extra) is imported only when a
cluster is asked for. Explorations run their chunks here, and estimation
its bootstrap replicates; this module sits at the bottom of the layers so
that both can.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from escalade.errors import EscaladeError, MissingDependencyError, ParameterError

__all__ = ["check_address", "check_executor", "default_cluster", "run_tasks"]

Done = Callable[[Any, Any], None]


def run_tasks(
    function: Callable[[Any], Any],
    tasks: Iterable[tuple[Any, Any]],
    on_done: Done,
    *,
    workers: int | None = None,
    cluster: str | None = None,
) -> None:
    """Compute ``function(task)`` for every ``(key, task)`` and call ``on_done(key, result)``.

    Parameters
    ----------
    function : callable
        A module-level function (worker processes import it by name).
    tasks : iterable of (key, task)
    on_done : callable
        Receives each key and its result, in this process, as they finish.
    workers : int, optional
        Local worker processes (default: compute in this process).
    cluster : str, optional
        Address of a Dask scheduler (``tcp://host:8786``).

    Examples
    --------
    >>> out = {}
    >>> run_tasks(abs, [(1, -1), (2, -2)], out.__setitem__)
    >>> out
    {1: 1, 2: 2}
    """
    check_executor(workers=workers, cluster=cluster)
    task_list = list(tasks)
    if cluster is not None:
        _run_dask(function, task_list, on_done, cluster)
    elif workers is not None and workers > 1:
        _run_processes(function, task_list, on_done, workers)
    else:
        for key, task in task_list:
            on_done(key, function(task))


def check_executor(*, workers: int | None, cluster: str | None) -> None:
    """Check the executor options before any work starts (and any folder is made)."""
    if cluster is not None and workers is not None:
        raise ParameterError(
            "choose either workers or cluster, not both", arguments=("workers", "cluster")
        )
    if cluster is not None:
        check_address(cluster)
    if workers is not None:
        limit = os.cpu_count() or 1
        if isinstance(workers, bool) or workers < 1:
            raise ParameterError(
                f"workers must be at least 1, found {workers}", arguments=("workers",)
            )
        if workers > 8 * limit:
            raise ParameterError(
                f"expected workers to be at most {8 * limit} (8 per CPU, {limit} CPUs), found "
                f"{workers}",
                arguments=("workers",),
            )


def _run_processes(
    function: Callable[[Any], Any], tasks: list[tuple[Any, Any]], on_done: Done, workers: int
) -> None:
    # Keep at most 2 tasks per worker in flight: results stream back, memory stays flat.
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_watch_parent, initargs=(os.getpid(),)
    )
    with pool:
        pending: dict[Future[Any], Any] = {}
        queue = iter(tasks)

        def submit() -> bool:
            item = next(queue, None)
            if item is None:
                return False
            key, task = item
            pending[pool.submit(function, task)] = key
            return True

        for _ in range(2 * workers):
            if not submit():
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                key = pending.pop(fut)
                on_done(key, _result(fut))
                submit()


def _watch_parent(parent: int) -> None:
    """Make a worker process exit when the process that started it dies.

    Killed with SIGKILL or SIGTERM, the parent cannot tell its workers to
    stop, and a worker busy with a chunk would compute on, orphaned. On
    Linux the kernel kills the worker with its parent (``PR_SET_PDEATHSIG``,
    asked for through ``prctl``); everywhere a thread checks twice a
    second that the parent is still there, and ends the worker if not.
    """
    _kill_with_parent()
    start = os.getppid()

    def alive() -> bool:
        if os.getppid() != start:
            return False
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return False
        except OSError:  # it exists, but is not ours to signal
            return True
        return True

    def watch() -> None:
        while alive():
            time.sleep(0.5)
        os._exit(1)

    if not alive():  # the parent died before the watch began
        os._exit(1)
    threading.Thread(target=watch, name="escalade-parent-watch", daemon=True).start()


def _kill_with_parent() -> None:
    """Ask Linux to send SIGKILL to this process when its parent dies (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util
    import signal

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)


def _result(fut: Future[Any]) -> Any:
    try:
        return fut.result()
    except EscaladeError:
        raise
    except Exception as exc:  # a worker died (killed, out of memory): say so plainly
        raise EscaladeError(f"a worker process failed: {type(exc).__name__}: {exc}") from exc


# scheme://host:port, host:port or a bracketed IPv6 address; the port may be left out
_ADDRESS = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]@]+)(?::(\d{1,5}))?$"
)


def check_address(address: str, where: str = "cluster") -> str:
    """A Dask scheduler address, checked for its form before anything connects to it.

    ``where`` names what gave the address (the ``cluster`` argument, or the
    ``DASK_SCHEDULER_ADDRESS`` environment variable), for the message.

    Examples
    --------
    >>> check_address("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    >>> from escalade.errors import ParameterError
    >>> try:
    ...     check_address("sched 8786")
    ... except ParameterError as exc:
    ...     print(exc)
    expected cluster to be a Dask scheduler address such as tcp://host:8786, found 'sched 8786'
    """
    m = _ADDRESS.match(address)
    if m is None or (m.group(1) is not None and not 0 < int(m.group(1)) < 65536):
        raise ParameterError(
            f"expected {where} to be a Dask scheduler address such as tcp://host:8786, "
            f"found {address!r}",
            arguments=("cluster",) if where == "cluster" else (),
        )
    return address


def default_cluster(workers: int | None, cluster: str | None) -> str | None:
    """The Dask scheduler to use: ``cluster`` if given, else ``DASK_SCHEDULER_ADDRESS``
    (checked) when no executor is chosen at all.

    Examples
    --------
    >>> default_cluster(2, None) is None
    True
    >>> default_cluster(None, "tcp://10.0.0.1:8786")
    'tcp://10.0.0.1:8786'
    """
    if cluster is None and workers is None:
        named = os.environ.get("DASK_SCHEDULER_ADDRESS") or None
        return None if named is None else check_address(named, "DASK_SCHEDULER_ADDRESS")
    return cluster


def _run_dask(
    function: Callable[[Any], Any], tasks: list[tuple[Any, Any]], on_done: Done, address: str
) -> None:
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError(
            "running on a Dask cluster needs dask and distributed, the cluster extra: "
            "pip install 'escalade[cluster]'"
        ) from None
    # distributed leaves Client, as_completed and their methods unannotated: used through Any
    dask: Any = distributed
    try:
        client = dask.Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise EscaladeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        queue = iter(tasks)
        key_of: dict[Any, Any] = {}

        def submit() -> Any:
            item = next(queue, None)
            if item is None:
                return None
            key, task = item
            fut = client.submit(function, task, pure=False)
            key_of[fut.key] = key
            return fut

        # At most 2 tasks per worker in flight, so results stream instead of piling up.
        first = [f for f in (submit() for _ in range(2 * n_workers)) if f is not None]
        stream = dask.as_completed(first)
        for fut in stream:
            on_done(key_of.pop(fut.key), _result(fut))
            fut.release()
            nxt = submit()
            if nxt is not None:
                stream.add(nxt)
    finally:
        client.close()
