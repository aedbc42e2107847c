"""Solve a batch whose payoffs are already computed (state-dependent stage games).

A simulation evaluates each period's payoffs from the state of every run
and then needs the equilibrium of that batch of stage games; this entry
point skips the evaluation from parameter draws.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError
from escalade.game import Game, GameValues
from escalade.solvers._backward import backward_forward, best_response_rule, logit_rule
from escalade.solvers._logit_trace import Tracer
from escalade.solvers._spe import check_perfect_information

__all__ = ["StageSolution", "solve_values"]

FloatArray = NDArray[np.float64]


class StageSolution:
    """Payoffs and outcome probabilities of a batch of stage games (draws first).

    ``strategies`` (n_draws, n_actions) holds the behaviour strategies when
    they were asked for (``keep_strategies=True``), else None.
    """

    def __init__(
        self,
        payoffs: FloatArray,
        outcomes: FloatArray,
        converged: NDArray[np.bool_],
        strategies: FloatArray | None = None,
    ) -> None:
        self.payoffs = payoffs
        self.outcomes = outcomes
        self.converged = converged
        self.strategies = strategies


def solve_values(
    game: Game,
    values: GameValues,
    *,
    method: str = "qre",
    lam: float | FloatArray = 1.0,
    fixed: FloatArray | None = None,
    keep_strategies: bool = False,
) -> StageSolution:
    """Equilibrium outcome probabilities and payoffs for given game values.

    Parameters
    ----------
    game : Game
    values : GameValues
        Payoffs and chance probabilities, ``n_draws`` of them.
    method : {"qre", "spe"}
    lam : float or ndarray of shape (n_draws,)
        Logit precision (``inf`` for the limit).
    fixed : ndarray of shape (n_actions,), optional
        Probabilities fixed in advance (see :func:`resolve_fixed`), NaN where free.
    keep_strategies : bool
        Also return the behaviour strategies (a simulation needs only the
        outcome probabilities and skips them).

    Returns
    -------
    StageSolution
        ``payoffs`` (n_draws, n_players), ``outcomes`` (n_draws, n_outcomes),
        ``converged`` (n_draws,), and ``strategies`` (n_draws, n_actions) when kept.

    Notes
    -----
    A game with information sets is traced at one lambda at a time: draws
    with different precisions are solved in groups of equal precision.

    Examples
    --------
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> g = build_game(load_scenario("iig"))
    >>> s = solve_values(g, g.nominal_values(), lam=0.0)
    >>> float(s.outcomes[0, 0])
    0.25
    """
    n = values.n_draws
    if method == "spe":
        check_perfect_information(game)
    if method not in ("spe", "qre"):
        raise ParameterError(f"stage games are solved by qre or spe, not {method!r}")
    if game.is_perfect_information:
        rule = best_response_rule if method == "spe" else logit_rule(lam)
        r = backward_forward(game, values, rule, keep_strategies=keep_strategies, fixed=fixed)
        return StageSolution(r.payoffs, r.outcomes, np.ones(n, dtype=bool), r.strategies)
    lam_arr = np.broadcast_to(np.asarray(lam, dtype=np.float64), (n,))
    tracer = Tracer(game, fixed=fixed)
    levels, which = np.unique(lam_arr, return_inverse=True)
    if levels.size == 1:
        return _traced(game, tracer, values, float(levels[0]), keep_strategies)
    payoffs = np.empty((n, game.n_players))
    outcomes = np.empty((n, game.n_outcomes))
    converged = np.empty(n, dtype=bool)
    strategies = np.empty((n, game.n_actions)) if keep_strategies else None
    for k, level in enumerate(levels):
        rows = np.flatnonzero(which == k)
        part = GameValues(values.payoffs[rows], values.chance[rows])
        sol = _traced(game, tracer, part, float(level), keep_strategies)
        payoffs[rows], outcomes[rows], converged[rows] = sol.payoffs, sol.outcomes, sol.converged
        if strategies is not None and sol.strategies is not None:
            strategies[rows] = sol.strategies
    return StageSolution(payoffs, outcomes, converged, strategies)


def _traced(
    game: Game, tracer: Tracer, values: GameValues, lam: float, keep_strategies: bool
) -> StageSolution:
    tr = tracer.trace(values, lam)
    return StageSolution(
        tr.payoffs,
        game.outcome_probabilities(tr.reach).T,
        tr.converged,
        np.exp(tr.z) if keep_strategies else None,
    )
