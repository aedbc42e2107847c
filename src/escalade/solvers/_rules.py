"""Choice rules of the backward pass: best response (SPE) and logit (QRE).

A rule turns the mover's value at each child of the decision nodes of one
depth into the probability of choosing it. Each rule has two forms: on
children grouped by offsets (simple, for reference and small uses), and
on the slot layout of :mod:`escalade.solvers._slots`, which the batched
pass uses.
"""

from __future__ import annotations

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

    ``rule(vals, offsets, group, out=None)`` takes ``vals`` of shape
    (n_kids, n_draws), the mover's value at each child, with ``offsets``
    where each node's children start and ``group`` the node of each child.
    ``rule.slots(vals, pad, out)`` does the same on the slot layout the
    pass uses: ``vals`` of shape (K, n_parents, n_draws), ``vals[j]`` the
    ``j``-th children, and ``pad`` the flat positions (over the first two
    axes) of empty children, which must get probability 0. A
    rule holding per-draw data also has ``restrict(part)``, the rule for
    the draws ``part`` of the batch.
    """

    def __call__(
        self,
        vals: FloatArray,
        offsets: IntArray,
        group: IntArray,
        out: FloatArray | None = None,
    ) -> FloatArray: ...

    def slots(self, vals: FloatArray, pad: IntArray, out: FloatArray) -> None: ...


def _over_slots(ufunc: np.ufunc, x: FloatArray) -> FloatArray:
    """``ufunc`` over the first axis, in order: ``f(f(x[0], x[1]), x[2])``..."""
    if x.shape[0] == 1:
        return x[0].copy()
    out = ufunc(x[0], x[1])
    for j in range(2, x.shape[0]):
        ufunc(out, x[j], out=out)
    return out


class BestResponse:
    """Best responses, ties split evenly (values within ``TIE_TOL * (1 + |best|)``).

    Examples
    --------
    >>> vals = np.array([[1.0], [2.0], [2.0], [0.0], [5.0]])
    >>> best_response_rule(vals, np.array([0, 3]), np.array([0, 0, 0, 1, 1])).ravel().tolist()
    [0.0, 0.5, 0.5, 0.0, 1.0]
    """

    def __call__(
        self,
        vals: FloatArray,
        offsets: IntArray,
        group: IntArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        """Probabilities of the children, grouped by ``offsets`` (see :class:`ChoiceRule`)."""
        best = np.maximum.reduceat(vals, offsets, axis=0)
        tied = np.greater_equal(vals, _threshold(best).take(group, axis=0))
        count = np.add.reduceat(tied, offsets, axis=0, dtype=np.float64)
        np.reciprocal(count, out=count)
        # tied * (1 / count) equals tied / count exactly: the numerator is 0 or 1
        return np.multiply(tied, count.take(group, axis=0), out=out)

    def slots(self, vals: FloatArray, pad: IntArray, out: FloatArray) -> None:
        """Probabilities on the slot layout (see :class:`ChoiceRule`)."""
        if pad.size:
            vals.reshape(-1, vals.shape[-1])[pad] = -np.inf
        thr = _threshold(_over_slots(np.maximum, vals))
        np.greater_equal(vals, thr[None], out=out)  # 1.0 where tied for best
        count = _over_slots(np.add, out)
        if count.max(initial=1.0) > 1.0:  # ties are rare: skip dividing by ones
            out /= count[None]


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
    >>> rule = LogitRule(0.0)
    >>> rule(np.array([[3.0], [-1.0]]), np.array([0]), np.array([0, 0])).ravel().tolist()
    [0.5, 0.5]
    """

    def __init__(self, lam: float | FloatArray) -> None:
        self.lam = lam

    def restrict(self, part: slice) -> LogitRule:
        """The rule for the draws ``part`` of the batch."""
        if np.ndim(self.lam) == 0:
            return self
        return LogitRule(np.asarray(self.lam)[part])

    def __call__(
        self,
        vals: FloatArray,
        offsets: IntArray,
        group: IntArray,
        out: FloatArray | None = None,
    ) -> FloatArray:
        """Probabilities of the children, grouped by ``offsets`` (see :class:`ChoiceRule`)."""
        top = np.maximum.reduceat(vals, offsets, axis=0)
        # Shifting by the best value keeps exp() from overflowing at large lam.
        e = np.take(top, group, axis=0, out=out)
        np.subtract(vals, e, out=e)
        e *= self.lam
        np.exp(e, out=e)
        total = np.add.reduceat(e, offsets, axis=0)
        e /= total.take(group, axis=0)
        return e

    def slots(self, vals: FloatArray, pad: IntArray, out: FloatArray) -> None:
        """Probabilities on the slot layout (see :class:`ChoiceRule`)."""
        flat = out.reshape(-1, out.shape[-1])
        if pad.size:
            vals.reshape(-1, vals.shape[-1])[pad] = -np.inf
        np.subtract(vals, _over_slots(np.maximum, vals)[None], out=out)
        if pad.size:
            flat[pad] = 0.0  # lam * -inf would be nan at lam = 0
        out *= self.lam
        np.exp(out, out=out)
        if pad.size:
            flat[pad] = 0.0
        out /= _over_slots(np.add, out)[None]


def logit_rule(lam: float | FloatArray) -> LogitRule:
    """Logit choice with precision ``lam``: probabilities ∝ exp(lam · value).

    ``lam`` is a number or an array of shape (n_draws,) (one precision per draw).

    Examples
    --------
    >>> rule = logit_rule(np.log(3.0))
    >>> p = rule(np.array([[1.0], [0.0]]), np.array([0]), np.array([0, 0]))
    >>> np.round(p.ravel(), 12).tolist()
    [0.75, 0.25]
    """
    return LogitRule(lam)
