"""Exact values valued again on the same states (escalade.simulation._exact
``ExactValues.repriced``), as a what-if slider over a parameter that only the
stage games read does.

Reference: the values computed from scratch at the new parameter values. The
states a world reaches and the weights between them are a function of the
names the transition reads (``Transition.reads``); at other values of the
other parameters the same states follow one another alike, so evaluating
each period's stage games again on those states and redoing the backward
pass (Bellman's backward induction over the same tree of states) must give
the same numbers, to the last bit. When an outcome turns unreachable (a
probability reaching 0), the states may differ, and the repricing declines.
"""

from __future__ import annotations

import numpy as np
import pytest

import escalade
import escalade.simulation._stage_ahead as stage_ahead
from escalade.analysis import what_if
from escalade.game import build_game
from escalade.scenario import Policy
from escalade.simulation._exact import ExactValues
from escalade.simulation._plan import Plan
from escalade.simulation._transition import Transition

DELTA = np.array([0.9])


@pytest.fixture(scope="module")
def korea():
    return escalade.load("korea-2017")


def _values(scenario, policy: str, values: dict[str, float], *, keep: bool) -> ExactValues:
    sc = escalade.load("korea-2017")
    plan = Plan(sc, build_game(sc), sc.dynamics, Policy(policy), None, 10, None, "qre")
    world = scenario.parameters.fixed(values).nominal()
    return ExactValues(plan, Transition(plan), world, DELTA, keep_steps=keep)


@pytest.mark.parametrize(
    ("name", "value"), [("p_detect", 0.8), ("p_clash", 0.45), ("fear_strike", 0.2)]
)
def test_repriced_values_equal_values_computed_anew(korea, name, value):
    plan = Plan(korea, build_game(korea), korea.dynamics, Policy("free"), None, 10, None, "qre")
    assert name not in Transition(plan).reads  # a parameter only the stage games read
    base = _values(korea, "free", {}, keep=True)
    moved = korea.parameters.fixed({name: value}).nominal()
    again = base.repriced(moved, DELTA)
    fresh = _values(korea, "free", {name: value}, keep=False)
    assert again is not None
    assert np.array_equal(again.first.value, fresh.first.value)
    assert np.array_equal(again.first.values, fresh.first.values)
    for a, b in zip(again.tables, fresh.tables, strict=True):
        assert np.array_equal(a.probs, b.probs)
    assert not np.array_equal(again.first.value, base.first.value)  # it did move


def test_repricing_declines_when_an_outcome_turns_unreachable(korea):
    base = _values(korea, "free", {}, keep=True)
    # no launch pad is ever detected: the outcomes after a detection cannot happen
    assert base.repriced(korea.parameters.fixed({"p_detect": 0.0}).nominal(), DELTA) is None


def test_values_not_kept_with_their_steps_are_not_repriced(korea):
    base = _values(korea, "free", {}, keep=False)
    assert base.repriced(korea.parameters.nominal(), DELTA) is None


@pytest.mark.parametrize("policy", ["free", "strategic_impatience_with_four_steps"])
def test_a_what_if_slider_step_is_the_what_if_computed_anew(korea, policy):
    game = build_game(korea)
    stage_ahead._kept.clear()
    stage_ahead._shapes.clear()
    plan = Plan(korea, game, korea.dynamics, Policy(policy), None, 10, None, "qre")
    assert "p_detect" not in Transition(plan).reads
    assert "cap_step" in Transition(plan).reads
    what_if(korea, game=game, values={"p_detect": 0.3}, policy=policy, table=False)
    moved = what_if(korea, game=game, values={"p_detect": 0.7}, policy=policy, table=False)
    stage_ahead._kept.clear()
    stage_ahead._shapes.clear()
    fresh = what_if(korea, game=game, values={"p_detect": 0.7}, policy=policy, table=False)
    assert np.array_equal(moved.stage.outcomes, fresh.stage.outcomes)
    assert np.array_equal(moved.stage.payoffs, fresh.stage.payoffs)
    # a parameter the transition reads: another shape, enumerated again, the same answer
    moved = what_if(korea, game=game, values={"cap_step": 0.1}, policy=policy, table=False)
    stage_ahead._kept.clear()
    stage_ahead._shapes.clear()
    fresh = what_if(korea, game=game, values={"cap_step": 0.1}, policy=policy, table=False)
    assert np.array_equal(moved.stage.outcomes, fresh.stage.outcomes)
