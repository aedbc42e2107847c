"""An analysis answered across worlds: an exploration's sections inside the analysis page.

``escalade analyze --samples N`` compares the policies at the nominal
values and in ``N`` sampled worlds; this module renders the second part
for the analysis page (share of worlds best, regret, lever pairs world by
world, sensitivity, scenario discovery, the expectations judged in the
worlds) and its entry in ``results.json``. It renders what the
exploration's analyses computed; it computes nothing.
"""

from __future__ import annotations

from typing import Any

from escalade._results import json_dict
from escalade._text import noun
from escalade.auditing import VerificationResult
from escalade.exploration import ExplorationAnalyses
from escalade.report._charts import PALETTE
from escalade.report._claims import claims_section
from escalade.report._page import _e
from escalade.report._prose import exploration_answer, policy_labels
from escalade.report._sections import (
    discovery_section,
    lever_section,
    policy_section,
    sensitivity_section,
)

__all__ = ["worlds_dict", "worlds_sections"]


def _intro(analyses: ExplorationAnalyses) -> str:
    res = analyses.result
    manifest = res.store.manifest
    design = manifest.design
    answer = "".join(f"<p>{_e(p)}</p>" for p in exploration_answer(analyses))
    return (
        f'<section class="answer"><h2>Across {analyses.robustness.n_worlds:,} plausible '
        f"worlds</h2><p>Every uncertain parameter drawn from its range ({_e(design.kind)} "
        f"design, seed {design.seed}), {manifest.replications} "
        f"{noun(manifest.replications, 'run')} per world and policy, "
        f"actors' foresight: <b>{_e(manifest.foresight)}</b>. The run folder is "
        f"<code>{_e(res.path.name)}</code>.</p>{answer}</section>"
    )


def worlds_sections(
    analyses: ExplorationAnalyses, verification: VerificationResult | None = None
) -> list[str]:
    """The sections of the analysis page that answer across worlds.

    Examples
    --------
    >>> import tempfile, escalade
    >>> tmp = tempfile.TemporaryDirectory()
    >>> run = escalade.explore("korea-2017", samples=10, seed=2, out=tmp.name + "/w",
    ...                        replications=1, foresight="myopic", policies=["talks"])
    >>> "plausible worlds" in worlds_sections(run.analyses())[0]
    True
    >>> tmp.cleanup()
    """
    res = analyses.result
    labels = policy_labels(res)
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(res.policies)}
    parts = [
        _intro(analyses),
        policy_section(analyses, colors, labels),
        lever_section(analyses, labels),
        sensitivity_section(analyses, labels),
        discovery_section(analyses, labels),
        claims_section(verification).replace("each claim", "each claim, across worlds", 1),
    ]
    return [p for p in parts if p]


def worlds_dict(
    analyses: ExplorationAnalyses, verification: VerificationResult | None = None
) -> dict[str, Any]:
    """``results.json``'s ``worlds``: robustness per policy, foresight, expectations.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=20, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"], foresight="myopic")
    ...     data = worlds_dict(res.analyses())
    >>> data["worlds"], data["foresight"], sorted(data["policies"])
    (20, 'myopic', ['invasion', 'talks'])
    """
    manifest = analyses.result.store.manifest
    data = analyses.robustness.to_dict()
    data["foresight"] = manifest.foresight
    data["replications"] = manifest.replications
    data["seed"] = manifest.design.seed
    data["run"] = str(analyses.result.path)
    if not analyses.levers.empty:
        data["levers"] = analyses.levers.to_dict(orient="records")
    if verification is not None and verification.checks:
        data["expectations"] = verification.to_dict()["expectations"]
    return json_dict(data)
