"""Exact derivatives: every model's analytic gradient and Hessian against finite differences.

The likelihood's derivatives come from forward-mode arithmetic, never from
differences; here central differences of the log-likelihood (for the
gradient) and of the analytic gradient (for the Hessian) check them, at a
point away from the maximum (where the gradient is not zero), for every
kind of model: agent and private information, probit and logit, estimated
scales with and without regressors, per player, three-action nodes,
chance nodes, several terminals with one outcome, and the ultimatum game.
"""

from __future__ import annotations

import numpy as np
import pytest

from _estimation import VARIANTS, fitted
from _estimation_trees import GENERAL_VARIANTS, general_fit


def _check(model, theta: np.ndarray) -> None:
    ev = model.evaluate(theta[None], order=2)
    grad, hess = ev.grad[0], ev.hess[0]

    def ll(t: np.ndarray) -> float:
        return float(model.evaluate(t[None], order=0).loglik[0])

    def g(t: np.ndarray) -> np.ndarray:
        return model.evaluate(t[None], order=1).grad[0]

    n = len(theta)
    num_grad = np.empty(n)
    num_hess = np.empty((n, n))
    for k in range(n):
        h = 1e-5 * max(1.0, abs(theta[k]))
        e = np.zeros(n)
        e[k] = h
        num_grad[k] = (ll(theta + e) - ll(theta - e)) / (2 * h)
        num_hess[:, k] = (g(theta + e) - g(theta - e)) / (2 * h)
    scale = np.abs(grad).max() + 1.0
    np.testing.assert_allclose(grad, num_grad, rtol=1e-6, atol=1e-6 * scale)
    hscale = np.abs(hess).max() + 1.0
    np.testing.assert_allclose(hess, num_hess, rtol=1e-5, atol=1e-6 * hscale)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-12, atol=1e-12 * hscale)
    # the per-observation gradients add up to the gradient
    np.testing.assert_allclose(model.scores(theta[None]).sum(axis=0), grad, rtol=1e-10, atol=1e-10)


def _away(theta: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return theta + 0.1 * rng.standard_normal(len(theta)) * np.maximum(1.0, np.abs(theta))


@pytest.mark.parametrize("key", sorted(VARIANTS))
def test_games_models_derivatives_are_exact(key: str) -> None:
    res = fitted(key)
    _check(res.model, _away(res.coef, 1))


@pytest.mark.parametrize("key", sorted(GENERAL_VARIANTS))
def test_general_trees_derivatives_are_exact(key: str) -> None:
    res = general_fit(key)
    _check(res.model, _away(res.coef, 2))


def test_derivatives_are_exact_under_bootstrap_weights() -> None:
    res = fitted("war1800_private")
    model = res.model
    rng = np.random.default_rng(3)
    w = rng.multinomial(model.n_obs, np.full(model.n_obs, 1 / model.n_obs), size=2).astype(float)
    theta = np.vstack([_away(res.coef, 4), _away(res.coef, 5)])
    ev = model.evaluate(theta, order=2, weights=w)
    for b in range(2):

        def ll(t: np.ndarray, b: int = b) -> float:
            return float(model.evaluate(t[None], order=0, weights=w[b : b + 1]).loglik[0])

        num = np.array(
            [(ll(theta[b] + e) - ll(theta[b] - e)) / 2e-6 for e in np.eye(len(res.coef)) * 1e-6]
        )
        np.testing.assert_allclose(ev.grad[b], num, rtol=1e-5, atol=1e-5)
