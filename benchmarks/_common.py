"""What every benchmark shares: timing, the numpy anchor, child processes, the report format.

Times are CPU seconds of the process (``time.process_time``), the best of
a few repeats: the machines running the benchmarks are small and shared,
and wall-clock time mostly measures the neighbours. numpy and pygambit
run on one thread here, so CPU time is the time of the computation.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escalade.game import Game, GameValues
from escalade.scenario import Draws

__all__ = ["Ratio", "Report", "add_anchor", "best_time", "replay", "run_child", "si"]


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


def replay(game: Game, draws: Draws, values: GameValues) -> Game:
    """``game`` whose evaluation hands out the rows of precomputed ``values``.

    ``values`` must be ``game.evaluate(draws)``; the solvers evaluate
    slices of ``draws`` chunk by chunk, and each slice is answered with
    the same rows of ``values``. This lets a benchmark time the solver
    alone, without the cost of evaluating the payoff expressions.
    """
    name = next(k for k in draws if np.ndim(draws[k]) and draws[k].strides[0])
    base = draws[name]

    def evaluate(part: Draws, *_: Any) -> GameValues:
        column = part[name]
        if column.base is not base and column is not base:
            raise ValueError("replay() answers slices of the draws it was given only")
        offset = column.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        lo = offset // base.strides[0]
        hi = lo + part.n_draws
        return GameValues(values.payoffs[lo:hi], values.chance[lo:hi])

    return dataclasses.replace(game, evaluator=evaluate)


# Put before every child script: its own memory high-water mark after exec.
_HWM = """
def hwm_kb():
    with open("/proc/self/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def run_child(script: str, *args: object, failure: str) -> dict[str, Any]:
    """Run ``script`` in a fresh Python process with ``args``; the JSON object it printed last.

    The script can call ``hwm_kb()``: its own memory high-water mark
    (``VmHWM``, in kB). A child that fails raises ``RuntimeError``, headed
    by ``failure``, with the child's stderr.
    """
    done = subprocess.run(
        [sys.executable, "-c", _HWM + script, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{failure}:\n{done.stderr}")
    facts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return facts


def si(x: float, unit: str = "") -> str:
    """A number with an SI prefix: ``si(2.5e-9, 's') == '2.50 ns'``."""
    for scale, prefix in [(1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ")]:
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    return f"{x * 1e9:.3g} n{unit}"
