"""Exact first and second derivatives by forward-mode arithmetic, vectorised over observations.

A likelihood of a strategic model depends on the parameters only through
a handful of *linear predictors* per observation: one per estimated
utility and one per estimated scale (``eta = X @ beta``). So the
derivatives that matter are those of each observation's log-likelihood
with respect to its few predictors; the chain rule through ``X`` then
gives the gradient and Hessian in the parameters as matrix products
(see :mod:`escalade.estimation._model`).

:class:`Dual` carries, for every observation, a value, its gradient with
respect to the ``n_pred`` predictors and (optionally) its Hessian, and
propagates them through sums, products and the few functions a
strategic model needs (normal and logistic distribution functions, logs,
square roots). The results are exact to rounding: no finite differences.
This is second-order forward-mode automatic differentiation (hyper-dual
numbers; Fike and Alonso 2011) specialised to numpy arrays. Each value
carries derivatives only with respect to the predictors it depends on,
and second derivatives only for the pairs of them that are not zero (a
utility is linear, a product of two quantities depending on different
predictors has no square terms), so the work follows the structure of
the game rather than the number of predictors.

References
----------
Fike, J. A., and Alonso, J. J. (2011). The development of hyper-dual
numbers for exact second-derivative calculations. AIAA 2011-886.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = ["Dual", "constant", "log_ndtr", "variable"]

FloatArray = NDArray[np.float64]
#: Second derivatives by pair of positions ``(a, b)``, ``a <= b``, in a value's ``idx``;
#: pairs left out are zero.
Hess = dict[tuple[int, int], FloatArray]

_SQRT_2PI = np.sqrt(2.0 * np.pi)


class Dual:
    """Values with gradients and Hessians over the predictors they depend on.

    Derivative axes come first, so every array operation runs along the
    (long) observation axes.

    Attributes
    ----------
    v : ndarray of shape (...)
        Values.
    g : ndarray of shape (k, ...)
        First derivatives with respect to the ``k`` predictors ``idx``.
    h : dict of (int, int) to ndarray of shape (...), or None
        Second derivatives by pair of positions ``a <= b`` in ``idx``;
        missing pairs are zero, ``None`` means all zero (a linear function
        of the predictors) or not wanted.
    order : int
        Highest derivative carried: 0 (values only), 1 or 2.
    idx : tuple of int
        The predictors the value depends on.

    Examples
    --------
    >>> import numpy as np
    >>> x = variable(np.array([0.5]), 0)
    >>> y = (x * x).exp()
    >>> float(y.g[0, 0]), float(y.h[(0, 0)][0])   # d/dx e^(x^2) = 2x e^(x^2)
    (1.2840254166877414, 3.852076250063224)
    """

    __slots__ = ("g", "h", "idx", "order", "v")
    # numpy arrays on the left of + - * / defer to Dual's reflected operators
    __array_ufunc__ = None

    def __init__(
        self,
        v: FloatArray,
        g: FloatArray,
        h: Hess | None,
        order: int = 2,
        idx: tuple[int, ...] | None = None,
    ) -> None:
        self.v = v
        self.g = g
        self.h = h if h else None
        self.order = order
        self.idx = tuple(range(g.shape[0])) if idx is None else idx

    def _like(self, v: FloatArray, g: FloatArray, h: Hess | None) -> Dual:
        return Dual(v, g, h, self.order, self.idx)

    def hessian(self) -> FloatArray:
        """The second derivatives as a full array of shape (k, k, ...)."""
        k = len(self.idx)
        out = np.zeros((k, k, *self.v.shape))
        for (a, b), block in (self.h or {}).items():
            out[a, b] = block
            out[b, a] = block
        return out

    # ----------------------------------------------------------- arithmetic
    def __add__(self, other: Dual | float | FloatArray) -> Dual:
        if isinstance(other, Dual):
            if other.idx != self.idx:
                return _sum_union(self, other)
            return self._like(self.v + other.v, self.g + other.g, _merge(self.h, other.h))
        return self._like(self.v + other, self.g, self.h)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        h = None if self.h is None else {p: -b for p, b in self.h.items()}
        return self._like(-self.v, -self.g, h)

    def __sub__(self, other: Dual | float | FloatArray) -> Dual:
        if isinstance(other, Dual):
            if other.idx != self.idx:
                return _sum_union(self, other, -1.0)
            h = _merge(self.h, None if other.h is None else {p: -b for p, b in other.h.items()})
            return self._like(self.v - other.v, self.g - other.g, h)
        return self._like(self.v - other, self.g, self.h)

    def __rsub__(self, other: float | FloatArray) -> Dual:
        h = None if self.h is None else {p: -b for p, b in self.h.items()}
        return self._like(other - self.v, -self.g, h)

    def __mul__(self, other: Dual | float | FloatArray) -> Dual:
        if isinstance(other, Dual):
            return _product(self, other)
        c = np.asarray(other, dtype=np.float64)
        h = None if self.h is None else {p: b * c for p, b in self.h.items()}
        return self._like(self.v * c, self.g * c, h)

    __rmul__ = __mul__

    def __truediv__(self, other: Dual | float | FloatArray) -> Dual:
        if isinstance(other, Dual):
            return self * other.reciprocal()
        return self * (1.0 / np.asarray(other, dtype=np.float64))

    def __rtruediv__(self, other: float | FloatArray) -> Dual:
        return self.reciprocal() * other

    # ------------------------------------------------------- one-argument f
    def apply(self, f: FloatArray, d1: FloatArray, d2: FloatArray) -> Dual:
        """``f(self)`` given ``f``, ``f'`` and ``f''`` evaluated at ``self.v``."""
        g = self.g * d1
        h: Hess | None = None
        if self.order >= 2:
            h = {}
            k = len(self.idx)
            for a in range(k):
                ga = self.g[a] * d2
                for b in range(a, k):
                    block = ga * self.g[b]
                    if self.h is not None and (a, b) in self.h:
                        block += self.h[(a, b)] * d1
                    h[(a, b)] = block
        return self._like(f, g, h)

    def reciprocal(self) -> Dual:
        """``1 / self``."""
        r = 1.0 / self.v
        return self.apply(r, -r * r, 2.0 * r * r * r)

    def exp(self) -> Dual:
        """``exp(self)``."""
        e = np.exp(self.v)
        return self.apply(e, e, e)

    def log(self) -> Dual:
        """``log(self)``."""
        r = 1.0 / self.v
        return self.apply(np.log(self.v), r, -r * r)

    def sqrt(self) -> Dual:
        """``sqrt(self)``."""
        s = np.sqrt(self.v)
        return self.apply(s, 0.5 / s, -0.25 / (s * self.v))

    def square(self) -> Dual:
        """``self ** 2``."""
        return self.apply(self.v * self.v, 2.0 * self.v, np.full_like(self.v, 2.0))

    def norm_cdf(self) -> Dual:
        """The standard normal distribution function ``Phi(self)``."""
        pdf = np.exp(-0.5 * self.v * self.v) / _SQRT_2PI
        return self.apply(special.ndtr(self.v), pdf, -self.v * pdf)

    def log_norm_cdf(self) -> Dual:
        """``log Phi(self)``, accurate far into the lower tail."""
        logcdf = log_ndtr(self.v)
        # the inverse Mills ratio phi/Phi, computed in logs so that it stays finite
        mills = np.exp(-0.5 * self.v * self.v - np.log(_SQRT_2PI) - logcdf)
        return self.apply(logcdf, mills, -mills * (self.v + mills))

    def logistic(self) -> Dual:
        """The logistic distribution function ``1 / (1 + exp(-self))``."""
        p = special.expit(self.v)
        d1 = p * (1.0 - p)
        return self.apply(p, d1, d1 * (1.0 - 2.0 * p))

    def log_logistic(self) -> Dual:
        """``log(logistic(self))``, accurate for large negative values."""
        q = special.expit(-self.v)
        return self.apply(-np.logaddexp(0.0, -self.v), q, -q * (1.0 - q))

    def log_cdf_signed(self, sign: FloatArray, link: str) -> Dual:
        """``log F(sign * self)`` with ``F`` the probit or logit link, 0 where ``sign`` is 0.

        One pass for what a two-action node contributes to the likelihood:
        ``log F(x)`` where the second action was taken (``sign = 1``),
        ``log F(-x)`` where the first was (``sign = -1``), nothing for rows
        that did not reach the node.
        """
        z = sign * self.v
        if link == "logit":
            q = special.expit(-z)
            f, d1, d2 = -np.logaddexp(0.0, -z), q, -q * (1.0 - q)
        else:
            f = log_ndtr(z)
            mills = np.exp(-0.5 * z * z - np.log(_SQRT_2PI) - f)
            d1, d2 = mills, -mills * (z + mills)
        off = np.broadcast_to(sign == 0, z.shape)
        f[off] = 0.0
        d2[off] = 0.0
        return self.apply(f, sign * d1, d2)

    def floor(self, bound: float) -> Dual:
        """``max(self, bound)``: where the bound binds the value is constant (no derivatives)."""
        low = self.v < bound
        if not low.any():
            return self
        keep = ~low
        h = None if self.h is None else {p: b * keep for p, b in self.h.items()}
        return self._like(np.where(low, bound, self.v), self.g * keep, h)


def _merge(x: Hess | None, y: Hess | None) -> Hess | None:
    """The sum of two second-derivative dictionaries over the same predictors."""
    if x is None:
        return y
    if y is None:
        return x
    out = dict(x)
    for p, b in y.items():
        out[p] = out[p] + b if p in out else b
    return out


def log_ndtr(x: FloatArray) -> FloatArray:
    """``log Phi(x)``: ``log(ndtr(x))`` where that is accurate, scipy's ``log_ndtr`` in the tail.

    scipy's ``log_ndtr`` is accurate everywhere but several times slower than
    ``ndtr``; above ``x = -5`` (``Phi > 2.8e-7``) the plain logarithm loses nothing.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.allclose(log_ndtr(np.array([-40.0, -1.0, 3.0])),
    ...                  special.log_ndtr(np.array([-40.0, -1.0, 3.0])), rtol=1e-14))
    True
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        out: FloatArray = np.log(special.ndtr(x))
    tail = x < -5.0
    if tail.any():
        out[tail] = special.log_ndtr(x[tail])
    return out


def _union(x: Dual, y: Dual) -> tuple[tuple[int, ...], list[int], list[int]]:
    """The union of the operands' predictors, and where each operand's sit in it (-1: absent)."""
    idx = tuple(sorted(set(x.idx) | set(y.idx)))
    return (
        idx,
        [x.idx.index(k) if k in x.idx else -1 for k in idx],
        [y.idx.index(k) if k in y.idx else -1 for k in idx],
    )


def _remap(h: Hess | None, pos: list[int]) -> Hess:
    """Second derivatives re-keyed from local positions to ``pos`` (sorted pairs)."""
    out: Hess = {}
    for (a, b), block in (h or {}).items():
        u, w = pos[a], pos[b]
        out[(u, w) if u <= w else (w, u)] = block
    return out


def _sum_union(x: Dual, y: Dual, sign: float = 1.0) -> Dual:
    """``x + sign * y`` (``sign`` 1 or -1) for operands depending on different predictors."""
    idx, ax, ay = _union(x, y)
    shape = np.broadcast_shapes(x.v.shape, y.v.shape)
    k = len(idx)
    g = np.empty((k, *shape))
    combine = np.add if sign > 0 else np.subtract
    for u in range(k):
        a, b = ax[u], ay[u]
        if a >= 0 and b >= 0:
            combine(x.g[a], y.g[b], out=g[u])
        elif a >= 0:
            g[u] = x.g[a]
        else:
            np.multiply(y.g[b], sign, out=g[u])
    px = [idx.index(i) for i in x.idx]
    py = [idx.index(i) for i in y.idx]
    hy = _remap(y.h, py)
    if sign < 0:
        hy = {p: -b for p, b in hy.items()}
    h = _merge(_remap(x.h, px) or None, hy or None)
    return Dual(combine(x.v, y.v), g, h, x.order, idx)


def _product(x: Dual, y: Dual) -> Dual:
    """``x * y``, with derivatives over the union of the operands' predictors.

    Works one predictor (or pair of predictors) at a time and only on the
    second derivatives that are not zero.
    """
    idx, ax, ay = _union(x, y)
    shape = np.broadcast_shapes(x.v.shape, y.v.shape)
    k = len(idx)
    g = np.empty((k, *shape))
    for u in range(k):
        a, b = ax[u], ay[u]
        if a >= 0:
            np.multiply(x.g[a], y.v, out=g[u])
            if b >= 0:
                g[u] += y.g[b] * x.v
        else:
            np.multiply(y.g[b], x.v, out=g[u])
    h = _product_hessian(x, y, ax, ay) if x.order >= 2 else None
    return Dual(x.v * y.v, g, h, x.order, idx)


def _block(h: Hess | None, a: int, b: int) -> FloatArray | None:
    """The second derivative over predictors ``a`` and ``b`` (positions), None if zero."""
    if h is None or a < 0 or b < 0:
        return None
    return h.get((a, b) if a <= b else (b, a))


def _product_hessian(x: Dual, y: Dual, ax: list[int], ay: list[int]) -> Hess:
    """Second derivatives of ``x * y`` over the union whose positions are ``ax``, ``ay``."""
    h: Hess = {}
    k = len(ax)
    # d2(xy)/du dw = x_uw y + y_uw x + x_u y_w + x_w y_u
    for u in range(k):
        for w in range(u, k):
            terms = []
            if ax[u] >= 0 and ay[w] >= 0:
                terms.append((x.g[ax[u]], y.g[ay[w]]))
            if ax[w] >= 0 and ay[u] >= 0:
                terms.append((x.g[ax[w]], y.g[ay[u]]))
            if (xb := _block(x.h, ax[u], ax[w])) is not None:
                terms.append((xb, y.v))
            if (yb := _block(y.h, ay[u], ay[w])) is not None:
                terms.append((yb, x.v))
            if terms:
                block = terms[0][0] * terms[0][1]
                for left, right in terms[1:]:
                    block += left * right
                h[(u, w)] = block
    return h


def constant(value: FloatArray | float, shape: tuple[int, ...], order: int) -> Dual:
    """A value that depends on no predictor, broadcast to ``shape``."""
    v = np.broadcast_to(np.asarray(value, dtype=np.float64), shape).copy()
    return Dual(v, np.zeros((0, *shape)), None, order, ())


def variable(value: FloatArray, index: int, order: int = 2) -> Dual:
    """Predictor number ``index`` itself: gradient one in its own direction.

    With ``order`` 0 the value carries no derivatives at all.

    Examples
    --------
    >>> import numpy as np
    >>> x = variable(np.zeros(3), 1)
    >>> x.idx, x.g.tolist()
    ((1,), [[1.0, 1.0, 1.0]])
    """
    v = np.asarray(value, dtype=np.float64)
    if order < 1:
        return Dual(v, np.zeros((0, *v.shape)), None, order, ())
    return Dual(v, np.ones((1, *v.shape)), None, order, (index,))
