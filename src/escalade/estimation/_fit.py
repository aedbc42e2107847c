"""Fit a scenario's ``estimation:`` model to data by maximum likelihood.

:func:`fit` reads the data, builds the model, starts from statistical
backward induction (and from random perturbations of it, when several
starts are asked for), maximises the likelihood by Newton's method with
exact Hessians, and checks the result: convergence, and local
identification (a negative definite Hessian at the maximum).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ConvergenceWarning, EstimationError, EstimationWarning, ParameterError
from escalade.estimation._build import Built, build_model
from escalade.estimation._csv import read_data
from escalade.estimation._data import DataTable
from escalade.estimation._optimize import FitState, newton, single_threaded
from escalade.estimation._result import EstimationResult
from escalade.estimation._start import start_values
from escalade.scenario import (
    ERRORS,
    LINKS,
    EstimationSpec,
    Scenario,
    Seed,
    as_generator,
    bundled_path,
)

__all__ = ["data_path", "fit", "refit"]

FloatArray = NDArray[np.float64]


def _spec(scenario: Scenario, error: str | None, link: str | None) -> EstimationSpec:
    spec = scenario.estimation
    if spec is None:
        raise EstimationError(
            f"{scenario.name} has no estimation: section; add one saying which parameters are "
            "linear in which data columns and which column records the outcome "
            "(see docs/estimation.md)"
        )
    if error is not None and error not in ERRORS:
        raise ParameterError(
            f"error must be one of {', '.join(ERRORS)}, found {error!r}", arguments=("error",)
        )
    if link is not None and link not in LINKS:
        raise ParameterError(
            f"link must be one of {', '.join(LINKS)}, found {link!r}", arguments=("link",)
        )
    if spec.model == "ultimatum":
        if (error not in (None, "private")) or (link not in (None, "logit")):
            raise ParameterError(
                "the ultimatum model has private information with logistic shocks; "
                "error and link cannot be changed",
                arguments=("error", "link"),
            )
        return spec
    spec = replace(spec, error=error or spec.error, link=link or spec.link)
    if spec.error == "private" and spec.link == "logit":
        raise ParameterError(
            "the private-information model is defined with the probit link only (the shocks' "
            "weighted sums are normal); use link='probit' or error='agent'",
            arguments=("link", "error"),
        )
    return spec


def data_path(scenario: Scenario, spec: EstimationSpec) -> Path:
    """Where the scenario's ``estimation: data:`` file is, relative to the scenario file."""
    if spec.data is None:
        raise EstimationError(
            f"{scenario.name}: no data given, and the estimation: section names no data file",
            arguments=("data",),
        )
    here = Path(scenario.source)
    if not here.is_file():
        found = bundled_path(scenario.name)
        here = found if found is not None else Path(".") / "_"
    return here.parent / spec.data


def fit(  # noqa: PLR0913 - keyword options, see docstring
    scenario: Scenario,
    data: Any = None,
    *,
    error: str | None = None,
    link: str | None = None,
    overrides: Mapping[str, str | float] | None = None,
    start: FloatArray | Mapping[str, float] | None = None,
    starts: int = 1,
    seed: Seed = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    clip: bool = False,
) -> EstimationResult:
    """Maximum-likelihood fit of a scenario's ``estimation:`` model.

    Parameters
    ----------
    scenario : Scenario
        A scenario with an ``estimation:`` section.
    data : str, Path, pandas.DataFrame or DataTable, optional
        The data (default: the section's ``data:`` file).
    error : {"agent", "private"}, optional
        Overrides the section's error structure.
    link : {"probit", "logit"}, optional
        Overrides the section's link.
    overrides : mapping, optional
        Fixed parameters set to other values.
    start : array or mapping of coefficient name to value, optional
        Starting values (default: statistical backward induction).
    starts : int
        Number of starts: the first from ``start`` (or statistical backward
        induction), the others perturbed at random; the best fit is kept.
    seed : int, Generator or None
        Seed of the random starts.
    encoding, delimiter : str, optional
        How to read a CSV file (default: UTF-8, delimiter detected).
    clip : bool
        Raise the probability of every observed event to at least machine
        epsilon, as ``games`` does (``finiteProbs``). Only for comparisons
        with ``games``: where it binds, the likelihood is no longer the
        model's.

    Returns
    -------
    EstimationResult

    Raises
    ------
    ScenarioError, DataError, EstimationError, ParameterError

    Warns
    -----
    ConvergenceWarning
        If the maximisation did not converge.
    EstimationWarning
        If the Hessian is not negative definite at the maximum, or another
        start found a better maximum.

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> res = fit(load_scenario("egame12"))
    >>> round(res.loglik, 4), res.n_obs
    (-286.1238, 282)
    """
    spec = _spec(scenario, error, link)
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 1:
        raise ParameterError(
            f"starts must be a whole number >= 1, found {starts!r}", arguments=("starts",)
        )
    if isinstance(data, DataTable):
        table = data
    elif data is None:
        # the scenario's own data file, named as the scenario writes it
        table = read_data(data_path(scenario, spec), encoding=encoding, delimiter=delimiter)
        table = replace(table, name=str(spec.data))
    else:
        table = read_data(data, encoding=encoding, delimiter=delimiter)
    with single_threaded():
        built = build_model(scenario, spec, table, overrides=overrides)
        if clip:
            built.model.floor = float(np.log(np.finfo(np.float64).eps))
        theta0 = _start(built, start)
        thetas = theta0[None]
        if starts > 1:
            rng = as_generator(seed)
            spread = np.maximum(1.0, np.abs(theta0))
            extra = theta0 + rng.uniform(-1.0, 1.0, size=(starts - 1, len(theta0))) * spread
            thetas = np.vstack([thetas, extra])
        state = newton(built.model, thetas)
        return _result(built, state, stacklevel=3)


def _start(built: Built, start: FloatArray | Mapping[str, float] | None) -> FloatArray:
    names = built.model.names
    if start is None:
        return start_values(built.model)
    if isinstance(start, Mapping):
        unknown = [k for k in start if k not in names]
        if unknown:
            raise ParameterError(
                f"unknown coefficient {unknown[0]!r} in the starting values (start); "
                "coefficients: " + ", ".join(names),
                arguments=("start",),
            )
        theta = start_values(built.model)
        for k, v in start.items():
            theta[names.index(k)] = float(v)
        return theta
    theta = np.asarray(start, dtype=np.float64).ravel()
    if theta.shape != (len(names),):
        raise ParameterError(
            f"expected {len(names)} starting values in start (one per coefficient), found "
            f"{theta.size}",
            arguments=("start",),
        )
    return theta


def _result(built: Built, state: FitState, stacklevel: int) -> EstimationResult:
    best = int(np.nanargmax(np.where(np.isfinite(state.loglik), state.loglik, -np.inf)))
    notes: list[str] = []
    if len(state.loglik) > 1:
        first = float(state.loglik[0])
        gain = float(state.loglik[best]) - first
        if gain > 1e-6:
            message = (
                f"the first start reached a log-likelihood of {first:.4f}; another of the "
                f"{len(state.loglik)} starts found {state.loglik[best]:.4f}, a better maximum, "
                "which is kept"
            )
            warnings.warn(message, EstimationWarning, stacklevel=stacklevel)
            notes.append(message)
    theta = state.theta[best]
    converged = bool(state.converged[best])
    if not converged:
        message = (
            f"the fit did not converge in {int(state.iterations[best])} Newton iterations "
            f"(gain still expected {state.decrement[best]:.3g}); the model may not be "
            "identified (see the local identification check), or try other starting values "
            "(starts=, or a profile's best point)"
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)
        notes.append(message)
    result = EstimationResult(
        built=built,
        coef=theta.copy(),
        loglik=float(state.loglik[best]),
        hessian=state.hess[best].copy(),
        converged=converged,
        iterations=int(state.iterations[best]),
        start_logliks=tuple(float(x) for x in state.loglik),
        notes=notes,
    )
    if not result.locally_identified:
        message = (
            "the Hessian is not negative definite at the maximum: the coefficients may not be "
            "locally identified (a flat direction of the likelihood); standard errors are "
            "unreliable. Fix or drop terms that move together, or check separation"
        )
        warnings.warn(message, EstimationWarning, stacklevel=stacklevel)
        result.notes.append(message)
    return result


def refit(
    result: EstimationResult,
    start: FloatArray,
    *,
    free: NDArray[np.bool_] | None = None,
) -> FitState:
    """Maximise again from each row of ``start`` (profiles, restarts), without warnings."""
    return newton(result.model, np.atleast_2d(start), free=free)
