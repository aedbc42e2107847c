"""Run a per-chunk solver over a batch of draws and gather a :class:`Solution`.

Parameters are evaluated chunk by chunk, each chunk small enough for its
payoff arrays to fit a memory budget; the solver writes its results
straight into the rows of arrays allocated once for the whole batch. The
per-draw strategies can be dropped for very large batches (their mean is
always kept), which is what keeps a million draws of a 400-node tree in a
few GB.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalade.errors import ParameterError
from escalade.game import Game, GameValues
from escalade.scenario import Draws
from escalade.solvers._backward import ChunkResult, backward_forward
from escalade.solvers._forced import Fixed
from escalade.solvers._rules import ChoiceRule
from escalade.solvers._solution import Solution

__all__ = [
    "DEFAULT_BUDGET",
    "VALUES_BUDGET",
    "Batch",
    "chunk_bounds",
    "resolve_draws",
    "values_per_draw",
]

#: Working-array elements per chunk (float64), about 32 MB.
DEFAULT_BUDGET = 1 << 22

#: Elements of evaluated payoffs and results per chunk for the backward pass, about
#: 128 MB: evaluating payoff expressions pays Python's cost once per expression and
#: chunk, so larger chunks evaluate faster, and the pass itself works in small blocks.
VALUES_BUDGET = 1 << 24


def resolve_draws(game: Game, draws: Draws | int | None, seed: Any = None) -> Draws:
    """Draws to solve: given, sampled (an int), or the nominal values (None)."""
    if draws is None:
        return game.parameters.nominal()
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer | Draws):
        raise ParameterError(
            f"draws must be a number of draws or a Draws table, found {type(draws).__name__}"
        )
    if isinstance(draws, Draws):
        return draws
    return game.parameters.sample(int(draws), seed)


def values_per_draw(game: Game) -> int:
    """Numbers held per draw while a chunk is evaluated and solved in blocks.

    The evaluated payoffs and chance probabilities, plus the rows of the
    results; the backward pass itself works on cache-sized blocks whose
    size does not depend on the chunk.
    """
    return (
        game.n_outcomes * (game.n_players + 1)
        + game.n_chance_edges
        + game.n_actions
        + game.n_players
    )


def chunk_bounds(
    n: int, per_draw: int, chunk_size: int | None, budget: int = DEFAULT_BUDGET
) -> Iterator[slice]:
    """Slices of at most ``chunk_size`` draws (default: ``budget // per_draw``)."""
    if chunk_size is None:
        chunk_size = max(64, budget // max(per_draw, 1))
    if chunk_size < 1:
        raise ParameterError(f"chunk_size must be at least 1, found {chunk_size}")
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))


@dataclass(frozen=True)
class Batch:
    """The draws a solver works through, and how: what it keeps, chunk sizes, progress.

    Every batched solver runs through one: :meth:`run` evaluates and solves
    chunk by chunk into a :class:`Solution`, :meth:`perfect_information`
    does so with one backward and forward pass per chunk.

    Attributes
    ----------
    game : Game
    draws : Draws
    keep_strategies : bool
        Keep per-draw strategies (their mean is always kept).
    chunk_size : int, optional
        Draws per chunk (default: as many as the memory budget allows).
    progress : callable, optional
        ``progress(done, total)`` after each chunk.
    """

    game: Game
    draws: Draws
    keep_strategies: bool = True
    chunk_size: int | None = None
    progress: Callable[[int, int], None] | None = None

    def run(
        self,
        solve_chunk: Callable[[GameValues, slice, ChunkResult], ChunkResult],
        *,
        method: str,
        lam: float | None,
        per_draw: int,
        budget: int = DEFAULT_BUDGET,
    ) -> Solution:
        """Evaluate and solve chunk by chunk into one :class:`Solution`.

        ``solve_chunk(values, part, dest)`` solves the draws ``part``; ``dest``
        holds the rows of the result arrays for those draws, which the solver
        may fill in place (and return) rather than allocate its own. The
        diagnostics record the total time and the part spent evaluating
        payoffs (``seconds``, ``evaluate_seconds``).
        """
        game, draws = self.game, self.draws
        n = draws.n_draws
        started = time.perf_counter()
        payoffs = np.empty((n, game.n_players))
        outcomes = np.empty((n, game.n_outcomes))
        strategies = np.empty((n, game.n_actions)) if self.keep_strategies else None
        # Touch the result arrays once, in order: faulting their pages in from inside the
        # solver, a few at a time, is slower and flushes the solver's working set from cache.
        for result_array in (payoffs, outcomes, strategies):
            if result_array is not None:
                result_array.fill(0.0)
        strategy_sum = np.zeros(game.n_actions)
        evaluating = 0.0
        for part in chunk_bounds(n, per_draw, self.chunk_size, budget):
            t0 = time.perf_counter()
            values = game.evaluate(draws.take(part))
            evaluating += time.perf_counter() - t0
            dest = ChunkResult(
                payoffs=payoffs[part],
                outcomes=outcomes[part],
                strategies=None if strategies is None else strategies[part],
                reach=None,
            )
            result = solve_chunk(values, part, dest)
            if result.payoffs is not dest.payoffs:
                payoffs[part] = result.payoffs
            if result.outcomes is not dest.outcomes:
                outcomes[part] = result.outcomes
            if result.strategy_sum is not None:
                strategy_sum += result.strategy_sum
            elif result.strategies is not None:
                strategy_sum += result.strategies.sum(axis=0)
            if (
                strategies is not None
                and result.strategies is not None
                and result.strategies is not dest.strategies
            ):
                strategies[part] = result.strategies
            if self.progress is not None:
                self.progress(part.stop, n)
        return Solution(
            game=game,
            method=method,
            lam=lam,
            draws=draws,
            payoffs=payoffs,
            outcomes=outcomes,
            strategy_mean=strategy_sum / max(n, 1),
            strategies=strategies,
            diagnostics={
                "seconds": time.perf_counter() - started,
                "evaluate_seconds": evaluating,
            },
        )

    def perfect_information(
        self, rule: ChoiceRule, *, method: str, lam: float | None, fixed: Fixed | None
    ) -> Solution:
        """One backward and forward pass per chunk (SPE, or QRE with perfect information).

        ``rule`` is for the whole batch (``rule.restrict(part)`` for a chunk);
        every draw converges, the pass being exact.
        """
        game = self.game
        sol = self.run(
            lambda values, part, dest: backward_forward(
                game,
                values,
                rule.restrict(part),
                keep_strategies=self.keep_strategies,
                fixed=fixed,
                out=dest,
            ),
            method=method,
            lam=lam,
            per_draw=values_per_draw(game),
            budget=VALUES_BUDGET,
        )
        sol.converged = np.ones(self.draws.n_draws, dtype=bool)
        return sol
