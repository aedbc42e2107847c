"""Likelihood of a perfect-information game tree: statistical backward induction.

Each observation is one play of the game: the players' utilities for the
outcomes are linear in the observation's data, plus random shocks, and
the observed outcome (or path of moves) has the probability the game's
equilibrium gives it (Signorino 1999, 2003; Lewis and Schultz 2003). The
tree is solved backwards, as in the quantal response equilibrium of a
perfect-information game:

- **agent error**: every move carries a fresh shock of scale ``sigma_i``
  for its mover; at a decision node the mover compares the expected
  utilities of its actions, whose shocks' difference has scale
  ``sqrt(2) sigma_i``. With the logit link this is the logit agent QRE
  with precision ``lambda = 1 / (sqrt(2) sigma_i)``.
- **private information**: each player has a shock of scale ``sigma_i``
  on each outcome, known only to that player. An action's expected
  utility then carries the shocks weighted by the probabilities of the
  outcomes it leads to, so the scale of the difference between two
  actions is ``sigma_i * sqrt(sum_o (q_a(o) - q_b(o))^2)`` (probit link
  only). It assumes that no player moves twice on a path and that
  different actions lead to different outcomes.

Nodes with more than two actions use the multinomial logit, or for the
probit link the probability that an action's shocked value is the
largest, computed by Gauss–Hermite quadrature. Two-action nodes, which
are all the models of Kenkel and Signorino's R package ``games``, are
exact.

References
----------
Signorino, C. S. (1999). Strategic interaction and the statistical
analysis of international conflict. APSR 93(2), 279-297.
Signorino, C. S. (2003). Structure and uncertainty in discrete choice
models. Political Analysis 11, 316-344.
Lewis, J. B., and Schultz, K. A. (2003). Revealing preferences:
empirical estimation of a crisis bargaining game with incomplete
information. Political Analysis 11, 345-367.
Kenkel, B., and Signorino, C. S. (2014). Estimating extensive form games
in R. Journal of Statistical Software 56(8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from scipy import special

from escalade.errors import EstimationError
from escalade.estimation._dual import Dual, constant, variable
from escalade.estimation._model import Equation, PredictorModel
from escalade.estimation._probit import probit_max

__all__ = ["TreeModel", "TreeShape"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SQRT2 = float(np.sqrt(2.0))

#: A quantity of the likelihood: a Dual, or a number (or array) when it depends on no
#: predictor; the arithmetic below works on both.
Value = Any
_GH_POINTS = 48


@dataclass(frozen=True)
class TreeShape:
    """The tree as the likelihood needs it.

    Attributes
    ----------
    children : tuple of tuple of int
        Children of each node (empty for terminals), in action order.
    player : ndarray of shape (n_nodes,)
        Mover at decision nodes, -1 elsewhere.
    chance : dict of int to ndarray
        Probabilities of the children of each chance node.
    outcome : ndarray of shape (n_nodes,)
        Outcome of each terminal node, -1 elsewhere.
    names : tuple of str
        A readable name of each node (its path of actions).
    actions : tuple of tuple of str
        Action names of each node's children.
    """

    children: tuple[tuple[int, ...], ...]
    player: IntArray
    chance: dict[int, FloatArray]
    outcome: IntArray
    names: tuple[str, ...]
    actions: tuple[tuple[str, ...], ...]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.children)

    def bottom_up(self) -> list[int]:
        """Nodes with every child before its parent."""
        order: list[int] = []
        stack = [(0, False)]
        while stack:
            n, done = stack.pop()
            if done:
                order.append(n)
                continue
            stack.append((n, True))
            stack.extend((c, False) for c in self.children[n])
        return order

    def subtree_terminals(self) -> list[list[int]]:
        """Terminal nodes below each node."""
        out: list[list[int]] = [[] for _ in range(self.n_nodes)]
        for n in self.bottom_up():
            out[n] = [n] if not self.children[n] else [t for c in self.children[n] for t in out[c]]
        return out


@dataclass(frozen=True)
class Scale:
    """A player's shock scale: a fixed number, or ``exp`` of predictor ``index``."""

    value: float = 1.0
    index: int = -1

    def at(self, eta: FloatArray, order: int) -> Dual | float:
        """The scale under predictors ``eta`` (n_pred, ...): its value, or a Dual."""
        return self.value if self.index < 0 else variable(eta[self.index], self.index, order).exp()


class TreeModel(PredictorModel):
    """Log-likelihood of observed plays of a perfect-information tree.

    Parameters
    ----------
    equations : tuple of Equation
        Utility equations first (predictor ``j`` is equation ``j``), then
        scale equations.
    shape : TreeShape
    payoff_const : ndarray of shape (n_players, n_outcomes)
        Utilities when every estimated parameter is zero.
    payoff_coef : ndarray of shape (n_players, n_outcomes, n_pred)
        How much each predictor adds to each utility.
    scales : tuple of Scale
        One per player.
    error : {"agent", "private"}
    link : {"probit", "logit"}
    observed : ndarray of shape (n_obs, n_terminals) of bool
        For each observation, the terminal nodes consistent with what
        was observed (one when the moves are observed).
    """

    def __init__(  # noqa: PLR0913 - one argument per part of the model, see Parameters
        self,
        equations: tuple[Equation, ...],
        shape: TreeShape,
        payoff_const: FloatArray,
        payoff_coef: FloatArray,
        scales: tuple[Scale, ...],
        error: str,
        link: str,
        observed: NDArray[np.bool_],
    ) -> None:
        super().__init__(equations)
        self.shape = shape
        self.payoff_const = payoff_const
        self.payoff_coef = payoff_coef
        self.scales = scales
        self.error = error
        self.link = link
        self.terminals = [n for n in range(shape.n_nodes) if not shape.children[n]]
        self.order = shape.bottom_up()
        self.needs = self._needs()
        self.set_observed(observed)

    def set_observed(self, observed: NDArray[np.bool_]) -> None:
        """Record which terminals each observation is consistent with."""
        self.observed = observed
        term_pos = {t: k for k, t in enumerate(self.terminals)}
        below = self.shape.subtree_terminals()
        self.unique_path = bool((observed.sum(axis=1) == 1).all())
        # for each node and child: which observations went through that child
        self.took: dict[int, list[FloatArray]] = {}
        for n in range(self.shape.n_nodes):
            kids = self.shape.children[n]
            if not kids:
                continue
            cols = [[term_pos[t] for t in below[c]] for c in kids]
            self.took[n] = [np.asarray(observed[:, c].any(axis=1), dtype=np.float64) for c in cols]
        self.terminal_hit = [observed[:, term_pos[t]].astype(np.float64) for t in self.terminals]

    def _take_row_arrays(self, view: Self, rows: NDArray[np.int64]) -> None:
        view.observed = self.observed[rows]
        view.took = {n: [t[rows] for t in took] for n, took in self.took.items()}
        view.terminal_hit = [t[rows] for t in self.terminal_hit]

    # ------------------------------------------------------------------ core
    def _utilities(self, eta: FloatArray, order: int) -> list[list[Value]]:
        """Each player's utility of each outcome: a number, or a Dual linear in the predictors."""
        n_players, n_outcomes = self.payoff_const.shape
        lead = eta.shape[1:]
        out: list[list[Value]] = []
        for i in range(n_players):
            row: list[Value] = []
            for o in range(n_outcomes):
                a = self.payoff_coef[i, o]
                if not a.any():
                    row.append(float(self.payoff_const[i, o]))
                    continue
                nonzero = np.flatnonzero(a)
                v = self.payoff_const[i, o] + eta[nonzero[0]] * a[nonzero[0]]
                for j in nonzero[1:]:
                    v = v + eta[j] * a[j]
                idx = tuple(int(j) for j in np.flatnonzero(a)) if order >= 1 else ()
                g = np.broadcast_to(a[list(idx)].reshape(-1, *([1] * len(lead))), (len(idx), *lead))
                row.append(Dual(v, g, None, order, idx))
            out.append(row)
        return out

    def _sigma(self, eta: FloatArray, order: int) -> list[Value]:
        return [s.at(eta, order) for s in self.scales]

    def _needs(self) -> list[set[int]]:
        """Players whose expected utility at each node some decision above it needs."""
        shape = self.shape
        needs: list[set[int]] = [set() for _ in range(shape.n_nodes)]
        for n in reversed(shape.bottom_up()):
            above = set(needs[n])
            if shape.player[n] >= 0:
                above.add(int(shape.player[n]))
            for c in shape.children[n]:
                needs[c] = above
        return needs

    def solve(
        self, eta: FloatArray, order: int, *, all_probs: bool = True
    ) -> tuple[dict[int, list[Value]], dict[int, Value]]:
        """Backward induction: each node's move probabilities.

        Parameters
        ----------
        eta : ndarray of shape (n_fits, n_obs, n_pred)
        order : {0, 1, 2}
        all_probs : bool
            Also return the probabilities of two-action decision nodes (the
            likelihood of observed paths needs only their ``index``).

        Returns
        -------
        probs : dict of node to list of Dual or number
            Probability of each child of non-terminal nodes.
        index : dict of node to Dual
            For two-action decision nodes, the standardised difference
            ``x`` with ``P(second action) = F(x)``.
        """
        utils = self._utilities(eta, order)
        sigma = self._sigma(eta, order)
        shape = self.shape
        needs = self.needs
        values: dict[int, dict[int, Value]] = {}
        sq: dict[int, Value] = {}
        probs: dict[int, list[Value]] = {}
        index: dict[int, Value] = {}
        private = self.error == "private"
        for n in self.order:
            kids = shape.children[n]
            if not kids:
                o = int(shape.outcome[n])
                values[n] = {i: utils[i][o] for i in needs[n]}
                sq[n] = 1.0
                continue
            if n not in shape.chance and len(kids) == 2:
                i = int(shape.player[n])
                vals = [values[c][i] for c in kids]
                x = _index(vals, sigma[i], [sq[c] for c in kids] if private else None)
                index[n] = x
                if not (needs[n] or all_probs):
                    continue
                p1 = self._cdf(x)
                if all_probs:
                    probs[n] = [1.0 - p1, p1]
                # V = V0 + p1 (V1 - V0): one product per player instead of two
                c0, c1 = kids
                values[n] = {
                    k: values[c0][k] + _times(p1, values[c1][k] - values[c0][k]) for k in needs[n]
                }
                if private and needs[n]:
                    sq[n] = _squares(p1, sq[c0], sq[c1])
                continue
            if n in shape.chance:
                p: list[Value] = [float(q) for q in shape.chance[n]]
            else:
                i = int(shape.player[n])
                vals = [values[c][i] for c in kids]
                sqs = [sq[c] for c in kids] if private else None
                p = [_exp(lp) for lp in self._multi(vals, sigma[i], sqs)]
            probs[n] = p
            values[n] = {k: _weighted(p, [values[c][k] for c in kids]) for k in needs[n]}
            if private and needs[n]:
                sq[n] = _weighted([q * q for q in p], [sq[c] for c in kids])
        return probs, index

    def _cdf(self, x: Value) -> Value:
        if isinstance(x, Dual):
            return x.logistic() if self.link == "logit" else x.norm_cdf()
        return float(special.expit(x) if self.link == "logit" else special.ndtr(x))

    def _multi(self, vals: list[Value], sigma: Value, sqs: list[Value] | None) -> list[Value]:
        """Log-probabilities of the actions of a node with more than two."""
        duals = [v for v in vals if isinstance(v, Dual)]
        if not duals:
            raise EstimationError(
                "a decision with more than two actions whose utilities are all fixed: "
                "estimate one of them"
            )
        like = duals[0]
        full = [v if isinstance(v, Dual) else like * 0.0 + v for v in vals]
        if self.link == "logit":
            z = [v / (sigma * _SQRT2) for v in full]
            top = np.max(np.stack([d.v for d in z]), axis=0)
            total = _sum([(d - top).exp() for d in z])
            lse = total.log() + top
            return [d - lse for d in z]
        sds = [sigma for _ in full] if sqs is None else [_sqrt(s) * sigma for s in sqs]
        return list(probit_max(full, sds))

    def loglik_dual(self, eta: FloatArray, order: int) -> Dual:
        probs, index = self.solve(eta, order, all_probs=not self.unique_path)
        lead = eta.shape[1:]
        total = self._path_loglik(probs, index) if self.unique_path else self._reach_loglik(probs)
        if isinstance(total, Dual):
            return total
        return constant(np.broadcast_to(total, lead), lead, order)

    def _path_loglik(self, probs: dict[int, list[Value]], index: dict[int, Value]) -> Value:
        """Log-likelihood when each row's observation is one path: the moves taken, summed."""
        total: Value = 0.0
        for n, took in self.took.items():
            if n in index and isinstance(index[n], Dual):
                # log F(x) for the second action, log F(-x) for the first: one call
                sign = took[1] - took[0]
                if sign.any():
                    lp = index[n].log_cdf_signed(sign, self.link)
                    if self.floor is not None:
                        lp = lp.floor(self.floor)
                        lp = lp * np.abs(sign)  # the floor made unreached rows nonzero
                    total = total + lp
                continue
            p = probs[n] if n in probs else [1.0 - self._cdf(index[n]), self._cdf(index[n])]
            for q, t in zip(p, took, strict=True):
                if t.any():
                    lq = q.log() if isinstance(q, Dual) else float(np.log(max(q, 1e-300)))
                    if self.floor is not None:
                        lq = lq.floor(self.floor) if isinstance(lq, Dual) else max(lq, self.floor)
                    total = total + lq * t
        return total

    def _reach_loglik(self, probs: dict[int, list[Value]]) -> Value:
        """Log-likelihood when an observed outcome is reached by several terminals: the log
        of the sum of their path probabilities."""
        reach: dict[int, Value] = {}
        for k, term in enumerate(self.terminals):
            reach[term] = self.terminal_hit[k]
        for n in self.shape.bottom_up():
            kids = self.shape.children[n]
            if kids:
                reach[n] = _weighted(probs[n], [reach[c] for c in kids])
        root = reach[0]
        return root.log() if isinstance(root, Dual) else np.log(root)

    def outcome_probabilities(self, theta: FloatArray) -> tuple[FloatArray, dict[int, FloatArray]]:
        """Probability of each terminal node and of each move, per observation.

        Parameters
        ----------
        theta : ndarray of shape (n_fits, n_coef)

        Returns
        -------
        terminal : ndarray of shape (n_fits, n_obs, n_terminals)
        moves : dict of node to ndarray of shape (n_fits, n_obs, n_children)
        """
        eta = self.predictors(theta)
        lead = eta.shape[1:]
        probs, _ = self.solve(eta, 0)
        moves = {n: np.stack([_values(q, lead) for q in p], axis=-1) for n, p in probs.items()}
        reach = {0: np.ones(lead)}
        for n in reversed(self.shape.bottom_up()):
            for k, c in enumerate(self.shape.children[n]):
                reach[c] = reach[n] * moves[n][..., k]
        return np.stack([reach[t] for t in self.terminals], axis=-1), moves


def _index(vals: list[Value], sigma: Value, sqs: list[Value] | None) -> Value:
    """``(V_b - V_a) / scale`` of a two-action node: agent or private-information scale."""
    diff = vals[1] - vals[0]
    if sqs is None:
        return diff / (sigma * _SQRT2)
    return diff / (_sqrt(sqs[0] + sqs[1]) * sigma)


def _squares(p1: Value, sq0: Value, sq1: Value) -> Value:
    """``(1 - p1)^2 sq0 + p1^2 sq1``: what the shocks below a two-action node weigh.

    Below the last movers ``sq0`` and ``sq1`` are numbers, and the sum is a
    quadratic in ``p1``: one function of it, not two products and a sum.
    """
    if isinstance(sq0, Dual) or isinstance(sq1, Dual) or not isinstance(p1, Dual):
        q0 = 1.0 - p1
        return _times(q0 * q0, sq0) + _times(p1 * p1, sq1)
    a, b, p = float(sq0), float(sq1), p1.v
    q = 1.0 - p
    return p1.apply(a * q * q + b * p * p, 2.0 * (b * p - a * q), np.full_like(p, 2.0 * (a + b)))


def _sum(items: list[Value]) -> Value:
    total = items[0]
    for d in items[1:]:
        total = total + d
    return total


def _exp(x: Value) -> Value:
    return x.exp() if isinstance(x, Dual) else float(np.exp(x))


def _sqrt(x: Value) -> Value:
    return x.sqrt() if isinstance(x, Dual) else float(np.sqrt(x))


def _times(p: Value, x: Value) -> Value:
    """``p * x``, skipping a product with the number zero."""
    if _is_zero(x) or _is_zero(p):
        return 0.0
    if isinstance(x, Dual) and not isinstance(p, Dual):
        return x * p
    return p * x


def _weighted(weights: list[Value], items: list[Value]) -> Value:
    """``sum(w * x)``, skipping products with a zero number."""
    terms = [
        w * x if isinstance(w, Dual) or not isinstance(x, Dual) else x * w
        for w, x in zip(weights, items, strict=True)
        if not (_is_zero(w) or _is_zero(x))
    ]
    return _sum(terms) if terms else 0.0


def _is_zero(x: Value) -> bool:
    return not isinstance(x, Dual) and not np.any(x)


def _values(x: Value, lead: tuple[int, ...]) -> FloatArray:
    return x.v if isinstance(x, Dual) else np.full(lead, float(x))
