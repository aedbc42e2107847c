"""The exploration report: a self-contained HTML page for a run folder."""

from __future__ import annotations

import html
from pathlib import Path

from escalade.exploration import ExplorationResult
from escalade.exploration._store import atomic_write
from escalade.report._page import page

__all__ = ["render_exploration", "write_exploration_report"]


def render_exploration(result: ExplorationResult) -> str:
    """The exploration as one self-contained HTML page.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=4, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     "<table" in render_exploration(res)
    True
    """
    sc = result.scenario
    summary = result.summary()
    sections = [summary.html()]
    q = sc.extra.get("question")
    title = f"Exploration: {sc.title or sc.name}"
    sub = html.escape(q.text) if q is not None else ""
    return page(title, sub, sections)


def write_exploration_report(result: ExplorationResult, path: str | Path | None = None) -> Path:
    """Write ``report.html`` into the run folder (or to ``path``), atomically."""
    target = Path(path) if path is not None else result.path / "report.html"
    atomic_write(target, render_exploration(result).encode("utf-8"))
    return target
