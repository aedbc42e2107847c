"""Where tasks are computed: in this process, in local worker processes, or on Dask.

Every executor runs the same function on the same picklable task and
hands each result back to the caller, who alone writes it anywhere (an
exploration's run folder, a comparison of policies); so the executor
changes the speed, never the numbers. Dask (``dask``/``distributed``, the
``cluster`` extra) is imported only when a cluster is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from escalade.errors import EscaladeError, MissingDependencyError, ParameterError

__all__ = ["run_tasks"]

Compute = Callable[[Any], Any]
Done = Callable[[int, Any], None]


def run_tasks(
    compute: Compute,
    tasks: Iterable[Any],
    on_done: Done,
    *,
    workers: int | None = None,
    cluster: str | None = None,
) -> None:
    """Compute ``compute(task)`` for every task and call ``on_done(i, result)`` as each
    finishes (``i`` the task's position).

    Parameters
    ----------
    compute : callable
        A module-level function (processes and Dask pickle it by name).
    tasks : iterable
        Picklable tasks.
    on_done : callable
        Receives the task's position and its result, in this process.
    workers : int, optional
        Local worker processes (default: compute in this process).
    cluster : str, optional
        Address of a Dask scheduler (``tcp://host:8786``).

    Examples
    --------
    >>> done = {}
    >>> run_tasks(abs, [-2, 3], done.__setitem__)
    >>> done
    {0: 2, 1: 3}
    """
    task_list = list(tasks)
    if cluster is not None and workers is not None:
        raise ParameterError(
            "choose either workers or cluster, not both", arguments=("workers", "cluster")
        )
    if cluster is not None:
        _run_dask(compute, task_list, on_done, cluster)
    elif workers is not None and workers > 1 and len(task_list) > 1:
        _run_processes(compute, task_list, on_done, workers)
    else:
        if workers is not None and workers < 1:
            raise ParameterError(f"workers must be at least 1, found {workers}")
        for i, task in enumerate(task_list):
            on_done(i, compute(task))


def _run_processes(compute: Compute, tasks: list[Any], on_done: Done, workers: int) -> None:
    limit = os.cpu_count() or 1
    if workers > 8 * limit:
        raise ParameterError(f"{workers} workers for {limit} CPUs is too many")
    # Keep at most 2 tasks per worker in flight: results stream to disk, memory stays flat.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: dict[Future[Any], int] = {}
        queue = iter(enumerate(tasks))

        def submit() -> bool:
            item = next(queue, None)
            if item is None:
                return False
            pending[pool.submit(compute, item[1])] = item[0]
            return True

        for _ in range(2 * workers):
            if not submit():
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                on_done(i, _result(fut))
                submit()


def _result(fut: Future[Any]) -> Any:
    try:
        return fut.result()
    except EscaladeError:
        raise
    except Exception as exc:  # a worker died (killed, out of memory): say so plainly
        raise EscaladeError(f"a worker process failed: {type(exc).__name__}: {exc}") from exc


def _run_dask(compute: Compute, tasks: list[Any], on_done: Done, address: str) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise MissingDependencyError(
            "running on a Dask cluster needs dask and distributed, the cluster extra: "
            "pip install 'escalade[cluster]'"
        ) from None
    # distributed leaves Client, as_completed and their methods unannotated: the
    # ignores below are for those calls only.
    try:
        client = Client(address, timeout="20s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise EscaladeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        queue = iter(enumerate(tasks))
        position: dict[Any, int] = {}

        def submit() -> Any:
            item = next(queue, None)
            if item is None:
                return None
            fut = client.submit(compute, item[1], pure=False)
            position[fut.key] = item[0]
            return fut

        # At most 2 tasks per worker in flight, so results stream instead of piling up.
        first = [f for f in (submit() for _ in range(2 * n_workers)) if f is not None]
        stream = as_completed(first)  # type: ignore[no-untyped-call]
        for fut in stream:
            on_done(position.pop(fut.key), _result(fut))
            fut.release()
            nxt = submit()
            if nxt is not None:
                stream.add(nxt)  # type: ignore[no-untyped-call]
    finally:
        client.close()  # type: ignore[no-untyped-call]
