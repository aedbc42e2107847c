"""``utility:``: a player's attitude to risk as a curve over its payoffs.

The expected numbers are worked by hand from the transform: with
``x - 0.1 * x**2``, a payoff of 4 is worth 4 - 1.6 = 2.4 and a payoff of
-3 is worth -3 - 0.9 = -3.9, so an even gamble between them is worth
-0.75 to a risk-averse player against 0.5 to a risk-neutral one.
"""

from __future__ import annotations

import pytest

import escalade
from escalade.errors import ScenarioError
from escalade.game import build_game
from escalade.scenario import load_scenario_text

GAMBLE = """
escalade: 1
name: gamble
players: [A, B]
parameters:
  r: {value: 0.1, note: "curvature of A's utility"}
outcomes:
  safe: {payoffs: {A: 0, B: 0}}
  win: {payoffs: {A: 4, B: -1}}
  loss: {payoffs: {A: -3, B: 1}}
{utility}
tree:
  player: A
  actions:
    safe: safe
    gamble:
      chance: {good: 0.5, bad: 0.5}
      actions: {good: win, bad: loss}
"""


def _gamble(utility: str = 'utility: {A: "x - r * x**2"}'):
    return load_scenario_text(GAMBLE.replace("{utility}", utility))


def test_a_concave_utility_turns_down_a_gamble_a_neutral_player_takes():
    averse = escalade.solve(_gamble(), method="spe")
    neutral = escalade.solve(_gamble(""), method="spe")
    assert averse.payoff("A") == pytest.approx(0.0)
    assert neutral.payoff("A") == pytest.approx(0.5)


def test_the_transform_applies_to_its_player_only_and_to_every_outcome():
    taken = escalade.solve(_gamble(), method="spe", overrides={"r": 0.0})
    assert taken.payoff("A") == pytest.approx(0.5)
    assert taken.payoff("B") == pytest.approx(0.0)
    values = _gamble()

    g = build_game(values)
    pay = g.evaluate(values.parameters.nominal()).payoffs[0]
    assert pay[:, 0].tolist() == pytest.approx([0.0, 2.4, -3.9])
    assert pay[:, 1].tolist() == pytest.approx([0.0, -1.0, 1.0])


@pytest.mark.parametrize(
    ("utility", "message"),
    [
        ('utility: {C: "x"}', "unknown key 'C' in utility"),
        ('utility: {A: "r * 2"}', "must be an expression of 'x'"),
        ('utility: {A: "x - y"}', "unknown name 'y'"),
    ],
)
def test_a_wrong_utility_is_reported_where_it_is_written(utility, message):
    with pytest.raises(ScenarioError, match=message) as info:
        _gamble(utility)
    assert info.value.line is not None


def test_x_cannot_also_be_a_parameter():
    text = GAMBLE.replace("{utility}", 'utility: {A: "x"}').replace(
        "  r: {value: 0.1", "  x: {value: 1, note: a clash}\n  r: {value: 0.1"
    )
    with pytest.raises(ScenarioError, match="already a parameter"):
        load_scenario_text(text)


def test_korea_weighs_the_us_leadership_s_risk_attitude():
    korea = escalade.load("korea-2017")
    assert [u.player for u in korea.utility] == ["USA"]
    assert "x" in korea.utility[0].formula.expr.names
