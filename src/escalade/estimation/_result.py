"""The result of a strategic estimation: coefficients, standard errors, and what follows.

:class:`EstimationResult` follows the house result protocol
(:mod:`escalade._results`): ``summary()``, ``to_frame()``, ``to_dict()``
and ``_repr_html_()``, each taking the kind of standard errors as ``cov=``;
:mod:`._summary` builds what they show.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._results import ResultMixin, Summary
from escalade.errors import EstimationWarning, ParameterError
from escalade.estimation._build import Built
from escalade.estimation._model import PredictorModel
from escalade.estimation._summary import coefficient_frame, fit_dict, fit_summary, write_folder
from escalade.scenario import EstimationSpec, Scenario

if TYPE_CHECKING:
    import pandas as pd

    from escalade.estimation._nonnest import NonNestedTest
    from escalade.estimation._profile import Profile

__all__ = ["COV_TYPES", "EstimationResult"]

FloatArray = NDArray[np.float64]

#: How standard errors can be computed.
COV_TYPES = ("hessian", "opg", "sandwich", "bootstrap")


@dataclass
class EstimationResult(ResultMixin):
    """A fitted strategic model.

    Get one from :func:`escalade.estimate`. Coefficients are named
    ``parameter:term`` (``u1_war:regime1[dem]``), scale coefficients
    ``log_scale`` (or ``log_scale_A``, ``log_scale:term``).

    Attributes
    ----------
    coef : ndarray of shape (n_coef,)
    loglik : float
        Log-likelihood at the maximum.
    hessian : ndarray of shape (n_coef, n_coef)
        Exact Hessian of the log-likelihood at the maximum.
    converged : bool
    iterations : int
        Newton iterations of the best start.
    start_logliks : tuple of float
        Log-likelihood reached from each start.
    boot : ndarray of shape (n_replicates, n_coef) or None
        Bootstrap estimates, after :meth:`bootstrap`.
    boot_failed : int
        Bootstrap replicates that did not converge (left out of ``boot``).
    boot_seed : int or None
        The seed the bootstrap used (drawn when none was given).
    notes : list of str
        The warnings issued while fitting.

    Examples
    --------
    >>> import escalade
    >>> res = escalade.estimate("egame12")
    >>> res.names[:2]
    ('u1_sq:(Intercept)', 'u1_sq:s_wt_re1')
    >>> round(float(res.se()[1]), 4)
    0.2797
    """

    built: Built
    coef: FloatArray
    loglik: float
    hessian: FloatArray
    converged: bool
    iterations: int
    start_logliks: tuple[float, ...] = ()
    boot: FloatArray | None = None
    boot_failed: int = 0
    boot_seed: int | None = None
    notes: list[str] = field(default_factory=list)

    # -------------------------------------------------------------- basics
    @property
    def model(self) -> PredictorModel:
        """The likelihood."""
        return self.built.model

    @property
    def spec(self) -> EstimationSpec:
        """The ``estimation:`` section as fitted (``error`` and ``link`` as used)."""
        return self.built.spec

    @property
    def scenario(self) -> Scenario:
        """The scenario fitted."""
        return self.built.scenario

    @property
    def names(self) -> tuple[str, ...]:
        """Coefficient names."""
        return self.model.names

    @property
    def n_obs(self) -> int:
        """Number of observations used."""
        return self.model.n_obs

    @property
    def n_coef(self) -> int:
        """Number of estimated coefficients."""
        return self.model.n_coef

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``-2 loglik + 2 k``."""
        return -2.0 * self.loglik + 2.0 * self.n_coef

    @property
    def bic(self) -> float:
        """Schwarz's Bayesian information criterion, ``-2 loglik + k log n``."""
        return -2.0 * self.loglik + self.n_coef * float(np.log(self.n_obs))

    @property
    def per_obs(self) -> FloatArray:
        """Each observation's log-likelihood, shape (n_obs,)."""
        values: FloatArray = self.model.evaluate(self.coef[None], order=0).per_obs[0]
        return values

    @property
    def scores(self) -> FloatArray:
        """Each observation's gradient at the estimate, shape (n_obs, n_coef)."""
        return self.model.scores(self.coef[None])

    @property
    def locally_identified(self) -> bool:
        """True when the Hessian is negative definite (the maximum is strict).

        Eigenvalues of minus the Hessian below 1e-8 of the largest count as
        zero: a direction that flat is a direction the data do not pin down.
        """
        lam = np.linalg.eigvalsh(-0.5 * (self.hessian + self.hessian.T))
        return bool(np.isfinite(lam).all() and lam[0] > 1e-8 * max(lam[-1], 1e-300))

    @property
    def params(self) -> Any:
        """Coefficients as a pandas Series indexed by name."""
        import pandas as pd

        return pd.Series(self.coef, index=list(self.names), name="coef")

    def fixed_values(self) -> dict[str, float]:
        """Parameters the payoffs depend on that are not estimated, with their values.

        For tree models these are the fixed utilities (``fixedUtils`` in
        ``games``); parameters the payoffs do not use are left out.
        """
        out = {name: 0.0 for name in self.built.zero_params}
        estimated = set(self.built.utility_params)
        if self.built.game is None:
            for _, name in self.spec.reservation:
                if name not in estimated and name not in out:
                    out[name] = float(self.scenario.parameters[name].nominal)
            return out
        used = _payoff_names(self.scenario)
        for p in self.built.game.parameters:
            keep = p.name in used and p.name not in estimated and p.name not in out
            if keep and p.choices is None:
                out[p.name] = float(p.nominal)
        return out

    # ---------------------------------------------------- standard errors
    def default_cov_type(self) -> str:
        """``bootstrap`` after :meth:`bootstrap`, else ``hessian`` (as ``games`` does)."""
        return "bootstrap" if self.boot is not None else "hessian"

    def cov(self, kind: str | None = None) -> FloatArray:
        """Covariance matrix of the coefficients.

        Parameters
        ----------
        kind : {"hessian", "opg", "sandwich", "bootstrap"}, optional
            Inverse of minus the Hessian; inverse of the outer product of
            the per-observation gradients (BHHH); the sandwich
            ``H^-1 (G'G) H^-1`` (robust to misspecification); or the
            covariance of the bootstrap estimates. Default: bootstrap if
            run, else Hessian.

        Examples
        --------
        >>> import escalade
        >>> res = escalade.estimate("egame12")
        >>> res.cov("sandwich").shape
        (10, 10)
        """
        kind = kind or self.default_cov_type()
        if kind not in COV_TYPES:
            raise ParameterError(
                f"cov must be one of {', '.join(COV_TYPES)}, found {kind!r}", arguments=("cov",)
            )
        if kind == "bootstrap":
            if self.boot is None or len(self.boot) < 2:
                raise ParameterError(
                    "cov='bootstrap' needs at least 2 bootstrap estimates; fit with bootstrap=N "
                    "or call result.bootstrap(N) first",
                    arguments=("cov", "bootstrap"),
                )
            return np.atleast_2d(np.asarray(np.cov(self.boot, rowvar=False), dtype=np.float64))
        bread = _inverse(-self.hessian)
        if kind == "hessian":
            return bread
        g = self.scores
        meat = g.T @ g
        if kind == "opg":
            return _inverse(meat)
        return bread @ meat @ bread

    def se(self, kind: str | None = None) -> FloatArray:
        """Standard errors (see :meth:`cov` for ``kind``)."""
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(self.cov(kind)))

    # ------------------------------------------------------------- the protocol
    def to_frame(self, *, cov: str | None = None) -> pd.DataFrame:
        """The coefficient table: estimate, standard error, z, p and 95% interval.

        Parameters
        ----------
        cov : {"hessian", "opg", "sandwich", "bootstrap"}, optional
            Where the standard errors come from (see :meth:`cov`).

        Examples
        --------
        >>> import escalade
        >>> escalade.estimate("egame12").to_frame().columns.tolist()
        ['equation', 'term', 'coef', 'std_err', 'z', 'p', 'ci_low', 'ci_high']
        """
        return coefficient_frame(self, cov)

    def summary(self, *, cov: str | None = None, max_rows: int | None = None) -> Summary:
        """The fit in the statsmodels style: a header, then a coefficient table per equation.

        Parameters
        ----------
        cov : str, optional
            Where the standard errors come from (see :meth:`cov`).
        max_rows : int or None
            At most this many terms per equation (``None``: all).

        Examples
        --------
        >>> import escalade
        >>> print(escalade.estimate("egame12").summary())  # doctest: +ELLIPSIS
        Strategic estimation: egame12 (agent error, probit link)
        ...
        Log-likelihood: -286.1238   AIC: 592.2475   BIC: 628.6666
        ...
        """
        return fit_summary(self, cov, max_rows)

    def to_dict(self, *, cov: str | None = None) -> dict[str, Any]:
        """The fit as plain values, ready for :func:`json.dumps` (no NaN).

        Examples
        --------
        >>> import escalade, json
        >>> d = escalade.estimate("egame12").to_dict()
        >>> d["n_obs"], round(d["loglik"], 4), json.dumps(d, allow_nan=False)[:1]
        (282, -286.1238, '{')
        """
        return fit_dict(self, cov)

    def write(self, folder: str | Path, *, cov: str | None = None) -> list[str]:
        """Write ``summary.txt``, ``estimate.json``, ``coefficients.csv``, ``predictions.csv``
        and the fitted scenario ``fitted.yaml`` into ``folder``; the names written.

        Raises
        ------
        OutputError
            When the folder cannot be created or a file cannot be written.

        Examples
        --------
        >>> import escalade, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     escalade.estimate("egame12").write(tmp)[:2]
        ['summary.txt', 'estimate.json']
        """
        return write_folder(self, folder, cov)

    def __repr__(self) -> str:
        return (
            f"<EstimationResult {self.scenario.name}: {self.n_coef} coefficients, "
            f"{self.n_obs} observations, loglik {self.loglik:.4f}>"
        )

    # --------------------------------------------------- what follows
    def predict(self, data: Any = None, *, kind: str = "outcome") -> Any:
        """Predicted probabilities per row (see :func:`escalade.estimation.predict`)."""
        from escalade.estimation._predict import predict

        return predict(self, data, kind=kind)

    def typical_row(self, at: Any = None) -> dict[str, Any]:
        """A typical observation (see :func:`~._predict.typical_row`)."""
        from escalade.estimation._predict import typical_row

        return typical_row(self, at)

    def predict_grid(self, column: str, **kwargs: Any) -> Any:
        """Predicted probabilities as one column varies (see :func:`~._predict.predict_grid`)."""
        from escalade.estimation._predict import predict_grid

        return predict_grid(self, column, **kwargs)

    def profile(self, coefficient: str | Sequence[str] | None = None, **kwargs: Any) -> Profile:
        """The profile likelihood of one coefficient (see :func:`~._profile.profile`)."""
        from escalade.estimation._profile import profile

        return profile(self, coefficient, **kwargs)

    def vuong(self, other: EstimationResult | FloatArray, **kwargs: Any) -> NonNestedTest:
        """Vuong's test of this model against another (see :func:`~._nonnest.vuong`)."""
        from escalade.estimation._nonnest import vuong

        return vuong(self, other, **kwargs)

    def clarke(self, other: EstimationResult | FloatArray, **kwargs: Any) -> NonNestedTest:
        """Clarke's distribution-free test against another model."""
        from escalade.estimation._nonnest import clarke

        return clarke(self, other, **kwargs)

    def bootstrap(self, n: int, **kwargs: Any) -> EstimationResult:
        """Refit on ``n`` resamples of the rows (see :func:`~._bootstrap.bootstrap`)."""
        from escalade.estimation._bootstrap import bootstrap

        return bootstrap(self, n, **kwargs)

    def to_scenario(self, **kwargs: Any) -> Scenario:
        """The scenario with fitted values and their uncertainty (see ``to_scenario``)."""
        from escalade.estimation._export import to_scenario

        return to_scenario(self, **kwargs)


def _payoff_names(scenario: Scenario) -> set[str]:
    """Every name the payoffs use, directly or through derived values."""
    names: set[str] = set()
    for outcome in scenario.outcomes:
        for f in outcome.payoffs:
            names |= set(f.expr.names)
    for d in reversed(scenario.derived):
        if d.name in names:
            names |= set(d.formula.expr.names)
    return names


def _inverse(m: FloatArray) -> FloatArray:
    try:
        return np.asarray(np.linalg.inv(m), dtype=np.float64)
    except np.linalg.LinAlgError:
        warnings.warn(
            "the covariance matrix cannot be computed: the matrix to invert is singular "
            "(the model is not identified); standard errors are NaN",
            EstimationWarning,
            stacklevel=3,
        )
        return np.full_like(m, np.nan)
