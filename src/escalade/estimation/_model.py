"""Likelihoods in linear predictors, and their exact gradients and Hessians in the coefficients.

Every model here (game trees with agent or private-information error,
the ultimatum game) is a function of a few linear predictors per
observation: ``eta_j = X_j @ beta_j`` for equation ``j`` (an estimated
utility, a reservation value, or a log scale). A model computes each
observation's log-likelihood as a :class:`~escalade.estimation._dual.Dual`
in those predictors; :meth:`PredictorModel.evaluate` turns it into the
log-likelihood, gradient and Hessian in the coefficients by the chain
rule: ``d ll / d beta_j = (d ll / d eta_j) X_j`` and
``d2 ll / d beta_j d beta_m = X_j' diag(d2 ll / d eta_j d eta_m) X_m``.

Everything is batched over ``n_fits`` coefficient vectors that share the
data: a single fit is a batch of one, a bootstrap is a batch of
replicates that differ only in their row weights.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Self

import numpy as np
from numpy.typing import NDArray

from escalade.estimation._dual import Dual

__all__ = ["Equation", "Evaluation", "PredictorModel"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Equation:
    """One linear equation: its design matrix and the names of its coefficients.

    Attributes
    ----------
    name : str
        What the equation is for: a parameter name, ``log_scale`` or
        ``log_scale_A``.
    X : ndarray of shape (n_obs, n_terms)
    terms : tuple of str
        Names of the design's columns (``(Intercept)``, ``x``, ``g[level]``).
    kind : {"utility", "scale"}
    player : str
        For scale equations, whose scale (``""``: everyone's).
    """

    name: str
    X: FloatArray
    terms: tuple[str, ...]
    kind: str = "utility"
    player: str = ""

    @property
    def coef_names(self) -> tuple[str, ...]:
        """Coefficient names: ``equation:term``, or the equation's name for a lone constant."""
        if self.kind == "scale" and self.terms == ("(Intercept)",):
            return (self.name,)
        return tuple(f"{self.name}:{t}" for t in self.terms)


@dataclass
class Evaluation:
    """Log-likelihood and derivatives of a batch of coefficient vectors.

    Attributes
    ----------
    loglik : ndarray of shape (n_fits,)
    per_obs : ndarray of shape (n_fits, n_obs)
        Each observation's log-likelihood (unweighted).
    grad : ndarray of shape (n_fits, n_coef) or None
    hess : ndarray of shape (n_fits, n_coef, n_coef) or None
    """

    loglik: FloatArray
    per_obs: FloatArray
    grad: FloatArray | None = None
    hess: FloatArray | None = None
    pred_grad: FloatArray | None = None

    def derivative(self, name: str) -> FloatArray:
        """``grad``, ``hess`` or ``pred_grad``, which the caller asked ``evaluate`` for."""
        value = {"grad": self.grad, "hess": self.hess, "pred_grad": self.pred_grad}[name]
        if value is None:
            raise RuntimeError(f"the evaluation holds no {name}: evaluate() was not asked for it")
        return value


class PredictorModel:
    """Base of the models: equations, coefficients, and the chain rule.

    Subclasses implement :meth:`loglik_dual`.
    """

    equations: tuple[Equation, ...]
    #: Lowest log-probability of an observed event (``log(eps)`` to mimic ``games``), or None.
    floor: float | None = None

    def __init__(self, equations: tuple[Equation, ...]) -> None:
        self.equations = equations
        sizes = [e.X.shape[1] for e in equations]
        ends = np.cumsum([0, *sizes])
        self.slices = tuple(slice(int(a), int(b)) for a, b in itertools.pairwise(ends))
        self.names: tuple[str, ...] = tuple(n for e in equations for n in e.coef_names)
        self.n_obs = int(equations[0].X.shape[0]) if equations else 0

    @property
    def n_coef(self) -> int:
        """Number of coefficients."""
        return len(self.names)

    @property
    def n_pred(self) -> int:
        """Number of linear predictors (equations)."""
        return len(self.equations)

    def predictors(self, theta: FloatArray) -> FloatArray:
        """``eta`` of shape (n_pred, n_fits, n_obs) for ``theta`` of shape (n_fits, n_coef).

        Predictor first, so that each predictor's values are contiguous.
        """
        theta = np.atleast_2d(theta)
        eta = np.empty((self.n_pred, theta.shape[0], self.n_obs))
        for j, (e, sl) in enumerate(zip(self.equations, self.slices, strict=True)):
            if e.X.ndim == 3:  # rows of its own for each fit (take_rows)
                eta[j] = np.matmul(e.X, theta[:, sl, None])[:, :, 0]
            else:
                eta[j] = theta[:, sl] @ e.X.T
        return eta

    def take_rows(self, rows: NDArray[np.int64]) -> PredictorModel:
        """The model on a different set of rows for each fit of a batch.

        ``rows`` has shape (n_fits, n_rows); evaluations of the result take
        ``theta`` with ``n_fits`` rows and weights of shape (n_fits, n_rows).
        A bootstrap replicate needs only the rows it drew (about 63% of them).
        """
        view = copy.copy(self)
        view.equations = tuple(
            Equation(e.name, e.X[rows], e.terms, e.kind, e.player) for e in self.equations
        )
        view.n_obs = int(rows.shape[1])
        view.__dict__.pop("_products", None)
        self._take_row_arrays(view, rows)
        return view

    def _take_row_arrays(self, view: Self, rows: NDArray[np.int64]) -> None:
        """Gather the model's own per-row arrays into ``view`` (subclasses)."""

    def for_fits(self, fits: NDArray[np.int64]) -> PredictorModel:
        """The model for some fits of a batch: itself, unless its rows differ by fit."""
        if self.equations and self.equations[0].X.ndim == 3:
            return self._fits_view(fits)
        return self

    def _fits_view(self, fits: NDArray[np.int64]) -> PredictorModel:
        """A model made by :meth:`take_rows`, restricted to some of its fits."""
        view = copy.copy(self)
        view.equations = tuple(
            Equation(e.name, e.X[fits], e.terms, e.kind, e.player) for e in self.equations
        )
        view.__dict__.pop("_products", None)
        self._take_row_arrays(view, fits)
        return view

    def loglik_dual(self, eta: FloatArray, order: int) -> Dual:
        """Each observation's log-likelihood with derivatives in the predictors.

        ``eta`` has shape (n_pred, n_fits, n_obs); ``order`` is 0 (values
        only), 1 (gradients) or 2 (Hessians too).
        """
        raise NotImplementedError

    def evaluate(
        self,
        theta: FloatArray,
        *,
        order: int = 2,
        weights: FloatArray | None = None,
        fits: NDArray[np.int64] | None = None,
        keep_pred_grad: bool = False,
    ) -> Evaluation:
        """Log-likelihood (and derivatives) of each coefficient vector.

        Parameters
        ----------
        theta : ndarray of shape (n_fits, n_coef)
        order : {0, 1, 2}
        weights : ndarray of shape (n_fits, n_obs), optional
            Row weights (bootstrap counts); default one each.
        fits : ndarray of int, optional
            For a model made by :meth:`take_rows`: which of its fits the rows of
            ``theta`` are (default: all, in order).
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        if fits is not None and self.equations and self.equations[0].X.ndim == 3:
            chosen = np.asarray(fits, dtype=np.int64)
            everyone = len(chosen) == self.equations[0].X.shape[0] and bool(
                (chosen == np.arange(len(chosen))).all()
            )
            if not everyone:
                view = self._fits_view(chosen)
                return view.evaluate(theta, order=order, weights=weights)
        # far from the maximum a probability can underflow to 0: the log-likelihood is then
        # -inf there, which the optimisers reject; no warning is due
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            ll = self.loglik_dual(self.predictors(theta), order)
        per_obs = ll.v
        w = np.ones_like(per_obs) if weights is None else weights
        out = Evaluation(loglik=(w * per_obs).sum(axis=1), per_obs=per_obs)
        if order < 1:
            return out
        n_fits = theta.shape[0]
        grad = np.zeros((n_fits, self.n_coef))
        if keep_pred_grad:
            pred_grad = np.zeros((n_fits, self.n_obs, self.n_pred))
            for a, j in enumerate(ll.idx):
                pred_grad[:, :, j] = ll.g[a]
            out.pred_grad = pred_grad
        for a, j in enumerate(ll.idx):
            X = self.equations[j].X
            if X.ndim == 3:
                grad[:, self.slices[j]] = np.matmul((w * ll.g[a])[:, None, :], X)[:, 0, :]
            else:
                grad[:, self.slices[j]] = (w * ll.g[a]) @ X
        out.grad = grad
        if order < 2:
            return out
        hess = np.zeros((n_fits, self.n_coef, self.n_coef))
        for (a, b), second in (ll.h or {}).items():
            j, m = ll.idx[a], ll.idx[b]
            block = self._hessian_block(w * second, j, m)
            hess[:, self.slices[j], self.slices[m]] = block
            if m != j:
                hess[:, self.slices[m], self.slices[j]] = np.swapaxes(block, 1, 2)
        out.hess = hess
        return out

    def weighted_hessians(self, theta: FloatArray, weights: FloatArray) -> FloatArray:
        """Hessians at one coefficient vector under each row of ``weights``.

        The per-observation second derivatives are computed once; each
        weighting (a bootstrap replicate) is then one matrix product.

        Parameters
        ----------
        theta : ndarray of shape (n_coef,)
        weights : ndarray of shape (n_fits, n_obs)

        Returns
        -------
        ndarray of shape (n_fits, n_coef, n_coef)
        """
        ll = self.loglik_dual(self.predictors(np.asarray(theta)[None]), 2)
        hess = np.zeros((weights.shape[0], self.n_coef, self.n_coef))
        for (a, b), second in (ll.h or {}).items():
            j, m = ll.idx[a], ll.idx[b]
            block = self._hessian_block(weights * second[0], j, m)
            hess[:, self.slices[j], self.slices[m]] = block
            if m != j:
                hess[:, self.slices[m], self.slices[j]] = np.swapaxes(block, 1, 2)
        return hess

    def _hessian_block(self, c: FloatArray, j: int, m: int) -> FloatArray:
        """``X_j' diag(c_b) X_m`` for each row ``c_b`` of ``c`` (n_fits, n_obs)."""
        Xj, Xm = self.equations[j].X, self.equations[m].X
        block: FloatArray
        if Xj.ndim == 3:
            block = np.einsum("bm,bmk,bml->bkl", c, Xj, Xm, optimize=True)
            return block
        kj, km = Xj.shape[1], Xm.shape[1]
        if c.shape[0] == 1:
            block = ((Xj * c[0][:, None]).T @ Xm)[None]
            return block
        cache = self.__dict__.setdefault("_products", {})
        products = cache.get((j, m))
        if products is None and self.n_obs * kj * km <= 20_000_000:
            # the products of the two designs' columns, once per model: each block is then
            # one matrix product with the batch's second derivatives
            products = (Xj[:, :, None] * Xm[:, None, :]).reshape(self.n_obs, kj * km)
            cache[(j, m)] = products
        if products is not None:
            block = (c @ products).reshape(c.shape[0], kj, km)
        else:
            block = np.matmul(Xj.T[None], c[:, :, None] * Xm[None])
        return block

    def scores(self, theta: FloatArray) -> FloatArray:
        """Each observation's gradient, shape (n_obs, n_coef), at one coefficient vector."""
        ev = self.evaluate(theta, order=1, keep_pred_grad=True)
        g = ev.derivative("pred_grad")[0]
        out = np.empty((self.n_obs, self.n_coef))
        for j, (e, sl) in enumerate(zip(self.equations, self.slices, strict=True)):
            out[:, sl] = g[:, j : j + 1] * e.X
        return out
