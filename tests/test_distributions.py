"""Parameter distributions in their tails: the inverse CDFs against exact means.

Oracles: the mean of a standard normal truncated to [a, b],
(phi(a) - phi(b)) / (Phi(b) - Phi(a)) (Johnson, Kotz and Balakrishnan 1994,
Continuous Univariate Distributions 1, ch. 13), written here with scaled
complementary error functions so that it stays exact far in a tail, and the
mean of a beta on [low, high], low + (high - low) a / (a + b). Means are taken
over the midpoints of n equal slices of (0, 1), a quadrature whose error is far
below the tolerances used.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from escalade.scenario._distributions import Beta, Normal, Triangular, Uniform

N = 200_000
MIDPOINTS = (np.arange(N) + 0.5) / N


def truncated_normal_mean(a: float, b: float) -> float:
    """Exact mean of N(0, 1) truncated to [a, b] (a < b, either may be infinite)."""
    if a < 0 and b <= 0:  # mirror into the upper half
        return -truncated_normal_mean(-b, -a)
    if a < 0:  # the range holds the middle: no cancellation
        num = math.exp(-a * a / 2) - (math.exp(-b * b / 2) if math.isfinite(b) else 0.0)
        return num / math.sqrt(2 * math.pi) / (special.ndtr(b) - special.ndtr(a))
    # a >= 0: phi(x) = exp(-x^2/2)/sqrt(2 pi) and 1 - Phi(x) = exp(-x^2/2) erfcx(x/sqrt 2)/2;
    # divide both by exp(-a^2/2)
    ratio = math.exp(-(b * b - a * a) / 2) if math.isfinite(b) else 0.0
    num = math.sqrt(2 / math.pi) * (1 - ratio)
    den = special.erfcx(a / math.sqrt(2)) - ratio * (
        special.erfcx(b / math.sqrt(2)) if math.isfinite(b) else 0.0
    )
    return num / den


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (8.5, 20.0),  # gave 20.0 in every draw
        (-20.0, -8.5),
        (50.0, 60.0),
        (-60.0, -50.0),  # probabilities below the smallest double
        (-math.inf, -40.0),
        (3.0, math.inf),
        (0.5, 2.0),
        (-1.0, 1.0),
        (-3.0, 3.0),
    ],
)
def test_truncated_normal_matches_the_exact_mean(low, high):
    mean, sd = 2.0, 0.5
    d = Normal(mean, sd, mean + sd * low, mean + sd * high)
    x = d.ppf(MIDPOINTS)
    assert np.all((x >= d.low) & (x <= d.high))
    assert np.all(np.diff(x) >= 0)  # an inverse CDF: monotone in u
    expected = mean + sd * truncated_normal_mean(low, high)
    assert float(x.mean()) == pytest.approx(expected, abs=1e-6 * max(1.0, abs(expected)))


def test_the_far_tail_of_the_scenario_example():
    # value: 9, dist: normal, mean: 0, sd: 1, low: 8.5, high: 20 (true mean 8.6146)
    x = Normal(0.0, 1.0, 8.5, 20.0).ppf(MIDPOINTS)
    assert float(x.max()) < 12.0
    assert float(x.mean()) == pytest.approx(truncated_normal_mean(8.5, 20.0), abs=1e-6)


@pytest.mark.parametrize(
    "dist",
    [
        Beta(0.05, 0.05, -3.0, 4.0),
        Beta(200.0, 0.5),
        Beta(0.5, 200.0, 10.0, 10.001),
        Uniform(1e9, 1e9 + 1e-3),
        Triangular(-1e-9, 0.0, 1e-9),
    ],
)
def test_other_bounded_distributions_hold_their_means_at_the_extremes(dist):
    x = dist.ppf(MIDPOINTS)
    low, high = dist.support
    assert np.all((x >= low) & (x <= high))
    if isinstance(dist, Beta):
        expected = dist.low + (dist.high - dist.low) * dist.a / (dist.a + dist.b)
    elif isinstance(dist, Uniform):
        expected = (dist.low + dist.high) / 2
    else:
        expected = (dist.low + dist.mode + dist.high) / 3
    assert float(x.mean()) == pytest.approx(expected, abs=1e-5 * (high - low))
