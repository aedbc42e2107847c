"""Exploration at scale: every policy across thousands of sampled worlds.

Sample the uncertain parameters (LHS, Sobol', Monte Carlo or Morris),
simulate every policy in every world, store the experiments chunk by
chunk in a run folder (resumable), and analyse them: in how many worlds
each policy is best, which parameters (and claims) the answer hinges on,
where a policy wins (scenario discovery), and how robust each policy is.

The analyses take plain inputs, like SALib's ``analyze(problem, X, Y)``:
:func:`sensitivity` and :func:`discover` a :class:`Problem`, a sample and
the outputs, :func:`robustness` and :func:`lever_effects` tables of
worlds by policies. :class:`ExplorationResult` has a method for each that
reads the inputs from a run.

Examples
--------
>>> import tempfile, escalade
>>> from escalade.exploration import explore
>>> with tempfile.TemporaryDirectory() as tmp:
...     res = explore(escalade.load("korea-2017"), samples=4, seed=3, out=tmp + "/run",
...                   replications=2, policies=["sanctions_default", "talks"])
...     res.complete
True
"""

from escalade.exploration._analyses import ExplorationAnalyses
from escalade.exploration._design import DESIGNS, Design
from escalade.exploration._discovery import DiscoveryResult, discover, parse_condition
from escalade.exploration._explore import DEFAULT_REPLICATIONS, explore, resume
from escalade.exploration._prim import PrimBox, PrimResult, prim
from escalade.exploration._problem import Problem
from escalade.exploration._result import ExplorationResult
from escalade.exploration._robustness import (
    RobustnessResult,
    best_shares,
    lever_effects,
    lever_pairs,
    robustness,
)
from escalade.exploration._run import ExplorationRun
from escalade.exploration._runs import list_runs
from escalade.exploration._sensitivity import SensitivityResult, sensitivity
from escalade.exploration._store import Manifest, RunStore

__all__ = [
    "DEFAULT_REPLICATIONS",
    "DESIGNS",
    "Design",
    "DiscoveryResult",
    "ExplorationAnalyses",
    "ExplorationResult",
    "ExplorationRun",
    "Manifest",
    "PrimBox",
    "PrimResult",
    "Problem",
    "RobustnessResult",
    "RunStore",
    "SensitivityResult",
    "best_shares",
    "discover",
    "explore",
    "lever_effects",
    "lever_pairs",
    "list_runs",
    "parse_condition",
    "prim",
    "resume",
    "robustness",
    "sensitivity",
]
