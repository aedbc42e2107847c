"""Choice rules of the backward pass: best response (SPE) and logit (QRE).

A rule turns the mover's value at each child of the decision nodes of one
depth into the probability of choosing it, on the slot layout of
:mod:`escalade.solvers._slots` (which the batched pass uses).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["TIE_TOL", "BestResponse", "ChoiceRule", "LogitRule", "best_response_rule", "logit_rule"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Relative tolerance under which two action values count as tied (SPE).
TIE_TOL = 1e-12


class ChoiceRule(Protocol):
    """A choice rule: the probability of each child of the decision nodes of one depth.

    ``rule.slots(vals, pad, out)`` takes ``vals`` of shape
    (K, n_parents, n_draws), ``vals[j]`` the mover's value at the ``j``-th
    children, and ``pad`` the flat positions (over the first two axes) of
    empty children, which must get probability 0; it writes the
    probabilities into ``out`` (same shape). ``rule.restrict(part)`` is the
    rule for the draws ``part`` of the batch (itself unless the rule holds
    per-draw data).
    """

    def slots(self, vals: FloatArray, pad: IntArray, out: FloatArray) -> None: ...

    def restrict(self, part: slice) -> ChoiceRule: ...


def _over_slots(ufunc: np.ufunc, x: FloatArray) -> FloatArray:
    """``ufunc`` over the first axis, in order: ``f(f(x[0], x[1]), x[2])``..."""
    if x.shape[0] == 1:
        first: FloatArray = x[0].copy()
        return first
    out: FloatArray = ufunc(x[0], x[1])
    for j in range(2, x.shape[0]):
        ufunc(out, x[j], out=out)
    return out


class BestResponse:
    """Best responses, ties split evenly (values within ``TIE_TOL * (1 + |best|)``).

    Examples
    --------
    >>> vals = np.array([[[1.0], [0.0]], [[2.0], [5.0]], [[2.0], [0.0]]])  # (K, parents, draws)
    >>> out = np.empty_like(vals)
    >>> best_response_rule.slots(vals, np.array([5]), out)  # the second node has 2 children
    >>> out[:, :, 0].T.tolist()
    [[0.0, 0.5, 0.5], [0.0, 1.0, 0.0]]
    """

    def slots(self, vals: FloatArray, pad: IntArray, out: FloatArray) -> None:
        """Probabilities on the slot layout (see :class:`ChoiceRule`)."""
        if pad.size:
            vals.reshape(-1, vals.shape[-1])[pad] = -np.inf
        thr = _threshold(_over_slots(np.maximum, vals))
        np.greater_equal(vals, thr[None], out=out)  # 1.0 where tied for best
        count = _over_slots(np.add, out)
        if count.max(initial=1.0) > 1.0:  # ties are rare: skip dividing by ones
            out /= count[None]

    def restrict(self, part: slice) -> BestResponse:
        """The rule for the draws ``part`` of the batch: the same rule."""
        return self


def _threshold(best: FloatArray) -> FloatArray:
    """``best - TIE_TOL * (1 + |best|)``, computed in place on a new array."""
    thr = np.abs(best)
    thr += 1.0
    thr *= TIE_TOL
    np.subtract(best, thr, out=thr)
    return thr


#: The SPE choice rule.
best_response_rule = BestResponse()


class LogitRule:
    """Logit choice with precision ``lam``: probabilities ∝ exp(lam · value).

    Parameters
    ----------
    lam : float or ndarray of shape (n_draws,)
        One precision for the batch, or one per draw.

    Examples
    --------
    >>> out = np.empty((2, 1, 1))
    >>> LogitRule(0.0).slots(np.array([[[3.0]], [[-1.0]]]), np.array([], dtype=int), out)
    >>> out.ravel().tolist()
    [0.5, 0.5]
    """

    def __init__(self, lam: float | FloatArray) -> None:
        self.lam = lam

    def restrict(self, part: slice) -> LogitRule:
        """The rule for the draws ``part`` of the batch."""
        if np.ndim(self.lam) == 0:
            return self
        return LogitRule(np.asarray(self.lam)[part])

    def slots(self, vals: FloatArray, pad: IntArray, out: FloatArray) -> None:
        """Probabilities on the slot layout (see :class:`ChoiceRule`)."""
        flat = out.reshape(-1, out.shape[-1])
        if pad.size:
            vals.reshape(-1, vals.shape[-1])[pad] = -np.inf
        # Shifting by the best value keeps exp() from overflowing at large lam.
        np.subtract(vals, _over_slots(np.maximum, vals)[None], out=out)
        if pad.size:
            flat[pad] = 0.0  # lam * -inf would be nan at lam = 0
        out *= self.lam
        np.exp(out, out=out)
        if pad.size:
            flat[pad] = 0.0
        out /= _over_slots(np.add, out)[None]


def logit_rule(lam: float | FloatArray) -> ChoiceRule:
    """Logit choice with precision ``lam``: probabilities ∝ exp(lam · value).

    ``lam`` is a number or an array of shape (n_draws,) (one precision per
    draw); ``lam = inf`` gives the limit, best responses with ties split.

    Examples
    --------
    >>> out = np.empty((2, 1, 1))
    >>> logit_rule(np.log(3.0)).slots(np.array([[[1.0]], [[0.0]]]), np.array([], dtype=int), out)
    >>> np.round(out.ravel(), 12).tolist()
    [0.75, 0.25]
    >>> logit_rule(np.inf) is best_response_rule
    True
    """
    if np.ndim(lam) == 0 and math.isinf(float(np.asarray(lam))):
        return best_response_rule
    return LogitRule(lam)
