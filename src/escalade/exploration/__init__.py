"""Exploration at scale: every policy across thousands of sampled worlds.

Sample the uncertain parameters (LHS, Sobol', Monte Carlo or Morris),
simulate every policy in every world, store the experiments chunk by
chunk in a run folder (resumable), and analyse them: in how many worlds
each policy is best, which parameters (and claims) the answer hinges on,
where a policy wins (scenario discovery), and how robust each policy is.

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

from escalade.exploration._design import DESIGNS, Design
from escalade.exploration._discovery import DiscoveryResult
from escalade.exploration._explore import DEFAULT_REPLICATIONS, explore, resume
from escalade.exploration._prim import PrimBox, PrimResult, prim
from escalade.exploration._result import ExplorationResult
from escalade.exploration._robustness import RobustnessResult
from escalade.exploration._sensitivity import SensitivityResult
from escalade.exploration._store import Manifest, RunStore, list_runs

__all__ = [
    "DEFAULT_REPLICATIONS",
    "DESIGNS",
    "Design",
    "DiscoveryResult",
    "ExplorationResult",
    "Manifest",
    "PrimBox",
    "PrimResult",
    "RobustnessResult",
    "RunStore",
    "SensitivityResult",
    "explore",
    "list_runs",
    "prim",
    "resume",
]
