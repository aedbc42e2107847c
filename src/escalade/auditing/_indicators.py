"""Indicators whose name says one thing and that count another.

An indicator's name is what a reader of a report takes it to mean.
``regime_change`` that counts, under some policy, mostly runs that ended
with China moving in to keep its grip (an outcome whose name and label
share no word with "regime change") tells the reader something the model
does not say. The check is a heuristic with numbers behind it: among the
outcomes and events an indicator counts, some share a word with its
name or label and some do not; under some policy, more than half of the
runs it counts are counted only through the latter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import NDArray

from escalade.auditing._findings import WARNING, Finding
from escalade.auditing._structure import listing
from escalade.scenario import Scenario

__all__ = ["misnamed_indicators", "words"]

# Words that say nothing about what an outcome is.
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "by",
        "in",
        "on",
        "to",
        "and",
        "or",
        "no",
        "not",
        "with",
        "its",
        "after",
        "then",
        "e",
        "g",
    ]
)


def words(name: str, label: str) -> set[str]:
    """The words of a name and its label, lower case, without the empty ones.

    Examples
    --------
    >>> sorted(words("regime_change", "DPRK regime change"))
    ['change', 'dprk', 'regime']
    """
    text = f"{name} {label}".replace("_", " ").lower()
    return {w for w in re.findall(r"[a-z]+", text) if w not in _STOP and len(w) > 1}


def misnamed_indicators(
    scenario: Scenario,
    runs: Mapping[str, NDArray[np.float64]],
    column: Callable[[str], int],
    scope: str,
) -> list[Finding]:
    """Indicators that, under some policy, count mostly what their name does not speak of.

    ``runs`` holds each policy's runs (one row per run); ``column(name)``
    gives the column of ``indicator:NAME``, ``outcome:NAME`` or
    ``event:NAME``; ``scope`` says how many runs, for the evidence.
    """
    dyn = scenario.require_dynamics()
    outcomes = {o.name: o.label for o in scenario.outcomes}
    labels = outcomes | {e.name: e.label for e in dyn.events}
    out = []
    for ind in dyn.indicators:
        own = words(ind.name, ind.label)
        named = [n for n in ind.any_of if words(n, labels.get(n, "")) & own]
        other = [n for n in ind.any_of if n not in named]
        if not named or not other:
            continue
        cols = {n: column(("outcome:" if n in outcomes else "event:") + n) for n in ind.any_of}
        worst: tuple[str, float, float] | None = None
        for policy, base in runs.items():
            counted = base[:, column(f"indicator:{ind.name}")] > 0
            if not counted.any():
                continue
            by_name = np.zeros(base.shape[0], dtype=bool)
            for n in named:
                by_name |= base[:, cols[n]] > 0
            share = float((counted & ~by_name).sum() / counted.sum())
            if worst is None or share > worst[1]:
                worst = (policy, share, float(counted.mean()))
        if worst is None or worst[1] <= 0.5:
            continue
        policy, share, prob = worst
        out.append(
            Finding(
                "misnamed_indicator",
                f"indicator:{ind.name}",
                WARNING,
                f"the indicator {ind.name} ({ind.label or ind.name}) counts {listing(other)}, "
                f"whose names and labels share no word with its own; under {policy} they make "
                f"{100 * share:.0f}% of what it counts",
                f"under {policy}, {ind.name} is true in {100 * prob:.1f}% of runs, "
                f"{100 * share:.0f}% of them through {listing(other)} alone ({scope})",
                {"policy": policy, "share": share, "counts": list(other)},
            )
        )
    return out
