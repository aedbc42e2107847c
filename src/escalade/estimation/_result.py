"""The result of a strategic estimation: coefficients, standard errors, and what follows."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from escalade.errors import EstimationWarning, ParameterError
from escalade.estimation._build import Built
from escalade.estimation._model import PredictorModel
from escalade.scenario import EstimationSpec, Scenario
from escalade.solvers import Summary, Table

if TYPE_CHECKING:
    from escalade.estimation._nonnest import NonNestedTest
    from escalade.estimation._profile import Profile

__all__ = ["COV_TYPES", "EstimationResult"]

FloatArray = NDArray[np.float64]

#: How standard errors can be computed.
COV_TYPES = ("hessian", "opg", "sandwich", "bootstrap")


@dataclass
class EstimationResult:
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
        return self.model.evaluate(self.coef[None], order=0).per_obs[0]

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
            raise ParameterError(f"cov must be one of {', '.join(COV_TYPES)}, found {kind!r}")
        if kind == "bootstrap":
            if self.boot is None or len(self.boot) < 2:
                raise ParameterError("no bootstrap estimates: run result.bootstrap(n) first")
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

    # ------------------------------------------------------------- tables
    def to_frame(self, cov: str | None = None) -> Any:
        """The coefficient table: estimate, standard error, z, p and 95% interval.

        Examples
        --------
        >>> import escalade
        >>> escalade.estimate("egame12").to_frame().columns.tolist()
        ['equation', 'term', 'coef', 'std_err', 'z', 'p', 'ci_low', 'ci_high']
        """
        import pandas as pd

        se = self.se(cov)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self.coef / se
        p = 2.0 * stats.norm.sf(np.abs(z))
        q = stats.norm.ppf(0.975)
        eq_of = [e.name for e in self.model.equations for _ in e.terms]
        terms = [t for e in self.model.equations for t in e.terms]
        return pd.DataFrame(
            {
                "equation": eq_of,
                "term": terms,
                "coef": self.coef,
                "std_err": se,
                "z": z,
                "p": p,
                "ci_low": self.coef - q * se,
                "ci_high": self.coef + q * se,
            },
            index=pd.Index(list(self.names), name="coefficient"),
        )

    def _describe_equation(self, name: str) -> str:
        if name.startswith("log_scale"):
            who = name[len("log_scale_") :] if name.startswith("log_scale_") else "every player"
            return f"{name}: log of the scale of the shocks of {who}"
        game = self.built.game
        if game is None:
            players = dict((p, pl) for pl, p in self.spec.reservation)
            return f"{name}: reservation value of {players.get(name, '?')}"
        where = []
        coef = getattr(self.model, "payoff_coef", None)
        if coef is not None:
            j = [e.name for e in self.model.equations].index(name)
            for i, pl in enumerate(game.players):
                for o, out in enumerate(game.outcomes):
                    if coef[i, o, j] != 0:
                        where.append(f"{pl} at {out}")
        return f"{name}: payoff of {', '.join(where)}" if where else name

    def summary(self, cov: str | None = None) -> Summary:
        """The fit in the statsmodels style: a header, then a coefficient table per equation.

        Examples
        --------
        >>> import escalade
        >>> print(escalade.estimate("egame12").summary())  # doctest: +ELLIPSIS
        Strategic estimation: egame12 (agent error, probit link)
        ...
        Log-likelihood: -286.1238   AIC: 592.2475   BIC: 628.6666
        ...
        """
        kind = cov or self.default_cov_type()
        frame = self.to_frame(kind)
        spec = self.spec
        model = (
            "ultimatum game"
            if spec.model == "ultimatum"
            else f"{spec.error} error, {spec.link} link"
        )
        heading = f"Strategic estimation: {self.scenario.name} ({model})"
        frame_info = self.built.frame
        dropped = ""
        if frame_info.n_dropped:
            detail = ", ".join(f"{c} {k}" for c, k in frame_info.dropped.items())
            dropped = (
                f" ({frame_info.n_dropped} of {frame_info.table.n_rows} rows dropped for "
                f"missing values: {detail})"
            )
        se_text = {
            "hessian": "the inverse Hessian",
            "opg": "the outer product of gradients (BHHH)",
            "sandwich": "the sandwich (robust) estimator",
            "bootstrap": f"{0 if self.boot is None else len(self.boot)} bootstrap replicates",
        }[kind]
        notes = [
            f"Data: {frame_info.table.name}, {self.n_obs} observations{dropped}",
            f"Log-likelihood: {self.loglik:.4f}   AIC: {self.aic:.4f}   BIC: {self.bic:.4f}",
            f"Converged: {'yes' if self.converged else 'NO'} ({self.iterations} Newton "
            f"iterations); Hessian negative definite: "
            f"{'yes' if self.locally_identified else 'NO'}; standard errors from {se_text}",
        ]
        fixed = self.fixed_values()
        if fixed:
            notes.append("Fixed: " + ", ".join(f"{k} = {v:g}" for k, v in fixed.items()))
        notes += [f"Warning: {n}" for n in self.notes]
        tables = []
        for eq in self.model.equations:
            rows = frame[frame.equation == eq.name]
            tables.append(
                Table(
                    self._describe_equation(eq.name),
                    ("term", "coef", "std err", "z", "P>|z|", "[0.025", "0.975]"),
                    tuple(
                        (
                            str(r.term),
                            f"{r.coef:.4f}",
                            f"{r.std_err:.4f}",
                            f"{r.z:.3f}",
                            f"{r.p:.3f}",
                            f"{r.ci_low:.3f}",
                            f"{r.ci_high:.3f}",
                        )
                        for r in rows.itertuples()
                    ),
                )
            )
        return Summary(heading, tuple(notes), tuple(tables))

    def to_dict(self, cov: str | None = None) -> dict[str, Any]:
        """The fit as plain JSON-ready values.

        Examples
        --------
        >>> import escalade, json
        >>> d = escalade.estimate("egame12").to_dict()
        >>> d["n_obs"], round(d["loglik"], 4), json.dumps(d)[:1]
        (282, -286.1238, '{')
        """
        kind = cov or self.default_cov_type()
        frame = self.to_frame(kind)
        spec = self.spec
        return {
            "scenario": self.scenario.name,
            "model": spec.model,
            "error": spec.error,
            "link": spec.link,
            "data": self.built.frame.table.name,
            "n_obs": self.n_obs,
            "n_dropped": self.built.frame.n_dropped,
            "dropped": dict(self.built.frame.dropped),
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "converged": self.converged,
            "iterations": self.iterations,
            "locally_identified": self.locally_identified,
            "cov_type": kind,
            "coefficients": {
                name: {
                    "coef": float(r.coef),
                    "std_err": _num(r.std_err),
                    "z": _num(r.z),
                    "p": _num(r.p),
                }
                for name, r in zip(self.names, frame.itertuples(), strict=True)
            },
            "fixed": self.fixed_values(),
            "bootstrap_replicates": 0 if self.boot is None else len(self.boot),
            "warnings": list(self.notes),
        }

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

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


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


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
