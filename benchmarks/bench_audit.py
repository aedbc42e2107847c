"""The audit of korea-2017 with myopic actors, against a one-minute budget.

``escalade audit korea-2017 --foresight myopic`` (64 sampled worlds x 16
runs, seed 1; with the scenario's forward-looking actors every world and
variant needs its own values, hours here: docs/korea.md) runs
in a child process, as a user would run it; its wall time is compared
with the 60 s budget. The rows say how many crises it simulated, what it
found and the detection threshold it stated, so that a faster audit that
found less, or stated a looser threshold, shows.
"""

from __future__ import annotations

from benchmarks._common import Ratio, Report, run_child

__all__ = ["BUDGET_SECONDS", "run"]

#: Wall-clock budget of ``escalade audit korea-2017 --foresight myopic`` on a 2-core machine.
BUDGET_SECONDS = 60.0

CHILD = """
import json, sys, time
start, cpu = time.perf_counter(), time.process_time()
import escalade
samples, replications = int(sys.argv[1]), int(sys.argv[2])
result = escalade.audit(
    "korea-2017", samples=samples, replications=replications, seed=1, foresight="myopic"
)
counts = result.to_dict()["counts"]
print(json.dumps({
    "wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
    "runs": result.settings["simulated_runs"], "errors": counts["error"],
    "warnings": counts["warning"], "threshold": result.threshold.describe(),
    "hwm_kb": hwm_kb(),
}))
"""


def run(*, quick: bool = False) -> Report:
    """Time the audit with its defaults (or 8 worlds x 4 runs with ``quick``)."""
    samples, replications = (8, 4) if quick else (64, 16)
    report = Report(f"Audit of korea-2017: {samples} worlds x {replications} runs, seed 1")
    facts = run_child(CHILD, samples, replications, failure="the audit failed")
    report.add("wall time", f"{facts['wall']:.1f} s ({facts['cpu']:.1f} s CPU)")
    report.add("simulated crises (10 years each)", f"{facts['runs']:,}")
    report.add("findings", f"{facts['errors']} errors, {facts['warnings']} warnings")
    report.add("threshold", facts["threshold"])
    report.add("peak memory of the child", f"{facts['hwm_kb'] / 1024:.0f} MB")
    report.ratios.append(
        Ratio(
            "korea_audit_seconds", facts["wall"], BUDGET_SECONDS, higher_is_better=False, unit=" s"
        )
    )
    return report
