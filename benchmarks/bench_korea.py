"""The Korea 2017 analysis at full size: 100,000 runs x 10 years x every policy (8).

In a child process:

- the scenario's policies are simulated on one core with myopic actors, then
  with full foresight (the default: exact values where the reachable
  states are few, fitted values otherwise, computed once per policy); the
  ratio of their CPU times is the cost of foresight (target 3x at most);
- ``escalade analyze korea-2017 --runs 100000`` (the nominal half of what
  ``make demo`` runs, at five times its runs), full foresight with the
  policies spread over the machine's cores, is
  timed on the wall clock against its budget (20 s), and its own memory
  high-water mark (``VmHWM``) shows that memory stays flat (runs are
  simulated 25,000 at a time).
"""

from __future__ import annotations

import tempfile

from benchmarks._common import Ratio, Report, run_child

__all__ = ["BUDGET_SECONDS", "FORESIGHT_RATIO", "run"]

#: Wall-clock budget of the full analysis (full foresight, every core) on a 2-core machine.
BUDGET_SECONDS = 20.0
#: Most CPU time full foresight may take, as a multiple of myopic actors'.
FORESIGHT_RATIO = 3.0

CHILD = """
import json, sys, time
import escalade
from escalade.analysis import compare_policies
out, runs = sys.argv[1], int(sys.argv[2])
korea = escalade.load("korea-2017")
cpu = {}
for mode in ("myopic", "full"):
    start = time.process_time()
    cmp = compare_policies(korea, runs=runs, seed=1, foresight=mode, workers=1)
    cpu[mode] = time.process_time() - start
methods = {p: r.foresight.method for p, r in cmp.results.items()}
start, clock = time.perf_counter(), time.process_time()
cmp = escalade.analyze("korea-2017", runs=runs, seed=1, out=out)
print(json.dumps({
    "wall": time.perf_counter() - start, "cpu": time.process_time() - clock,
    "myopic_cpu": cpu["myopic"], "full_cpu": cpu["full"], "methods": methods,
    "policies": len(cmp.results), "periods": next(iter(cmp.results.values())).periods,
    "hwm_kb": hwm_kb(),
}))
"""


def run(*, quick: bool = False) -> Report:
    """Time the full analysis (or 2,000 runs with ``quick``) in a child process."""
    runs = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        facts = run_child(CHILD, tmp, runs, failure="the analysis failed")
    report = Report(
        f"Korea analysis: {runs:,} runs x {facts['periods']} years x {facts['policies']} policies"
    )
    exact = sorted(p for p, m in facts["methods"].items() if m == "exact")
    fitted = sorted(p for p, m in facts["methods"].items() if m == "approximate")
    report.add("one core, myopic actors", f"{facts['myopic_cpu']:.1f} s CPU")
    report.add(
        "one core, full foresight",
        f"{facts['full_cpu']:.1f} s CPU (exact values: {', '.join(exact) or 'none'}; "
        f"fitted: {', '.join(fitted) or 'none'})",
    )
    report.add(
        "analyze, full foresight, every core",
        f"{facts['wall']:.1f} s wall ({facts['cpu']:.1f} s CPU in the parent)",
    )
    report.add("simulated run-years", f"{runs * facts['periods'] * facts['policies']:,}")
    report.add("peak memory of the child", f"{facts['hwm_kb'] / 1024:.0f} MB")
    scale = 1.0 if not quick else 100_000 / runs
    report.ratios.append(
        Ratio(
            "korea_foresight_cost",
            facts["full_cpu"] / facts["myopic_cpu"],
            FORESIGHT_RATIO,
            higher_is_better=False,
        )
    )
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
