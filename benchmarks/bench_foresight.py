"""Fitted continuation values against exact ones, where both can be computed.

On Korea 2017 under several policies and horizons, and on the standoff
example, the first period's outcome probabilities and each actor's start
value are computed with exact values (every reachable state enumerated,
the state cap raised so that they run) and with fitted values (as full
foresight uses them when the states are too many). The largest gaps are
the figures; targets: 0.01 in probability, 1% of the largest start value.
"""

from __future__ import annotations

import time

import numpy as np

import escalade
from benchmarks._common import Ratio, Report
from escalade.game import build_game
from escalade.scenario import Policy
from escalade.simulation._foresight import compute_values
from escalade.simulation._plan import Plan
from escalade.solvers import resolve_fixed

__all__ = ["CASES", "run"]

#: (scenario, policy or None for free play, horizon); the states each reaches are in the table.
CASES = (
    ("korea-2017", "sanctions_default", 10),
    ("korea-2017", "strategic_impatience", 7),
    ("korea-2017", None, 6),
    ("korea-2017", "four_steps_with_talks", 8),
    ("korea-2017", "air_campaign", 10),
    ("docs/examples/standoff.yaml", None, 7),
    ("docs/examples/standoff.yaml", "push_back_with_hotline", 8),
)

#: Exact values of these cases need more states than full foresight's cap allows.
CAP = 400_000


def gaps(source: str, policy: str | None, periods: int) -> dict[str, float]:
    """Exact and fitted values of one case: their largest gaps, states and times."""
    sc = escalade.load(source)
    game = build_game(sc)
    known = {p.name: p for p in sc.policies}
    if policy is not None and policy not in known:
        raise KeyError(f"{source} has no policy {policy!r}; its policies: {', '.join(known)}")
    chosen = known[policy] if policy else Policy("free")
    plan = Plan(
        sc,
        game,
        sc.require_dynamics(),
        chosen,
        resolve_fixed(game, chosen.force),
        periods,
        None,
        "qre",
    )
    world = sc.parameters.nominal()
    start = time.process_time()
    _, exact = compute_values(plan, world, mode="exact", cap=CAP)
    exact_seconds = time.process_time() - start
    start = time.process_time()
    _, fitted = compute_values(plan, world, mode="approximate", seed=1)
    fitted_seconds = time.process_time() - start
    assert exact.start is not None
    assert fitted.start is not None
    assert exact.start_value is not None
    assert fitted.start_value is not None
    return {
        "states": float(exact.diagnostics["max_states_per_world"]),
        "probability": float(np.abs(exact.start.outcomes - fitted.start.outcomes).max()),
        "value": float(
            np.abs(exact.start_value - fitted.start_value).max() / np.abs(exact.start_value).max()
        ),
        "exact_seconds": exact_seconds,
        "fitted_seconds": fitted_seconds,
    }


def run(*, quick: bool = False) -> Report:
    """Every case (the first two with ``quick``)."""
    report = Report("Fitted against exact continuation values (first period, start values)")
    worst_p = worst_v = 0.0
    for source, policy, periods in CASES[:2] if quick else CASES:
        g = gaps(source, policy, periods)
        worst_p, worst_v = max(worst_p, g["probability"]), max(worst_v, g["value"])
        name = f"{escalade.load(source).name} {policy or 'free play'}, {periods} periods"
        report.add(
            name,
            f"{g['states']:,.0f} states; probability gap {g['probability']:.5f}, value gap "
            f"{100 * g['value']:.3f}%; exact {g['exact_seconds']:.1f} s, fitted "
            f"{g['fitted_seconds']:.1f} s CPU",
        )
    report.ratios.append(
        Ratio("foresight_probability_gap", worst_p, 0.01, higher_is_better=False, unit="")
    )
    report.ratios.append(
        Ratio("foresight_value_gap", 100 * worst_v, 1.0, higher_is_better=False, unit="%")
    )
    return report
