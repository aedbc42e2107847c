"""Starting values by statistical backward induction, for any perfect-information tree.

Bullock and Signorino's two-step idea, as ``games`` applies it to its
four trees, generalised: going up the tree, the choice at each two-action
node is fitted by a binary probit or logit regression of the observed
choices of the rows that reached it. The difference between the mover's
expected utilities of the two actions is linear in the not yet estimated
coefficients once the choice probabilities below are replaced by the
fitted ones, so each node is one generalised linear model (with an
offset for what is already known). The regressors are divided by the
scale of the difference of the shocks: ``sqrt(2)`` for two unit shocks
(agent error), and under private information the root of the summed
squared differences of the outcome probabilities the two actions lead
to, computed from the fitted choices below. Every
coefficient is estimated at the deepest node it matters to; scale
coefficients start at zero (scale one).

The ultimatum model starts from a least-squares fit of the proposer's
reservation value to ``max_offer - offer`` and a logit regression of
acceptance on the offer for the responder's.

References
----------
Bas, M. A., Signorino, C. S., and Walker, R. W. (2008). Statistical
backwards induction: a simple method for estimating recursive strategic
models. Political Analysis 16(1), 21-40.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from escalade.estimation._model import PredictorModel
from escalade.estimation._tree import TreeModel
from escalade.estimation._ultimatum import UltimatumModel

__all__ = ["glm_binary", "start_values"]

FloatArray = NDArray[np.float64]
_SQRT2 = float(np.sqrt(2.0))


def glm_binary(
    X: FloatArray,
    y: FloatArray,
    *,
    offset: FloatArray | None = None,
    link: str = "probit",
    max_iter: int = 20,
    tol: float = 1e-4,
) -> FloatArray:
    """Maximum-likelihood binary regression ``P(y = 1) = F(offset + X b)`` by Newton's method.

    With the design and offset divided by ``sqrt(2)``, the coefficients are
    on the scale of a difference of two unit shocks, as the models need.

    Stops when no coefficient moves by more than ``tol``; returns zeros for
    an empty or degenerate problem; stops early (with large coefficients)
    under separation, where no maximum exists.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(6), [0., 1, 2, 3, 4, 5]])
    >>> y = np.array([0., 0, 1, 0, 1, 1])
    >>> glm_binary(X, y, link="logit").round(3).tolist()
    [-3.035, 1.214]
    """
    n, k = X.shape
    b = np.zeros(k)
    if n == 0 or k == 0:
        return b
    off = np.zeros(n) if offset is None else offset
    for _ in range(max_iter):
        eta = np.clip(off + X @ b, -30.0, 30.0)
        if link == "logit":
            p = special.expit(eta)
            d = p * (1.0 - p)
            score_w = y - p
            info_w = d
        else:
            p = np.clip(special.ndtr(eta), 1e-12, 1 - 1e-12)
            d = np.exp(-0.5 * eta * eta) / np.sqrt(2.0 * np.pi)
            score_w = d * (y - p) / (p * (1.0 - p))
            info_w = d * d / (p * (1.0 - p))
        grad = X.T @ score_w
        info = X.T @ (info_w[:, None] * X)
        try:
            step = np.linalg.solve(info + 1e-10 * np.eye(k), grad)
        except np.linalg.LinAlgError:
            break
        b = b + step
        if np.abs(step).max() < tol or np.abs(b).max() > 50:
            break
    return b


def start_values(model: PredictorModel) -> FloatArray:
    """Starting coefficients for ``model``: statistical backward induction, or zeros."""
    if isinstance(model, UltimatumModel):
        return _ultimatum_start(model)
    if isinstance(model, TreeModel):
        return _tree_start(model)
    return np.zeros(model.n_coef)


def _tree_start(model: TreeModel) -> FloatArray:
    theta = np.zeros(model.n_coef)
    shape = model.shape
    n_obs = model.n_obs
    n_util = sum(e.kind == "utility" for e in model.equations)
    known = np.zeros(len(model.equations), dtype=bool)
    n_outcomes = model.payoff_const.shape[1]
    # distribution over outcomes below each node, from the fitted choices so far
    dist: dict[int, FloatArray] = {}
    for n in shape.bottom_up():
        kids = shape.children[n]
        if not kids:
            q = np.zeros((n_obs, n_outcomes))
            q[:, int(shape.outcome[n])] = 1.0
            dist[n] = q
            continue
        if n in shape.chance:
            dist[n] = sum(float(p) * dist[c] for p, c in zip(shape.chance[n], kids, strict=True))  # type: ignore[assignment]
            continue
        i = int(shape.player[n])
        probs = np.full((n_obs, len(kids)), 1.0 / len(kids))
        if len(kids) == 2:
            diff = dist[kids[1]] - dist[kids[0]]  # (n_obs, n_outcomes)
            coef = model.payoff_coef[i]  # (n_outcomes, n_pred)
            offset = diff @ model.payoff_const[i]
            cols, where = [], []
            for j in range(n_util):
                weight = diff @ coef[:, j]
                if not np.any(weight):
                    continue
                X = model.equations[j].X
                if known[j]:
                    offset = offset + weight * (X @ theta[model.slices[j]])
                else:
                    cols.append(weight[:, None] * X)
                    where.append(j)
            took = model.took[n]
            rows = (took[0] + took[1]) > 0
            # the scale of the difference of the shocks: sqrt(2) under agent error; under
            # private information it depends on the outcome probabilities below
            scale = (
                np.sqrt((diff * diff).sum(axis=1))
                if model.error == "private"
                else np.full(n_obs, _SQRT2)
            )
            eta = offset / scale
            if where and rows.sum() > 1:
                design = np.hstack(cols) / scale[:, None]
                # starting values need not be exact: Newton's method on the game finishes
                # them, in as many iterations from a start within 1e-2 as from one within 1e-4
                b = glm_binary(
                    design[rows],
                    took[1][rows],
                    offset=offset[rows] / scale[rows],
                    link=model.link,
                    tol=1e-2,
                )
                pos = 0
                for j in where:
                    size = model.slices[j].stop - model.slices[j].start
                    theta[model.slices[j]] = b[pos : pos + size]
                    pos += size
                    known[j] = True
                eta = eta + design @ b
            p1 = special.expit(eta) if model.link == "logit" else special.ndtr(eta)
            probs = np.column_stack([1.0 - p1, p1])
        dist[n] = sum(probs[:, k : k + 1] * dist[c] for k, c in enumerate(kids))  # type: ignore[assignment]
    return theta


def _ultimatum_start(model: UltimatumModel) -> FloatArray:
    theta = np.zeros(model.n_coef)
    y = model.offers
    spread = float(np.std(y, ddof=1)) if len(y) > 1 else 1.0
    spread = spread if spread > 0 else 1.0
    for j, eq in enumerate(model.equations):
        sl = model.slices[j]
        if eq.kind == "scale":
            theta[sl] = np.log(spread)
        elif eq.name == model.reservation_params[0]:
            theta[sl] = np.linalg.lstsq(eq.X, model.max_offer - y, rcond=None)[0]
        else:
            acc = model.accept if model.accept is not None else (y >= y.mean()).astype(np.float64)
            # P(accept) = Lambda((y - R2) / s), R2 = Z g: a logit of -Z/s with offset y/s
            b = glm_binary(-eq.X / spread, acc, offset=y / spread, link="logit")
            theta[sl] = b
    return theta
