"""Probability distributions of uncertain parameters, as inverse CDFs.

Every distribution maps uniform numbers in (0, 1) to values through its
inverse cumulative distribution function (``ppf``). Monte Carlo, Latin
hypercube and Sobol' designs all start from points in the unit cube, so
one ``ppf`` per distribution serves every sampling scheme, and a design's
sensitivity indices carry over to the parameters unchanged (the map is
monotone in each coordinate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Beta",
    "CategoricalDist",
    "Distribution",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
]

FloatArray = NDArray[np.float64]


class Distribution:
    """Base class: a one-dimensional distribution given by its inverse CDF."""

    #: Name used in scenario files (``dist: beta``).
    kind: str = ""

    def ppf(self, u: FloatArray) -> FloatArray:
        """Values at cumulative probabilities ``u`` (array of any shape, in (0, 1))."""
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest possible values (may be infinite)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A short human-readable form, e.g. ``uniform[0.3, 0.9]``."""
        raise NotImplementedError

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the support."""
        low, high = self.support
        return low <= value <= high


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high]``.

    Examples
    --------
    >>> import numpy as np
    >>> Uniform(0.3, 0.9).ppf(np.array([0.0, 0.5, 1.0]))
    array([0.3, 0.6, 0.9])
    """

    low: float
    high: float
    kind = "uniform"

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=np.float64)

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def describe(self) -> str:
        return f"uniform[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta(a, b) stretched onto ``[low, high]`` (default ``[0, 1]``).

    Examples
    --------
    >>> float(Beta(2, 2).ppf(np.array([0.5]))[0])
    0.5
    """

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0
    kind = "beta"

    def ppf(self, u: FloatArray) -> FloatArray:
        from scipy import special  # costs more than all of numpy: only when drawing

        x = special.betaincinv(self.a, self.b, np.asarray(u, dtype=np.float64))
        return np.asarray(self.low + (self.high - self.low) * x, dtype=np.float64)

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def describe(self) -> str:
        span = "" if (self.low, self.high) == (0.0, 1.0) else f" on [{self.low:g}, {self.high:g}]"
        return f"beta(a={self.a:g}, b={self.b:g}){span}"


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal(mean, sd), optionally truncated to ``[low, high]``.

    Truncations far in a tail are sampled as accurately as central ones:
    the inverse CDF works on the side of the mean where the range lies,
    and with log-probabilities where probabilities underflow.

    Examples
    --------
    >>> float(Normal(1.0, 2.0).ppf(np.array([0.5]))[0])
    1.0
    >>> tail = Normal(0.0, 1.0, 8.5, 20.0).ppf(np.array([0.01, 0.5, 0.99]))
    >>> [round(float(x), 4) for x in tail]
    [8.5012, 8.5801, 9.0191]
    """

    mean: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    kind = "normal"

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=np.float64)
        a = (self.low - self.mean) / self.sd
        b = (self.high - self.mean) / self.sd
        # Above the mean, 1 - ndtr rounds away everything beyond a few sd (a range
        # [8.5, 20] gave 20 in every draw): there sample the mirror image below the mean.
        z = -_standard_ppf(1.0 - u, -b, -a) if a > 0 else _standard_ppf(u, a, b)
        x = self.mean + self.sd * z
        # rounding must not carry a value outside the truncation
        return np.asarray(np.clip(x, self.low, self.high), dtype=np.float64)

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def describe(self) -> str:
        cut = ""
        if math.isfinite(self.low) or math.isfinite(self.high):
            cut = f" truncated to [{self.low:g}, {self.high:g}]"
        return f"normal(mean={self.mean:g}, sd={self.sd:g}){cut}"


def _standard_ppf(u: FloatArray, a: float, b: float) -> FloatArray:
    """Inverse CDF of the standard normal truncated to ``[a, b]``, for ``a <= 0``.

    The interval reaches below the mean, where ``ndtr`` keeps full relative
    precision, so ``ndtri(ndtr(a) + u (ndtr(b) - ndtr(a)))`` is exact to
    rounding, until the probabilities fall below the smallest double
    (``b`` below about -37); there the same map is computed with
    log-probabilities (``log_ndtr`` and its inverse ``ndtri_exp``).
    """
    from scipy import special  # costs more than all of numpy: only when drawing

    lo, hi = special.ndtr(a), special.ndtr(b)
    if hi > 1e-300:
        return np.asarray(special.ndtri(lo + u * (hi - lo)), dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_p = np.logaddexp(special.log_ndtr(a) + np.log1p(-u), special.log_ndtr(b) + np.log(u))
    return np.asarray(special.ndtri_exp(log_p), dtype=np.float64)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal: ``log(x)`` is Normal(log(median), sigma).

    Examples
    --------
    >>> float(LogNormal(median=2.0, sigma=0.5).ppf(np.array([0.5]))[0])
    2.0
    """

    median: float
    sigma: float
    kind = "lognormal"

    def ppf(self, u: FloatArray) -> FloatArray:
        from scipy import special

        z = special.ndtri(np.asarray(u, dtype=np.float64))
        return np.asarray(self.median * np.exp(self.sigma * z), dtype=np.float64)

    @property
    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def describe(self) -> str:
        return f"lognormal(median={self.median:g}, sigma={self.sigma:g})"


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on ``[low, high]`` with its peak at ``mode``.

    Examples
    --------
    >>> float(Triangular(0.0, 0.5, 1.0).ppf(np.array([0.5]))[0])
    0.5
    """

    low: float
    mode: float
    high: float
    kind = "triangular"

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=np.float64)
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(np.clip(u, 0, None) * (b - a) * (c - a))
        right = b - np.sqrt(np.clip(1 - u, 0, None) * (b - a) * (b - c))
        return np.asarray(np.where(u < split, left, right), dtype=np.float64)

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def describe(self) -> str:
        return f"triangular[{self.low:g}, {self.mode:g}, {self.high:g}]"


@dataclass(frozen=True)
class CategoricalDist(Distribution):
    """A choice among named categories with given weights; values are codes.

    Examples
    --------
    >>> d = CategoricalDist(("averse", "insensitive"), (0.8, 0.2))
    >>> d.ppf(np.array([0.1, 0.79, 0.81])).tolist()
    [0.0, 0.0, 1.0]
    """

    choices: tuple[str, ...]
    weights: tuple[float, ...]
    kind = "categorical"

    def ppf(self, u: FloatArray) -> FloatArray:
        edges = np.cumsum(self.weights)[:-1]
        codes = np.searchsorted(edges, np.asarray(u, dtype=np.float64), side="right")
        return codes.astype(np.float64)

    @property
    def support(self) -> tuple[float, float]:
        return 0.0, float(len(self.choices) - 1)

    def describe(self) -> str:
        parts = ", ".join(f"{c} {w:.3g}" for c, w in zip(self.choices, self.weights, strict=True))
        return f"categorical({parts})"
