"""Profile likelihood: the best fit with one coefficient held at each of several values.

Besides showing how sharply the data pin a coefficient down, a profile
finds maxima the fit missed: if a profiled fit (which only adds a
constraint) beats the original one, the original fit stopped at a
non-global maximum, and refitting from the best profiled point does
better (as ``games::profile.game`` advises). All points of a profile are
refitted as one batch.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import EstimationWarning, ParameterError
from escalade.estimation._optimize import newton

if TYPE_CHECKING:
    import pandas as pd

    from escalade.estimation._result import EstimationResult

__all__ = ["Profile", "profile"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Profile(ResultMixin):
    """Profiled log-likelihoods.

    Attributes
    ----------
    names : tuple of str
        Coefficient names (columns of ``thetas``).
    coefficient : ndarray of str, shape (n_points,)
        The coefficient held fixed at each point.
    value : ndarray of shape (n_points,)
        Its value there.
    loglik : ndarray of shape (n_points,)
        The best log-likelihood with it held there.
    thetas : ndarray of shape (n_points, n_coef)
        All coefficients at each point's best fit.
    original : float
        Log-likelihood of the fit profiled.

    Examples
    --------
    >>> import numpy as np
    >>> p = Profile(("b",), np.array(["b", "b"], dtype=object), np.array([0.0, 1.0]),
    ...             np.array([-10.0, -9.5]), np.array([[0.0], [1.0]]), -9.8)
    >>> p.improved, p.best.tolist()
    (True, [1.0])
    """

    names: tuple[str, ...]
    coefficient: NDArray[Any]
    value: FloatArray
    loglik: FloatArray
    thetas: FloatArray
    original: float

    @property
    def improved(self) -> bool:
        """True when some profiled fit beats the original fit: it was not the global maximum."""
        return bool(np.nanmax(self.loglik) > self.original + 1e-6)

    @property
    def best(self) -> FloatArray:
        """The coefficients of the highest profiled point (starting values for a refit)."""
        best: FloatArray = self.thetas[int(np.nanargmax(self.loglik))].copy()
        return best

    def to_frame(self) -> pd.DataFrame:
        """One row per point: coefficient, value, log-likelihood and its drop from the fit."""
        import pandas as pd

        return pd.DataFrame(
            {
                "coefficient": self.coefficient,
                "value": self.value,
                "loglik": self.loglik,
                "drop": self.original - self.loglik,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain values, ready for :func:`json.dumps` (no NaN)."""
        return json_dict(
            {
                "original_loglik": self.original,
                "improved": self.improved,
                "points": [
                    {"coefficient": str(c), "value": v, "loglik": ll}
                    for c, v, ll in zip(self.coefficient, self.value, self.loglik, strict=True)
                ],
            }
        )

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """The profile as tables, one per coefficient, each of at most ``max_rows`` points."""
        notes = [f"Original log-likelihood: {self.original:.4f}"]
        if self.improved:
            notes.append(
                f"A profiled fit reaches {np.nanmax(self.loglik):.4f}: the original fit is not "
                "the global maximum; refit with start=profile.best"
            )
        tables = []
        for name in dict.fromkeys(self.coefficient.tolist()):
            rows = self.coefficient == name
            tables.append(
                Table(
                    str(name),
                    ("value", "log-likelihood", "drop"),
                    clip_rows(
                        [
                            (f"{v:.4f}", f"{ll:.4f}", f"{self.original - ll:.4f}")
                            for v, ll in zip(self.value[rows], self.loglik[rows], strict=True)
                        ],
                        max_rows,
                    ),
                )
            )
        return Summary("Profile likelihood", tuple(notes), tuple(tables))


def profile(
    result: EstimationResult,
    coefficient: str | Sequence[str] | None = None,
    *,
    steps: int = 5,
    dist: float = 3.0,
    use_se: bool = True,
) -> Profile:
    """Refit with one coefficient held at each of ``2 * steps`` values around its estimate.

    Parameters
    ----------
    result : EstimationResult
    coefficient : str or sequence of str, optional
        Which coefficients (default all).
    steps : int
        Points on each side of the estimate.
    dist : float
        How far the farthest points are, in standard errors (or in units
        when ``use_se`` is false).
    use_se : bool

    Warns
    -----
    EstimationWarning
        When a profiled fit beats the original one.

    Examples
    --------
    >>> import escalade
    >>> res = escalade.estimate("egame12")
    >>> prof = res.profile("u2_war:balanc", steps=2)
    >>> prof.improved, len(prof.value)
    (False, 4)
    """
    names = result.names
    chosen = (
        list(names)
        if coefficient is None
        else ([coefficient] if isinstance(coefficient, str) else list(coefficient))
    )
    for c in chosen:
        if c not in names:
            raise ParameterError(
                f"unknown coefficient {c!r}; coefficients: {', '.join(names)}",
                arguments=("coefficient",),
            )
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ParameterError(
            f"steps must be a whole number >= 1, found {steps!r}", arguments=("steps",)
        )
    se = result.se("hessian") if use_se else np.ones(len(names))
    se = np.where(np.isfinite(se) & (se > 0), se, 1.0)
    labels, values, thetas, logliks = [], [], [], []
    for c in chosen:
        k = names.index(c)
        grid = result.coef[k] + np.linspace(-dist, dist, 2 * steps + 1) * se[k]
        grid = np.delete(grid, steps)  # the estimate itself is the original fit
        start = np.repeat(result.coef[None], len(grid), axis=0)
        start[:, k] = grid
        free = np.ones(len(names), dtype=bool)
        free[k] = False
        state = newton(result.model, start, free=free)
        labels += [c] * len(grid)
        values.append(grid)
        thetas.append(state.theta)
        logliks.append(state.loglik)
    prof = Profile(
        names=names,
        coefficient=np.array(labels, dtype=object),
        value=np.concatenate(values),
        loglik=np.concatenate(logliks),
        thetas=np.vstack(thetas),
        original=result.loglik,
    )
    if prof.improved:
        warnings.warn(
            f"a profiled fit has a higher log-likelihood ({np.nanmax(prof.loglik):.4f}) than the "
            f"original fit ({result.loglik:.4f}): the fit stopped at a non-global maximum; refit "
            "from the profile's best point (start=profile.best)",
            EstimationWarning,
            stacklevel=3,
        )
    return prof
