"""Strategic estimation: fit a scenario's payoffs to observed crises.

The outcome of each observed crisis is the result of strategic choices,
so the likelihood of the data comes from the game's equilibrium, not
from a regression that ignores strategy (Signorino 1999; Lewis and
Schultz 2003). A scenario's ``estimation:`` section says which
parameters (utilities) are linear in which data columns; :func:`fit`
maximises the likelihood of the observed outcomes under agent error
(logit or probit) or private information (probit), for any
perfect-information tree and for the ultimatum game, reproducing the R
package ``games`` of Kenkel and Signorino (2014). The result gives
standard errors (Hessian, outer product of gradients, sandwich,
bootstrap), predictions, profile likelihoods, non-nested tests, and the
scenario with fitted values for simulation and exploration.

Examples
--------
>>> from escalade.scenario import load_scenario
>>> from escalade.estimation import fit
>>> res = fit(load_scenario("egame12"))
>>> round(res.loglik, 4)
-286.1238
"""

import typing

from escalade import _lazy

# Imported on first use (see escalade._lazy): scipy and pandas only when estimating.
if typing.TYPE_CHECKING:
    from escalade.estimation._csv import read_data
    from escalade.estimation._data import DataTable
    from escalade.estimation._estimate import estimate
    from escalade.estimation._fit import fit
    from escalade.estimation._nonnest import NonNestedTest, clarke, vuong
    from escalade.estimation._predict import predict, predict_grid, typical_row
    from escalade.estimation._profile import Profile, profile
    from escalade.estimation._qre_fit import QREFit, fit_qre
    from escalade.estimation._result import COV_TYPES, EstimationResult

__all__ = [
    "COV_TYPES",
    "DataTable",
    "EstimationResult",
    "NonNestedTest",
    "Profile",
    "QREFit",
    "clarke",
    "estimate",
    "fit",
    "fit_qre",
    "predict",
    "predict_grid",
    "profile",
    "read_data",
    "typical_row",
    "vuong",
]

__getattr__, __dir__ = _lazy.lazy_exports(__name__)
