"""The simulation engine's bookkeeping: a chunk of runs played period by period.

Expected utilities are geometric sums: an outcome worth ``u`` that ends a
run in period 1 and recurs to the horizon ``T`` with discount ``d`` is
worth ``u * (1 - d**T) / (1 - d)`` (``u * T`` when ``d = 1``).
"""

from __future__ import annotations

import numpy as np
import pytest

import escalade
from escalade.game import build_game
from escalade.scenario import load_scenario_text
from escalade.simulation import simulate
from escalade.simulation._chunk import Chunk, Plan
from escalade.solvers import resolve_fixed

ENDER = """
escalade: 1
name: ender
players: [A]
parameters:
  d: {value: 0.9, low: 0.5, high: 1.0}
outcomes:
  stop: {payoffs: {A: 1}, end: true}
  go: {payoffs: {A: 0}, then: {x: x + 1}}
tree: {player: A, actions: {stop: stop, go: go}}
dynamics:
  periods: 5
  discount: d
  state:
    x: 0
    y: 0
  update: {y: y + 1}
  indicators:
    stopped: {any_of: [stop]}
    going: {at_end: alive}
policies:
  always_stop: {force: {root: stop}}
  always_go: {force: {root: go}}
"""


@pytest.fixture(scope="module")
def ender():
    return load_scenario_text(ENDER)


def _plan(scenario, policy_name, horizon=5):
    game = build_game(scenario)
    policy = next(p for p in scenario.policies if p.name == policy_name)
    fixed = resolve_fixed(game, policy.force)
    return Plan(scenario, game, scenario.dynamics, policy, fixed, horizon, None, "qre")


@pytest.mark.parametrize("d", [0.9, 0.6, 1.0])
def test_an_ending_outcome_recurs_to_the_horizon(ender, d):
    res = simulate(
        ender, "always_stop", runs=10, seed=1, draws=ender.parameters.fixed({"d": d}).nominal()
    )
    expected = 5.0 if d == 1.0 else (1 - d**5) / (1 - d)
    np.testing.assert_allclose(res.run_utility[:, 0], expected, rtol=1e-12)
    assert res.alive.tolist() == [0.0] * 5
    assert res.ended_in[:, 0].tolist() == [1.0] * 5
    assert res.probability("stopped") == 1.0
    assert res.probability("going") == 0.0


def test_ended_runs_are_frozen(ender):
    plan = _plan(ender, "always_stop")
    chunk = Chunk(plan, ender.parameters.nominal(4), np.random.default_rng(0))
    chunk.play_period(1)
    after_one = (chunk.utility.copy(), {k: v.copy() for k, v in chunk.state.items()})
    for t in range(2, 6):
        chunk.play_period(t)
    np.testing.assert_array_equal(chunk.utility, after_one[0])
    # the update of period 1 came after the run ended: y never moved
    assert chunk.state["y"].tolist() == [0.0] * 4
    assert chunk.stage(2) is None


def test_live_runs_move_by_then_and_update(ender):
    plan = _plan(ender, "always_go")
    chunk = Chunk(plan, ender.parameters.nominal(3), np.random.default_rng(0))
    for t in range(1, 6):
        chunk.play_period(t)
        assert chunk.state["x"].tolist() == [float(t)] * 3
        assert chunk.state["y"].tolist() == [float(t)] * 3
    assert chunk.alive.all()
    assert chunk.utility.tolist() == [[0.0]] * 3
    assert chunk.indicators().tolist() == [[False, True]] * 3


def test_a_chunk_played_by_hand_is_what_simulate_plays():
    korea = escalade.load("korea-2017")
    res = simulate(korea, "talks", runs=300, seed=5, foresight="myopic")
    game = build_game(korea)
    policy = next(p for p in korea.policies if p.name == "talks")
    plan = Plan(
        korea, game, korea.dynamics, policy, resolve_fixed(game, policy.force), 10, None, "qre"
    )
    # simulate gives each chunk a child of the seed's SeedSequence
    rng = np.random.default_rng(np.random.SeedSequence(5).spawn(1)[0])
    chunk = Chunk(plan, korea.parameters.nominal(300), rng)
    for t in range(1, 11):
        chunk.play_period(t)
    np.testing.assert_array_equal(chunk.utility, res.run_utility)
    np.testing.assert_array_equal(chunk.indicators(), res.run_flags)


@pytest.mark.parametrize("d", [0.9, 1.0])
def test_an_ending_outcome_books_its_recurrence_when_it_happens(ender, d):
    res = simulate(
        ender, "always_stop", runs=10, seed=1, draws=ender.parameters.fixed({"d": d}).nominal()
    )
    # the run ends in period 1, and its outcome's value to the horizon counts from then
    total = 5.0 if d == 1.0 else (1 - d**5) / (1 - d)
    np.testing.assert_allclose(res.utility_by_period[:, 0], [total] * 5, rtol=1e-12)
    np.testing.assert_allclose(res.utility_mean, res.utility_by_period[-1])
    np.testing.assert_allclose(res.utility_se, 0.0, atol=1e-6)  # rounding of a variance of 0


def test_keeping_runs_changes_only_what_is_kept():
    korea = escalade.load("korea-2017")
    kept = simulate(korea, "talks", runs=300, seed=5)
    dropped = simulate(korea, "talks", runs=300, seed=5, keep_runs=False)
    assert dropped.run_utility is None
    assert dropped.run_flags is None
    for name in ("alive", "cum_outcomes", "ended_in", "cum_events", "cum_indicators"):
        np.testing.assert_array_equal(getattr(dropped, name), getattr(kept, name))
    np.testing.assert_array_equal(dropped.utility_mean, kept.utility_mean)
    np.testing.assert_array_equal(dropped.state_mean, kept.state_mean)
