"""One stage game solved node by node, and the what-if built on it.

Reference numbers:

- the International Interaction Game with every choice at 1/2 (logit QRE
  at lambda = 0 is uniform play) gives Pr(SQ, AcqA, AcqB, Nego, CapA,
  CapB, War) = (1/4, 1/8, 1/4, 3/32, 1/16, 5/64, 9/64), from Signorino
  (1999)'s tree (the same numbers DESIGN.md and tests/test_scenario_iig.py
  use);
- expected payoffs under a profile are the outcome probabilities times the
  payoff table, node by node (the definition of a behaviour strategy's
  value, Kuhn 1953), so the root's value must equal the solver's payoffs;
- at lambda = inf on a perfect-information game every action played with
  positive probability has the largest action value at its node (backward
  induction, the subgame-perfect equilibrium).
"""

from __future__ import annotations

import numpy as np
import pytest

import escalade
from escalade.analysis import controls, parameter_range, what_if
from escalade.errors import ParameterError
from escalade.simulation import simulate, stage_game

IIG_UNIFORM = {
    "SQ": 1 / 4,
    "AcqA": 1 / 8,
    "AcqB": 1 / 4,
    "Nego": 3 / 32,
    "CapA": 1 / 16,
    "CapB": 5 / 64,
    "War": 9 / 64,
}


@pytest.fixture(scope="module")
def korea():
    return escalade.load("korea-2017")


def test_uniform_play_reaches_signorinos_outcome_probabilities():
    sg = stage_game(escalade.load("iig"), lam=0.0)
    got = dict(zip(sg.game.outcomes, sg.outcomes, strict=True))
    # the scenario names the two wars by who started them; Signorino's War is both
    got["War"] = got.pop("WarA") + got.pop("WarB")
    for name, p in IIG_UNIFORM.items():
        assert got[name] == pytest.approx(p, abs=1e-12)
    leaves = sg.reach[sg.game.kind == 0]
    assert leaves.sum() == pytest.approx(1.0)


def test_the_roots_value_is_the_solvers_payoff(korea):
    sg = stage_game(korea, "four_steps_with_talks", values={"p_detect": 0.6})
    np.testing.assert_allclose(sg.node_payoffs[0], sg.payoffs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sg.payoffs, sg.outcomes @ sg.outcome_payoffs, atol=1e-10)


def test_at_the_limit_only_best_actions_are_played():
    sg = stage_game(escalade.load("iig"), lam=float("inf"), method="spe")
    for h in range(sg.game.n_infosets):
        lo = int(sg.game.infoset_actions[h])
        values = sg.action_values(h)
        probs = sg.strategies[lo : lo + values.size]
        assert values[probs > 0].min() == pytest.approx(values.max())


def test_the_stage_game_is_the_one_the_simulation_plays_first(korea):
    # one period, one run, the same policy: the drawn outcome's frequencies over many
    # runs converge to the stage game's outcome probabilities (a one-period simulation
    # has nothing to look ahead to: its actors play the stage payoffs)
    sg = stage_game(korea, "talks", foresight="myopic")
    res = simulate(korea, "talks", runs=20_000, seed=5, periods=1)
    first = res.cum_outcomes[0]
    np.testing.assert_allclose(first, sg.outcomes, atol=0.015)


def test_forced_choices_are_played_as_forced(korea):
    sg = stage_game(korea, "invasion")
    us = {i["infoset"]: i for i in sg.infosets() if i["player"] == "USA"}
    probs = {a["action"]: a["probability"] for a in us["US_track"]["actions"]}
    assert probs["invasion"] == 1.0
    # the policy forces only the track: the answer to a detected launch stays free
    free = [a["forced"] for a in us["US_detected_sanctions"]["actions"]]
    assert not any(free)
    assert sum(probs.values()) == pytest.approx(1.0)


def test_state_and_levers_move_the_stage_game(korea):
    base = stage_game(korea)
    armed = stage_game(korea, state={"capability": 0.95})
    stepped = stage_game(korea, levers={"step1": 1.0})
    assert not np.allclose(base.outcome_payoffs, armed.outcome_payoffs)
    assert not np.allclose(base.outcome_payoffs, stepped.outcome_payoffs)


def test_unknown_state_variables_are_named(korea):
    with pytest.raises(ParameterError, match="no state variable 'morale'"):
        stage_game(korea, state={"morale": 1})


def test_what_if_solves_every_policy_at_the_same_point(korea):
    w = what_if(korea, values={"p_detect": 0.9}, policy="talks")
    assert list(w.policies) == ["free", *(p.name for p in korea.policies)]
    np.testing.assert_allclose(w.policies["talks"].outcomes, w.stage.outcomes)
    other = what_if(korea, values={"p_detect": 0.1})
    assert not np.allclose(other.policies["free"].outcomes, w.policies["free"].outcomes)


def test_controls_span_each_distributions_support(korea):
    c = controls(korea)
    by_name = {p["name"]: p for p in c["parameters"]}
    for p in korea.parameters:
        entry = by_name[p.name]
        if p.choices is not None:
            assert entry["choices"] == list(p.choices)
        elif p.dist is not None:
            low, high = parameter_range(p)
            assert low <= p.nominal <= high
    assert [lv["name"] for lv in c["levers"]] == [lv.name for lv in korea.levers]


def _strategy_gap(sg, start):
    """Largest difference between a stage game's strategies and a simulation's start block."""
    return max(
        abs(a["probability"] - start["strategies"][i["player"]][i["infoset"]][a["action"]])
        for i in sg.infosets()
        for a in i["actions"]
    )


@pytest.mark.parametrize("policy", ["free", "talks"])
def test_with_foresight_the_stage_game_is_simulates_start(korea, policy):
    # the "start" block of simulate's result is the first period at the initial state
    # solved with continuation values: the stage game with foresight must be the same
    res = simulate(korea, policy, runs=20, seed=1)
    start = res.foresight.start_dict()
    sg = stage_game(korea, policy)
    assert sg.foresight == "exact"
    assert _strategy_gap(sg, start) < 1e-9
    np.testing.assert_allclose(sg.payoffs, list(start["value"].values()), atol=1e-9)
    # the nodes' values are in the same forward-looking units: the root is the value
    np.testing.assert_allclose(sg.node_payoffs[0], sg.payoffs, rtol=1e-10, atol=1e-12)


def test_myopic_and_full_stage_games_differ(korea):
    full = stage_game(korea, "talks")
    myopic = stage_game(korea, "talks", foresight="myopic")
    np.testing.assert_array_equal(full.period_payoffs, myopic.outcome_payoffs)
    assert np.abs(full.outcomes - myopic.outcomes).max() > 0.05
    assert full.to_dict()["foresight"] == "exact"
    assert myopic.to_dict()["foresight"] == "myopic"


def test_foresight_from_another_state_starts_there(korea):
    # the state given replaces the initial value: the same as a scenario starting there
    var = korea.dynamics.state[0]
    value = var.high if var.high is not None else 1.0
    moved = stage_game(korea, "free", state={var.name: value})
    assert moved.env[var.name][0] == pytest.approx(value)
    assert moved.foresight == "exact"
    assert np.abs(moved.outcomes - stage_game(korea, "free").outcomes).max() > 0


def test_foresight_is_checked(korea):
    with pytest.raises(ParameterError, match="foresight must be one of"):
        stage_game(korea, foresight="psychic")
    with pytest.raises(ParameterError, match="from period 1"):
        stage_game(korea, period=3)
    assert stage_game(escalade.load("iig"), foresight="full").foresight == "myopic"
