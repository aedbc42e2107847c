"""``estimate``: a scenario, or its name, fitted to data, bootstrapped when asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade._deprecation import renamed_keyword
from escalade._parallel import default_cluster
from escalade.errors import ParameterError, ScenarioError
from escalade.estimation._fit import fit
from escalade.estimation._result import EstimationResult
from escalade.scenario import Scenario, Seed, load_scenario

__all__ = ["estimate"]


def _scenario(source: str | Path | Scenario) -> Scenario:
    if isinstance(source, Scenario):
        return source
    if str(source).lower().endswith((".efg", ".nfg")):
        raise ScenarioError(
            f"{source} is a Gambit game; estimation needs a scenario file with an estimation: "
            "section",
            arguments=("source",),
        )
    return load_scenario(source)


@renamed_keyword("set", "overrides")
def estimate(  # noqa: PLR0913 - keyword options, see docstring
    source: str | Path | Scenario,
    data: Any = None,
    *,
    error: str | None = None,
    link: str | None = None,
    overrides: Mapping[str, str | float] | None = None,
    start: NDArray[np.float64] | Mapping[str, float] | None = None,
    starts: int = 1,
    seed: Seed = None,
    bootstrap: int = 0,
    workers: int | None = None,
    cluster: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EstimationResult:
    """Fit a scenario's payoffs to observed crises by maximum likelihood.

    The scenario's ``estimation:`` section says which parameters are linear
    in which data columns and which column(s) record the outcome; see
    ``docs/estimation.md``. The fit reproduces Kenkel and Signorino's R
    package ``games`` on its models. Options are flat keywords, one per
    option of ``escalade estimate``.

    Parameters
    ----------
    source : str, Path or Scenario
        A scenario with an ``estimation:`` section (a file or a bundled name).
    data : str, Path, pandas.DataFrame or DataTable, optional
        The observations (default: the section's ``data:`` file).
    error : {"agent", "private"}, optional
        Overrides the section's error structure.
    link : {"probit", "logit"}, optional
        Overrides the section's link.
    overrides : mapping, optional
        Fixed parameters set to other values (``set=``, its old name, still
        works with a DeprecationWarning).
    start : array or mapping of coefficient to value, optional
        Starting values (default: statistical backward induction), e.g. a
        profile's ``best``.
    starts : int
        Starting points in all: statistical backward induction and
        ``starts - 1`` random ones; the best fit is kept.
    seed : int, Generator or None
        Seed of the random starts and of the bootstrap (same seed, same
        numbers on any executor).
    bootstrap : int
        Bootstrap replicates (0: none); standard errors then come from them.
    workers, cluster : optional
        Where the bootstrap runs: local worker processes or a Dask scheduler
        (``DASK_SCHEDULER_ADDRESS`` when neither is given).
    encoding, delimiter : str, optional
        How to read a CSV file (default: UTF-8, delimiter detected).
    progress : callable, optional
        ``progress(done, total)`` during the bootstrap.

    Returns
    -------
    EstimationResult

    Examples
    --------
    >>> import escalade
    >>> res = escalade.estimate("egame12")
    >>> round(res.loglik, 4), res.n_obs, res.n_coef
    (-286.1238, 282, 10)
    >>> escalade.estimate("egame12", link="logit").spec.link
    'logit'
    """
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise ParameterError(
            f"bootstrap must be a whole number >= 0, found {bootstrap!r}", arguments=("bootstrap",)
        )
    result = fit(
        _scenario(source),
        data,
        error=error,
        link=link,
        overrides=overrides,
        start=start,
        starts=starts,
        seed=seed,
        encoding=encoding,
        delimiter=delimiter,
    )
    if bootstrap:
        result = result.bootstrap(
            bootstrap,
            seed=seed,
            workers=workers,
            cluster=default_cluster(workers, cluster),
            progress=progress,
        )
    return result
