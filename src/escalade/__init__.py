"""escalade: international crises as games, solved in batch, judged under uncertainty.

Write a crisis down as a scenario file, solve it (subgame-perfect
equilibrium, logit quantal response equilibrium, exact Nash through
Gambit), over thousands of parameter draws at once.

Examples
--------
>>> import escalade
>>> sol = escalade.solve("iig", method="qre", lam=2.0)
>>> sorted(sol.to_dict())[:3]
['converged', 'lam', 'method']
"""

from escalade._api import (
    CheckReport,
    analyze,
    as_game,
    check,
    claims,
    estimate,
    explore,
    load,
    open_run,
    resume,
    simulate,
    solve,
)
from escalade._version import __version__
from escalade.errors import (
    ConvergenceWarning,
    DataError,
    EscaladeError,
    EstimationError,
    EstimationWarning,
    ExpressionError,
    MissingDependencyError,
    OutputError,
    ParameterError,
    ScenarioError,
    SolveError,
)
from escalade.game import Game, build_game, read_efg, read_nfg, write_efg, write_nfg
from escalade.scenario import Draws, Scenario, bundled_scenarios, load_scenario
from escalade.solvers import Solution, logit_qre, nash, spe

__all__ = [
    "CheckReport",
    "ConvergenceWarning",
    "DataError",
    "Draws",
    "EscaladeError",
    "EstimationError",
    "EstimationWarning",
    "ExpressionError",
    "Game",
    "MissingDependencyError",
    "OutputError",
    "ParameterError",
    "Scenario",
    "ScenarioError",
    "Solution",
    "SolveError",
    "__version__",
    "analyze",
    "as_game",
    "build_game",
    "bundled_scenarios",
    "check",
    "claims",
    "estimate",
    "explore",
    "load",
    "load_scenario",
    "logit_qre",
    "nash",
    "open_run",
    "read_efg",
    "read_nfg",
    "resume",
    "simulate",
    "solve",
    "spe",
    "write_efg",
    "write_nfg",
]
