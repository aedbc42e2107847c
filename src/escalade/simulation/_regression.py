"""The regressions of fitted continuation values (see :mod:`._fitted`).

Each period, every player's value at the sampled states is regressed on
features of the state, by ridge regression with a small penalty
(:data:`RIDGE`, relative to the scale of the normal equations):

- world by world (:func:`ridge`) when every world has enough samples of
  its own (four per feature);
- all worlds at once (:func:`pooled_ridge`) when they are too many for
  that: each world keeps its own level, the slopes on the state's
  features are shared, and the worlds' parameters shift the slopes on the
  continuous variables and the indicators.

Both return the coefficients fitted on the training rows (to measure the
fit on the rows held out, :func:`quality`) and on every row (the values
used).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from escalade.scenario import Draws

__all__ = ["CROSSED", "RIDGE", "pooled_ridge", "predict", "quality", "ridge", "world_shifts"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Ridge penalty, relative to the mean diagonal of the normal equations.
RIDGE = 1e-6
#: Most parameters whose values shift the slopes of worlds fitted together.
CROSSED = 16


def ridge(
    x: FloatArray,
    y: FloatArray,
    world: IntArray,
    shifts: FloatArray,
    rows: IntArray,
    train: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """Per-world ridge regressions of ``y`` (n_rows, n_players) on features ``x``
    (n_features, n_rows), rows grouped by world, the same number each and the same
    ``train`` pattern in each: the coefficients fitted on the ``train`` rows and on
    every row, each of shape (n_worlds, n_features, n_players). (``shifts`` and ``rows``
    serve :func:`pooled_ridge`.)

    Examples
    --------
    >>> x = np.array([[1.0] * 6, [0.0, 0.5, 1.0, 0.0, 0.5, 1.0]])
    >>> y = np.array([[1.0], [2.0], [3.0], [0.0], [0.0], [0.0]])
    >>> world, train = np.repeat([0, 1], 3), np.tile([True, True, False], 2)
    >>> held, every = ridge(x, y, world, np.zeros((0, 2)), np.arange(2), train)
    >>> np.round(every[:, :, 0], 4).tolist()
    [[1.0, 2.0], [0.0, 0.0]]
    """
    n_worlds = shifts.shape[1]
    parts = []
    for keep in (train, ~train):
        xk, yk = x[:, keep], y[keep]
        per = yk.shape[0] // n_worlds
        xs = xk.reshape(xk.shape[0], n_worlds, per).transpose(1, 0, 2)
        parts.append(_normal_equations(xs, yk.reshape(n_worlds, per, -1)))
    (gram, moment), (gram_held, moment_held) = parts
    # every row's equations are the training rows' plus the held rows': no second pass
    return _solve(gram.copy(), moment), _solve(gram + gram_held, moment + moment_held)


def pooled_ridge(
    x: FloatArray,
    y: FloatArray,
    world: IntArray,
    shifts: FloatArray,
    rows: IntArray,
    train: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """One ridge regression for all worlds, within worlds.

    Each world keeps its own level (its mean value), the slopes on the
    state's features are shared, and each world's standardized parameters
    (``shifts``, (n_params, n_worlds)) shift its slopes on the continuous
    variables and indicators (``rows``, the constant first): those of the
    :data:`CROSSED` parameters that move the worlds' levels most. As
    :func:`ridge`: the coefficients on the ``train`` rows (levels from
    those rows alone) and on every row, each world's level in the
    constant's.

    Examples
    --------
    >>> x = np.array([[1.0] * 6, [0.0, 0.5, 1.0, 0.0, 0.5, 1.0]])
    >>> y = np.array([[1.0], [2.0], [3.0], [5.0], [6.0], [7.0]])
    >>> world, train = np.repeat([0, 1], 3), np.tile([True, True, False], 2)
    >>> _, every = pooled_ridge(x, y, world, np.zeros((0, 2)), np.arange(2), train)
    >>> np.round(every[:, :, 0], 4).tolist()
    [[1.0, 2.0], [5.0, 2.0]]
    """
    n_worlds = shifts.shape[1]
    if shifts.shape[0] > CROSSED:
        level = _world_means(y, world, n_worlds, np.ones(y.shape[0], dtype=bool))
        level = (level - level.mean(axis=0)) / np.maximum(level.std(axis=0), 1e-300)
        strength = np.abs(shifts @ level).max(axis=1)
        shifts = shifts[np.sort(np.argsort(-strength, kind="stable")[:CROSSED])]
    linear = rows[1:]
    n_params = shifts.shape[0]
    out = []
    for keep in (train, np.ones_like(train)):
        mean_x = _world_means(x.T, world, n_worlds, keep).T
        mean_y = _world_means(y, world, n_worlds, keep)
        dx = (x - mean_x[:, world])[:, keep]
        dy = (y - mean_y[world])[keep]
        crossed = shifts[:, None, world[keep]] * dx[None, linear, :]
        design = np.concatenate([dx[1:], crossed.reshape(n_params * linear.size, dx.shape[1])])
        gram, moment = _normal_equations(design, dy)
        sol = _solve(gram[None], moment[None])[0]
        coef = np.zeros((n_worlds, x.shape[0], y.shape[1]))
        coef[:, 1:, :] = sol[None, : x.shape[0] - 1]
        shift = sol[x.shape[0] - 1 :].reshape(n_params, linear.size, y.shape[1])
        coef[:, linear, :] += np.einsum("pw,plq->wlq", shifts, shift)
        # the level: the world's mean value less its slopes times its mean features
        coef[:, 0, :] = mean_y - np.einsum("fw,wfq->wq", mean_x[1:], coef[:, 1:, :])
        out.append(coef)
    return out[0], out[1]


def _world_means(v: FloatArray, world: IntArray, n_worlds: int, keep: BoolArray) -> FloatArray:
    """The mean of the rows of ``v`` (n_rows, k) kept in each world: (n_worlds, k)."""
    w = world[keep]
    counts = np.maximum(np.bincount(w, minlength=n_worlds), 1).astype(np.float64)
    columns = [np.bincount(w, weights=v[keep, j], minlength=n_worlds) for j in range(v.shape[1])]
    sums = np.stack(columns, axis=1)
    return np.asarray(sums / counts[:, None])


def _normal_equations(design: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``X X'`` and ``X y`` of designs ``X`` (..., n_coef, n_rows) and ``y`` (..., n_rows, k)."""
    return design @ np.swapaxes(design, -1, -2), design @ y


def _solve(gram: FloatArray, moment: FloatArray) -> FloatArray:
    """Ridge solutions of a batch of normal equations, the penalty relative to their scale."""
    k = gram.shape[1]
    scale = np.trace(gram, axis1=1, axis2=2) / k
    gram[:, np.arange(k), np.arange(k)] += RIDGE * np.maximum(scale, 1e-300)[:, None]
    return np.asarray(np.linalg.solve(gram, moment))


def world_shifts(worlds: Draws) -> FloatArray:
    """The numeric parameters that differ between worlds, standardized: shape
    (n_params, n_worlds).

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("korea-2017")
    >>> world_shifts(sc.parameters.sample(50, seed=1)).shape[1]
    50
    """
    n = worlds.n_draws
    columns = []
    for k in worlds:
        c = np.broadcast_to(np.asarray(worlds[k]), (n,))
        if c.dtype.kind in "biuf" and np.ptp(c) > 0:
            columns.append(c.astype(np.float64))
    matrix = np.array(columns).reshape(-1, n)
    mean = matrix.mean(axis=1, keepdims=True)
    std = matrix.std(axis=1, keepdims=True)
    return np.asarray((matrix - mean) / np.where(std > 0, std, 1.0))


def predict(x: FloatArray, coef: FloatArray, world: IntArray) -> FloatArray:
    """Fitted values of the rows of features ``x`` (n_features, n_rows) in their worlds,
    shape (n_rows, n_players).

    Examples
    --------
    >>> coef = np.array([[[1.0], [2.0]]])
    >>> predict(np.array([[1.0, 1.0], [0.0, 1.0]]), coef, np.array([0, 0])).tolist()
    [[1.0], [3.0]]
    """
    if coef.shape[0] == 1:
        return np.asarray((coef[0].T @ x).T)
    out = np.empty((x.shape[1], coef.shape[2]))
    for p in range(coef.shape[2]):
        out[:, p] = np.einsum("fr,rf->r", x, coef[world, :, p])
    return out


def quality(
    target: FloatArray,
    predicted: FloatArray,
    world: IntArray,
    held: BoolArray,
    *,
    within: bool = True,
) -> dict[str, float]:
    """Out-of-sample R-squared (worst player) and RMSE on the ``held`` rows.

    The R-squared is measured against each world's mean (``within``: how
    well the states are told apart in a world), or against the mean over
    every world (worlds fitted together, with a held-out state or two each).

    Examples
    --------
    >>> y = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> held = np.ones(4, dtype=bool)
    >>> quality(y, y + 0.1, np.zeros(4, dtype=np.int64), held)["r2"] > 0.99
    True
    """
    y, f, w = target[held], predicted[held], world[held]
    if not y.size:
        raise ValueError("no rows held out to measure the fit on")
    means = _world_means(y, w, int(w.max()) + 1, np.ones(w.size, dtype=bool))
    centre = means[w] if within else y.mean(axis=0)
    sst = ((y - centre) ** 2).sum(axis=0)
    sse = ((y - f) ** 2).sum(axis=0)
    scale = np.maximum(np.abs(y).max(axis=0), 1.0)
    # a player whose value barely moves across states is fitted as well as it can be
    flat = sst <= (1e-12 * scale) ** 2 * y.shape[0]
    r2 = np.where(flat, 1.0, 1.0 - sse / np.where(flat, 1.0, sst))
    return {"r2": float(r2.min()), "rmse": float(np.sqrt(sse / y.shape[0]).max())}
