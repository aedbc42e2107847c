"""Progress bars for the commands that take a while (rich, on standard error).

The library reports progress through callbacks and never prints; this
module turns those callbacks into bars when standard error is a
terminal, and into ``None`` (no callback at all) otherwise, so logs and
pipes stay clean. rich is imported only when a bar is shown.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["Bars", "Callback"]

#: What the library calls with ``(done, total)``.
Callback = Callable[[int, int], None]


class Bars:
    """The progress bars of one command, one per label, shown while the ``with`` block runs.

    Parameters
    ----------
    unit : str
        What is counted (``"runs"``, ``"draws"``...), shown after the count.
    rate : bool
        Also show the pace since a bar's first update (so what was already
        done when resuming does not count).
    keep : bool
        Leave the finished bars on screen (one per policy, say) instead of
        clearing them.
    show : bool, optional
        Whether to draw at all; default: when standard error is a terminal.

    Examples
    --------
    >>> with Bars("runs", show=False) as bars:
    ...     bars.callback("simulating") is None
    True
    """

    def __init__(
        self, unit: str, *, rate: bool = False, keep: bool = False, show: bool | None = None
    ) -> None:
        self.unit, self.rate, self.keep = unit, rate, keep
        self.show = sys.stderr.isatty() if show is None else show
        self._progress: Any = None
        self._tasks: dict[str, tuple[Any, float, int]] = {}  # label: (task, start, first done)

    def __enter__(self) -> Bars:
        if self.show:
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn(f"{{task.completed:,}}/{{task.total:,}} {self.unit}"),
                *([TextColumn("{task.fields[rate]}")] if self.rate else []),
                TimeElapsedColumn() if self.keep else TimeRemainingColumn(),
                transient=not self.keep,
            )
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def update(self, label: str, done: int, total: int) -> None:
        """Move the bar called ``label`` (made on its first update) to ``done`` of ``total``."""
        if self._progress is None:
            return
        if label not in self._tasks:
            task = self._progress.add_task(label, total=total, rate="")
            self._tasks[label] = (task, time.perf_counter(), done)
        task, start, first = self._tasks[label]
        elapsed = time.perf_counter() - start
        pace = (done - first) / elapsed if elapsed > 0 else 0.0
        self._progress.update(
            task, completed=done, total=total, rate=f"{pace:,.0f}/s" if pace else ""
        )

    def callback(self, label: str) -> Callback | None:
        """A ``progress(done, total)`` callback for the library, or None when nothing is shown."""
        if not self.show:
            return None
        return lambda done, total: self.update(label, done, total)

    def labelled(self) -> Callable[[str, int, int], None] | None:
        """A ``progress(label, done, total)`` callback (a bar per label), or None."""
        return self.update if self.show else None
