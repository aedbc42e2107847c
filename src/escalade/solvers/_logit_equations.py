"""The logit agent QRE equations of a game, with exact Jacobians, batched over draws.

Unknowns are the log action probabilities ``z`` (one per action); for
each information set ``h`` with first action ``f``::

    sum_{a in h} exp(z_a) - 1 = 0
    z_a - z_f - lam * (v_a - v_f) = 0          for the other actions a of h

where ``v_a`` is the expected payoff of action ``a`` to the mover, given
``h`` is reached, with beliefs from the profile itself (Bayes' rule).
:class:`QreEquations` evaluates them, their derivatives in ``z`` and
``lam`` (forward-mode through the tree) and the agents' regret; the
branch that solves them is followed in ``_logit_trace``.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from escalade.game import Game, GameValues
from escalade.solvers._backward import terminal_payoffs

__all__ = ["QreEquations", "take_draws"]

FloatArray = NDArray[np.float64]


class QreEquations:
    """The logit agent QRE equations of one game, their Jacobians and the action values.

    Parameters
    ----------
    game : Game
        Any extensive game (imperfect recall allowed).
    """

    def __init__(self, game: Game, fixed: np.ndarray | None = None) -> None:
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
        inodes = [nodes for nodes in g.infoset_nodes]
        self.in_nodes = np.concatenate(inodes) if inodes else np.zeros(0, dtype=np.int64)
        self.in_starts = np.cumsum([0] + [len(n) for n in inodes[:-1]]).astype(np.int64)
        self.M = g.path_actions.astype(np.float64)  # (N, A)
        self.log_k = -np.log(np.diff(g.infoset_actions).astype(np.float64))
        # Gambit's first equation: the sum-to-one of the first player's first infoset.
        # Gambit orders a player's information sets as it walks the tree depth first.
        self.pert_row = int(g.infoset_actions[_first_infoset_depth_first(g)]) if self.H else 0
        # Structure used by every evaluation, computed once (evaluate runs hundreds of times).
        self._chance_nodes = np.flatnonzero(g.edge_chance >= 0)
        self._chance_cols = g.edge_chance[self._chance_nodes]
        self._Mx = self.M[self.dk_parent]  # (n_dk, A)
        self._Mi = self.M[self.in_nodes]  # (n_in, A)
        self._same = g.action_infoset[None, :] == g.action_infoset[self.is_first][:, None]
        eye = np.eye(self.A)
        self._ratio_rows = eye[self.other] - eye[self.first_of[self.other]]  # (A - H, A)

    @cached_property
    def z0(self) -> FloatArray:
        """Uniform play at free information sets (the branch's start), shape (n_actions,)."""
        z = self.log_k[self.game.action_infoset]
        if self.fixed_rows is not None:
            z[self.fixed_rows] = self.fixed_logp
        return z

    # ------------------------------------------------------------ equations
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

        Returns
        -------
        dict with ``F`` (c, A), ``J`` (c, A, A), ``Fl`` (c, A), ``v`` (c, A),
        ``reach`` (N, c), ``D`` (H, c), ``W`` (P, N, c).
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
        own = terminal_payoffs(g, values)  # (P, N, c)
        W = own.copy()
        inner = g.has_inner_outcomes
        DW = np.zeros((g.n_players, g.n_nodes, self.A, c)) if jacobian else None
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
        # Action values: v_a = N_a / D_h with N_a = sum_{x in h} reach(x) W_i(child(x, a)).
        R = reach[self.dk_parent]  # (n_dk, c)
        Wk = W[self.dk_mover, self.dk]  # (n_dk, c)
        Nv = np.add.reduceat(R * Wk, self.dk_starts, axis=0)  # (A, c)
        D = np.add.reduceat(reach[self.in_nodes], self.in_starts, axis=0)  # (H, c)
        Dsafe = np.where(D > 0, D, 1.0)
        Da = Dsafe[g.action_infoset]  # (A, c)
        v = Nv / Da
        out: dict[str, FloatArray] = {"v": v.T, "reach": reach, "D": D, "W": W}
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
        if DW is None:
            return out
        Fl = np.zeros((self.A, c))
        Fl[o] = -(v[o] - v[f])
        term = self._Mx[:, :, None] * Wk[:, None, :] + DW[self.dk_mover, self.dk]  # (n_dk, A, c)
        dN = np.add.reduceat(R[:, None, :] * term, self.dk_starts, axis=0)  # (A, A, c)
        dD = np.add.reduceat(
            reach[self.in_nodes][:, None, :] * self._Mi[:, :, None], self.in_starts, axis=0
        )  # (H, A, c)
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

    def regret(self, ev: dict[str, FloatArray], z: FloatArray) -> FloatArray:
        """Largest reach-weighted agent regret over information sets, per draw."""
        g = self.game
        v = ev["v"]  # (c, A)
        sigma = np.exp(z)
        best = np.maximum.reduceat(v, g.infoset_actions[:-1], axis=1)
        got = np.add.reduceat(sigma * v, g.infoset_actions[:-1], axis=1)
        return np.asarray(((best - got) * ev["D"].T).max(axis=1))

    def _normalised(self, z: FloatArray) -> FloatArray:
        """``z`` shifted within each information set so probabilities sum to 1 exactly."""
        g = self.game
        totals = np.add.reduceat(np.exp(z), g.infoset_actions[:-1], axis=1)
        return z - np.log(totals)[:, g.action_infoset]


def take_draws(values: GameValues, index: NDArray[np.int64]) -> GameValues:
    """The values of the draws ``index`` only."""
    return GameValues(values.payoffs[index], values.chance[index])


def _first_infoset_depth_first(g: Game) -> int:
    """The first information set, in a depth-first walk, of the first player who moves."""
    first_player = int(g.infoset_player.min())
    first, count = g.first_child, g.n_children
    stack = [0]
    while stack:
        i = stack.pop()
        if g.infoset[i] >= 0 and g.player[i] == first_player:
            return int(g.infoset[i])
        if count[i]:
            stack.extend(range(int(first[i] + count[i]) - 1, int(first[i]) - 1, -1))
    raise AssertionError("a player with information sets moves somewhere")  # pragma: no cover
