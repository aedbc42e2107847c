"""Where chunks are computed: in this process, in local worker processes, or on Dask.

Every executor runs :func:`compute_chunk` on the same picklable task and
hands each finished chunk back to the caller, who alone writes to the run
folder; so the executor changes the speed, never the numbers. The
executors themselves are in :mod:`escalade._parallel`, shared with the
bootstrap of estimation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from escalade._parallel import check_address, check_executor, default_cluster
from escalade._parallel import run_tasks as _run_tasks
from escalade.exploration._compute import ChunkTask, compute_chunk

__all__ = ["check_address", "check_executor", "default_cluster", "run_tasks"]

Done = Callable[[int, Any], None]


def run_tasks(
    tasks: Iterable[ChunkTask],
    on_done: Done,
    *,
    workers: int | None = None,
    cluster: str | None = None,
) -> None:
    """Compute every task and call ``on_done(chunk, table)`` as each finishes.

    Parameters
    ----------
    tasks : iterable of ChunkTask
    on_done : callable
        Receives the chunk number and its pyarrow Table, in this process.
    workers : int, optional
        Local worker processes (default: compute in this process).
    cluster : str, optional
        Address of a Dask scheduler (``tcp://host:8786``).
    """
    _run_tasks(
        compute_chunk,
        ((task.chunk, task) for task in tasks),
        on_done,
        workers=workers,
        cluster=cluster,
    )
