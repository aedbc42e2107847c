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

Every result (a :class:`Solution`, a simulation, a policy comparison, an
exploration and its analyses, an audit, a verification and an
estimation) follows one protocol, :class:`Result`:
``summary()``, ``to_frame()``, ``to_dict()`` and ``_repr_html_()``.
"""

import typing

from escalade import _lazy
from escalade._version import __version__

# Imported on first use (see escalade._lazy): `escalade --version` needs none of them.
if typing.TYPE_CHECKING:
    from escalade._api import CheckReport, as_game, check, claims, load, solve
    from escalade._api_runs import analyze, explore, open_run, resume, simulate, unroll
    from escalade._results import Result, Summary, Table
    from escalade.auditing import audit, verify
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
    from escalade.estimation import EstimationResult, estimate
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
    "EstimationResult",
    "EstimationWarning",
    "ExpressionError",
    "Game",
    "MissingDependencyError",
    "OutputError",
    "ParameterError",
    "Result",
    "Scenario",
    "ScenarioError",
    "Solution",
    "SolveError",
    "Summary",
    "Table",
    "__version__",
    "analyze",
    "as_game",
    "audit",
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
    "unroll",
    "verify",
    "write_efg",
    "write_nfg",
]

__getattr__, __dir__ = _lazy.lazy_exports(__name__)
