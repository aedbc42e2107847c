"""Multi-period play of scenarios with dynamics, many runs at once.

Examples
--------
>>> import escalade
>>> from escalade.simulation import simulate
>>> res = simulate(escalade.load("korea-2017"), "talks", runs=300, seed=2)
>>> res.alive.shape
(10,)
"""

from escalade.simulation._engine import (
    DEFAULT_CHUNK,
    FREE_PLAY,
    MAX_RUN_PERIODS,
    check_size,
    chosen_policies,
    simulate,
)
from escalade.simulation._foresight import Foresight
from escalade.simulation._probe import exact_at_nominal
from escalade.simulation._result import SimulationResult
from escalade.simulation._stage import StageGame, node_values, stage_game, stage_values
from escalade.simulation._unroll import MAX_UNROLL_NODES, unroll

__all__ = [
    "DEFAULT_CHUNK",
    "FREE_PLAY",
    "MAX_RUN_PERIODS",
    "MAX_UNROLL_NODES",
    "Foresight",
    "SimulationResult",
    "StageGame",
    "check_size",
    "chosen_policies",
    "exact_at_nominal",
    "node_values",
    "simulate",
    "stage_game",
    "stage_values",
    "unroll",
]
