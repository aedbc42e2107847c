"""A million experiments streamed to disk: peak memory of ``escalade explore``.

korea-2017 is explored over 125,000 sampled worlds x 8 policies (one
simulated run each): 10^6 experiments, written chunk by chunk to Parquet.
The actors are myopic: what is measured is the streaming, and with
forward-looking actors every world costs its own continuation values
(about 0.35 s of CPU for the eight policies: half a day for these
worlds).
The exploration runs in a child process; its own memory high-water mark
(``VmHWM``) must stay under 2 GB whatever the number of experiments,
since each chunk is written and dropped before the next.
"""

from __future__ import annotations

import tempfile

from benchmarks._common import Ratio, Report, run_child

__all__ = ["LIMIT_BYTES", "run"]

#: The memory the exploration must stay under.
LIMIT_BYTES = 2 * 1024**3

CHILD = """
import json, sys, time
import escalade
out, samples = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
res = escalade.explore(
    "korea-2017", samples=samples, seed=7, out=out, replications=1, foresight="myopic"
)
rows = len(res.to_frame(["utility:USA"]))
print(json.dumps({
    "wall": time.perf_counter() - start, "rows": rows,
    "chunks": res.store.manifest.design.n_chunks,
    "hwm_kb": hwm_kb(),
}))
"""


def run(*, quick: bool = False) -> Report:
    """Explore 10^6 experiments (40 with ``quick``) in a child and read its peak memory."""
    import escalade

    policies = len(escalade.load("korea-2017").policies)
    samples = 5 if quick else -(-1_000_000 // policies)
    report = Report(
        f"Exploration memory: {samples * policies:,} experiments streamed to Parquet "
        "(myopic actors)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        facts = run_child(CHILD, f"{tmp}/run", samples, failure="the exploration failed")
    peak = facts["hwm_kb"] * 1024
    report.add("experiments stored", f"{facts['rows']:,} in {facts['chunks']} chunks")
    report.add("wall time", f"{facts['wall']:.0f} s")
    report.add("peak memory of the child", f"{peak / 1024**3:.2f} GB")
    report.ratios.append(
        Ratio(
            "explore_1e6_peak_memory",
            peak / 1024**3,
            LIMIT_BYTES / 1024**3,
            higher_is_better=False,
            unit=" GB",
        )
    )
    return report
