"""The exploration report: a self-contained HTML page for a run folder.

The page renders what the exploration's analyses computed
(:meth:`ExplorationResult.analyses`: robustness, lever effects,
sensitivity, scenario discovery) and writes its short answer from those
numbers alone: the verdicts, shares and claims named in it change with
the run. Its words are in :mod:`escalade.report._prose`, its charts in
:mod:`escalade.report._charts`, its sections in
:mod:`escalade.report._sections`.
"""

from __future__ import annotations

from pathlib import Path

from escalade._io import atomic_write, check_target
from escalade._text import noun
from escalade.auditing import VerificationResult
from escalade.exploration import ExplorationAnalyses, ExplorationResult
from escalade.report._charts import PALETTE
from escalade.report._claims import claims_section
from escalade.report._page import _e, page
from escalade.report._prose import exploration_answer, policy_labels
from escalade.report._sections import (
    discovery_section,
    lever_section,
    method_section,
    policy_section,
    sensitivity_section,
)

__all__ = ["render_exploration", "write_exploration_report"]


def render_exploration(
    analyses: ExplorationAnalyses | ExplorationResult,
    verification: VerificationResult | None = None,
) -> str:
    """The exploration as one self-contained HTML page (no scripts, no network).

    Parameters
    ----------
    analyses : ExplorationAnalyses or ExplorationResult
        What the page shows; for a result, its :meth:`~ExplorationResult.analyses`.
    verification : VerificationResult, optional
        The scenario's expectations evaluated in the explored worlds: the
        page then says what the model says about each claim.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     text = render_exploration(res.analyses())
    >>> "<table" in text, "<script" in text
    (True, False)
    """
    if isinstance(analyses, ExplorationResult):
        analyses = analyses.analyses()
    res = analyses.result
    sc = res.scenario
    q = sc.question
    labels = policy_labels(res)
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(res.policies)}
    question = (
        q.text
        if q is not None
        else f"Which policy serves {analyses.robustness.actor} best, and where?"
    )
    answer = "".join(f"<p>{_e(p)}</p>" for p in exploration_answer(analyses))
    sections = [
        f'<section class="answer"><h2>{_e(question)}</h2>{answer}</section>',
        policy_section(analyses, colors, labels),
        lever_section(analyses, labels),
        sensitivity_section(analyses, labels),
        discovery_section(analyses, labels),
        claims_section(verification),
        method_section(analyses),
    ]
    design = res.store.manifest.design
    title = f"Exploration: {sc.title or sc.name}"
    sub = (
        f"{analyses.robustness.n_worlds:,} plausible "
        f"{noun(analyses.robustness.n_worlds, 'world')} x {len(res.policies)} "
        f"{noun(len(res.policies), 'policy', 'policies')} "
        f"({design.kind} design, seed {design.seed})"
    )
    return page(title, sub, [s for s in sections if s])


def write_exploration_report(
    analyses: ExplorationAnalyses | ExplorationResult,
    path: str | Path | None = None,
    verification: VerificationResult | None = None,
) -> Path:
    """Write ``report.html`` into the run folder (or to ``path``), atomically.

    ``path`` must be a regular file or a new name (a symbolic link is
    followed); anything else is an :class:`~escalade.errors.OutputError`.
    ``verification`` adds the "what the model says about each claim" table.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     write_exploration_report(res.analyses()).name
    'report.html'
    """
    run = analyses.result if isinstance(analyses, ExplorationAnalyses) else analyses
    target = check_target(path) if path is not None else run.path / "report.html"
    atomic_write(target, render_exploration(analyses, verification).encode("utf-8"))
    return Path(path) if path is not None else target
