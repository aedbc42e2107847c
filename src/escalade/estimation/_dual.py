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
numbers; Fike and Alonso 2011) specialised to numpy arrays.

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
    h : ndarray of shape (k, k, ...) or None
        Second derivatives; ``None`` when they are zero (a linear
        function of the predictors) or not wanted.
    order : int
        Highest derivative carried: 0 (values only), 1 or 2.
    idx : tuple of int
        The predictors the value depends on: work grows with what each
        quantity depends on, not with every predictor of the model.

    Examples
    --------
    >>> import numpy as np
    >>> x = variable(np.array([0.5]), 0)
    >>> y = (x * x).exp()
    >>> float(y.g[0, 0]), float(y.h[0, 0, 0])   # d/dx e^(x^2) = 2x e^(x^2)
    (1.2840254166877414, 3.852076250063224)
    """

    __slots__ = ("g", "h", "idx", "order", "v")
    # numpy arrays on the left of + - * / defer to Dual's reflected operators
    __array_ufunc__ = None

    def __init__(
        self,
        v: FloatArray,
        g: FloatArray,
        h: FloatArray | None,
        order: int = 2,
        idx: tuple[int, ...] | None = None,
    ) -> None:
        self.v = v
        self.g = g
        self.h = h
        self.order = order
        self.idx = tuple(range(g.shape[0])) if idx is None else idx

    def _like(self, v: FloatArray, g: FloatArray, h: FloatArray | None) -> Dual:
        return Dual(v, g, h, self.order, self.idx)

    # ----------------------------------------------------------- arithmetic
    def __add__(self, other: Dual | float | FloatArray) -> Dual:
        if isinstance(other, Dual):
            if other.idx != self.idx:
                return _sum_union(self, other)
            if self.h is None:
                h = other.h
            elif other.h is None:
                h = self.h
            else:
                h = self.h + other.h
            return self._like(self.v + other.v, self.g + other.g, h)
        return self._like(self.v + other, self.g, self.h)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return self._like(-self.v, -self.g, None if self.h is None else -self.h)

    def __sub__(self, other: Dual | float | FloatArray) -> Dual:
        return self + (-other)

    def __rsub__(self, other: float | FloatArray) -> Dual:
        return (-self) + other

    def __mul__(self, other: Dual | float | FloatArray) -> Dual:
        if isinstance(other, Dual):
            return _product(self, other)
        c = np.asarray(other, dtype=np.float64)
        return self._like(self.v * c, self.g * c, None if self.h is None else self.h * c)

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
        h = None
        k = len(self.idx)
        if self.order >= 2 and k <= 1:
            h = (self.g[:, None] * self.g[None, :]) * d2
            if self.h is not None:
                h += self.h * d1
        elif self.order >= 2:
            # one predictor pair at a time, so that the slices stay in cache; h is symmetric
            h = np.empty((k, k, *self.v.shape))
            for a in range(k):
                ga = self.g[a] * d2
                for b in range(a, k):
                    np.multiply(ga, self.g[b], out=h[a, b])
                    if self.h is not None:
                        h[a, b] += self.h[a, b] * d1
                    if b != a:
                        h[b, a] = h[a, b]
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
        return self._like(
            np.where(low, bound, self.v),
            self.g * keep,
            None if self.h is None else self.h * keep,
        )


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
        out = np.log(special.ndtr(x))
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


def _sum_union(x: Dual, y: Dual) -> Dual:
    """``x + y`` for operands depending on different predictors: one slice at a time."""
    idx, ax, ay = _union(x, y)
    shape = np.broadcast_shapes(x.v.shape, y.v.shape)
    k = len(idx)
    g = np.empty((k, *shape))
    for u in range(k):
        a, b = ax[u], ay[u]
        if a >= 0 and b >= 0:
            np.add(x.g[a], y.g[b], out=g[u])
        else:
            g[u] = x.g[a] if a >= 0 else y.g[b]
    h = None
    if x.h is not None or y.h is not None:
        h = np.empty((k, k, *shape))
        for u in range(k):
            for w in range(u, k):
                hx = x.h[ax[u], ax[w]] if x.h is not None and ax[u] >= 0 and ax[w] >= 0 else None
                hy = y.h[ay[u], ay[w]] if y.h is not None and ay[u] >= 0 and ay[w] >= 0 else None
                if hx is not None and hy is not None:
                    np.add(hx, hy, out=h[u, w])
                elif hx is not None or hy is not None:
                    h[u, w] = hx if hx is not None else hy
                else:
                    h[u, w] = 0.0
                if w != u:
                    h[w, u] = h[u, w]
    return Dual(x.v + y.v, g, h, x.order, idx)


def _product(x: Dual, y: Dual) -> Dual:
    """``x * y``, with derivatives over the union of the operands' predictors.

    Works one predictor (or pair of predictors) at a time, writing each
    slice of the result once, so that the slices stay in cache.
    """
    if x.idx == y.idx and len(x.idx) <= 2:
        # few predictors: whole-array operations are cheaper than the loops below
        g = x.g * y.v + y.g * x.v
        h = None
        if x.order >= 2:
            cross = x.g[:, None] * y.g[None, :]
            h = cross + np.swapaxes(cross, 0, 1)
            if x.h is not None:
                h += x.h * y.v
            if y.h is not None:
                h += y.h * x.v
        return x._like(x.v * y.v, g, h)
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
    h = None
    if x.order >= 2:
        h = np.empty((k, k, *shape))
        for u in range(k):
            for w in range(u, k):
                out = h[u, w]
                out[...] = 0.0
                # d2(xy) = x_uw y + y_uw x + x_u y_w + x_w y_u
                if ax[u] >= 0 and ay[w] >= 0:
                    out += x.g[ax[u]] * y.g[ay[w]]
                if ax[w] >= 0 and ay[u] >= 0:
                    out += x.g[ax[w]] * y.g[ay[u]]
                if x.h is not None and ax[u] >= 0 and ax[w] >= 0:
                    out += x.h[ax[u], ax[w]] * y.v
                if y.h is not None and ay[u] >= 0 and ay[w] >= 0:
                    out += y.h[ay[u], ay[w]] * x.v
                if w != u:
                    h[w, u] = out
    return Dual(x.v * y.v, g, h, x.order, idx)


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
