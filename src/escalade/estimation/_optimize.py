"""Maximise log-likelihoods by Newton's method with exact Hessians, many fits at once.

Each iteration takes the Newton step ``d = (-H)^{-1} g``. Far from a
maximum, where ``-H`` is not positive definite, the step uses the
absolute values of ``-H``'s eigenvalues instead (a "saddle-free" Newton
step, which is always uphill), and a backtracking line search (Armijo's
rule) keeps every accepted step an improvement. A fit has converged when
the Newton decrement ``g' (-H)^{-1} g``, the gain the quadratic model
still expects, is below ``tol`` with ``-H`` positive definite: from then on
Newton's method converges quadratically, so the optimum is reached to
machine precision rather than to a loose tolerance.

All fits of a batch (bootstrap replicates, profile points, several
starts) advance together: the likelihood, gradient and Hessian of the
whole batch are computed in one pass, and fits drop out of the batch as
they converge.

References
----------
Nocedal, J., and Wright, S. J. (2006). Numerical Optimization, 2nd ed.,
chapters 3 (line search) and 3.4 (Hessian modification). Springer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.estimation._model import PredictorModel

__all__ = ["FitState", "newton", "quasi_newton", "single_threaded"]

FloatArray = NDArray[np.float64]


_CONTROLLER: Any = None


def single_threaded() -> Any:
    """A context in which BLAS runs on one thread.

    The matrix products of a fit are small and many; a multi-threaded BLAS
    spends more time waking its threads than computing, and on a busy
    machine far more. Parallelism comes from the executors instead.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


@dataclass
class FitState:
    """Where each fit of a batch ended.

    Attributes
    ----------
    theta : ndarray of shape (n_fits, n_coef)
    loglik : ndarray of shape (n_fits,)
    grad : ndarray of shape (n_fits, n_coef)
    hess : ndarray of shape (n_fits, n_coef, n_coef)
    iterations : ndarray of shape (n_fits,)
    converged : ndarray of shape (n_fits,) of bool
    decrement : ndarray of shape (n_fits,)
        Final Newton decrement (the gain still expected).
    """

    theta: FloatArray
    loglik: FloatArray
    grad: FloatArray
    hess: FloatArray
    iterations: NDArray[np.int64]
    converged: NDArray[np.bool_]
    decrement: FloatArray


def _direction(g: FloatArray, H: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Uphill steps, Newton decrements and whether ``-H`` is positive definite, per fit."""
    neg = -0.5 * (H + np.swapaxes(H, 1, 2))
    lam, vec = np.linalg.eigh(neg)
    top = np.maximum(np.abs(lam).max(axis=1, keepdims=True), 1e-300)
    floor = 1e-10 * top
    pd = (lam > floor).all(axis=1)
    inv = 1.0 / np.maximum(np.abs(lam), floor)
    coords = np.einsum("bki,bk->bi", vec, g)
    d = np.einsum("bik,bk->bi", vec, coords * inv)
    dec = (g * d).sum(axis=1)
    return d, dec, pd


def newton(
    model: PredictorModel,
    theta0: FloatArray,
    *,
    free: NDArray[np.bool_] | None = None,
    weights: FloatArray | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
    max_step: float = 10.0,
) -> FitState:
    """Maximise the (weighted) log-likelihood from each starting vector.

    Parameters
    ----------
    model : PredictorModel
    theta0 : ndarray of shape (n_fits, n_coef)
    free : ndarray of shape (n_coef,) of bool, optional
        Coefficients that move (default all); the others stay at their
        starting values (profile likelihood).
    weights : ndarray of shape (n_fits, n_obs), optional
        Row weights per fit (bootstrap counts).
    tol : float
        Newton decrement below which a fit has converged.
    max_iter : int
    max_step : float
        Longest step (in any coefficient) of one iteration.

    Returns
    -------
    FitState
    """
    theta = np.array(np.atleast_2d(theta0), dtype=np.float64)
    n_fits, n_coef = theta.shape
    mask = np.ones(n_coef, dtype=bool) if free is None else np.asarray(free, dtype=bool)
    idx = np.flatnonzero(mask)
    ev = model.evaluate(theta, order=2, weights=weights)
    loglik = ev.loglik.copy()
    grad, hess = ev.derivative("grad").copy(), ev.derivative("hess").copy()
    iterations = np.zeros(n_fits, dtype=np.int64)
    converged = np.zeros(n_fits, dtype=bool)
    decrement = np.full(n_fits, np.inf)
    active = np.ones(n_fits, dtype=bool)
    for _ in range(max_iter):
        act = np.flatnonzero(active)
        if not len(act):
            break
        g = grad[act][:, idx]
        H = hess[act][:, idx][:, :, idx]
        d, dec, pd = _direction(g, H)
        decrement[act] = dec
        done = pd & (dec < tol)
        converged[act[done]] = True
        # no gain left but no strict maximum either: a flat ridge (not identified) or a
        # coefficient running off to infinity (separation); it will not converge
        flat = ~pd & (dec < tol)
        active[act[done | flat]] = False
        keep = ~(done | flat)
        act, d, dec, pd = act[keep], d[keep], dec[keep], pd[keep]
        if not len(act):
            break
        biggest = np.abs(d).max(axis=1)
        # where the likelihood is not concave its quadratic model is not to be trusted far
        limit = np.where(pd, max_step, min(max_step, 2.0))
        scale = np.minimum(1.0, limit / np.maximum(biggest, 1e-300))
        d = d * scale[:, None]
        dec = dec * scale
        alpha = np.ones(len(act))
        pending = np.arange(len(act))
        base = loglik[act]
        for _ in range(40):
            trial = theta[act[pending]].copy()
            trial[:, idx] += alpha[pending, None] * d[pending]
            chosen = act[pending]
            everyone = len(chosen) == n_fits
            w = None if weights is None or everyone else weights[chosen]
            tev = model.evaluate(
                trial,
                order=2,
                weights=weights if everyone else w,
                fits=None if everyone else chosen,
            )
            ok = np.isfinite(tev.loglik) & (
                tev.loglik >= base[pending] + 1e-4 * alpha[pending] * dec[pending]
            )
            # near the optimum rounding can make the gain look slightly negative
            ok |= (
                np.isfinite(tev.loglik)
                & (dec[pending] < 1e-6)
                & (tev.loglik >= base[pending] - 1e-9 * np.maximum(1.0, np.abs(base[pending])))
            )
            rows = act[pending[ok]]
            theta[rows] = trial[ok]
            loglik[rows] = tev.loglik[ok]
            grad[rows] = tev.derivative("grad")[ok]
            hess[rows] = tev.derivative("hess")[ok]
            pending = pending[~ok]
            if not len(pending):
                break
            alpha[pending] *= 0.5
        # fits whose line search found nothing better are as good as they get
        stuck = act[pending]
        active[stuck] = False
        iterations[act] += 1
    return FitState(theta, loglik, grad, hess, iterations, converged, decrement)


def quasi_newton(  # noqa: PLR0913 - keyword options, see docstring
    model: PredictorModel,
    theta0: FloatArray,
    hessian0: FloatArray,
    *,
    weights: FloatArray | None = None,
    fallback: FloatArray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
    first: tuple[FloatArray, FloatArray] | None = None,
) -> FitState:
    """Batched BFGS from a shared Hessian; Newton's method for the fits it cannot finish.

    For fits that start near each other's maximum (bootstrap replicates
    from the full-sample estimate) the full-sample Hessian is a good first
    curvature for all of them: BFGS then needs only gradients (first-order
    derivatives, a fraction of the cost of Hessians). Fits that stall are
    finished by Newton's method with exact Hessians. Fits BFGS finishes
    keep no Hessian (``hess`` is NaN for them).

    Parameters
    ----------
    model : PredictorModel
    theta0 : ndarray of shape (n_fits, n_coef)
    hessian0 : ndarray of shape (n_coef, n_coef) or (n_fits, n_coef, n_coef)
        Negative definite: the Hessian at the full-sample estimate, shared
        or one per fit (a replicate's own weights at the full-sample
        estimate, which is closer to its Hessian at its own maximum).
    weights : ndarray of shape (n_fits, n_obs), optional
    fallback : ndarray of shape (n_coef, n_coef), optional
        A negative definite Hessian for the fits whose ``hessian0`` is not.
    first : (ndarray, ndarray), optional
        The log-likelihoods and gradients at ``theta0``, when already known
        (a bootstrap gets them from the full sample's per-row values).
    tol : float
    max_iter : int

    Returns
    -------
    FitState
    """
    theta = np.array(np.atleast_2d(theta0), dtype=np.float64)
    n_fits, n_coef = theta.shape
    neg = -0.5 * (hessian0 + np.swapaxes(hessian0, -1, -2))
    neg = np.array(np.broadcast_to(neg, (n_fits, n_coef, n_coef)))
    lam = np.linalg.eigvalsh(neg)
    bad = lam[:, 0] <= 1e-10 * np.abs(lam).max(axis=1)
    if bad.any():
        # a fit whose own curvature is flat somewhere starts from the shared one
        if fallback is None:
            return newton(model, theta, weights=weights, tol=tol)
        neg[bad] = -0.5 * (fallback + fallback.T)
    try:
        hinv = np.asarray(np.linalg.inv(neg), dtype=np.float64)
    except np.linalg.LinAlgError:
        return newton(model, theta, weights=weights, tol=tol)
    if first is None:
        ev = model.evaluate(theta, order=1, weights=weights)
        loglik, grad = ev.loglik.copy(), ev.derivative("grad").copy()
    else:
        loglik, grad = first[0].copy(), first[1].copy()
    active = np.ones(n_fits, dtype=bool)
    converged = np.zeros(n_fits, dtype=bool)
    iterations = np.zeros(n_fits, dtype=np.int64)
    for _ in range(max_iter):
        act = np.flatnonzero(active)
        if not len(act):
            break
        d = np.einsum("bij,bj->bi", hinv[act], grad[act])
        dec = (grad[act] * d).sum(axis=1)
        done = dec < tol
        active[act[done]] = False
        converged[act[done]] = True
        act, d, dec = act[~done], d[~done], dec[~done]
        if not len(act):
            break
        alpha = np.ones(len(act))
        pending = np.arange(len(act))
        for _ in range(30):
            rows = act[pending]
            trial = theta[rows] + alpha[pending, None] * d[pending]
            everyone = len(rows) == n_fits
            w = None if weights is None or everyone else weights[rows]
            tev = model.evaluate(
                trial, order=1, weights=weights if everyone else w, fits=None if everyone else rows
            )
            tgrad = tev.derivative("grad")
            ok = np.isfinite(tev.loglik) & (
                tev.loglik >= loglik[rows] + 1e-4 * alpha[pending] * dec[pending]
            )
            good = rows[ok]
            s = trial[ok] - theta[good]
            y = grad[good] - tgrad[ok]  # change of the gradient of minus the log-likelihood
            _bfgs_update(hinv, good, s, y)
            theta[good], loglik[good], grad[good] = trial[ok], tev.loglik[ok], tgrad[ok]
            pending = pending[~ok]
            if not len(pending):
                break
            alpha[pending] *= 0.5
        iterations[act] += 1
        active[act[pending]] = False  # no progress: leave them to Newton
    # Newton's method (exact Hessians) for the fits BFGS could not finish; the others have
    # converged and keep no Hessian (NaN): a bootstrap needs their estimates only
    state = FitState(
        theta,
        loglik,
        grad,
        np.full((n_fits, n_coef, n_coef), np.nan),
        iterations,
        converged,
        np.zeros(n_fits),
    )
    rest = np.flatnonzero(~converged)
    if len(rest):
        part = model.for_fits(rest)
        sub = newton(part, theta[rest], weights=None if weights is None else weights[rest], tol=tol)
        for name in ("theta", "loglik", "grad", "hess", "converged", "decrement"):
            getattr(state, name)[rest] = getattr(sub, name)
        state.iterations[rest] += sub.iterations
    return state


def _bfgs_update(hinv: FloatArray, rows: NDArray[np.int64], s: FloatArray, y: FloatArray) -> None:
    """The BFGS update of the inverse Hessian approximations of ``rows``, in place."""
    sy = (s * y).sum(axis=1)
    keep = sy > 1e-12 * np.sqrt((s * s).sum(axis=1) * (y * y).sum(axis=1))
    if not keep.any():
        return
    rows, s, y, sy = rows[keep], s[keep], y[keep], sy[keep]
    h = hinv[rows]
    hy = np.einsum("bij,bj->bi", h, y)
    yhy = (y * hy).sum(axis=1)
    rho = 1.0 / sy
    # H+ = H - rho (s hy' + hy s') + (rho^2 y'Hy + rho) s s'
    outer_s = s[:, :, None] * s[:, None, :]
    cross = s[:, :, None] * hy[:, None, :]
    h = h - rho[:, None, None] * (cross + np.swapaxes(cross, 1, 2))
    h = h + (rho * rho * yhy + rho)[:, None, None] * outer_s
    hinv[rows] = h
