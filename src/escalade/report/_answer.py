"""The short answer to a scenario's question, written from the computed numbers."""

from __future__ import annotations

from escalade.analysis import PolicyComparison
from escalade.scenario import headline_indicators

__all__ = ["answer_paragraphs"]


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _lower(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (ROK, U.S.)."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and (word[1].isupper() or "." in word):
        return text
    return text[:1].lower() + text[1:]


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


def answer_paragraphs(cmp: PolicyComparison) -> list[str]:
    """Paragraphs answering the scenario's question (or ranking the policies).

    Every number and every verdict comes from ``cmp``; nothing is fixed in
    advance. The focus policy, actor and baseline come from the scenario's
    ``question:`` section when it has one.

    Examples
    --------
    >>> import escalade
    >>> from escalade.analysis import compare_policies
    >>> cmp = compare_policies(escalade.load("korea-2017"), runs=300, seed=1)
    >>> answer_paragraphs(cmp)[0].startswith("In this model")
    True
    """
    v = cmp.verdict()
    q = cmp.scenario.question
    actor = v["actor"]
    focus = q.policy if q is not None and q.policy in cmp.results else v["ranking"][0]
    base = v["baseline"]
    ranking = v["ranking"]
    rank = ranking.index(focus) + 1
    d, se = cmp.difference(focus, base)
    first = next(iter(cmp.results.values()))
    span = (
        f"{first.period_labels()[0]}-{first.period_labels()[-1]}"
        if first.dynamics.start is not None
        else f"{first.periods} {first.dynamics.unit}s"
    )
    significant = abs(d) > 1.96 * se
    if focus == ranking[0]:
        verdict = "yes"
    elif significant and d > 0:
        verdict = "better than the baseline but not the best"
    else:
        verdict = "no"
    out = []
    comparison = (
        f"{abs(d):.1f} ± {1.96 * se:.1f} {'above' if d > 0 else 'below'} {_label(cmp, base)}"
        if significant
        else f"not distinguishable from {_label(cmp, base)} ({d:+.1f} ± {1.96 * se:.1f})"
    )
    opening = {
        "yes": f"In this model, at the nominal values, yes: {_label(cmp, focus)} is the "
        f"best policy for {actor} of the {len(ranking)} compared",
        "better than the baseline but not the best": "In this model, at the nominal values, "
        f"{_label(cmp, focus)} beats "
        f"{_label(cmp, base)} but is not {actor}'s best policy (rank {rank} of "
        f"{len(ranking)})",
        "no": f"In this model, at the nominal values, {_label(cmp, focus)} is not "
        f"{actor}'s rational choice: it ranks {rank} of {len(ranking)}",
    }[verdict]
    ind = v["indicators"]
    key = [n for n in headline_indicators(cmp.scenario, 4) if n in ind[focus]]
    moves = (
        "; ".join(
            f"{_indicator_label(cmp, n)} {_pct(ind[base][n])} → {_pct(ind[focus][n])}"
            for n in key
            if max(ind[base][n], ind[focus][n]) >= 0.0005
        )
        or "no measurable change"
    )
    out.append(
        f"{opening}, with a discounted utility of {v['utility'][focus]:.1f} over {span}, "
        f"{comparison} (95% interval over {cmp.runs:,} paired runs). Against "
        f"{_label(cmp, base)} it changes the odds as follows: {moves}."
    )
    best = ranking[0]
    if best != focus:
        out.append(
            f"The best policy for {actor} here is {_label(cmp, best)} "
            f"({v['utility'][best]:.1f}); the worst is {_label(cmp, ranking[-1])} "
            f"({v['utility'][ranking[-1]]:.1f})."
        )
    for pair in v["lever_pairs"]:
        if pair["without"] != focus and pair["without"] != base:
            continue
        change = pair["indicator_change"]
        notable = sorted(change, key=lambda n: -abs(change[n]))[:3]
        effects = "; ".join(
            f"{_indicator_label(cmp, n)} {_pct(ind[pair['without']][n])} → "
            f"{_pct(ind[pair['with']][n])}"
            for n in notable
            if abs(change[n]) >= 0.0005
        )
        du, dse = pair["utility_change"], pair["utility_change_se"]
        worth = (
            "raises"
            if du > 1.96 * dse
            else ("lowers" if du < -1.96 * dse else "does not measurably change")
        )
        levers = ", ".join(_lever_label(cmp, n) for n in pair["levers"])
        after_rank = ranking.index(pair["with"]) + 1
        out.append(
            f"Adding {levers} to {_label(cmp, pair['without'])} "
            f"{worth} {actor}'s utility ({du:+.1f} ± {1.96 * dse:.1f}); "
            + (f"{effects}; " if effects else "")
            + f"the combined policy ranks {after_rank} of {len(ranking)}."
        )
    out.append(
        "These figures describe one world, the parameters' nominal values; every parameter "
        "has a plausible range, and the answer may change across them (see the parameter "
        "table, and run an exploration over the ranges to see in how many worlds it holds "
        "and which claims it hinges on)."
    )
    return out
