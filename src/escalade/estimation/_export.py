"""The fitted model as a scenario, for simulation and exploration under estimated uncertainty.

The scenario's estimated parameters become derived values, linear in
the fitted coefficients and in the covariates as the ``estimation:``
section wrote them. The coefficients are drawn from their sampling
distribution: with ``K`` standard normal parameters ``fit_z1..fit_zK``
and the Cholesky factor ``L`` of their covariance matrix, the
coefficients ``beta_hat + L z`` are exactly multivariate normal with the
fitted covariance, so ``explore`` samples worlds the data allow. The
covariates become parameters at a typical value (mean, median of 0/1
columns, most frequent level) unless the scenario already declares them
(with its own ranges, or levers acting on them). The logit precision of
the stage games (``dynamics: rationality``) is set from the fitted scale:
``1 / (sqrt(2) sigma)``, which reproduces the logit agent-error model
exactly, and ``1.702 / (sqrt(2) sigma)`` for probit fits, the logistic
approximation of the normal distribution (choice probabilities within
0.01; Bowling et al. 2009).

References
----------
Bowling, S. R., Khasawneh, M. T., Kaewkuekool, S., and Cho, B. R.
(2009). A logistic approximation to the cumulative normal distribution.
Journal of Industrial Engineering and Management 2(1), 114-127.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._version import __version__
from escalade.errors import EstimationError, EstimationWarning
from escalade.scenario import (
    RATIONALITY,
    Scenario,
    TextEdit,
    edit_scenario_text,
    load_scenario_text,
)

if TYPE_CHECKING:
    from escalade.estimation._result import EstimationResult

__all__ = ["to_scenario"]

FloatArray = NDArray[np.float64]

#: Logistic approximation of the standard normal: Phi(x) ~ Lambda(1.702 x).
PROBIT_TO_LOGIT = 1.702
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _num(x: float) -> str:
    return f"{x:.10g}"


def _ident(text: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")
    return out or "term"


def _factor_of(cov: FloatArray) -> FloatArray:
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        # not positive definite (a flat direction): the symmetric square root of its
        # non-negative part
        lam, vec = np.linalg.eigh(0.5 * (cov + cov.T))
        return np.asarray(vec * np.sqrt(np.clip(lam, 0.0, None)), dtype=np.float64)
    return np.asarray(np.linalg.cholesky(cov), dtype=np.float64)


def _term(term: str) -> str:
    if term == "(Intercept)":
        return "1"
    m = re.fullmatch(r"(.+)\[(.*)\]", term)
    if m:
        return f"({m.group(1)} == '{m.group(2)}')"
    return term


def to_scenario(
    result: EstimationResult,
    *,
    cov: str | None = None,
    uncertainty: bool = True,
    at: dict[str, Any] | None = None,
    name: str | None = None,
) -> Scenario:
    """The scenario with the fitted utilities, drawn from their sampling distribution.

    Parameters
    ----------
    result : EstimationResult
    cov : str, optional
        Which covariance the draws follow (see ``EstimationResult.cov``).
    uncertainty : bool
        False fixes every coefficient at its estimate.
    at : dict, optional
        Values of covariates the scenario does not declare (default: typical values).
    name : str, optional
        Name of the new scenario (default ``<name>-fitted``).

    Returns
    -------
    Scenario
        Its text is a complete scenario file (``scenario.text``), with no
        ``estimation:`` section. The numbers the fit writes into
        expressions (the estimates, the factor of their covariance, the
        rationality's constant) are accepted in its ``audit:`` section, with
        the fit as the reason, so that ``escalade audit`` reports only the
        author's own.

    Examples
    --------
    >>> import escalade
    >>> fitted = escalade.estimate("egame12").to_scenario()
    >>> fitted.name, len(fitted.parameters.uncertain_names)
    ('egame12-fitted', 10)
    >>> round(float(escalade.solve(fitted, method="qre", lam=0.0).outcome_probability("sq")), 2)
    0.5
    """
    scenario = result.scenario
    idents = [f"fit_{_ident(n)}" for n in result.names]
    taken = set(scenario.parameters.names) | {d.name for d in scenario.derived}
    clash = [i for i in idents if i in taken]
    if clash:
        raise EstimationError(
            f"the scenario already uses the name {clash[0]!r}, which the fitted coefficients need"
        )
    keep = _kept(result)
    idents = [idents[k] for k in keep]
    draws, coefficients = _coefficients(result, keep, idents, cov, uncertainty=uncertainty)
    data = result.built.frame.table.name
    reason = (
        f"the fitted coefficients and the factor of their {cov or result.default_cov_type()} "
        f"covariance, estimated from {data}"
    )
    rationality = _rationality(result) if scenario.dynamics is not None else None
    accepted = [(ident, reason) for ident, expr in coefficients if uncertainty and " " in expr]
    if rationality is not None:
        accepted.append(
            (RATIONALITY, "the logit precision matching the fitted scale of the shocks")
        )
    edit = TextEdit(
        drop_parameters=tuple(result.built.utility_params) + tuple(result.built.zero_params),
        add_parameters=tuple(draws + _covariates(result, at)),
        add_derived=tuple(coefficients + _utilities(result, dict(zip(keep, idents, strict=True)))),
        rationality=rationality,
        drop_sections=("estimation",),
        name=name or f"{scenario.name}-fitted",
        title=f"{scenario.title or scenario.name} (fitted)",
        header=(
            f"Fitted by escalade {__version__} to {data}: "
            f"{result.n_obs} observations, log-likelihood {result.loglik:.4f}.",
            "The fit_ coefficients are drawn from their sampling distribution "
            f"({cov or result.default_cov_type()} covariance)."
            if uncertainty
            else "The fit_ coefficients are fixed at their estimates.",
        ),
        accept_constants=tuple(accepted),
    )
    text = edit_scenario_text(scenario, edit)
    return load_scenario_text(text, scenario.source or f"{scenario.name}.yaml")


Entries = list[tuple[str, str]]


def _kept(result: EstimationResult) -> list[int]:
    """The coefficients the scenario reads: all but the scales' when nothing reads them.

    Only the rationality of a scenario with dynamics follows the fitted
    scale; a one-shot game's precision is chosen when it is solved.
    """
    used = result.scenario.dynamics is not None and result.spec.model != "ultimatum"
    out: list[int] = []
    for eq, sl in zip(result.model.equations, result.model.slices, strict=True):
        if used or eq.kind != "scale":
            out += range(sl.start, sl.stop)
    return out


def _coefficients(
    result: EstimationResult,
    keep: list[int],
    idents: list[str],
    cov: str | None,
    *,
    uncertainty: bool,
) -> tuple[Entries, Entries]:
    """The standard normal draws (parameters) and each kept coefficient as a derived value.

    With ``K`` standard normal draws ``fit_z1..fit_zK`` and the Cholesky factor
    ``L`` of the kept coefficients' covariance, ``beta_hat + L z`` is exactly
    normal with that covariance (``uncertainty`` false: the estimates, fixed).
    """
    coef = result.coef[keep]
    if not uncertainty:
        return [], [(ident, _num(c)) for ident, c in zip(idents, coef, strict=True)]
    factor = _factor_of(result.cov(cov)[np.ix_(keep, keep)])
    n = len(idents)
    draws = [
        (f"fit_z{k + 1}", '{value: 0, dist: normal, sd: 1, note: "coefficient draw"}')
        for k in range(n)
    ]
    derived = []
    for k, ident in enumerate(idents):
        expr = _num(coef[k])
        for j in range(n):
            if factor[k, j]:
                sign = "-" if factor[k, j] < 0 else "+"
                expr += f" {sign} {_num(abs(factor[k, j]))} * fit_z{j + 1}"
        derived.append((ident, expr))
    return draws, derived


def _covariates(result: EstimationResult, at: dict[str, Any] | None) -> Entries:
    """The covariates the scenario does not declare, as parameters at typical values."""
    scenario = result.scenario
    out: Entries = []
    for column, value in result.typical_row(at).items():
        if not _NAME.match(column):
            raise EstimationError(
                f"the column {column!r} is not a valid scenario name; rename it in the data"
            )
        if column in scenario.parameters:
            continue
        col = result.built.frame.columns[column]
        if not col.is_factor:
            out.append(
                (column, f'{{value: {_num(float(value))}, note: "typical value in the data"}}')
            )
            continue
        bad = [lv for lv in col.levels if not _NAME.match(lv)]
        if bad:
            raise EstimationError(
                f"the level {bad[0]!r} of {column} is not a valid choice name (letters, "
                "digits and _); declare the parameter in the scenario or rename the levels"
            )
        # fixed at the typical level: the other levels have weight 0
        choices = ", ".join(col.levels)
        weights = ", ".join("1" if lv == value else "0" for lv in col.levels)
        out.append(
            (
                column,
                f"{{value: {value}, choices: [{choices}], weights: [{weights}], "
                'note: "typical level"}',
            )
        )
    return out


def _utilities(result: EstimationResult, idents: dict[int, str]) -> Entries:
    """The estimated parameters (and fitted scales), linear in coefficients and covariates."""
    derived = []
    for eq, sl in zip(result.model.equations, result.model.slices, strict=True):
        if sl.start not in idents:
            continue
        terms = [
            f"{idents[sl.start + k]} * {_term(t)}" if t != "(Intercept)" else idents[sl.start + k]
            for k, t in enumerate(eq.terms)
        ]
        expression = " + ".join(terms) if terms else "0"
        target = eq.name if eq.kind == "utility" else f"fit_{eq.name}"
        if target != expression:  # a lone scale coefficient is already named fit_log_scale...
            derived.append((target, expression))
    return derived + [(p, "0") for p in result.built.zero_params]


def _rationality(result: EstimationResult) -> str | None:
    """The logit precision matching the fitted scale, as an expression."""
    spec = result.spec
    if spec.model == "ultimatum":
        return None
    factor = 1.0 if spec.link == "logit" and spec.error == "agent" else PROBIT_TO_LOGIT
    scales = dict(spec.scale)
    if spec.by_player:
        player, s = next(((p, s) for p, s in spec.scale if s.estimated), spec.scale[0])
        warnings.warn(
            "the scenario language has one rationality for every actor; the fit has one scale "
            f"per player, and the rationality follows {player}'s",
            EstimationWarning,
            stacklevel=3,
        )
        sigma = f"exp(fit_log_scale_{player})" if s.estimated else _num(s.value)
    else:
        s = scales[""]
        sigma = "exp(fit_log_scale)" if s.estimated else _num(s.value)
    return f"{_num(factor / np.sqrt(2.0))} / {sigma}"
