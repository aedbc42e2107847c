"""The policy analysis report: a self-contained HTML page and ``results.json``."""

from __future__ import annotations

import json
from pathlib import Path

from escalade._io import atomic_write, check_folder
from escalade._version import __version__
from escalade.analysis import PolicyComparison
from escalade.auditing import VerificationResult
from escalade.errors import OutputError
from escalade.exploration import ExplorationAnalyses
from escalade.report._charts import PALETTE, bar_chart, line_grid
from escalade.report._claims import claims_section
from escalade.report._page import _e, page, table
from escalade.report._prose import comparison_answer
from escalade.report._tree import tree_svg
from escalade.report._worlds import worlds_dict, worlds_sections

__all__ = ["render_analysis", "write_analysis"]

# Branches reached with lower probability are folded in tree drawings.
_FOLD = 0.002


# Colours and labels of the policies, by name.
_Look = tuple[dict[str, str], dict[str, str]]


def _look(cmp: PolicyComparison) -> _Look:
    names = cmp.policies
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(names)}
    labels = {p: cmp.results[p].policy.label or p for p in names}
    return colors, labels


def _answer_section(cmp: PolicyComparison) -> str:
    """The question, answered in words (or the ranking when there is no question)."""
    q = cmp.scenario.question
    question = q.text if q is not None else f"Which policy serves {cmp.actor} best?"
    answer = "".join(f"<p>{_e(p)}</p>" for p in comparison_answer(cmp))
    return f'<section class="answer"><h2>{_e(question)}</h2>{answer}</section>'


def _policies_section(cmp: PolicyComparison, look: _Look) -> str:
    """The policies ranked, with paired differences and every indicator, and a bar chart."""
    colors, labels = look
    names = cmp.policies
    first = next(iter(cmp.results.values()))
    q = cmp.scenario.question
    ind_labels = [i.label or i.name for i in first.dynamics.indicators]
    rows = []
    best = cmp.ranking()[0]
    for p in cmp.ranking():
        res = cmp.results[p]
        d, se = cmp.difference(p)
        rows.append(
            [
                f'<span class="swatch" style="background:{colors[p]}"></span>{_e(labels[p])}'
                + (" ★" if p == best else ""),
                f"{res.utility(cmp.actor):.2f}",
                "baseline" if p == cmp.baseline else f"{d:+.2f} ± {1.96 * se:.2f}",
                *(f"{100 * res.probability(n):.1f}%" for n in first.indicator_names),
            ]
        )
    return (
        "<section><h2>Policies compared</h2>"
        f"<p>Ranked by {_e(cmp.actor)}'s discounted utility over the horizon; differences are "
        f"against {_e(labels[cmp.baseline])} with 95% intervals from paired runs; "
        "probabilities are of each event happening at least once within the horizon.</p>"
        + table(["Policy", f"{cmp.actor} utility", "Difference", *ind_labels], rows, raw_first=True)
        + bar_chart(
            [labels[p] for p in names],
            [cmp.utility(p) for p in names],
            [cmp.results[p].utility_se[cmp.results[p].players.index(cmp.actor)] for p in names],
            colors=[colors[p] for p in names],
            xlabel=f"{cmp.actor}'s discounted utility (95% interval)",
            highlight=labels[q.policy] if q is not None and q.policy in labels else None,
        )
        + "</section>"
    )


def _curves_sections(cmp: PolicyComparison, look: _Look) -> list[str]:
    """The cumulative odds of each indicator by period, and the mean state (if any varies)."""
    colors, labels = look
    names = cmp.policies
    first = next(iter(cmp.results.values()))
    dyn = first.dynamics
    periods = first.period_labels()
    panels = []
    for j, ind in enumerate(dyn.indicators):
        if ind.at_end is not None:
            continue
        panels.append(
            (ind.label or ind.name, {p: cmp.results[p].cum_indicators[:, j] for p in names})
        )
    panels.append(
        (
            "Still in the crisis (no settlement, war or collapse)",
            {p: cmp.results[p].alive for p in names},
        )
    )
    out = [
        "<section><h2>How the odds build up, year by year</h2>"
        "<p>Cumulative probability that each event has happened by the end of each "
        f"{_e(dyn.unit)}.</p>"
        + line_grid(periods, panels, colors=colors, labels=labels)
        + "</section>"
    ]
    state_panels = []
    for j, var in enumerate(dyn.state):
        if var.kind == "bool":
            continue
        state_panels.append(
            (var.label or var.name, {p: cmp.results[p].state_mean[1:, j] for p in names})
        )
    if state_panels:
        out.append(
            "<section><h2>The drift: mean state over the years</h2>"
            "<p>Mean over all runs (runs that ended keep their last state).</p>"
            + line_grid(
                periods, state_panels, colors=colors, labels=labels, percent=False, ylabel="mean"
            )
            + "</section>"
        )
    return out


def _trees_section(cmp: PolicyComparison, labels: dict[str, str]) -> str:
    """The first period's stage game under the question's policies, the others folded away."""
    names = cmp.policies
    q = cmp.scenario.question
    focus = [q.policy] if q is not None and q.policy in cmp.stage else names[:1]
    if q is not None and q.baseline in cmp.stage and q.baseline not in focus:
        focus.append(q.baseline)

    def tree(p: str) -> str:
        view = cmp.stage[p]
        svg = tree_svg(
            view.solution.game, view.edge, view.reach, forced=view.forced, min_reach=_FOLD
        )
        return f"<div class='treebox'>{svg}</div>"

    trees = [f"<h3>{_e(labels[p])}</h3>{tree(p)}" for p in focus]
    others = "".join(
        f"<details><summary>{_e(labels[p])}</summary>{tree(p)}</details>"
        for p in names
        if p not in focus
    )
    return (
        "<section><h2>The yearly crisis game</h2>"
        "<p>The stage game of the first year at the initial state, solved by logit QRE: "
        "numbers on edges are choice probabilities (red) and chance probabilities (violet); "
        "edge weight follows how likely the edge is to be reached; dashed edges are choices "
        "the policy fixes; leaves give the outcome and the probability of ending there. "
        f"Branches reached with probability below {100 * _FOLD:.1f}% are folded (…).</p>"
        + "".join(trees)
        + (f"<h3>Other policies</h3>{others}" if others else "")
        + "</section>"
    )


def _model_sections(cmp: PolicyComparison) -> list[str]:
    """The claims and where the model encodes them (if any), then every parameter."""
    sc = cmp.scenario
    out = []
    cites = sc.citations()
    claim_rows = [
        [_e(c.id), _e(c.quote), _e(c.source), _e(", ".join(cites.get(c.id, [])) or "-")]
        for c in sc.claims.values()
    ]
    if claim_rows:
        out.append(
            "<section><h2>Claims and where the model encodes them</h2>"
            + table(["Claim", "Quote", "Source", "Encoded by"], claim_rows, escape=False)
            + "</section>"
        )
    prm_rows = []
    for prm in sc.parameters:
        dist = prm.dist.describe() if prm.dist is not None else "fixed"
        prm_rows.append(
            [
                _e(prm.name),
                _e(prm.format_value(prm.nominal)),
                _e(dist),
                _e(", ".join(prm.claims)),
                _e(prm.note),
            ]
        )
    out.append(
        "<section><h2>Parameters</h2><details><summary>All "
        f"{len(prm_rows)} parameters: nominal value, range, claims, reason</summary>"
        + table(
            ["Parameter", "Nominal", "Range or distribution", "Claims", "Why"],
            prm_rows,
            escape=False,
        )
        + "</details></section>"
    )
    return out


def _method_section(cmp: PolicyComparison) -> str:
    """How the numbers were made, and the command that reproduces them."""
    first = next(iter(cmp.results.values()))
    dyn = first.dynamics
    lam = dyn.rationality.text
    return (
        "<section class='method'><h2>How these numbers were made</h2>"
        f"<p>{cmp.runs:,} simulated crises per policy over {first.periods} {_e(dyn.unit)}s, "
        f"seed {cmp.seed}, with every parameter at its nominal value. Each year the stage "
        f"game is solved for every run by logit quantal response equilibrium (precision "
        f"<code>{_e(lam)}</code>), so mistakes and accidental escalation happen with the "
        "probability the model gives them; an outcome is drawn, then events, then the drift. "
        "Utilities are discounted; outcomes that end the crisis keep paying their yearly "
        "payoff for the rest of the horizon. All policies use the same random numbers.</p>"
        + "".join(f"<p>{_e(line)}</p>" for line in cmp.foresight_notes())
        + f"<p>Reproduce: <code>escalade analyze {_e(cmp.scenario.name)} --runs {cmp.runs} --seed "
        f"{cmp.seed}</code> (escalade {_e(__version__)}).</p></section>"
    )


def render_analysis(
    cmp: PolicyComparison,
    verification: VerificationResult | None = None,
    *,
    worlds: ExplorationAnalyses | None = None,
    worlds_verification: VerificationResult | None = None,
) -> str:
    """The analysis as one self-contained HTML page (no network resources).

    With ``verification`` (the scenario's expectations evaluated from
    ``cmp``), the page has a "what the model says about each claim" table.
    With ``worlds`` (the analyses of an exploration of the same scenario),
    the page answers across worlds too: share of worlds each policy is
    best, regret, lever pairs world by world, sensitivity, scenario
    discovery, and the expectations judged in the explored worlds
    (``worlds_verification``).

    Examples
    --------
    >>> import escalade
    >>> from escalade.analysis import compare_policies
    >>> cmp = compare_policies(escalade.load("korea-2017"), runs=200, seed=1)
    >>> page = render_analysis(cmp)
    >>> "<script src" in page, page.startswith("<!DOCTYPE html>")
    (False, True)
    """
    look = _look(cmp)
    sections = [
        _answer_section(cmp),
        _policies_section(cmp, look),
        *(worlds_sections(worlds, worlds_verification) if worlds is not None else []),
        *_curves_sections(cmp, look),
        _trees_section(cmp, look[1]),
        claims_section(verification),
        *_model_sections(cmp),
        _method_section(cmp),
    ]
    sc = cmp.scenario
    return page(sc.title or sc.name, sc.description, [s for s in sections if s])


def write_analysis(
    cmp: PolicyComparison,
    out: str | Path,
    verification: VerificationResult | None = None,
    *,
    worlds: ExplorationAnalyses | None = None,
    worlds_verification: VerificationResult | None = None,
) -> dict[str, Path]:
    """Write ``results.json`` and ``report.html`` into a folder, atomically.

    With ``verification``, both hold what the model says about each
    expectation of the scenario (``results.json`` under ``expectations``).
    With ``worlds`` (an exploration's analyses), both answer across worlds
    too (``results.json`` under ``worlds``: each policy's share of worlds
    best and regret, the exploration's foresight and the expectations
    judged in the worlds).

    Returns
    -------
    dict with the paths of ``results`` and ``report``.

    Raises
    ------
    OutputError
        If the folder cannot be created or written.
    """
    folder = check_folder(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder ({exc.strerror or exc})") from None
    results = cmp.to_dict()
    if verification is not None and verification.checks:
        results["expectations"] = verification.to_dict()["expectations"]
    if worlds is not None:
        results["worlds"] = worlds_dict(worlds, worlds_verification)
    data = json.dumps(results, indent=2, allow_nan=False) + "\n"
    report = render_analysis(
        cmp, verification, worlds=worlds, worlds_verification=worlds_verification
    )
    paths = {"results": folder / "results.json", "report": folder / "report.html"}
    atomic_write(paths["results"], data.encode("utf-8"))
    atomic_write(paths["report"], report.encode("utf-8"))
    return paths
