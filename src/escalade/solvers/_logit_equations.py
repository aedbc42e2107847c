"""The logit agent-QRE equations of a game with information sets, and their Jacobian.

Unknowns are the log action probabilities ``z`` (one per action); for
each information set ``h`` with first action ``f``::

    sum_{a in h} exp(z_a) - 1 = 0
    z_a - z_f - lam * (v_a - v_f) = 0          for the other actions a of h

where ``v_a`` is the expected payoff of action ``a`` to the mover, given
``h`` is reached, with beliefs from the profile itself (Bayes' rule).

Everything is batched over draws, and the Jacobians are exact. Two ways
of computing them give the same numbers: forward-mode derivatives
through the tree, an array of ``n_players x n_nodes x n_actions`` per
draw, for games where that is small; and sums over the pairs of
decision edges one above the other (:mod:`._logit_jacobian`) for larger
games, whose size grows with the nodes times the depth rather than
with the nodes times the actions.

Beliefs need only the ratios of the reach probabilities of an
information set's nodes. Deep in a tree, or at a large ``lam``, those
probabilities are products of many small numbers and can fall below the
smallest double; an information set reached with a probability below
1e-250 has its nodes' probabilities rescaled from log-probabilities, so
its beliefs and action values stay exact.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from escalade.game import Game, GameValues
from escalade.solvers._backward import terminal_payoffs
from escalade.solvers._logit_jacobian import EdgePairs, count_pairs

__all__ = ["DENSE_LIMIT", "QreEquations", "take_values"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest n_players * n_nodes * n_actions for which the Jacobian is computed by
#: forward-mode derivatives through the tree (dense arrays of that size per draw).
DENSE_LIMIT = 1 << 18
#: Reach probability of an information set below which its beliefs come from logs.
_TINY_REACH = 1e-250


def take_values(values: GameValues, index: NDArray[np.int64]) -> GameValues:
    """The draws ``index`` of a batch of game values."""
    return GameValues(values.payoffs[index], values.chance[index])


class QreEquations:
    """The QRE equations of one game: residuals, action values and Jacobians.

    Parameters
    ----------
    game : Game
        Any extensive game (imperfect recall allowed).
    fixed : ndarray of shape (n_actions,), optional
        Probabilities fixed in advance, NaN where free.
    sparse : bool, optional
        Compute Jacobians from pairs of edges (default: when the dense
        arrays would pass :data:`DENSE_LIMIT`).

    Examples
    --------
    >>> import escalade
    >>> eq = QreEquations(escalade.as_game("beer-quiche"))
    >>> g = eq.game
    >>> ev = eq.evaluate(eq.z0[None, :], np.zeros(1), g.nominal_values())
    >>> float(np.abs(ev["F"]).max())  # uniform play solves the equations at lam = 0
    0.0
    """

    def __init__(
        self, game: Game, fixed: np.ndarray | None = None, *, sparse: bool | None = None
    ) -> None:
        self.game = game
        # Actions whose probabilities are fixed in advance: their equations
        # become z_a = log p_a (probabilities clipped away from 0).
        self.fixed_rows = np.flatnonzero(~np.isnan(fixed)) if fixed is not None else None
        self.fixed_logp = (
            np.log(np.clip(fixed[self.fixed_rows], 1e-300, 1.0)) if fixed is not None else None
        )
        g = game
        self.A = g.n_actions
        self.H = g.n_infosets
        starts = g.infoset_actions[:-1]
        self.first_of = g.infoset_actions[g.action_infoset]  # first action of a's infoset
        self.is_first = np.zeros(self.A, dtype=bool)
        self.is_first[starts] = True
        self.other = np.flatnonzero(~self.is_first)
        dec_kids = np.flatnonzero(g.edge_action >= 0)
        order = np.argsort(g.edge_action[dec_kids], kind="stable")
        self.dk = dec_kids[order]  # decision edges sorted by action
        self.dk_parent = g.parent[self.dk]
        self.dk_action = g.edge_action[self.dk]
        self.dk_mover = g.player[self.dk_parent]
        self.dk_starts = np.flatnonzero(np.r_[True, np.diff(self.dk_action) != 0])
        inodes = list(g.infoset_nodes)
        self.in_nodes = np.concatenate(inodes) if inodes else np.zeros(0, dtype=np.int64)
        self.in_starts = np.cumsum([0] + [len(n) for n in inodes[:-1]]).astype(np.int64)
        self.in_infoset = np.repeat(np.arange(self.H), [len(n) for n in inodes])
        self.log_k = -np.log(np.diff(g.infoset_actions).astype(np.float64))
        # Structure used by every evaluation, computed once (evaluate runs hundreds of times).
        self._chance_nodes = np.flatnonzero(g.edge_chance >= 0)
        self._chance_cols = g.edge_chance[self._chance_nodes]
        self._same = g.action_infoset[None, :] == g.action_infoset[self.is_first][:, None]
        eye = np.eye(self.A)
        self._ratio_rows = eye[self.other] - eye[self.first_of[self.other]]  # (A - H, A)
        self.sparse = g.n_players * g.n_nodes * self.A > DENSE_LIMIT if sparse is None else sparse

    @cached_property
    def pairs(self) -> EdgePairs:
        """The pairs of decision edges (sparse Jacobians), listed on first use."""
        return EdgePairs(self.game, self.in_nodes)

    @cached_property
    def _path_counts(self) -> tuple[FloatArray, FloatArray]:
        """Counts of each action above the decision edges' parents and above the
        information sets' nodes (dense Jacobians), on first use."""
        M = self.game.path_actions.astype(np.float64)  # (N, A)
        return M[self.dk_parent], M[self.in_nodes]

    def per_draw(self) -> int:
        """Numbers held per draw while the Jacobian is computed (for chunk sizes)."""
        g = self.game
        if not self.sparse:
            return g.n_players * g.n_nodes * max(self.A, 1) * 4
        return 6 * (self.A + 1) ** 2 + 4 * count_pairs(g) + 4 * g.n_players * g.n_nodes

    @cached_property
    def z0(self) -> FloatArray:
        """Uniform play at free information sets (the branch's start), shape (n_actions,)."""
        z = self.log_k[self.game.action_infoset]
        if self.fixed_rows is not None:
            z[self.fixed_rows] = self.fixed_logp
        return z

    def evaluate(
        self,
        z: FloatArray,
        lam: FloatArray,
        values: GameValues,
        *,
        jacobian: bool = True,
        shift: FloatArray | None = None,
    ) -> dict[str, FloatArray]:
        """Residuals, Jacobians and action values at ``(z, lam)``.

        Parameters
        ----------
        z : ndarray of shape (c, n_actions)
        lam : ndarray of shape (c,)
        values : GameValues of the same c draws
        jacobian : bool
            Also compute ``J`` and ``Fl``.
        shift : ndarray of shape (c,), optional
            Added to the perturbed equation (see ``Tracer.trace``).

        Returns
        -------
        dict with ``F`` (c, A), ``J`` (c, A, A), ``Fl`` (c, A), ``v`` (c, A),
        ``reach`` (N, c), ``D`` (H, c), ``W`` (P, N, c), and the weights of
        the nodes of each information set, ``Rin`` (n_in, c), with their
        sums ``Dv`` (H, c): the reach probabilities, rescaled where they
        underflow.
        """
        g = self.game
        c = z.shape[0]
        sigma = np.exp(z)  # (c, A)
        E = np.empty((g.n_nodes, c))
        E[0] = 1.0
        E[self.dk] = sigma.T[self.dk_action]
        if self._chance_nodes.size:
            E[self._chance_nodes] = values.chance.T[self._chance_cols]
        reach = g.node_reach(E)
        DW = np.zeros((g.n_players, g.n_nodes, self.A, c)) if jacobian and not self.sparse else None
        W = self._values(E, values, DW)
        D = np.add.reduceat(reach[self.in_nodes], self.in_starts, axis=0)  # (H, c)
        log_reach = None
        weights = reach
        if (D < _TINY_REACH).any() or (jacobian and self.sparse):
            log_reach = self.log_reach(z, values)
            weights = self._rescaled(reach, D, log_reach)
        # Action values: v_a = N_a / D_h with N_a = sum_{x in h} reach(x) W_i(child(x, a)).
        R = weights[self.dk_parent]  # (n_dk, c)
        Rin = weights[self.in_nodes]  # (n_in, c)
        Dv = D if weights is reach else np.add.reduceat(Rin, self.in_starts, axis=0)
        Wk = W[self.dk_mover, self.dk]  # (n_dk, c)
        Nv = np.add.reduceat(R * Wk, self.dk_starts, axis=0)  # (A, c)
        Da = np.where(Dv > 0, Dv, 1.0)[g.action_infoset]  # (A, c)
        v = Nv / Da
        out: dict[str, FloatArray] = {
            "v": v.T,
            "reach": reach,
            "D": D,
            "W": W,
            "Rin": Rin,
            "Dv": Dv,
        }
        F = np.empty((self.A, c))
        F[self.is_first] = np.add.reduceat(sigma.T, g.infoset_actions[:-1], axis=0) - 1.0
        o, f = self.other, self.first_of[self.other]
        zt = z.T
        F[o] = zt[o] - zt[f] - lam[None, :] * (v[o] - v[f])
        if shift is not None:
            F[self.pert_row] += shift
        if self.fixed_rows is not None and self.fixed_logp is not None:
            F[self.fixed_rows] = zt[self.fixed_rows] - self.fixed_logp[:, None]
        out["F"] = F.T
        if not jacobian:
            return out
        Fl = np.zeros((self.A, c))
        Fl[o] = -(v[o] - v[f])
        if DW is None:
            if log_reach is None:  # the caller passes one whenever DW is None
                raise RuntimeError("the QRE Jacobian needs the log reach probabilities")
            dN, dD = self.pairs.derivatives(R * Wk, weights, log_reach, W, self.A)
        else:
            Mx, Mi = self._path_counts
            term = Mx[:, :, None] * Wk[:, None, :] + DW[self.dk_mover, self.dk]
            dN = np.add.reduceat(R[:, None, :] * term, self.dk_starts, axis=0)  # (A, A, c)
            dD = np.add.reduceat(Rin[:, None, :] * Mi[:, :, None], self.in_starts, axis=0)
        dv = (dN - v[:, None, :] * dD[g.action_infoset]) / Da[:, None, :]
        J = np.zeros((self.A, self.A, c))
        # normalisation rows: d/dz_b sum_{a in h} exp(z_a) = sigma_b for b in h
        J[self.is_first] = self._same[:, :, None] * sigma.T[None, :, :]
        J[o] = self._ratio_rows[:, :, None] - lam[None, None, :] * (dv[o] - dv[f])
        if self.fixed_rows is not None:
            J[self.fixed_rows] = 0.0
            J[self.fixed_rows, self.fixed_rows] = 1.0
            Fl[self.fixed_rows] = 0.0
        out["J"] = J.transpose(2, 0, 1)
        out["Fl"] = Fl.T
        return out

    #: Row of the equation shifted to step past a bifurcation (set by the tracer).
    pert_row: int = 0

    def _values(self, E: FloatArray, values: GameValues, DW: FloatArray | None) -> FloatArray:
        """Expected payoff below each node, (P, N, c); fills ``DW`` (its derivatives) if given."""
        g = self.game
        own = terminal_payoffs(g, values)  # (P, N, c)
        W = own.copy()
        inner = g.has_inner_outcomes
        for level in reversed(g.levels):
            kids = level.kids
            Ek = E[kids]
            W[:, level.parents] = np.add.reduceat(W[:, kids] * Ek, level.offsets, axis=1)
            if inner:
                W[:, level.parents] += own[:, level.parents]
            if DW is not None:
                T = DW[:, kids].copy()  # (P, n_k, A, c)
                dk = level.dec_kids
                if dk.size:
                    acts = g.edge_action[kids.start + dk]
                    T[:, dk, acts, :] += W[:, kids.start + dk, :]
                T *= Ek[None, :, None, :]
                DW[:, level.parents] = np.add.reduceat(T, level.offsets, axis=1)
        return W

    def log_reach(self, z: FloatArray, values: GameValues) -> FloatArray:
        """Log-probability of reaching each node, (N, c); ``-inf`` behind a zero chance."""
        g = self.game
        logE = np.zeros((g.n_nodes, z.shape[0]))
        logE[self.dk] = z.T[self.dk_action]
        if self._chance_nodes.size:
            with np.errstate(divide="ignore"):
                logE[self._chance_nodes] = np.log(values.chance.T[self._chance_cols])
        out = np.zeros_like(logE)
        for level in g.levels:
            out[level.kids] = out[level.parents][level.kid_parent] + logE[level.kids]
        return out

    def _rescaled(self, reach: FloatArray, D: FloatArray, log_reach: FloatArray) -> FloatArray:
        """``reach`` with the nodes of information sets reached below 1e-250 rescaled.

        Within such an information set each node gets ``exp(L - max L)``, its
        reach relative to the set's most likely node, computed from
        log-probabilities; only ratios within a set enter beliefs and values.
        A set behind a zero chance probability (every ``L`` is ``-inf``) is
        left unreached.
        """
        top = np.maximum.reduceat(log_reach[self.in_nodes], self.in_starts, axis=0)  # (H, c)
        low = (D < _TINY_REACH) & np.isfinite(top)
        if not low.any():
            return reach
        out = reach.copy()
        rows = low[self.in_infoset]  # (n_in, c)
        scaled = np.exp(log_reach[self.in_nodes] - top[self.in_infoset])
        out[self.in_nodes] = np.where(rows, scaled, reach[self.in_nodes])
        return out

    def regret(self, ev: dict[str, FloatArray], z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Largest agent regret over information sets, per draw: weighted by the
        probability that the set is reached, and given that it is reached.

        The regret of an information set is what its agent would gain by
        switching to its best action, given the set is reached (beliefs from
        the profile). Weighted by the set's reach probability it is the
        agent's loss in the game (which Nash equilibrium bounds); unweighted,
        sets reached with a tiny probability count as much as the others (as
        sequential rationality asks). Sets that cannot be reached count zero.
        """
        g = self.game
        v = ev["v"]  # (c, A)
        sigma = np.exp(z)
        best = np.maximum.reduceat(v, g.infoset_actions[:-1], axis=1)
        got = np.add.reduceat(sigma * v, g.infoset_actions[:-1], axis=1)
        weighted = np.asarray(((best - got) * ev["D"].T).max(axis=1))
        given = np.asarray(np.where(ev["Dv"].T > 0, best - got, 0.0).max(axis=1))
        return weighted, given

    def normalised(self, z: FloatArray) -> FloatArray:
        """``z`` shifted within each information set so probabilities sum to 1 exactly."""
        g = self.game
        totals = np.add.reduceat(np.exp(z), g.infoset_actions[:-1], axis=1)
        return z - np.log(totals)[:, g.action_infoset]

    def beliefs(self, ev: dict[str, FloatArray]) -> FloatArray:
        """Beliefs at every decision node of an information set, (c, N); NaN elsewhere
        and at sets that cannot be reached."""
        c = ev["Rin"].shape[1]
        out = np.full((c, self.game.n_nodes), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, self.in_nodes] = (ev["Rin"] / ev["Dv"][self.in_infoset]).T
        return out
