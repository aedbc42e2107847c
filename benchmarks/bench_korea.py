"""The Korea 2017 analysis at full size: 100,000 runs x 10 years x 7 policies.

``escalade analyze korea-2017 --runs 100000`` is run in a child process
(the command ``make demo`` runs); its wall time is compared with the 60 s
budget, and its own memory high-water mark (``VmHWM``) shows that memory
stays flat (runs are simulated 25,000 at a time).
"""

from __future__ import annotations

import tempfile

from benchmarks._common import Ratio, Report, run_child

__all__ = ["BUDGET_SECONDS", "run"]

#: Wall-clock budget of the full analysis on a 2-core machine.
BUDGET_SECONDS = 60.0

CHILD = """
import json, sys, time
import escalade
out, runs = sys.argv[1], int(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
cmp = escalade.analyze("korea-2017", runs=runs, seed=1, out=out)
print(json.dumps({
    "wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
    "policies": len(cmp.results), "periods": next(iter(cmp.results.values())).periods,
    "hwm_kb": hwm_kb(),
}))
"""


def run(*, quick: bool = False) -> Report:
    """Time the full analysis (or 2,000 runs with ``quick``) in a child process."""
    runs = 2_000 if quick else 100_000
    report = Report(f"Korea analysis: {runs:,} runs x 10 years x 7 policies")
    with tempfile.TemporaryDirectory() as tmp:
        facts = run_child(CHILD, tmp, runs, failure="the analysis failed")
    report.add("wall time", f"{facts['wall']:.1f} s ({facts['cpu']:.1f} s CPU)")
    report.add("simulated run-years", f"{runs * facts['periods'] * facts['policies']:,}")
    report.add("peak memory of the child", f"{facts['hwm_kb'] / 1024:.0f} MB")
    scale = 1.0 if not quick else 100_000 / runs
    report.ratios.append(
        Ratio(
            "korea_analyze_seconds",
            facts["wall"] * scale,
            BUDGET_SECONDS,
            higher_is_better=False,
            unit=" s",
        )
    )
    return report
