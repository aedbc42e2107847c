"""The optional sections of a scenario are typed fields of ``Scenario``.

``dynamics``, ``levers``, ``policies`` and ``question`` are read by the
loader in a fixed order and land in attributes of their own; nothing is
kept by string key.
"""

from __future__ import annotations

import dataclasses

import pytest

import escalade
from escalade.scenario import Dynamics, Lever, Policy, Question, Scenario, load_scenario_text

# A one-shot game with a policy that only forces a choice: no levers, no dynamics.
FORCING_ONLY = """
escalade: 1
name: forcing-only
claims:
  K1: "Deterrence works when the threat is believed."
players: [A, B]
outcomes:
  quiet: {payoffs: {A: 0, B: 0}}
  war: {payoffs: {A: -1, B: -2}}
tree:
  player: A
  infoset: A_move
  actions: {wait: quiet, attack: war}
policies:
  restraint: {force: {A_move: wait}, claims: [K1]}
"""


def test_every_section_is_a_field_of_the_dataclass():
    fields = {f.name: f.type for f in dataclasses.fields(Scenario)}
    assert fields["dynamics"] == "Dynamics | None"
    assert fields["levers"] == "tuple[Lever, ...]"
    assert fields["policies"] == "tuple[Policy, ...]"
    assert fields["question"] == "Question | None"
    assert "extra" not in fields


def test_a_one_shot_game_has_empty_sections():
    iig = escalade.load("iig")
    assert (iig.dynamics, iig.levers, iig.policies, iig.question) == (None, (), (), None)


def test_a_crisis_over_time_fills_them():
    korea = escalade.load("korea-2017")
    assert isinstance(korea.dynamics, Dynamics)
    assert all(isinstance(lv, Lever) for lv in korea.levers)
    assert all(isinstance(p, Policy) for p in korea.policies)
    assert isinstance(korea.question, Question)
    assert korea.question.policy in {p.name for p in korea.policies}


def test_a_policy_without_levers_is_cited():
    scenario = load_scenario_text(FORCING_ONLY)
    assert scenario.levers == ()
    assert scenario.dynamics is None
    assert scenario.policies[0].force == {"A_move": {"wait": 1.0, "attack": 0.0}}
    assert scenario.citations() == {"K1": ["policy:restraint"]}


def test_a_lever_the_scenario_lacks_is_refused():
    scenario = load_scenario_text(FORCING_ONLY)
    with pytest.raises(escalade.ParameterError, match="unknown lever 'hotline'; levers: none"):
        scenario.environment(scenario.parameters.nominal(), levers={"hotline": 1.0})


def test_a_one_shot_game_cannot_be_simulated():
    with pytest.raises(escalade.ScenarioError, match="has no dynamics: section"):
        escalade.load("iig").require_dynamics()
