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

import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from escalade.errors import EscaladeError, MissingDependencyError, ParameterError

__all__ = ["default_cluster", "run_tasks"]

Done = Callable[[Any, Any], None]


def default_cluster(workers: int | None, cluster: str | None) -> str | None:
    """The Dask scheduler to use: the one given, else ``DASK_SCHEDULER_ADDRESS`` when no
    executor is chosen at all (neither ``workers`` nor ``cluster``).

    Examples
    --------
    >>> default_cluster(None, "tcp://sched:8786"), default_cluster(2, None)
    ('tcp://sched:8786', None)
    """
    if cluster is None and workers is None:
        return os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return cluster


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
    task_list = list(tasks)
    if cluster is not None and workers is not None:
        raise ParameterError(
            "choose either workers or cluster, not both", arguments=("workers", "cluster")
        )
    if cluster is not None:
        _run_dask(function, task_list, on_done, cluster)
    elif workers is not None and workers > 1:
        _run_processes(function, task_list, on_done, workers)
    else:
        if workers is not None and workers < 1:
            raise ParameterError(
                f"workers must be at least 1, found {workers}", arguments=("workers",)
            )
        for key, task in task_list:
            on_done(key, function(task))


def _run_processes(
    function: Callable[[Any], Any], tasks: list[tuple[Any, Any]], on_done: Done, workers: int
) -> None:
    limit = os.cpu_count() or 1
    if workers > 8 * limit:
        raise ParameterError(
            f"{workers} workers for {limit} CPUs is too many", arguments=("workers",)
        )
    # Keep at most 2 tasks per worker in flight: results stream back, memory stays flat.
    with ProcessPoolExecutor(max_workers=workers) as pool:
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


def _result(fut: Future[Any]) -> Any:
    try:
        return fut.result()
    except EscaladeError:
        raise
    except Exception as exc:  # a worker died (killed, out of memory): say so plainly
        raise EscaladeError(f"a worker process failed: {type(exc).__name__}: {exc}") from exc


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
    except (OSError, TimeoutError) as exc:
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
