"""One backward and one forward pass over a perfect-information tree, batched.

Both subgame-perfect equilibrium (backward induction) and the logit agent
QRE of a perfect-information game are a single backward pass: at each
decision node the mover's choice probabilities depend only on the values
of its children, which are already known. They differ only in the choice
rule (best response with ties split, or logit). Chance nodes use their
probabilities. A forward pass then gives the probability of reaching
every node, hence of every outcome.

Draws stay on the last axis; the batch is cut into cache-sized blocks and
each depth costs a few elementwise numpy operations over all its nodes
(the layout is described in :mod:`escalade.solvers._slots`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escalade.game import Game, GameValues
from escalade.solvers import _slots
from escalade.solvers._rules import (
    BestResponse,
    ChoiceRule,
    LogitRule,
    best_response_rule,
    logit_rule,
)

__all__ = [
    "BestResponse",
    "ChoiceRule",
    "ChunkResult",
    "LogitRule",
    "backward_forward",
    "best_response_rule",
    "logit_rule",
    "terminal_payoffs",
]

FloatArray = NDArray[np.float64]


@dataclass
class ChunkResult:
    """What one pass gives for a chunk of draws (draws on the first axis).

    ``strategy_sum`` is the sum over the chunk's draws of the action
    probabilities; solvers that only give ``strategies`` leave it None.
    """

    payoffs: FloatArray  # (c, n_players)
    outcomes: FloatArray  # (c, n_outcomes)
    strategies: FloatArray | None  # (c, n_actions)
    reach: FloatArray | None  # (n_nodes, c) node probabilities, draws last
    strategy_sum: FloatArray | None = None  # (n_actions,)


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
    out: ChunkResult | None = None,
) -> ChunkResult:
    """Solve a perfect-information game for a chunk of draws.

    Parameters
    ----------
    game : Game
        Must have perfect information (every information set one node).
    values : GameValues
        Payoffs and chance probabilities of the chunk.
    rule : ChoiceRule
        :data:`best_response_rule` (SPE) or :func:`logit_rule` (QRE).
    keep_strategies, keep_reach : bool
        Whether to return per-draw action and node probabilities.
    fixed : ndarray of shape (n_actions,), optional
        Probabilities fixed in advance (NaN where the choice is free).
    out : ChunkResult, optional
        Arrays to write ``payoffs``, ``outcomes`` and (when kept)
        ``strategies`` into, e.g. the rows of a larger result, which saves
        a copy.

    Returns
    -------
    ChunkResult
        With ``strategy_sum`` always set.

    Examples
    --------
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> g = build_game(load_scenario("iig"))
    >>> r = backward_forward(g, g.nominal_values(), logit_rule(0.0))
    >>> float(r.outcomes[0, g.outcomes.index("SQ")])
    0.25
    """
    plan = _slots.plan_of(game)
    c = values.n_draws
    if out is None:
        payoffs = np.empty((c, game.n_players))
        outcomes = np.empty((c, game.n_outcomes))
        strategies = np.empty((c, game.n_actions)) if keep_strategies else None
    else:
        if out.payoffs.shape[0] != c or out.outcomes.shape[0] != c:
            raise ValueError(
                f"out holds {out.payoffs.shape[0]} draws but the values {c}: "
                "the evaluator returned a different number of draws than asked"
            )
        payoffs, outcomes = out.payoffs, out.outcomes
        strategies = out.strategies if keep_strategies else None
        if strategies is None and keep_strategies:
            strategies = np.empty((c, game.n_actions))
    strategy_sum = np.zeros(game.n_actions)
    reach = np.empty((game.n_nodes, c)) if keep_reach else None
    preset = _slots.presets(plan, fixed)
    size = _slots.block_size(game, c)
    for start in range(0, c, size):
        part = slice(start, min(start + size, c))
        buf = _slots.buffers(game, plan, part.stop - part.start)
        _slots.backward_block(
            plan, buf, values.payoffs[part], values.chance[part], rule.restrict(part), preset
        )
        edge = buf.edge
        # only the action rows: the others (the root's) may hold anything before the forward pass
        chosen = np.take(edge, plan.action_rows, axis=0, out=buf.chosen, mode="clip")
        if strategies is not None:
            np.copyto(strategies[part], chosen.T)
        strategy_sum += chosen.sum(axis=1)
        _slots.forward_block(plan, buf)
        np.copyto(payoffs[part], buf.V[:, 0].T)
        reached = np.take(edge, plan.outcome_slots[0], axis=0, out=buf.reached, mode="clip")
        for rows in plan.outcome_slots[1:]:
            reached += edge[rows]
        np.copyto(outcomes[part], reached.T)
        if reach is not None:
            reach[:, part] = edge[plan.row]
    return ChunkResult(
        payoffs=payoffs,
        outcomes=outcomes,
        strategies=strategies,
        reach=reach,
        strategy_sum=strategy_sum,
    )
