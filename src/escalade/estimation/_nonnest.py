"""Tests between non-nested models fitted to the same observations: Vuong's and Clarke's.

Both compare the observations' log-likelihoods under two models, with
the Schwarz (BIC) correction for the number of parameters, as ``games``
does. Vuong's statistic is asymptotically standard normal; Clarke's is
the number of observations better explained by the first model, binomial
with probability 1/2 when the models are equally good.

References
----------
Vuong, Q. H. (1989). Likelihood ratio tests for model selection and
non-nested hypotheses. Econometrica 57(2), 307-333.
Clarke, K. A. (2007). A simple distribution-free test for nonnested
model selection. Political Analysis 15(3), 347-363.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import EstimationError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

    from escalade.estimation._result import EstimationResult

__all__ = ["NonNestedTest", "clarke", "vuong"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class NonNestedTest(ResultMixin):
    """The result of Vuong's or Clarke's test.

    Attributes
    ----------
    test : {"vuong", "clarke"}
    statistic : float
        Vuong's z, or Clarke's count of observations favouring model 1.
    p_value : float
        Two-sided.
    n_obs : int
    n_params : tuple of int
    loglik : tuple of float
        Total log-likelihood of each model.
    level : float
        Significance level for :attr:`preferred`.

    Examples
    --------
    >>> NonNestedTest("clarke", 70.0, 0.0002, 100, (3, 3), (-50.0, -60.0)).preferred
    1
    """

    test: str
    statistic: float
    p_value: float
    n_obs: int
    n_params: tuple[int, int]
    loglik: tuple[float, float]
    level: float = 0.05

    @property
    def preferred(self) -> int | None:
        """1 or 2, the model the test prefers at :attr:`level`, or None."""
        if self.p_value >= self.level:
            return None
        if self.test == "vuong":
            return 1 if self.statistic > 0 else 2
        return 1 if self.statistic > self.n_obs - self.statistic else 2

    def to_dict(self) -> dict[str, Any]:
        """The test as plain values, ready for :func:`json.dumps` (no NaN)."""
        return json_dict(
            {
                "test": self.test,
                "statistic": self.statistic,
                "p_value": self.p_value,
                "n_obs": self.n_obs,
                "n_params": self.n_params,
                "loglik": self.loglik,
                "level": self.level,
                "preferred": self.preferred,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per model: its log-likelihood and number of parameters."""
        import pandas as pd

        return pd.DataFrame(
            {"loglik": self.loglik, "n_params": self.n_params},
            index=pd.Index(["model 1", "model 2"], name="model"),
        )

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """The test as text or HTML.

        Examples
        --------
        >>> t = NonNestedTest("vuong", 2.5, 0.0124, 100, (3, 2), (-50.0, -60.0))
        >>> print(t.summary())  # doctest: +ELLIPSIS
        Vuong test for non-nested models: model 1 is preferred (p = 0.0124)
        ...
        """
        name = "Vuong" if self.test == "vuong" else "Clarke"
        verdict = (
            f"model {self.preferred} is preferred"
            if self.preferred is not None
            else "neither model is significantly preferred"
        )
        stat = (
            f"{self.statistic:.4f}"
            if self.test == "vuong"
            else (
                f"{int(self.statistic)} of {self.n_obs} ({100 * self.statistic / self.n_obs:.0f}%)"
            )
        )
        rows = (
            ("log-likelihood", f"{self.loglik[0]:.4f}", f"{self.loglik[1]:.4f}"),
            ("parameters", str(self.n_params[0]), str(self.n_params[1])),
        )
        return Summary(
            f"{name} test for non-nested models: {verdict} (p = {self.p_value:.4g})",
            (f"Observations: {self.n_obs}; statistic: {stat}; level {self.level:g}",),
            (Table("Models", ("", "model 1", "model 2"), clip_rows(rows, max_rows)),),
        )


def _pair(
    model1: EstimationResult, model2: EstimationResult | FloatArray, n_params2: int | None
) -> tuple[FloatArray, FloatArray, int, int]:
    l1 = model1.per_obs
    if isinstance(model2, (np.ndarray, list | tuple)):
        l2 = np.asarray(model2, dtype=np.float64).ravel()
        if n_params2 is None:
            raise ParameterError(
                "comparing with per-observation log-likelihoods needs n_params (the number of "
                "parameters of the other model)",
                arguments=("n_params",),
            )
        p2 = int(n_params2)
    else:
        l2 = model2.per_obs
        p2 = model2.n_coef
        r1, r2 = model1.built.response, model2.built.response
        if len(r1) == len(r2) and not np.array_equal(np.asarray(r1), np.asarray(r2)):
            raise EstimationError("the two models were not fitted to the same outcomes")
    if len(l1) != len(l2):
        raise EstimationError(
            f"the two models have different numbers of observations ({len(l1)} and {len(l2)})"
        )
    return l1, l2, model1.n_coef, p2


def vuong(
    model1: EstimationResult,
    model2: EstimationResult | FloatArray,
    *,
    n_params: int | None = None,
    level: float = 0.05,
) -> NonNestedTest:
    """Vuong's test: is one model closer to the truth than the other?

    Parameters
    ----------
    model1 : EstimationResult
    model2 : EstimationResult, or ndarray of shape (n_obs,)
        Another fit to the same observations, or the per-observation
        log-likelihoods of any other model (then give ``n_params``).
    n_params : int, optional
        Number of parameters of ``model2`` when it is given as an array.
    level : float

    Examples
    --------
    >>> import escalade
    >>> agent = escalade.estimate("egame12")
    >>> private = escalade.estimate("egame12", error="private")
    >>> round(agent.vuong(private).statistic, 4)
    -0.0825
    """
    l1, l2, p1, p2 = _pair(model1, model2, n_params)
    n = len(l1)
    correction = (p1 - p2) * np.log(n) / 2.0
    diff = l1 - l2
    spread = float(np.std(diff))  # population standard deviation, as Vuong defines it
    stat = (diff.sum() - correction) / (np.sqrt(n) * spread) if spread > 0 else 0.0
    p = float(2.0 * stats.norm.sf(abs(stat)))
    return NonNestedTest(
        "vuong", float(stat), p, n, (p1, p2), (float(l1.sum()), float(l2.sum())), level
    )


def clarke(
    model1: EstimationResult,
    model2: EstimationResult | FloatArray,
    *,
    n_params: int | None = None,
    level: float = 0.05,
) -> NonNestedTest:
    """Clarke's distribution-free test: does one model explain most observations better?

    Parameters are as for :func:`vuong`.

    Examples
    --------
    >>> import escalade
    >>> agent = escalade.estimate("egame12")
    >>> agent.clarke(escalade.estimate("egame12", error="private")).statistic
    117.0
    """
    l1, l2, p1, p2 = _pair(model1, model2, n_params)
    n = len(l1)
    correction = (p1 - p2) * np.log(n) / (2.0 * n)
    b = int(np.sum(l1 - l2 > correction))
    p = float(min(1.0, 2.0 * stats.binom.cdf(min(b, n - b), n, 0.5)))
    return NonNestedTest(
        "clarke", float(b), p, n, (p1, p2), (float(l1.sum()), float(l2.sum())), level
    )
