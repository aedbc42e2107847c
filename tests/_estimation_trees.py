"""Trees beyond the four shapes of games, with data simulated from known coefficients.

``THREE_WAY``: player A chooses among three actions; the middle one leads
to a chance move, the right one to B, who may hand the move back to A
(A moves twice), and outcome x is reached by two different paths.
``CHANCE_FIRST``: a chance move, then A and B each move once on every
path with different outcomes after every action, so that the
private-information model applies.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd

from escalade.estimation import EstimationResult, fit, read_data
from escalade.estimation._build import build_model
from escalade.scenario import Scenario, load_scenario_text

THREE_WAY = """
escalade: 1
name: three-way
players: [A, B]
parameters:
  ua_x: 0
  ua_y: 0
  ua_z: 0
  ub_z: 0
outcomes:
  x: {payoffs: {A: ua_x, B: 0}}
  y: {payoffs: {A: ua_y, B: 1}}
  z: {payoffs: {A: ua_z, B: ub_z}}
  w: {payoffs: {A: 0, B: 0}}
tree:
  player: A
  actions:
    left: x
    middle:
      chance: {up: 0.3, down: 0.7}
      actions:
        up: {player: B, actions: {give: y, fight: z}}
        down: w
    right:
      player: B
      actions:
        give: {player: A, actions: {take: x, leave: y}}
        fight: z
estimation:
  outcome: y
  utilities:
    ua_x: x1
    ua_y: x2 - 1
    ua_z: 1
    ub_z: x2
  error: agent
  link: LINK
SCALE"""

CHANCE_FIRST = """
escalade: 1
name: chance-first
players: [A, B]
parameters:
  ua1: 0
  ua2: 0
  ub2: 0
  ua4: 0
  ub4: 0
outcomes:
  o1: {payoffs: {A: ua1, B: 0}}
  o2: {payoffs: {A: 0, B: 0}}
  o3: {payoffs: {A: ua2, B: ub2}}
  o4: {payoffs: {A: 0, B: 0}}
  o5: {payoffs: {A: ua4, B: ub4}}
tree:
  chance: {calm: 0.6, storm: 0.4}
  actions:
    calm:
      player: A
      actions:
        stay: o1
        go: {player: B, actions: {yield: o2, resist: o3}}
    storm:
      player: A
      actions:
        stay: o4
        go: {player: B, actions: {yield: o2, resist: o5}}
estimation:
  outcome: y
  utilities:
    ua1: x1
    ua2: 1
    ub2: x2
    ua4: x2 - 1
    ub4: 1
  error: ERROR
  link: probit
"""

#: name -> (template, replacements, true coefficients used to simulate)
GENERAL_VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "three_way_logit": (THREE_WAY, {"LINK": "logit", "SCALE": ""}),
    "three_way_probit": (THREE_WAY, {"LINK": "probit", "SCALE": ""}),
    "three_way_scale_by_player": (
        THREE_WAY,
        {"LINK": "logit", "SCALE": "  scale: {B: x1}\n"},
    ),
    "chance_first_agent": (CHANCE_FIRST, {"ERROR": "agent"}),
    "chance_first_private": (CHANCE_FIRST, {"ERROR": "private"}),
}


def general_scenario(key: str) -> Scenario:
    """The scenario of one variant."""
    template, replacements = GENERAL_VARIANTS[key]
    text = template
    for old, new in replacements.items():
        text = text.replace(old, new)
    return load_scenario_text(text, f"{key}.yaml")


def covariates(n: int, seed: int) -> pd.DataFrame:
    """Two standard normal covariates."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.standard_normal(n), "x2": rng.standard_normal(n)})


def simulate(scenario: Scenario, theta: np.ndarray, n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Outcomes drawn from the model itself at coefficients ``theta``."""
    frame = covariates(n, seed)
    frame["y"] = scenario.outcome_names[0]
    spec = scenario.estimation
    assert spec is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the placeholder outcomes are all the same
        built = build_model(scenario, spec, read_data(frame))
    terminal, _ = built.model.outcome_probabilities(np.asarray(theta)[None])
    rng = np.random.default_rng(seed + 1)
    cum = terminal[0].cumsum(axis=1)
    pick = (rng.random(n)[:, None] > cum).sum(axis=1)
    frame["y"] = [built.terminal_outcomes[k] for k in np.minimum(pick, cum.shape[1] - 1)]
    return frame


def truth(key: str) -> np.ndarray:
    """Coefficients the data of ``key`` are simulated from (0.5, -0.8, 0.4, ... in order)."""
    sc = general_scenario(key)
    spec = sc.estimation
    assert spec is not None
    frame = covariates(10, 0)
    frame["y"] = sc.outcome_names[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = build_model(sc, spec, read_data(frame)).model.names
    pattern = [0.5, -0.8, 0.4, 1.0, -0.6, 0.3, 0.7]
    return np.array([pattern[k % len(pattern)] for k in range(len(names))])


@cache
def general_fit(key: str) -> EstimationResult:
    """The fit of ``key`` to its simulated data."""
    sc = general_scenario(key)
    data = simulate(sc, truth(key))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(sc, data)
