"""Run a per-chunk solver over a batch of draws and gather a :class:`Solution`.

Solvers work on chunks of draws small enough for their working arrays to
fit a memory budget; results land in arrays allocated once. The per-draw
strategies can be dropped for very large batches (their mean is always
kept), which is what keeps a million draws of a 400-node tree in a few GB.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from escalade.errors import ParameterError
from escalade.game import Game, GameValues
from escalade.scenario import Draws
from escalade.solvers._backward import ChunkResult
from escalade.solvers._solution import Solution

__all__ = ["DEFAULT_BUDGET", "chunk_bounds", "resolve_draws", "run_chunks"]

#: Working-array elements per chunk (float64), about 32 MB.
DEFAULT_BUDGET = 1 << 22


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


def chunk_bounds(n: int, per_draw: int, chunk_size: int | None) -> Iterator[slice]:
    """Slices of at most ``chunk_size`` draws (default: from the memory budget)."""
    if chunk_size is None:
        chunk_size = max(64, DEFAULT_BUDGET // max(per_draw, 1))
    if chunk_size < 1:
        raise ParameterError(f"chunk_size must be at least 1, found {chunk_size}")
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))


def run_chunks(
    game: Game,
    draws: Draws,
    solve_chunk: Callable[[GameValues, slice], ChunkResult],
    *,
    method: str,
    lam: float | None,
    keep_strategies: bool,
    per_draw: int,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Solution, list[ChunkResult]]:
    """Evaluate and solve chunk by chunk; returns the solution and the raw chunks' extras."""
    n = draws.n_draws
    started = time.perf_counter()
    payoffs = np.empty((n, game.n_players))
    outcomes = np.empty((n, game.n_outcomes))
    strategies = np.empty((n, game.n_actions)) if keep_strategies else None
    strategy_sum = np.zeros(game.n_actions)
    extras: list[ChunkResult] = []
    done = 0
    for part in chunk_bounds(n, per_draw, chunk_size):
        values = game.evaluate(draws.take(part))
        result = solve_chunk(values, part)
        payoffs[part] = result.payoffs
        outcomes[part] = result.outcomes
        if result.strategies is not None:
            strategy_sum += result.strategies.sum(axis=0)
            if strategies is not None:
                strategies[part] = result.strategies
        result.strategies = None
        extras.append(result)
        done = part.stop
        if progress is not None:
            progress(done, n)
    solution = Solution(
        game=game,
        method=method,
        lam=lam,
        draws=draws,
        payoffs=payoffs,
        outcomes=outcomes,
        strategy_mean=strategy_sum / max(n, 1),
        strategies=strategies,
        diagnostics={"seconds": time.perf_counter() - started},
    )
    return solution, extras
