"""Derivatives of the logit QRE's action values from pairs of decision edges.

The value of action ``a`` at information set ``h`` (mover ``i``) is
``N_a / D_h`` with ``N_a = sum_{x in h} r(x) W_i(x a)`` and
``D_h = sum_{x in h} r(x)``, where ``r`` is the reach probability and
``W_i(y)`` player ``i``'s expected payoff from node ``y`` on. With
``z`` the log action probabilities, ``d r(x) / d z_b`` is ``r(x)`` times
the number of ``b`` edges above ``x``, and ``d W_i(y) / d z_b`` sums
``rho(y -> u) W_i(u)`` over the ``b`` edges into nodes ``u`` below
``y`` (``rho`` the probability of going from ``y`` to ``u``). Both
derivatives are sums over pairs of decision edges, one an ancestor of
the other::

    dN_a/dz_b = sum over pairs (upper edge with action b, lower edge x->y with action a)
                    of r(x) W_i(y)
              + sum over pairs (upper edge x->y with action a, lower edge into u with action b)
                    of r(x) rho(y -> u) W_i(u)
    dD_h/dz_b = sum over pairs (upper edge with action b, decision node x of h below it)
                    of r(x)

There are at most ``n_nodes x depth`` pairs, so the work grows with the
size of the tree times its depth, where forward-mode derivatives through
the tree hold ``n_nodes x n_actions`` numbers per player and draw. The
pairs depend on the tree only and are listed once; their weights are
computed per batch of draws and summed into dense ``(n_actions,
n_actions)`` matrices (the Jacobian is dense anyway).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from escalade.game import Game

__all__ = ["EdgePairs", "count_pairs"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _nearest_edge_above(game: Game) -> tuple[IntArray, IntArray]:
    """For each node: the nearest node at or above it entered by a decision edge
    (-1 if none), and how many such nodes lie on its path from the root."""
    is_edge = game.edge_action >= 0
    up = np.full(game.n_nodes, -1, dtype=np.int64)
    count = np.zeros(game.n_nodes, dtype=np.int64)
    for level in game.levels:
        kids = np.arange(level.kids.start, level.kids.stop)
        from_parent = level.parents[level.kid_parent]
        up[kids] = np.where(is_edge[kids], kids, up[from_parent])
        count[kids] = count[from_parent] + is_edge[kids]
    return up, count


def count_pairs(game: Game) -> int:
    """How many pairs of decision edges :class:`EdgePairs` would list for ``game``.

    Examples
    --------
    >>> import escalade
    >>> count_pairs(escalade.as_game("beer-quiche"))
    20
    """
    _, count = _nearest_edge_above(game)
    lower = np.flatnonzero(game.edge_action >= 0)
    decision = np.flatnonzero(game.infoset >= 0)
    return int(2 * count[game.parent[lower]].sum() + count[decision].sum())


def _ancestors(up: IntArray, parent: IntArray, start: IntArray) -> tuple[IntArray, IntArray]:
    """Pairs (edge node, position in ``start``) for every decision-edge node at or above
    ``start[k]``, walking up the chain of nearest edges."""
    uppers: list[IntArray] = []
    owners: list[IntArray] = []
    cur = up[start]
    who = np.arange(start.size)
    while True:
        keep = cur >= 0
        cur, who = cur[keep], who[keep]
        if not cur.size:
            break
        uppers.append(cur)
        owners.append(who)
        cur = up[parent[cur]]
    if not uppers:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(uppers), np.concatenate(owners)


class _Sum:
    """Sums of weighted pairs into the cells of a dense (n_rows * n_cols, c) array."""

    def __init__(self, cells: IntArray, size: int) -> None:
        self.order = np.argsort(cells, kind="stable")
        sorted_cells = cells[self.order]
        self.cells, self.starts = np.unique(sorted_cells, return_index=True)
        self.size = size

    def __call__(self, weights: FloatArray) -> FloatArray:
        out = np.zeros((self.size, weights.shape[1]))
        if self.cells.size:
            out[self.cells] = np.add.reduceat(weights[self.order], self.starts, axis=0)
        return out


class EdgePairs:
    """The pairs of decision edges of a game, for the Jacobian of its QRE equations.

    Parameters
    ----------
    game : Game
    in_nodes : ndarray of int
        The decision nodes in information-set order (the rows of ``Rin``).
    """

    def __init__(self, game: Game, in_nodes: IntArray) -> None:
        g = game
        A = g.n_actions
        up, _ = _nearest_edge_above(g)
        edges = np.flatnonzero(g.edge_action >= 0)
        order = np.argsort(g.edge_action[edges], kind="stable")
        edges = edges[order]  # the same order as the tracer's decision-edge rows
        # pairs (p, q): p an edge node at or above q's parent
        p, k = _ancestors(up, g.parent, g.parent[edges])
        q = edges[k]
        self.row = k  # q's row among the decision edges (for r(x) W_i(y) of the lower edge)
        self.upper, self.lower = p, q
        self.upper_parent = g.parent[p]
        self.upper_mover = g.player[self.upper_parent]
        act = g.edge_action
        self.dN = _Sum(np.concatenate([act[q] * A + act[p], act[p] * A + act[q]]), A * A)
        # pairs (p, x): p an edge node at or above the decision node x
        p2, i2 = _ancestors(up, g.parent, in_nodes)
        self.member = in_nodes[i2]
        self.dD = _Sum(g.infoset[self.member] * A + act[p2], g.n_infosets * A)
        self.n_pairs = 2 * p.size + p2.size

    def derivatives(
        self,
        lower_terms: FloatArray,
        weights: FloatArray,
        log_reach: FloatArray,
        W: FloatArray,
        n_actions: int,
    ) -> tuple[FloatArray, FloatArray]:
        """``dN`` (A, A, c) and ``dD`` (H, A, c).

        Parameters
        ----------
        lower_terms : ndarray of shape (n_decision_edges, c)
            ``r(x) W_i(y)`` of each decision edge ``x -> y``, in the tracer's row order.
        weights : ndarray of shape (n_nodes, c)
            Reach probabilities (rescaled within information sets that underflow).
        log_reach : ndarray of shape (n_nodes, c)
        W : ndarray of shape (n_players, n_nodes, c)
        n_actions : int
        """
        A = n_actions
        c = weights.shape[1]
        with np.errstate(invalid="ignore"):
            gap = log_reach[self.lower] - log_reach[self.upper]
        # behind a zero chance probability both are -inf: nothing flows there
        rho = np.exp(np.where(np.isnan(gap), -np.inf, gap))
        below = weights[self.upper_parent] * rho * W[self.upper_mover, self.lower]
        dN = self.dN(np.concatenate([lower_terms[self.row], below]))
        dD = self.dD(weights[self.member])
        return dN.reshape(A, A, c), dD.reshape(-1, A, c)
