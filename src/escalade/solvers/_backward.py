"""One backward and one forward pass over a perfect-information tree, batched.

Both subgame-perfect equilibrium (backward induction) and the logit agent
QRE of a perfect-information game are a single backward pass: at each
decision node the mover's choice probabilities depend only on the values
of its children, which are already known. They differ only in the choice
rule (best response with ties split, or logit). Chance nodes use their
probabilities. A forward pass then gives the probability of reaching
every node, hence of every outcome.

Arrays keep the draws on the last axis (``(n_players, n_nodes, n_draws)``)
so that gathering the children of a depth copies contiguous rows; per
depth the work is a few ``np.*.reduceat`` calls over all its nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escalade.game import Game, GameValues

__all__ = ["ChoiceRule", "ChunkResult", "backward_forward", "best_response_rule", "logit_rule"]

FloatArray = NDArray[np.float64]

#: Relative tolerance under which two action values count as tied (SPE).
TIE_TOL = 1e-12

# rule(values of the mover at each kid, level) -> probabilities of each kid
ChoiceRule = Callable[[FloatArray, NDArray[np.int64], NDArray[np.int64]], FloatArray]


def best_response_rule(
    vals: FloatArray, offsets: NDArray[np.int64], group: NDArray[np.int64]
) -> FloatArray:
    """Best responses, ties split evenly.

    Parameters
    ----------
    vals : ndarray of shape (n_kids, n_draws)
        Mover's value at each child of the decision nodes of one depth.
    offsets : ndarray of int
        Start of each node's children within ``vals``.
    group : ndarray of int
        Node of each child.
    """
    best = np.maximum.reduceat(vals, offsets, axis=0)
    top = best[group]
    tied = vals >= top - TIE_TOL * (1.0 + np.abs(top))
    count = np.add.reduceat(tied, offsets, axis=0, dtype=np.float64)
    return tied / count[group]


def logit_rule(lam: float | FloatArray) -> ChoiceRule:
    """Logit choice with precision ``lam``: probabilities ∝ exp(lam · value).

    ``lam`` is a number or an array of shape (n_draws,) (one precision per draw).
    """

    def rule(vals: FloatArray, offsets: NDArray[np.int64], group: NDArray[np.int64]) -> FloatArray:
        top = np.maximum.reduceat(vals, offsets, axis=0)
        # Shifting by the best value keeps exp() from overflowing at large lam.
        e = np.subtract(vals, top[group])
        e *= lam
        np.exp(e, out=e)
        total = np.add.reduceat(e, offsets, axis=0)
        e /= total[group]
        return e

    return rule


@dataclass
class ChunkResult:
    """What one pass gives for a chunk of draws (draws on the first axis)."""

    payoffs: FloatArray  # (c, n_players)
    outcomes: FloatArray  # (c, n_outcomes)
    strategies: FloatArray | None  # (c, n_actions)
    reach: FloatArray | None  # (n_nodes, c) node probabilities, draws last


def terminal_payoffs(game: Game, values: GameValues) -> FloatArray:
    """Payoff of every node's own outcome, draws last: (n_players, n_nodes, c)."""
    c = values.n_draws
    out = np.zeros((game.n_players, game.n_nodes, c))
    has = np.flatnonzero(game.outcome >= 0)
    # (c, k, P) -> (P, k, c)
    out[:, has, :] = values.payoffs[:, game.outcome[has], :].transpose(2, 1, 0)
    return out


def backward_forward(
    game: Game,
    values: GameValues,
    rule: ChoiceRule,
    *,
    keep_strategies: bool = True,
    keep_reach: bool = False,
    fixed: FloatArray | None = None,
) -> ChunkResult:
    """Solve a perfect-information game for a chunk of draws.

    Parameters
    ----------
    game : Game
        Must have perfect information (every information set one node).
    values : GameValues
        Payoffs and chance probabilities of the chunk.
    rule : ChoiceRule
        :func:`best_response_rule` (SPE) or :func:`logit_rule` (QRE).
    keep_strategies, keep_reach : bool
        Whether to return per-draw action and node probabilities.
    fixed : ndarray of shape (n_actions,), optional
        Probabilities fixed in advance (NaN where the choice is free).

    Returns
    -------
    ChunkResult
    """
    c = values.n_draws
    V = terminal_payoffs(game, values)
    inner = game.has_inner_outcomes
    own = V.copy() if inner else None
    edge = np.empty((game.n_nodes, c))
    edge[0] = 1.0
    chance_t = values.chance.T  # (n_chance_edges, c)
    for level in reversed(game.levels):
        kids = level.kids
        klo = kids.start
        dk = level.dec_kids
        if dk.size == level.n_kids:
            vals = V[level.dec_mover, np.arange(kids.start, kids.stop), :]
            probs = rule(vals, level.dec_offsets, level.dec_group)
        else:
            probs = np.empty((level.n_kids, c))
            if dk.size:
                vals = V[level.dec_mover, klo + dk, :]
                probs[dk] = rule(vals, level.dec_offsets, level.dec_group)
            if level.chance_kids.size:
                probs[level.chance_kids] = chance_t[level.chance_cols]
        if fixed is not None and dk.size:
            preset = fixed[game.edge_action[klo + dk]]
            hit = ~np.isnan(preset)
            if hit.any():
                probs[dk[hit]] = preset[hit, None]
        edge[kids] = probs
        weighted = V[:, kids, :] * probs
        V[:, level.parents, :] = np.add.reduceat(weighted, level.offsets, axis=1)
        if own is not None:
            V[:, level.parents, :] += own[:, level.parents, :]
    reach = np.empty((game.n_nodes, c))
    reach[0] = 1.0
    for level in game.levels:
        kids = level.kids
        reach[kids] = reach[level.parents][level.kid_parent] * edge[kids]
    outcomes = game.outcome_probabilities(reach)
    strategies = None
    if keep_strategies:
        dec = np.flatnonzero(game.edge_action >= 0)
        strategies = np.empty((c, game.n_actions))
        strategies[:, game.edge_action[dec]] = edge[dec].T
    del edge
    return ChunkResult(
        payoffs=V[:, 0, :].T.copy(),
        outcomes=outcomes.T.copy(),
        strategies=strategies,
        reach=reach if keep_reach else None,
    )
