"""Small finite-state scenarios with dynamics, for the tests of foresight.

Each reaches few states from its start, so exact values apply and the
whole game can be unrolled into one tree that Gambit and escalade's batch
solvers solve on their own. Between them they have flags, a category,
bounded integer steps, ``period`` in payoffs, events with ``when:``,
events that change the state and one that ends the run, outcomes that end
the run and outcomes that do not, chance in the stage game, and (in
``SIGNALS``) information sets.
"""

from __future__ import annotations

from dataclasses import replace

import escalade
from escalade.scenario import Scenario, load_scenario_text

__all__ = ["LADDER", "SIGNALS", "scenario"]

# An escalation ladder: A pushes or waits, B gives or resists; resisting risks war,
# more so higher up the ladder. Concessions raise an alert, which an incident may turn
# into a tense mode, in which talks may end the crisis in a truce.
LADDER = """
escalade: 1
name: ladder
title: An escalation ladder
players: [A, B]
parameters:
  d: {value: 1.0, low: 0.8, high: 1.0, note: discount}
  lam: {value: 1.0, low: 0.5, high: 2.0}
  stake: {value: 1.0, low: 0.5, high: 1.5}
  war_cost: {value: 3.0, low: 2.0, high: 4.0}
  p_war: {value: 0.3, low: 0.1, high: 0.4}
outcomes:
  quiet:
    payoffs: {A: 0, B: "0.2 * level + 0.1 * period"}
    then: {level: "level - 1"}
  concession:
    payoffs: {A: "stake * (1 + level)", B: "-stake - 0.5 * alert"}
    then: {level: "level + 1", alert: true}
  standoff:
    payoffs: {A: -0.3, B: "-0.3 - 0.2 * (mode == 'tense')"}
    then: {level: "level + 1", mode: tense}
  war:
    payoffs: {A: "-war_cost", B: "-war_cost - level"}
    end: true
  truce:
    payoffs: {A: 0.5, B: 0.5}
    end: true
tree:
  player: A
  actions:
    push:
      player: B
      actions:
        give: concession
        resist:
          chance: {fight: "p_war * (1 + level) / 4", stall: "1 - p_war * (1 + level) / 4"}
          actions: {fight: war, stall: standoff}
    wait: quiet
dynamics:
  periods: 3
  discount: d
  rationality: lam
  state:
    level: {initial: 0, low: 0, high: 3}
    alert: {initial: false}
    mode: {initial: calm, choices: [calm, tense]}
  update:
    alert: "alert and mode == 'calm'"
  events:
    incident:
      when: alert
      probability: 0.4
      then: {mode: tense}
    talks:
      when: "mode == 'tense'"
      probability: 0.25
      end: truce
    flare:
      probability: "0.1 * level"
      then: {level: "level + 1", alert: true}
  indicators:
    war: {any_of: [war]}
    truce: {any_of: [truce, talks]}
policies:
  firm: {force: {push: resist}}
  soft: {force: {push: {give: 0.7, resist: 0.3}}}
"""

# A reputation game: nature makes the sender tough or weak (likelier tough with a
# reputation); the sender demands or waits; the receiver, who does not see the type,
# yields or fights. Yielding to a demand builds the sender's reputation; fighting a
# weak sender ends the crisis.
SIGNALS = """
escalade: 1
name: signals
title: Reputation
players: [S, R]
parameters:
  d: {value: 1.0, low: 0.8, high: 1.0}
  lam: {value: 1.5}
  gain: {value: 1.0, low: 0.5, high: 1.5}
outcomes:
  wait_tough: {payoffs: {S: 0, R: 0}}
  wait_weak: {payoffs: {S: 0, R: 0}, then: {rep: "rep - 1"}}
  yield_tough: {payoffs: {S: "gain", R: -1}, then: {rep: "rep + 1"}}
  yield_weak: {payoffs: {S: "gain", R: -1}, then: {rep: "rep + 1"}}
  fight_tough: {payoffs: {S: 0.5, R: -2}}
  fight_weak: {payoffs: {S: -2, R: 1}, end: true}
tree:
  chance: {tough: "0.3 + 0.2 * rep", weak: "0.7 - 0.2 * rep"}
  actions:
    tough:
      player: S
      actions:
        demand:
          player: R
          infoset: R_demanded
          actions: {yield: yield_tough, fight: fight_tough}
        wait: wait_tough
    weak:
      player: S
      actions:
        demand:
          player: R
          infoset: R_demanded
          actions: {yield: yield_weak, fight: fight_weak}
        wait: wait_weak
dynamics:
  periods: 3
  discount: d
  rationality: lam
  state:
    rep: {initial: 0, low: 0, high: 2}
  indicators:
    fought: {any_of: [fight_tough, fight_weak]}
"""


def scenario(text: str, **fixed: float | str) -> Scenario:
    """A scenario from its text, with some parameters fixed.

    ``korea`` loads the bundled korea-2017.
    """
    loaded = escalade.load("korea-2017") if text == "korea" else load_scenario_text(text)
    assert isinstance(loaded, Scenario)
    if fixed:
        loaded = replace(loaded, parameters=loaded.parameters.fixed(fixed))
    return loaded
