"""The sections of an exploration's report, as HTML, from its analyses.

Each function renders one ``<section>`` (or nothing, when its analysis
was not made) from :class:`~escalade.exploration.ExplorationAnalyses`;
none computes anything the analyses did not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from escalade._version import __version__
from escalade.exploration import DiscoveryResult, ExplorationAnalyses
from escalade.exploration._discovery import describe_full, describe_quasi_p, describe_range
from escalade.report._charts import bar_chart, regret_chart, sensitivity_chart, tradeoff_chart
from escalade.report._page import _e, table
from escalade.report._prose import (
    _lower,
    _pct,
    indicator_labels,
    lever_indicators,
    lever_labels,
)
from escalade.scenario import headline_indicators

__all__ = [
    "discovery_section",
    "lever_section",
    "method_section",
    "policy_section",
    "sensitivity_section",
]


def policy_section(
    analyses: ExplorationAnalyses, colors: dict[str, str], labels: dict[str, str]
) -> str:
    """Policies across worlds: share best, utility, regret, satisficing, with two charts."""
    res, rob = analyses.result, analyses.robustness
    t: Any = rob.table
    ind = indicator_labels(res)
    shown = [f"P:{k}" for k in headline_indicators(res.scenario, 4) if f"P:{k}" in res.outputs]
    order = list(t["share_best"].sort_values(ascending=False, kind="stable").index)
    focus = res.focus_policy
    ties = bool((t["share_tied"] > 0).any())
    rows = []
    for p in order:
        r = t.loc[p]
        rows.append(
            [
                f'<span class="swatch" style="background:{colors[p]}"></span>{_e(labels[p])}'
                + (" ◀" if p == focus else ""),
                _pct(r["share_best"]),
                *((_pct(r["share_tied"]),) if ties else ()),
                f"{r['mean_utility']:.2f}",
                f"{r['p5_utility']:.1f} to {r['p95_utility']:.1f}",
                f"{r['median_regret']:.2f}",
                f"{r['p90_regret']:.2f}",
                _pct(r["share_satisficing"]),
                *((_pct(r["share_safe"]),) if rob.risk is not None else ()),
                *(_pct(float(r[f"mean:{o}"])) for o in shown),
            ]
        )
    header = [
        "Policy",
        f"Best for {rob.actor}",
        *(("Tied for best",) if ties else ()),
        "Mean utility",
        "Utility, 5-95%",
        "Median regret",
        "90% regret",
        f"Within {rob.tolerance:g} of best",
        *((f"{ind.get(rob.risk, rob.risk)} ≤ {_pct(rob.risk_max)}",) if rob.risk else ()),
        *(f"Mean P({ind.get(o, o)})" for o in shown),
    ]
    shares = bar_chart(
        [labels[p] for p in res.policies],
        [100 * float(t.at[p, "share_best"]) for p in res.policies],
        [0.0] * len(res.policies),
        colors=[colors[p] for p in res.policies],
        xlabel=f"share of worlds where the policy is {rob.actor}'s best (%)",
        highlight=labels[focus],
    )
    return (
        "<section><h2>Policies across worlds</h2>"
        f"<p>Every policy was simulated in each of the {rob.n_worlds:,} sampled worlds. "
        f"<em>Regret</em> is what {_e(rob.actor)} loses in a world by having chosen the policy "
        "instead of that world's best one; a policy is <em>within tolerance</em> where its "
        f"regret is at most {rob.tolerance:g}. Probabilities are of each event happening at "
        "least once within the horizon, averaged over worlds."
        + (
            " Policies are simulated with the same random numbers, so two that play alike in a "
            "world tie there: a world where k policies tie for the best utility counts 1/k for "
            "each, and <em>tied for best</em> is the share of worlds where the policy ties."
            if ties
            else ""
        )
        + "</p>"
        + table(header, rows, raw_first=True)
        + shares
        + "<h3>Regret across worlds</h3>"
        + regret_chart(rob, colors, labels)
        + "</section>"
    )


def lever_section(analyses: ExplorationAnalyses, labels: dict[str, str]) -> str:
    """Pairs of policies differing only by levers, compared world by world (empty if none)."""
    lev = analyses.levers
    if lev.empty:
        return ""
    res = analyses.result
    ind = indicator_labels(res)
    names = lever_labels(res)
    keys = lever_indicators(analyses)
    rows = []
    for _, r in lev.iterrows():
        rows.append(
            [
                labels[r["without"]],
                ", ".join(names.get(x.strip(), x.strip()) for x in r["levers"].split(",")),
                _pct(r["share_better"]),
                f"{r['mean_change']:+.2f}",
                f"{r['p5_change']:+.2f} to {r['p95_change']:+.2f}",
                f"{_pct(r['share_best_without'])} → {_pct(r['share_best_with'])}",
                *(f"{_pct(r[f'without:{k}'])} → {_pct(r[f'with:{k}'])}" for k in keys),
            ]
        )
    header = [
        "Policy",
        "Levers added",
        "Worlds where it helps",
        "Mean change",
        "Change, 5-95%",
        "Share best",
        *(f"Mean P({ind.get(k, k)})" for k in keys),
    ]
    return (
        "<section><h2>What the levers change</h2>"
        "<p>Pairs of policies that force the same choices and differ only by levers turned "
        f"on, compared world by world ({_e(analyses.robustness.actor)}'s utility with the levers "
        "minus without).</p>" + table(header, rows) + "</section>"
    )


def sensitivity_section(analyses: ExplorationAnalyses, labels: dict[str, str]) -> str:
    """Parameters and claims ranked by influence on the focus policy's regret (or nothing)."""
    sens = analyses.sensitivity
    if sens is None:
        return ""
    res = analyses.result
    space = res.scenario.parameters
    method = {
        "sobol": "Sobol' total-order indices (SALib, Saltelli's design) with 95% bootstrap "
        "intervals: the share of the variance that would vanish if the parameter were known; "
        "the rows compared share their random numbers, so a parameter that does nothing "
        "scores exactly 0, and the dashed line, the smallest index, is the level to clear",
        "morris": "Morris elementary effects (mean absolute effect, in utility units) with "
        "95% bootstrap intervals",
        "pawn": "PAWN indices (SALib): the median, over slices of the parameter's range, of the "
        "Kolmogorov-Smirnov distance between the output's distribution in the slice and "
        "overall; the dashed line is the distance an inert parameter reaches by chance "
        "(5% KS critical value)",
        "delta": "Borgonovo's delta (SALib) with 95% bootstrap intervals; the dashed line is "
        "the delta of a random input the output does not depend on",
    }[sens.method]
    rows = []
    for p, r in sens.indices.head(15).iterrows():
        conf = "" if not np.isfinite(r["conf"]) else f" ± {r['conf']:.3f}"
        rows.append(
            [
                str(p),
                f"{r['influence']:.3f}{conf}",
                "yes" if r["above_noise"] else "no",
                ", ".join(r["claims"]) or "-",
                space[str(p)].note,
            ]
        )
    claims = sens.claims()
    crow = []
    for c, r in claims.head(10).iterrows():
        crow.append(
            [
                str(c),
                r["quote"],
                f"{r['influence']:.3f}",
                "yes" if r["above_noise"] else "no",
                ", ".join(r["parameters"][:5]) + (" …" if len(r["parameters"]) > 5 else ""),
            ]
        )
    return (
        "<section><h2>Which parameters and claims the answer hinges on</h2>"
        f"<p>Influence of each uncertain parameter on {_e(labels[res.focus_policy])}'s regret "
        f"({_e(sens.output)}) over {sens.n_worlds:,} worlds: {_e(method)}. Light bars are "
        "within the noise. Each parameter is shown with the claims it encodes.</p>"
        + sensitivity_chart(sens)
        + "<details><summary>The 15 most influential parameters</summary>"
        + table(["Parameter", sens.measure, "Above noise", "Claims", "Why this range"], rows)
        + "</details>"
        + "<h3>Claims by influence</h3>"
        "<p>A claim counts as much as the most influential parameter that encodes it (a "
        "parameter citing several claims counts for each).</p>"
        + table(["Claim", "Quote", "Influence", "Above noise", "Parameters"], crow)
        + "</section>"
    )


def _discovery_block(d: DiscoveryResult, title: str) -> str:
    """One scenario discovery: the facts, the trade-off chart and the box's restrictions."""
    b = d.box
    rows = []
    for name, r in d.restrictions.sort_values("quasi_p", kind="stable").iterrows():
        rows.append(
            [
                str(name),
                describe_range(r),
                describe_full(r),
                describe_quasi_p(r, 2),
                ", ".join(r["claims"]) or "-",
            ]
        )
    facts = (
        f"The condition ({d.description}) holds in {int(d.interest.sum()):,} of "
        f"{d.n_worlds:,} worlds ({_pct(d.share)}). The chosen box (coverage "
        f"{_pct(b.coverage)}, density {_pct(b.density)}, {_pct(b.mass)} of worlds) is marked "
        "on the trade-off curve; the dotted line is the share over all worlds."
    )
    notes = "".join(f"<p>{_e(n)}</p>" for n in d.notes)
    restr = (
        table(["Parameter", "In the box", "Over all worlds", "Quasi-p", "Claims"], rows)
        if rows
        else "<p>The chosen box restricts no parameter.</p>"
    )
    return (
        f"<h3>{_e(title)}</h3><p>{_e(facts)}</p>{notes}"
        '<div style="display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start">'
        f'<div style="flex:1 1 420px;max-width:560px">{tradeoff_chart(d)}</div>'
        f'<div style="flex:1 1 420px">{restr}</div></div>'
    )


def discovery_section(analyses: ExplorationAnalyses, labels: dict[str, str]) -> str:
    """Where the focus policy is best, and where its risk crosses the limit (or nothing)."""
    blocks = []
    focus = labels[analyses.result.focus_policy]
    if analyses.where_best is not None:
        blocks.append(
            _discovery_block(analyses.where_best, f"Where is {_lower(focus)} the best policy?")
        )
    if analyses.where_risk is not None:
        d = analyses.where_risk
        ind = indicator_labels(analyses.result)
        risk = analyses.robustness.risk or ""
        over = ">" in d.condition and "<" not in d.condition
        verb = "exceed" if over else "stay at or under"
        blocks.append(
            _discovery_block(
                d,
                f"Where does P({_lower(ind.get(risk, risk))}) {verb} "
                f"{_pct(analyses.robustness.risk_max)} under {_lower(focus)}?",
            )
        )
    if not blocks:
        return ""
    return (
        "<section><h2>Scenario discovery</h2>"
        "<p>PRIM (Friedman and Fisher 1999) looks for a box of parameter ranges where a "
        "condition holds in most worlds (density) while holding most of the worlds where it "
        "holds (coverage); each step of peeling trades coverage for density. Only the "
        "parameters whose distribution differs most where the condition holds are searched. "
        "A cut's quasi-p (Bryant and Lempert 2010) is the chance of the box's count of "
        "worlds of interest if that cut were dropped: large values mark cuts that may be "
        "chance. A range cut at both ends has a quasi-p for each end (low, high), each cut "
        "tested alone.</p>" + "".join(blocks) + "</section>"
    )


def method_section(analyses: ExplorationAnalyses) -> str:
    """How the numbers were made, what could not be analysed, and how to reproduce them."""
    m = analyses.result.store.manifest
    d = m.design
    over = (
        " with " + ", ".join(f"{k}={v}" for k, v in sorted(m.overrides.items())) + " fixed"
        if m.overrides
        else ""
    )
    notes = "".join(f"<p>{_e(n)}</p>" for n in analyses.notes)
    sets = "".join(f" --set {k}={v}" for k, v in sorted(m.overrides.items()))
    return (
        "<section class='method'><h2>How these numbers were made</h2>"
        f"<p>{d.samples:,} worlds sampled by a {_e(d.kind)} design over the "
        f"{len(d.parameters)} uncertain parameters{_e(over)} (each parameter's distribution, "
        f"seed {d.seed}); in each world every one of the {len(m.policies)} policies was "
        f"simulated {m.replications} times with common random numbers, and each outcome is "
        "the mean over those runs. Worlds are weighted equally: shares are shares of the "
        "sampled worlds, not probabilities that a world is true.</p>"
        + notes
        + f"<p>Reproduce: <code>escalade explore {_e(m.scenario)} --samples {d.samples} "
        f"--design {_e(d.kind)} --seed {d.seed} --replications {m.replications}{_e(sets)} "
        f"--out RUN</code> then <code>escalade report RUN</code> (escalade "
        f"{_e(__version__)}).</p></section>"
    )
