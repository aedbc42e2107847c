"""What every benchmark shares: timing, the numpy anchor, and the report format.

Times are CPU seconds of the process (``time.process_time``), the best of
a few repeats: the machines running the benchmarks are small and shared,
and wall-clock time mostly measures the neighbours. numpy and pygambit
run on one thread here, so CPU time is the time of the computation.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escalade.game import Game, GameValues

__all__ = ["Ratio", "Report", "add_anchor", "best_time", "replay", "si"]


@dataclass(frozen=True)
class Ratio:
    """One target: a measured ratio and whether it meets the bound."""

    name: str
    value: float
    target: float
    higher_is_better: bool
    unit: str = "x"

    @property
    def met(self) -> bool:
        """Whether the ratio is on the right side of its target."""
        if self.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target

    def line(self) -> str:
        """The ``ratio:`` line printed by ``run.py``."""
        bound = ">=" if self.higher_is_better else "<="
        verdict = "met" if self.met else "MISSED"
        return (
            f"ratio: {self.name} = {self.value:.3g}{self.unit} "
            f"(target {bound} {self.target:g}{self.unit}: {verdict})"
        )


@dataclass
class Report:
    """Rows of (what, figure) and the ratios of one benchmark."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)

    def add(self, what: str, figure: str) -> None:
        """Append a row to the table."""
        self.rows.append((what, figure))


def best_time(fn: Callable[[], Any], repeats: int = 3) -> float:
    """Fewest CPU seconds of ``repeats`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def add_anchor(n_rows: int, n_cols: int, repeats: int = 5) -> float:
    """CPU seconds per element of ``np.add(a, b, out=c)`` on (n_rows, n_cols) float64 arrays.

    The anchor of the pass benchmarks: "one numpy add per node per draw".
    The output array is touched once before timing, as the solvers' own
    working arrays are.
    """
    rng = np.random.default_rng(0)
    a = rng.random((n_rows, n_cols))
    b = rng.random((n_rows, n_cols))
    c = np.empty_like(a)
    np.add(a, b, out=c)
    seconds = best_time(lambda: np.add(a, b, out=c), repeats)
    return seconds / (n_rows * n_cols)


def replay(game: Game, values: GameValues) -> Game:
    """``game`` whose evaluation hands out slices of precomputed ``values``, in order.

    Solvers evaluate their draws chunk by chunk, in order; this lets a
    benchmark time the solver alone, without the cost of evaluating the
    payoff expressions.
    """
    state = {"at": 0}
    total = values.n_draws

    def evaluate(draws: Any, *_: Any) -> GameValues:
        lo = state["at"]
        hi = lo + draws.n_draws
        state["at"] = hi % total
        return GameValues(values.payoffs[lo:hi], values.chance[lo:hi])

    return dataclasses.replace(game, evaluator=evaluate)


def si(x: float, unit: str = "") -> str:
    """A number with an SI prefix: ``si(2.5e-9, 's') == '2.50 ns'``."""
    for scale, prefix in [(1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ")]:
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    return f"{x * 1e9:.3g} n{unit}"
