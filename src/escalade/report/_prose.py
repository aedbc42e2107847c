"""The reports' words: the short answers, written from computed numbers alone.

Two answers to a scenario's question: :func:`comparison_answer` for one
world (a policy comparison at the nominal values) and
:func:`exploration_answer` across the sampled worlds of an exploration.
Every number, verdict and claim named in them comes from the results;
nothing is fixed in advance. The helpers naming policies, indicators and
levers the way the scenario labels them serve the reports' sections too.
"""

from __future__ import annotations

from typing import Any

from escalade._text import noun
from escalade.analysis import PolicyComparison
from escalade.exploration import DiscoveryResult, ExplorationAnalyses, ExplorationRun
from escalade.scenario import headline_indicators

__all__ = ["comparison_answer", "exploration_answer"]

# Changes of a probability smaller than this are not worth a word.
_VISIBLE = 0.0005


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _lower(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (ROK, U.S.)."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and (word[1].isupper() or "." in word):
        return text
    return text[:1].lower() + text[1:]


# ------------------------------------------------------------ one world
def _label(cmp: PolicyComparison, name: str) -> str:
    res = cmp.results[name]
    return _lower(res.policy.label or name)


def _indicator_label(cmp: PolicyComparison, name: str) -> str:
    first = next(iter(cmp.results.values()))
    for ind in first.dynamics.indicators:
        if ind.name == name:
            # indicator labels often start with a proper noun (Japan, ROK): kept as written
            return ind.label or name
    return name


def _lever_label(cmp: PolicyComparison, name: str) -> str:
    for lever in cmp.scenario.levers:
        if lever.name == name:
            return lever.label or name
    return name


def _focus(cmp: PolicyComparison, ranking: list[str]) -> str:
    q = cmp.scenario.question
    return str(q.policy) if q is not None and q.policy in cmp.results else ranking[0]


def _verdict_paragraph(cmp: PolicyComparison, v: dict[str, Any]) -> str:
    """Is the focus policy the actor's best, and how does it move the odds?"""
    actor, base, ranking = v["actor"], v["baseline"], v["ranking"]
    focus = _focus(cmp, ranking)
    rank = ranking.index(focus) + 1
    d, se = cmp.difference(focus, base)
    first = next(iter(cmp.results.values()))
    span = (
        f"{first.period_labels()[0]}-{first.period_labels()[-1]}"
        if first.dynamics.start is not None
        else f"{first.periods} {noun(first.periods, first.dynamics.unit)}"
    )
    significant = abs(d) > 1.96 * se
    if focus == ranking[0]:
        opening = (
            f"In this model, at the nominal values, yes: {_label(cmp, focus)} is the "
            f"best policy for {actor} of the {len(ranking)} compared"
        )
    elif significant and d > 0:
        opening = (
            "In this model, at the nominal values, "
            f"{_label(cmp, focus)} beats "
            f"{_label(cmp, base)} but is not {actor}'s best policy (rank {rank} of "
            f"{len(ranking)})"
        )
    else:
        opening = (
            f"In this model, at the nominal values, {_label(cmp, focus)} is not "
            f"{actor}'s rational choice: it ranks {rank} of {len(ranking)}"
        )
    comparison = (
        f"{abs(d):.1f} ± {1.96 * se:.1f} {'above' if d > 0 else 'below'} {_label(cmp, base)}"
        if significant
        else f"not distinguishable from {_label(cmp, base)} ({d:+.1f} ± {1.96 * se:.1f})"
    )
    ind = v["indicators"]
    key = [n for n in headline_indicators(cmp.scenario, 4) if n in ind[focus]]
    moves = (
        "; ".join(
            f"{_indicator_label(cmp, n)} {_pct(ind[base][n])} → {_pct(ind[focus][n])}"
            for n in key
            if max(ind[base][n], ind[focus][n]) >= _VISIBLE
        )
        or "no measurable change"
    )
    return (
        f"{opening}, with a discounted utility of {v['utility'][focus]:.1f} over {span}, "
        f"{comparison} (95% interval over {cmp.runs:,} paired runs). Against "
        f"{_label(cmp, base)} it changes the odds as follows: {moves}."
    )


def _lever_pair_paragraph(cmp: PolicyComparison, v: dict[str, Any], pair: dict[str, Any]) -> str:
    """What adding the levers of one pair of policies changes."""
    ind, ranking = v["indicators"], v["ranking"]
    change = pair["indicator_change"]
    notable = sorted(change, key=lambda n: -abs(change[n]))[:3]
    effects = "; ".join(
        f"{_indicator_label(cmp, n)} {_pct(ind[pair['without']][n])} → {_pct(ind[pair['with']][n])}"
        for n in notable
        if abs(change[n]) >= _VISIBLE
    )
    du, dse = pair["utility_change"], pair["utility_change_se"]
    worth = (
        "raises"
        if du > 1.96 * dse
        else ("lowers" if du < -1.96 * dse else "does not measurably change")
    )
    levers = ", ".join(_lever_label(cmp, n) for n in pair["levers"])
    after_rank = ranking.index(pair["with"]) + 1
    return (
        f"Adding {levers} to {_label(cmp, pair['without'])} "
        f"{worth} {v['actor']}'s utility ({du:+.1f} ± {1.96 * dse:.1f}); "
        + (f"{effects}; " if effects else "")
        + f"the combined policy ranks {after_rank} of {len(ranking)}."
    )


def comparison_answer(cmp: PolicyComparison) -> list[str]:
    """Paragraphs answering the scenario's question in one world (or ranking the policies).

    Every number and every verdict comes from ``cmp``; nothing is fixed in
    advance. The focus policy, actor and baseline come from the scenario's
    ``question:`` section when it has one.

    Examples
    --------
    >>> import escalade
    >>> from escalade.analysis import compare_policies
    >>> cmp = compare_policies(escalade.load("korea-2017"), runs=300, seed=1)
    >>> comparison_answer(cmp)[0].startswith("In this model")
    True
    """
    v = cmp.verdict()
    ranking = v["ranking"]
    focus = _focus(cmp, ranking)
    out = [_verdict_paragraph(cmp, v)]
    best = ranking[0]
    if best != focus:
        out.append(
            f"The best policy for {v['actor']} here is {_label(cmp, best)} "
            f"({v['utility'][best]:.1f}); the worst is {_label(cmp, ranking[-1])} "
            f"({v['utility'][ranking[-1]]:.1f})."
        )
    out.extend(
        _lever_pair_paragraph(cmp, v, pair)
        for pair in v["lever_pairs"]
        if pair["without"] in (focus, v["baseline"])
    )
    out.append(
        "These figures describe one world, the parameters' nominal values; every parameter "
        "has a plausible range, and the answer may change across them (see the parameter "
        "table, and run an exploration over the ranges to see in how many worlds it holds "
        "and which claims it hinges on)."
    )
    return out


# ------------------------------------------------------------ many worlds
def policy_labels(run: ExplorationRun) -> dict[str, str]:
    """Each explored policy's label (its name when it has none)."""
    pols = {p.name: p for p in run.scenario.policies}
    return {p: (pols[p].label if p in pols and pols[p].label else p) for p in run.policies}


def indicator_labels(run: ExplorationRun) -> dict[str, str]:
    """Each indicator's label, by output name (``P:<indicator>``)."""
    dyn = run.scenario.dynamics
    out = {}
    for ind in dyn.indicators if dyn is not None else ():
        out[f"P:{ind.name}"] = ind.label or ind.name
    return out


def lever_labels(run: ExplorationRun) -> dict[str, str]:
    """Each lever's label, by name."""
    return {lv.name: lv.label or lv.name for lv in run.scenario.levers}


def lever_indicators(analyses: ExplorationAnalyses) -> list[str]:
    """The indicators whose change is shown for lever pairs: the risk, then two others."""
    risk = analyses.robustness.risk
    watched = [f"P:{k}" for k in headline_indicators(analyses.result.scenario)]
    keys = ([risk] if risk is not None else []) + [k for k in watched if k != risk]
    return [k for k in keys if f"with:{k}" in analyses.levers.columns][:3]


def _restriction_words(d: DiscoveryResult, limit: int = 4, max_p: float = 0.05) -> str:
    """The box's cuts in words, those that are not likely chance (each end's quasi-p)."""
    parts = []
    frame = d.restrictions
    # a restriction is worded by the cuts that are not likely chance, most certain first
    best = frame[["quasi_p_low", "quasi_p_high"]].min(axis=1).fillna(frame["quasi_p"])
    for name in best[best < max_p].sort_values(kind="stable").index[:limit]:
        r = frame.loc[name]
        if isinstance(r["categories"], tuple):
            cats = " or ".join(map(str, r["categories"]))
            parts.append(f"{name} is {cats}")
        else:
            low, high = r["quasi_p_low"] < max_p, r["quasi_p_high"] < max_p
            if low and high:
                parts.append(f"{name} is between {r['min']:.3g} and {r['max']:.3g}")
            elif low:
                parts.append(f"{name} is at least {r['min']:.3g}")
            else:
                parts.append(f"{name} is at most {r['max']:.3g}")
    return "; ".join(parts)


def _robustness_paragraph(analyses: ExplorationAnalyses, labels: dict[str, str]) -> str:
    """How often the focus policy is best, what committing to it costs, how safe it is."""
    res, rob = analyses.result, analyses.robustness
    t: Any = rob.table
    actor, focus = rob.actor, res.focus_policy
    ranked = list(t["share_best"].sort_values(ascending=False, kind="stable").index)
    top = ranked[0]
    share = float(t.at[focus, "share_best"])
    lead = (
        f"Across {rob.n_worlds:,} sampled worlds (every uncertain parameter drawn over its "
        f"plausible range), {labels[focus]} is {actor}'s best policy in {_pct(share)} of them"
    )
    tied = float(t.at[focus, "share_tied"])
    if tied > 0:
        lead += (
            f" (best alone in {_pct(float(t.at[focus, 'share_best_alone']))}; in "
            f"{_pct(tied)} it ties for best with another policy, and a world where k policies "
            "tie counts 1/k for each)"
        )
    level = [p for p in ranked if p != focus and float(t.at[p, "share_best"]) == share]
    if top == focus and level:
        lead += (
            f", as often as {', '.join(labels[p] for p in level)} and no less often than any "
            f"other of the {len(ranked)} policies explored."
        )
    elif top == focus:
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
        ind = indicator_labels(res)
        reg += (
            f" and keeps the probability of {_lower(ind.get(rob.risk, rob.risk[2:]))} at or under "
            f"{_pct(rob.risk_max)} in {_pct(float(t.at[focus, 'share_safe']))}"
        )
    return lead + reg + "."


def _lever_paragraphs(analyses: ExplorationAnalyses, labels: dict[str, str]) -> list[str]:
    """What adding levers to the focus or baseline policy changes across worlds."""
    res = analyses.result
    ind = indicator_labels(res)
    lever_names = lever_labels(res)
    out = []
    for _, row in analyses.levers.iterrows():
        if row["without"] not in (res.focus_policy, res.baseline_policy):
            continue
        names = ", ".join(
            _lower(lever_names.get(x.strip(), x.strip())) for x in row["levers"].split(",")
        )
        moves = []
        for key in lever_indicators(analyses):
            a, b = row[f"without:{key}"], row[f"with:{key}"]
            if max(a, b) >= _VISIBLE:
                moves.append(f"{_lower(ind.get(key, key))} {_pct(a)} → {_pct(b)}")
        out.append(
            f"Adding {names} to {labels[row['without']]} raises {analyses.robustness.actor}'s "
            f"utility in {_pct(row['share_better'])} of worlds (mean change "
            f"{row['mean_change']:+.2f}; 5-95% {row['p5_change']:+.2f} to "
            f"{row['p95_change']:+.2f})"
            + (f"; on average over worlds, {'; '.join(moves)}" if moves else "")
            + f". The combined policy is best in {_pct(row['share_best_with'])} of worlds, "
            f"against {_pct(row['share_best_without'])} without the levers."
        )
    return out


def _where_paragraph(wb: DiscoveryResult, focus: str) -> str:
    """Where (in the parameters) the focus policy is best, from scenario discovery."""
    where = _restriction_words(wb) if wb.chosen > 0 else ""
    if not where:
        return (
            f"No region of the explored parameters concentrates the worlds where {focus} is best."
        )
    b = wb.box
    return (
        f"Where is {focus} best? Chiefly where {where}: in that "
        f"region ({_pct(b.mass)} of worlds) it is best in {_pct(b.density)} of worlds, "
        f"against {_pct(wb.share)} overall, and the region holds {_pct(b.coverage)} of all "
        "the worlds where it is best."
    )


def _hinge_paragraph(analyses: ExplorationAnalyses, focus: str) -> str | None:
    """Which parameters, and claims, the focus policy's regret hinges on."""
    sens = analyses.sensitivity
    if sens is None:
        return None
    strong = sens.ranking(5, above_noise=True)
    if not strong:
        return (
            f"At {sens.n_worlds:,} worlds no parameter's influence on {focus}'s "
            "regret stands out of the sampling noise; explore more worlds to learn which "
            "claims the answer hinges on."
        )
    claims: Any = sens.claims()
    indices: Any = sens.indices
    cited = [c for c in claims.index if claims.at[c, "above_noise"]][:4]
    params = ", ".join(f"{p} ({', '.join(indices.at[p, 'claims']) or 'no claim'})" for p in strong)
    text = (
        f"What does the answer hinge on? The parameters that most move how far "
        f"{focus} falls short of the best policy ({sens.measure_label}) are "
        f"{params}"
    )
    if cited:
        text += "; so the claims it hinges on are " + "; ".join(
            f"{c} (“{claims.at[c, 'quote']}”)" for c in cited
        )
    return text + "."


def exploration_answer(analyses: ExplorationAnalyses) -> list[str]:
    """Paragraphs answering the scenario's question across an exploration's worlds.

    Every number and verdict is taken from the analyses (robustness, lever
    effects, scenario discovery, sensitivity).

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["sanctions_default", "strategic_impatience"])
    ...     text = exploration_answer(res.analyses())
    >>> text[0].startswith("Across 30 sampled worlds")
    True
    """
    res = analyses.result
    labels = {p: _lower(v) for p, v in policy_labels(res).items()}
    focus, base = res.focus_policy, res.baseline_policy
    out = [_robustness_paragraph(analyses, labels)]
    if base is not None and base != focus:
        c = analyses.robustness.compare(focus, base)
        out.append(
            f"Against {labels[base]}, {labels[focus]} gives {analyses.robustness.actor} more in "
            f"{_pct(c['share_better'])} of worlds (mean difference {c['mean']:+.2f}; 5-95% of "
            f"worlds {c['p5']:+.2f} to {c['p95']:+.2f})."
        )
    out.extend(_lever_paragraphs(analyses, labels))
    if analyses.where_best is not None:
        out.append(_where_paragraph(analyses.where_best, labels[focus]))
    hinge = _hinge_paragraph(analyses, labels[focus])
    if hinge is not None:
        out.append(hinge)
    return out
