"""Peak memory of a million draws of a 400-node tree, solved in one call.

The scenario is written to a YAML file (a random 400-node tree whose
payoffs are linear expressions of four uncertain parameters, with chance
probabilities depending on two more), loaded and solved by logit QRE in
a child process, keeping per-draw payoffs and outcome probabilities and
only the mean of the strategies (``keep_strategies=False``). The peak is
the child's maximum resident set size as the parent reads it
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``), so it counts Python, numpy,
the draws, the evaluated payoffs and the solution. That figure can only
overstate: it also counts the parent's pages the child shared between
fork and exec, which is why ``run.py`` runs this benchmark first. The
child's own high-water mark after exec (``VmHWM``) is shown beside it.
"""

from __future__ import annotations

import resource
import tempfile
from pathlib import Path

from benchmarks._common import Ratio, Report, run_child
from benchmarks._trees import random_tree_yaml

__all__ = ["LIMIT_BYTES", "run"]

#: The memory the solve must stay under.
LIMIT_BYTES = 4 * 1024**3

CHILD = """
import json, resource, sys, time
import numpy as np
import escalade
path, n, lam = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
start, cpu = time.perf_counter(), time.process_time()
sol = escalade.solve(path, method="qre", lam=lam, draws=n, seed=0, keep_strategies=False)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({
    "wall": wall, "cpu": cpu, "n_draws": sol.n_draws, "n_nodes": sol.game.n_nodes,
    "n_outcomes": sol.game.n_outcomes, "evaluate": sol.diagnostics["evaluate_seconds"],
    "worst_sum": float(np.abs(sol.outcomes.sum(axis=1) - 1.0).max()),
    "hwm_kb": hwm_kb(),
}))
"""


def run(*, quick: bool = False, lam: float = 2.0) -> Report:
    """Solve 10^6 draws of a generated 400-node scenario in a child and read its peak RSS.

    Parameters
    ----------
    quick : bool
        Tiny sizes, for the smoke test.
    lam : float
        Logit precision.
    """
    n_nodes, n_draws = (60, 5_000) if quick else (400, 1_000_000)
    report = Report(f"Memory: {n_draws:,} draws of a {n_nodes}-node scenario, logit QRE")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"random-{n_nodes}.yaml"
        path.write_text(random_tree_yaml(n_nodes, seed=0))
        failure = "the solve in the child process failed"
        facts = run_child(CHILD, path, n_draws, lam, failure=failure)
    # ru_maxrss is in KB on Linux: the largest of this process's finished children
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    outcomes_bytes = 8 * facts["n_draws"] * facts["n_outcomes"]
    report.add("scenario", f"{facts['n_nodes']} nodes, {facts['n_outcomes']} outcomes")
    report.add("peak resident memory (child)", f"{peak / 1024**3:.2f} GB")
    report.add("child's own high-water mark", f"{facts['hwm_kb'] / 1024**2:.2f} GB")
    report.add("of which outcome probabilities", f"{outcomes_bytes / 1024**3:.2f} GB")
    report.add(
        "time",
        f"{facts['wall']:.1f} s wall, {facts['cpu']:.1f} s CPU "
        f"({facts['evaluate']:.1f} s evaluating payoffs)",
    )
    report.add("largest |sum of outcome probabilities - 1|", f"{facts['worst_sum']:.1e}")
    report.ratios.append(Ratio("peak memory / 4 GB", peak / LIMIT_BYTES, 1.0, False, unit=""))
    return report
