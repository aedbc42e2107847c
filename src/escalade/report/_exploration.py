"""The exploration report: a self-contained HTML page for a run folder.

The page renders what the exploration's analyses computed (robustness,
lever effects, sensitivity, scenario discovery) and writes its short
answer from those numbers alone: the verdicts, shares and claims named in
it change with the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalade._version import __version__
from escalade.audit import VerificationResult
from escalade.errors import ParameterError
from escalade.exploration import ExplorationResult
from escalade.exploration._discovery import DiscoveryResult, describe_full, describe_range
from escalade.exploration._robustness import RobustnessResult
from escalade.exploration._sensitivity import SensitivityResult
from escalade.exploration._store import atomic_write
from escalade.report._analysis import _e
from escalade.report._answer import _lower, _pct
from escalade.report._charts import PALETTE, _plt, bar_chart, svg_of
from escalade.report._claims import claims_section
from escalade.report._page import page, table
from escalade.scenario import headline_indicators

__all__ = ["ExplorationReport", "analyse_run", "render_exploration", "write_exploration_report"]


@dataclass
class ExplorationReport:
    """The analyses a report shows, computed once from a run.

    Attributes
    ----------
    result : ExplorationResult
    robustness : RobustnessResult
    levers : pandas.DataFrame
        :meth:`ExplorationResult.lever_effects`.
    sensitivity : SensitivityResult or None
        Of the focus policy's regret (None when it cannot be computed).
    where_best : DiscoveryResult or None
        Where the focus policy is the actor's best.
    where_risk : DiscoveryResult or None
        Where the focus policy's risk indicator exceeds (or, when that is
        most worlds, stays under) ``risk_max``.
    notes : list of str
        Analyses that could not be made, and why.
    """

    result: ExplorationResult
    robustness: RobustnessResult
    levers: pd.DataFrame
    sensitivity: SensitivityResult | None
    where_best: DiscoveryResult | None
    where_risk: DiscoveryResult | None
    notes: list[str]


def analyse_run(result: ExplorationResult, *, tolerance: float = 1.0) -> ExplorationReport:
    """Run every analysis the report shows.

    Analyses that cannot be made on this run (too few worlds, a condition
    that never holds) are left out with a note saying why.
    """
    result.store.check_complete()
    rob = result.robustness(tolerance=tolerance)
    levers = result.lever_effects()
    focus = result.focus_policy
    notes: list[str] = []
    sens = None
    try:
        sens = result.sensitivity(f"regret:{rob.actor}", policy=focus)
    except ParameterError as exc:
        notes.append(f"Sensitivity: {exc}")
    where_best = None
    if len(result.policies) > 1:
        try:
            where_best = result.discover(f"best:{focus}")
        except ParameterError as exc:
            notes.append(f"Where {focus} is best: {exc}")
    where_risk = None
    if rob.risk is not None:
        limit = rob.risk_max
        table: Any = rob.table
        over = 1.0 - float(table.at[focus, "share_safe"])
        cond = f"{rob.risk} > {limit:g}" if over <= 0.5 else f"{rob.risk} <= {limit:g}"
        try:
            where_risk = result.discover(cond, policy=focus)
        except ParameterError as exc:
            notes.append(f"Where {cond}: {exc}")
    return ExplorationReport(result, rob, levers, sens, where_best, where_risk, notes)


# ----------------------------------------------------------------- labels
def _labels(result: ExplorationResult) -> dict[str, str]:
    pols = {p.name: p for p in result.scenario.policies}
    return {p: (pols[p].label if p in pols and pols[p].label else p) for p in result.policies}


def _indicator_labels(result: ExplorationResult) -> dict[str, str]:
    dyn = result.scenario.dynamics
    out = {}
    for ind in dyn.indicators if dyn is not None else ():
        out[f"P:{ind.name}"] = ind.label or ind.name
    return out


def _lever_labels(result: ExplorationResult) -> dict[str, str]:
    return {lv.name: lv.label or lv.name for lv in result.scenario.levers}


def _lever_indicators(rep: ExplorationReport) -> list[str]:
    """The indicators whose change is shown for lever pairs: the risk, then two others."""
    risk = rep.robustness.risk
    watched = [f"P:{k}" for k in headline_indicators(rep.result.scenario)]
    keys = ([risk] if risk is not None else []) + [k for k in watched if k != risk]
    return [k for k in keys if f"with:{k}" in rep.levers.columns][:3]


def _restriction_words(d: DiscoveryResult, limit: int = 4, max_p: float = 0.05) -> str:
    """The box's restrictions in words, those that are not likely chance (quasi-p)."""
    parts = []
    frame = d.restrictions.sort_values("quasi_p", kind="stable")
    frame = frame[frame["quasi_p"] < max_p]
    for name, r in frame.head(limit).iterrows():
        if isinstance(r["categories"], tuple):
            cats = " or ".join(map(str, r["categories"]))
            parts.append(f"{name} is {cats}")
        else:
            low, high = r["min"] > r["low"], r["max"] < r["high"]
            if low and high:
                parts.append(f"{name} is between {r['min']:.3g} and {r['max']:.3g}")
            elif low:
                parts.append(f"{name} is at least {r['min']:.3g}")
            else:
                parts.append(f"{name} is at most {r['max']:.3g}")
    return "; ".join(parts)


# ----------------------------------------------------------------- answer
def answer_paragraphs(rep: ExplorationReport) -> list[str]:
    """The short answer, every number and verdict taken from the analyses.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["sanctions_default", "strategic_impatience"])
    ...     text = answer_paragraphs(analyse_run(res))
    >>> text[0].startswith("Across 30 sampled worlds")
    True
    """
    res = rep.result
    rob = rep.robustness
    t: Any = rob.table
    labels = {p: _lower(v) for p, v in _labels(res).items()}
    ind = _indicator_labels(res)
    actor = rob.actor
    focus = res.focus_policy
    ranked = list(t["share_best"].sort_values(ascending=False, kind="stable").index)
    top = ranked[0]
    share = float(t.at[focus, "share_best"])
    out = []
    lead = (
        f"Across {rob.n_worlds:,} sampled worlds (every uncertain parameter drawn over its "
        f"plausible range), {labels[focus]} is {actor}'s best policy in {_pct(share)} of them"
    )
    if top == focus:
        lead += f", more often than any other of the {len(ranked)} policies explored."
    else:
        lead += (
            f"; {labels[top]} is best most often ({_pct(float(t.at[top, 'share_best']))}), "
            f"and {labels[focus]} ranks {ranked.index(focus) + 1} of {len(ranked)} by that share."
        )
    reg = (
        f" Committing to {labels[focus]} before knowing which world is true costs {actor} a "
        f"median regret of {t.at[focus, 'median_regret']:.2f} (90th percentile "
        f"{t.at[focus, 'p90_regret']:.2f}) against the best policy of each world; it comes "
        f"within {rob.tolerance:g} of the best in {_pct(float(t.at[focus, 'share_satisficing']))} "
        "of worlds"
    )
    if rob.risk is not None:
        reg += (
            f" and keeps the probability of {_lower(ind.get(rob.risk, rob.risk[2:]))} at or under "
            f"{_pct(rob.risk_max)} in {_pct(float(t.at[focus, 'share_safe']))}"
        )
    out.append(lead + reg + ".")
    base = res.baseline_policy
    if base is not None and base != focus:
        c = rob.compare(focus, base)
        out.append(
            f"Against {labels[base]}, {labels[focus]} gives {actor} more in "
            f"{_pct(c['share_better'])} of worlds (mean difference {c['mean']:+.2f}; 5-95% of "
            f"worlds {c['p5']:+.2f} to {c['p95']:+.2f})."
        )
    lever_names = _lever_labels(res)
    for _, row in rep.levers.iterrows():
        if row["without"] not in (focus, base):
            continue
        names = ", ".join(
            _lower(lever_names.get(x.strip(), x.strip())) for x in row["levers"].split(",")
        )
        moves = []
        for key in _lever_indicators(rep):
            a, b = row[f"without:{key}"], row[f"with:{key}"]
            if max(a, b) >= 0.0005:
                moves.append(f"{_lower(ind.get(key, key))} {_pct(a)} → {_pct(b)}")
        out.append(
            f"Adding {names} to {labels[row['without']]} raises {actor}'s utility in "
            f"{_pct(row['share_better'])} of worlds (mean change {row['mean_change']:+.2f}; 5-95% "
            f"{row['p5_change']:+.2f} to {row['p95_change']:+.2f})"
            + (f"; on average over worlds, {'; '.join(moves)}" if moves else "")
            + f". The combined policy is best in {_pct(row['share_best_with'])} of worlds, "
            f"against {_pct(row['share_best_without'])} without the levers."
        )
    wb = rep.where_best
    where = _restriction_words(wb) if wb is not None and wb.chosen > 0 else ""
    if wb is not None and where:
        b = wb.box
        out.append(
            f"Where is {labels[focus]} best? Chiefly where {where}: in that "
            f"region ({_pct(b.mass)} of worlds) it is best in {_pct(b.density)} of worlds, "
            f"against {_pct(wb.share)} overall, and the region holds {_pct(b.coverage)} of all "
            "the worlds where it is best."
        )
    elif wb is not None:
        out.append(
            f"No region of the explored parameters concentrates the worlds where {labels[focus]} "
            "is best."
        )
    sens = rep.sensitivity
    if sens is not None:
        strong = sens.ranking(5, above_noise=True)
        if strong:
            claims: Any = sens.claims()
            indices: Any = sens.indices
            cited = [c for c in claims.index if claims.at[c, "above_noise"]][:4]
            params = ", ".join(
                f"{p} ({', '.join(indices.at[p, 'claims']) or 'no claim'})" for p in strong
            )
            text = (
                f"What does the answer hinge on? The parameters that most move how far "
                f"{labels[focus]} falls short of the best policy ({sens.measure_label}) are "
                f"{params}"
            )
            if cited:
                text += "; so the claims it hinges on are " + "; ".join(
                    f"{c} (“{claims.at[c, 'quote']}”)" for c in cited
                )
            out.append(text + ".")
        else:
            out.append(
                f"At {sens.n_worlds:,} worlds no parameter's influence on {labels[focus]}'s "
                "regret stands out of the sampling noise; explore more worlds to learn which "
                "claims the answer hinges on."
            )
    return out


# ----------------------------------------------------------------- charts
def _regret_chart(rob: RobustnessResult, colors: dict[str, str], labels: dict[str, str]) -> str:
    plt = _plt()
    order = list(rob.table["median_regret"].sort_values(ascending=False, kind="stable").index)
    data = [rob.regret[p].to_numpy() for p in order]
    fig, ax = plt.subplots(figsize=(10.0, 0.42 * len(order) + 1.1))
    parts = ax.boxplot(
        data,
        orientation="horizontal",
        whis=(5, 95),
        showfliers=False,
        patch_artist=True,
        widths=0.6,
        medianprops={"color": "#222"},
    )
    for patch, p in zip(parts["boxes"], order, strict=True):
        patch.set_facecolor(colors[p])
        patch.set_alpha(0.8)
    ax.set_yticks(np.arange(1, len(order) + 1), [labels[p] for p in order])
    ax.axvline(rob.tolerance, color="#555", lw=0.8, ls="--")
    ax.text(rob.tolerance, len(order) + 0.45, f" tolerance {rob.tolerance:g}", fontsize=8)
    ax.set_xlabel(
        f"regret of {rob.actor}'s utility (best policy in the world minus this one); "
        "box: quartiles, whiskers: 5-95% of worlds"
    )
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return svg_of(fig)


def _sensitivity_chart(sens: SensitivityResult, top: int = 15) -> str:
    plt = _plt()
    frame = sens.indices.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(10.0, 0.3 * len(frame) + 1.2))
    y = np.arange(len(frame))
    conf = frame["conf"].to_numpy(dtype=float)
    colors = ["#0072B2" if a else "#9bbad6" for a in frame["above_noise"]]
    ax.barh(
        y,
        frame["influence"].to_numpy(dtype=float),
        xerr=None if np.isnan(conf).all() else np.nan_to_num(conf),
        color=colors,
        error_kw={"ecolor": "#333", "capsize": 2, "lw": 0.8},
    )
    names = [
        f"{p}  [{', '.join(c)}]" if c else f"{p}  [no claim]"
        for p, c in zip(frame.index, frame["claims"], strict=True)
    ]
    ax.set_yticks(y, names)
    if sens.noise is not None:
        ax.axvline(sens.noise, color="#D55E00", lw=1, ls="--")
        ax.text(sens.noise, len(frame) - 0.4, " noise level", color="#D55E00", fontsize=8)
    ax.set_xlabel(f"{sens.measure_label} ({sens.measure})")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return svg_of(fig)


def _tradeoff_chart(d: DiscoveryResult) -> str:
    plt = _plt()
    t = d.trajectory()
    fig, ax = plt.subplots(figsize=(5.4, 3.6))
    dims = t["res_dim"].to_numpy()
    top = int(max(dims.max(), 1))
    sc = ax.scatter(
        t["coverage"], t["density"], c=dims, cmap="viridis", s=14, vmin=-0.5, vmax=top + 0.5
    )
    bar = fig.colorbar(sc, ax=ax, label="restricted parameters")
    bar.set_ticks(range(0, top + 1, max(1, (top + 1) // 6)))
    c = t.loc[d.chosen]
    ax.scatter(
        [c["coverage"]], [c["density"]], s=140, facecolors="none", edgecolors="#D55E00", lw=1.6
    )
    ax.annotate(
        f"chosen box {d.chosen}",
        (c["coverage"], c["density"]),
        textcoords="offset points",
        xytext=(-10, 10),
        ha="right",
        color="#D55E00",
        fontsize=8,
    )
    ax.axhline(d.share, color="#777", lw=0.8, ls=":")
    ax.set_xlabel("coverage (share of the worlds of interest inside the box)")
    ax.set_ylabel("density (share of the box's worlds of interest)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    fig.tight_layout()
    return svg_of(fig)


# ----------------------------------------------------------------- sections
def _policy_section(rep: ExplorationReport, colors: dict[str, str], labels: dict[str, str]) -> str:
    res, rob = rep.result, rep.robustness
    t: Any = rob.table
    ind = _indicator_labels(res)
    shown = [f"P:{k}" for k in headline_indicators(res.scenario, 4) if f"P:{k}" in res.outputs]
    order = list(t["share_best"].sort_values(ascending=False, kind="stable").index)
    focus = res.focus_policy
    rows = []
    for p in order:
        r = t.loc[p]
        rows.append(
            [
                f'<span class="swatch" style="background:{colors[p]}"></span>{_e(labels[p])}'
                + (" ◀" if p == focus else ""),
                _pct(r["share_best"]),
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
        "least once within the horizon, averaged over worlds.</p>"
        + table(header, rows, raw_first=True)
        + shares
        + "<h3>Regret across worlds</h3>"
        + _regret_chart(rob, colors, labels)
        + "</section>"
    )


def _lever_section(rep: ExplorationReport, labels: dict[str, str]) -> str:
    lev = rep.levers
    if lev.empty:
        return ""
    res = rep.result
    ind = _indicator_labels(res)
    names = _lever_labels(res)
    keys = _lever_indicators(rep)
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
        f"on, compared world by world ({_e(rep.robustness.actor)}'s utility with the levers "
        "minus without).</p>" + table(header, rows) + "</section>"
    )


def _sensitivity_section(rep: ExplorationReport, labels: dict[str, str]) -> str:
    sens = rep.sensitivity
    if sens is None:
        return ""
    res = rep.result
    space = res.scenario.parameters
    method = {
        "sobol": "Sobol' total-order indices (SALib, Saltelli's design) with 95% bootstrap "
        "intervals: the share of the variance that would vanish if the parameter were known; "
        "simulation noise adds the same share to every index, and the dashed line, the "
        "smallest index, bounds it",
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
        + _sensitivity_chart(sens)
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
    b = d.box
    rows = []
    for name, r in d.restrictions.sort_values("quasi_p", kind="stable").iterrows():
        rows.append(
            [
                str(name),
                describe_range(r),
                describe_full(r),
                f"{r['quasi_p']:.2g}",
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
        f'<div style="flex:1 1 420px;max-width:560px">{_tradeoff_chart(d)}</div>'
        f'<div style="flex:1 1 420px">{restr}</div></div>'
    )


def _discovery_section(rep: ExplorationReport, labels: dict[str, str]) -> str:
    blocks = []
    focus = labels[rep.result.focus_policy]
    if rep.where_best is not None:
        blocks.append(
            _discovery_block(rep.where_best, f"Where is {_lower(focus)} the best policy?")
        )
    if rep.where_risk is not None:
        d = rep.where_risk
        ind = _indicator_labels(rep.result)
        risk = rep.robustness.risk or ""
        over = ">" in d.condition and "<" not in d.condition
        verb = "exceed" if over else "stay at or under"
        blocks.append(
            _discovery_block(
                d,
                f"Where does P({_lower(ind.get(risk, risk))}) {verb} "
                f"{_pct(rep.robustness.risk_max)} under {_lower(focus)}?",
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
        "A restriction's quasi-p (Bryant and Lempert 2010) is the chance of the box's count of "
        "worlds of interest if that restriction were dropped: large values mark restrictions "
        "that may be chance.</p>" + "".join(blocks) + "</section>"
    )


def _method_section(rep: ExplorationReport) -> str:
    m = rep.result.store.manifest
    d = m.design
    over = (
        " with " + ", ".join(f"{k}={v}" for k, v in sorted(m.overrides.items())) + " fixed"
        if m.overrides
        else ""
    )
    notes = "".join(f"<p>{_e(n)}</p>" for n in rep.notes)
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


def render_exploration(
    result: ExplorationResult | ExplorationReport, verification: VerificationResult | None = None
) -> str:
    """The exploration as one self-contained HTML page (no scripts, no network).

    With ``verification`` (the scenario's expectations evaluated in the
    explored worlds), the page has a "what the model says about each claim"
    table.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     text = render_exploration(res)
    >>> "<table" in text, "<script" in text
    (True, False)
    """
    rep = result if isinstance(result, ExplorationReport) else analyse_run(result)
    res = rep.result
    sc = res.scenario
    q = sc.question
    labels = _labels(res)
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(res.policies)}
    question = (
        q.text if q is not None else f"Which policy serves {rep.robustness.actor} best, and where?"
    )
    answer = "".join(f"<p>{_e(p)}</p>" for p in answer_paragraphs(rep))
    sections = [
        f'<section class="answer"><h2>{_e(question)}</h2>{answer}</section>',
        _policy_section(rep, colors, labels),
        _lever_section(rep, labels),
        _sensitivity_section(rep, labels),
        _discovery_section(rep, labels),
        claims_section(verification),
        _method_section(rep),
    ]
    title = f"Exploration: {sc.title or sc.name}"
    sub = (
        f"{rep.robustness.n_worlds:,} plausible worlds x {len(res.policies)} policies "
        f"({res.store.manifest.design.kind} design, seed {res.store.manifest.design.seed})"
    )
    return page(title, sub, [s for s in sections if s])


def write_exploration_report(
    result: ExplorationResult,
    path: str | Path | None = None,
    verification: VerificationResult | None = None,
) -> Path:
    """Write ``report.html`` into the run folder (or to ``path``), atomically.

    ``verification`` adds the "what the model says about each claim" table.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     write_exploration_report(res).name
    'report.html'
    """
    target = Path(path) if path is not None else result.path / "report.html"
    atomic_write(target, render_exploration(result, verification).encode("utf-8"))
    return target
