"""What fitted values know about a state: regression features and sampled states.

- :class:`StateFeatures` turns states into the features fitted values
  regress on: each continuous variable scaled to [0, 1] (by its bounds, or
  the sampled range), the products of pairs (squares included), hinges
  ``max(x - c, 0)`` at evenly spaced points (kinks such as ``clip`` and
  ``max`` in payoffs make values piecewise smooth, which a quadratic
  alone bends around), an indicator for each flag, each category but the
  first and each value but the first of a numeric variable that moves in
  discrete steps, the products of indicators with the continuous
  variables, and the products of indicators of different variables.
  Features are laid out feature-major, shape (n_features, n_rows), so
  that each is one contiguous array.
- :class:`SampledValues` keeps the sampled states of a period with their
  Bellman values, to be found again by state.
- :func:`distinct_rows` finds the distinct (world, state) rows of a batch,
  so that each distinct state is valued once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from escalade.scenario import Dynamics
from escalade.simulation._rows import unique_rows

__all__ = ["HINGES", "MAX_LEVELS", "SampledValues", "StateFeatures", "distinct_rows"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Hinge features per continuous variable.
HINGES = 6
#: Most values a numeric variable takes in a period's sample to count as discrete.
MAX_LEVELS = 8
#: States closer than this in every variable are the same state.
_DECIMALS = 9


class StateFeatures:
    """Regression features of states, scaled as a period's sampled states are.

    Parameters
    ----------
    dynamics : Dynamics
    sample : ndarray of shape (n_rows, n_state), optional
        The sampled states of the period: numeric variables without bounds
        are scaled by their sampled range. Without a sample, every numeric
        variable is continuous on [0, 1].
    levels : dict of int to ndarray, optional
        The values of the numeric variables that move in discrete steps
        (at most :data:`MAX_LEVELS` values), by variable: an indicator each.

    Examples
    --------
    >>> import escalade
    >>> dyn = escalade.load("korea-2017").dynamics
    >>> f = StateFeatures(dyn)
    >>> f.n_features, f(np.zeros((3, len(dyn.state)))).shape
    (58, (58, 3))
    """

    def __init__(
        self,
        dynamics: Dynamics,
        sample: FloatArray | None = None,
        levels: dict[int, FloatArray] | None = None,
    ) -> None:
        levels = levels or {}
        n_state = len(dynamics.state)
        self.numeric = np.array(
            [i for i, v in enumerate(dynamics.state) if v.kind == "number" and i not in levels],
            dtype=np.int64,
        )
        # (variable, value) of each indicator
        var: list[int] = []
        value: list[float] = []
        for i, v in enumerate(dynamics.state):
            if v.kind == "bool":
                codes = [1.0]
            elif v.kind == "category":
                codes = [float(c) for c in range(1, len(v.choices or ()))]
            elif i in levels:
                codes = [float(c) for c in levels[i][1:]]
            else:
                continue
            var += [i] * len(codes)
            value += codes
        self.ind_var = np.array(var, dtype=np.int64)
        self.ind_value = np.array(value, dtype=np.float64)[:, None]
        low, high = np.zeros(n_state), np.ones(n_state)
        if sample is not None and sample.size:
            low, high = sample.min(axis=0), sample.max(axis=0)
            for i, v in enumerate(dynamics.state):
                low[i] = v.low if v.low is not None else low[i]
                high[i] = v.high if v.high is not None else high[i]
        self.low = low[self.numeric][:, None]
        span = high[self.numeric][:, None] - self.low
        self.span = np.where(span > 0, span, 1.0)
        k, m = self.numeric.size, self.ind_var.size
        self.pa, self.pb = (a.astype(np.int64) for a in np.triu_indices(k))
        self.hinge_var = np.repeat(np.arange(k, dtype=np.int64), HINGES)
        self.hinge_at = np.tile((np.arange(HINGES) + 1.0) / (HINGES + 1), k)[:, None]
        self.ca = np.repeat(np.arange(m, dtype=np.int64), k)
        self.cb = np.tile(np.arange(k, dtype=np.int64), m)
        a, b = np.triu_indices(m, 1)
        keep = self.ind_var[a] != self.ind_var[b]
        self.da, self.db = a[keep].astype(np.int64), b[keep].astype(np.int64)
        #: features of the continuous variables alone (the constant first)
        self.n_numeric = 1 + k + self.pa.size + self.hinge_var.size
        self.n_features = self.n_numeric + m + self.ca.size + self.da.size
        #: the constant, the continuous variables and the indicators: the features a
        #: world's parameters shift when worlds are fitted together
        self.linear_rows = np.concatenate([np.arange(1 + k), self.n_numeric + np.arange(m)]).astype(
            np.int64
        )

    def _scaled(self, state: FloatArray) -> FloatArray:
        return (state[:, self.numeric].T - self.low) / self.span

    def numeric_part(self, state: FloatArray) -> FloatArray:
        """The features of the continuous variables, shape (n_numeric, n_rows)."""
        x = self._scaled(state)
        ones = np.ones((1, state.shape[0]))
        hinges = np.maximum(x[self.hinge_var] - self.hinge_at, 0.0)
        return np.concatenate([ones, x, x[self.pa] * x[self.pb], hinges])

    def indicator_part(self, state: FloatArray) -> FloatArray:
        """The features with an indicator, shape (n_features - n_numeric, n_rows)."""
        x = self._scaled(state)
        # a discrete step variable's values can differ in the last bits from path to path
        d = (np.abs(state[:, self.ind_var].T - self.ind_value) < 1e-9).astype(np.float64)
        return np.concatenate([d, d[self.ca] * x[self.cb], d[self.da] * d[self.db]])

    def __call__(self, state: FloatArray) -> FloatArray:
        """The features of ``state`` rows, shape (n_features, n_rows)."""
        return np.concatenate([self.numeric_part(state), self.indicator_part(state)])

    def same_numeric(self, a: FloatArray, b: FloatArray) -> bool:
        """Whether two batches of states have the same continuous variables."""
        return bool(np.array_equal(a[:, self.numeric], b[:, self.numeric]))


class SampledValues:
    """The sampled states of one period with their Bellman values, looked up by state.

    Where the states a crisis reaches are few (the first periods, or
    discrete dynamics), the simulation meets the sampled states again: their
    value is then the one computed there, not the regression's.

    Parameters
    ----------
    world : ndarray of int, shape (n_rows,)
    state : ndarray of shape (n_rows, n_state)
    value : ndarray of shape (n_rows, n_players)

    Examples
    --------
    >>> known = SampledValues(np.array([0, 0]), np.array([[0.1], [0.2]]), np.array([[1.0], [2.0]]))
    >>> hit, value = known.lookup(np.array([0, 1]), np.array([[0.2 + 1e-13], [0.2]]))
    >>> hit.tolist(), value[:, 0].tolist()
    ([True, False], [2.0, 0.0])
    """

    def __init__(self, world: IntArray, state: FloatArray, value: FloatArray) -> None:
        self.keys, first = np.unique(_keys(world, state), return_index=True)
        self.world = world[first]
        self.state = _rounded(state[first])
        self.value = value[first]

    def __len__(self) -> int:
        return int(self.keys.size)

    def lookup(self, world: IntArray, state: FloatArray) -> tuple[NDArray[np.bool_], FloatArray]:
        """Which rows are sampled states, and their values (0 elsewhere)."""
        n = state.shape[0]
        value = np.zeros((n, self.value.shape[1]))
        if not self.keys.size:
            return np.zeros(n, dtype=bool), value
        at = np.minimum(np.searchsorted(self.keys, _keys(world, state)), self.keys.size - 1)
        hit = (self.world[at] == world) & (
            np.abs(self.state[at] - _rounded(state)) < 10.0**-_DECIMALS
        ).all(axis=1)
        value[hit] = self.value[at[hit]]
        return hit, value


def distinct_rows(world: IntArray, state: FloatArray) -> tuple[IntArray, IntArray]:
    """The distinct (world, state) rows: the first of each, and each row's distinct one.

    States are compared to 1e-9 in every variable.

    Examples
    --------
    >>> first, inverse = distinct_rows(np.zeros(3, dtype=np.int64), np.array([[1.0], [2.0], [1.0]]))
    >>> sorted(first.tolist()), bool(inverse[0] == inverse[2]), bool(inverse[0] != inverse[1])
    ([0, 1], True, True)
    """
    keys = _keys(world, state)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    rounded = _rounded(state)
    if not np.array_equal(rounded[first][inverse], rounded) or not np.array_equal(
        world[first][inverse], world
    ):  # pragma: no cover - two distinct states with the same 64-bit hash
        first, inverse = unique_rows(np.column_stack([world.astype(np.float64), rounded]))
    return first.astype(np.int64), inverse.astype(np.int64)


def _rounded(state: FloatArray) -> FloatArray:
    # + 0.0 turns -0.0 into 0.0, so that equal values have equal bits
    return np.round(state, _DECIMALS) + 0.0


_MULT = np.array([(0x9E3779B97F4A7C15 * (i + 2)) % (1 << 63) | 1 for i in range(64)])


def _keys(world: IntArray, state: FloatArray) -> NDArray[np.int64]:
    """A 64-bit hash of each (world, rounded state) row (wrapping arithmetic)."""
    bits = np.ascontiguousarray(_rounded(state)).view(np.int64)
    mult = (
        _MULT[: bits.shape[1]] if bits.shape[1] <= _MULT.size else np.resize(_MULT, bits.shape[1])
    )
    with np.errstate(over="ignore"):
        keys = world.astype(np.int64) * np.int64(0x632BE59BD9B4E019) + (bits * mult).sum(axis=1)
    return np.asarray(keys, dtype=np.int64)
