"""Foresight in simulations: what it changes, that the simulation converges to it,
fitted values against exact ones, and the settings a scenario cannot support.

Oracles: a closed form (the grievance game below, solved by hand), the
exact values of the same scenario (for fitted values), and each result's
own standard error (for convergence).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import escalade
from _foresight import LADDER, SIGNALS, scenario
from escalade.errors import ScenarioError
from escalade.scenario import load_scenario_text
from escalade.simulation import simulate

# the first version of korea-2017: its state reaches too many values for exact
# foresight (the second version's reaches few, so it is solved exactly)
KOREA_V1 = Path(__file__).parent / "fixtures" / "korea-2017-v1.yaml"

# One actor with a grievance x (1 at the start). Talking costs x this year and halves
# the grievance; war costs 0.8 a year and lasts. A myopic actor compares -1 with -0.8
# and goes to war; one who looks ahead sees war cost 0.8 for every year left.
GRIEVANCE = """
escalade: 1
name: grievance
players: [A]
outcomes:
  talk: {payoffs: {A: "-x"}, then: {x: "x / 2"}}
  war: {payoffs: {A: -0.8}, end: true}
tree: {player: A, actions: {talk: talk, war: war}}
dynamics:
  periods: 3
  discount: 0.9
  state:
    x: {initial: 1, low: 0, high: 1}
  indicators:
    war: {any_of: [war]}
"""


def test_an_actor_who_looks_ahead_avoids_the_war_a_myopic_one_starts():
    sc = load_scenario_text(GRIEVANCE)
    full = simulate(sc, runs=10, seed=1, method="spe")
    myopic = simulate(sc, runs=10, seed=1, method="spe", foresight="myopic")
    # by hand, delta = 0.9: war is worth -0.8 * (1 + 0.9 + 0.81) = -2.168 from year 1;
    # talking then, at x = 1/2 and 1/4: W3(1/4) = max(-0.25, -0.8) = -0.25,
    # W2(1/2) = max(-0.5 + 0.9 * -0.25, -0.8 * 1.9) = -0.725,
    # W1(1) = max(-1 + 0.9 * -0.725, -2.168) = -1.6525 (talk every year)
    assert full.foresight.method == "exact"
    np.testing.assert_allclose(full.foresight.start_value, [-1.6525], atol=1e-12)
    np.testing.assert_allclose(full.utility_mean, [-1.6525], atol=1e-12)
    assert full.probability("war") == 0.0
    # the myopic actor goes to war at once and is scored for it to the horizon
    np.testing.assert_allclose(myopic.utility_mean, [-2.168], atol=1e-12)
    assert myopic.probability("war") == 1.0
    assert myopic.foresight.method == "myopic"
    assert myopic.foresight.start_value is None


@pytest.mark.parametrize(
    ("text", "fixed", "policy"),
    [(LADDER, {"d": 0.9}, None), (LADDER, {"d": 0.9, "lam": 2.0}, "soft"), (SIGNALS, {}, None)],
)
def test_the_simulation_converges_to_the_exact_start_values(text, fixed, policy):
    sc = scenario(text, **fixed)
    res = simulate(sc, policy, runs=200_000, seed=7)
    assert res.foresight.method == "exact"
    gap = np.abs(res.utility_mean - res.foresight.start_value)
    # a gap of 4 standard errors happens by chance about once in 16,000 players
    assert (gap < 4 * res.utility_se).all(), (gap, res.utility_se)


def test_the_simulation_converges_to_the_start_values_of_korea_under_exact_values():
    res = simulate(escalade.load("korea-2017"), "sanctions_default", runs=100_000, seed=3)
    assert res.foresight.method == "exact"
    gap = np.abs(res.utility_mean - res.foresight.start_value)
    assert (gap < 4 * res.utility_se).all(), (gap, res.utility_se)


def _gaps(exact, fitted):
    """Largest gap in first-period outcome probabilities, and in start values relative to
    the largest start value."""
    e, f = exact.foresight, fitted.foresight
    p = float(np.abs(e.start.outcomes - f.start.outcomes).max())
    v = float(np.abs(e.start_value - f.start_value).max() / np.abs(e.start_value).max())
    return p, v


@pytest.mark.parametrize(
    ("source", "policy", "periods", "samples"),
    [
        ("korea-2017", None, 5, 1024),
        ("korea-2017", "strategic_impatience", 6, 1024),
        ("docs/examples/standoff.yaml", None, 6, 256),
    ],
)
def test_fitted_values_are_close_to_exact_ones(source, policy, periods, samples):
    sc = escalade.load(source)
    exact = simulate(sc, policy, runs=1, seed=1, periods=periods, foresight="exact")
    fitted = simulate(
        sc, policy, runs=1, seed=1, periods=periods, foresight="approximate", samples=samples
    )
    assert fitted.foresight.method == "approximate"
    fit = fitted.foresight.diagnostics["fit"]
    assert [f["period"] for f in fit] == list(range(2, periods + 1))
    assert min(f["r2"] for f in fit) > 0.9
    p, v = _gaps(exact, fitted)
    # the benchmark (benchmarks/bench_foresight.py) holds them to 0.01 and 1%
    assert p < 0.02
    assert v < 0.02


def test_full_foresight_says_which_values_it_used():
    few = simulate(scenario(LADDER), runs=10, seed=1)
    assert few.foresight.mode == "full"
    assert few.foresight.method == "exact"
    assert few.foresight.diagnostics["states"] == [1, 5, 9]
    many = simulate(escalade.load(KOREA_V1), None, runs=10, seed=1, samples=2048, foresight="full")
    assert many.foresight.method == "approximate"
    assert "reachable states per world by period" in many.foresight.reason
    data = many.to_dict()
    assert data["foresight"]["method"] == "approximate"
    assert data["start"]["value"]["USA"] == pytest.approx(many.foresight.start_value[0])
    assert set(data["start"]["strategies"]) == {"USA", "DPRK", "PRC", "ROK", "JPN"}
    assert "Foresight: full; fitted values (more than" in str(many.summary())


def test_the_scenario_chooses_its_foresight():
    text = GRIEVANCE.replace("  periods: 3\n", "  periods: 3\n  foresight: myopic\n")
    res = simulate(load_scenario_text(text), runs=10, seed=1, method="spe")
    assert res.foresight.mode == "myopic"
    assert res.probability("war") == 1.0
    # an option overrides the scenario
    res = simulate(load_scenario_text(text), runs=10, seed=1, method="spe", foresight="full")
    assert res.probability("war") == 0.0


def test_exact_foresight_on_too_many_states_is_an_error_with_the_count():
    with pytest.raises(
        ScenarioError,
        match=r"korea-2017: exact foresight .* at most 20,000 per world over the horizon; "
        r"found [\d,]+ by period \d+ of 10",
    ):
        simulate(escalade.load(KOREA_V1), None, runs=10, foresight="exact")


def test_a_state_too_large_to_fit_over_a_long_horizon_is_an_error_naming_why():
    names = [f"v{i}" for i in range(40)]
    state = "\n".join(f"    {n}: {{initial: 0.5, low: 0, high: 1}}" for n in names)
    update = "\n".join(f"    {n}: '{n} * 0.9'" for n in names)
    text = f"""
escalade: 1
name: huge
players: [A]
outcomes:
  a: {{payoffs: {{A: v0}}, then: {{v0: v0 + 0.1}}}}
  b: {{payoffs: {{A: v1}}}}
tree: {{player: A, actions: {{a: a, b: b}}}}
dynamics:
  periods: 1000
  state:
{state}
  update:
{update}
"""
    with pytest.raises(
        ScenarioError,
        match=r"huge: fitted values would sample [\d,]+ states per world and period .* 1,101 "
        r"features of its 40 state variables: .* above the limit",
    ):
        simulate(load_scenario_text(text), runs=10, seed=1)
    with pytest.raises(ScenarioError, match=r"need at least 4,404 sampled states"):
        simulate(
            load_scenario_text(text),
            runs=10,
            seed=1,
            periods=3,
            samples=1000,
            foresight="approximate",
        )


def test_an_unknown_foresight_is_refused():
    with pytest.raises(escalade.ParameterError, match="foresight must be one of full, myopic"):
        simulate(scenario(LADDER), runs=10, foresight="perfect")
