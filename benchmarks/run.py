"""Run every benchmark; print a table and one ``ratio:`` line per target.

Each benchmark measures its anchor in the same run, so the ratios carry
over from one machine to another better than the raw figures do. Times
are CPU seconds of this process, the best of a few repeats (see
``benchmarks/_common.py``).

Usage: ``python benchmarks/run.py [--quick] [--only NAME ...] [--strict]``
(``make bench`` runs it in full, in a few minutes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import (
    bench_audit,
    bench_estimation,
    bench_explore_memory,
    bench_explore_vs_ema,
    bench_foresight,
    bench_korea,
    bench_memory,
    bench_passes,
    bench_qre_iig,
    bench_startup,
    bench_whatif,
)
from benchmarks._common import Ratio, Report

# memory first: its child process is forked while this one is still small
BENCHMARKS = {
    "memory": bench_memory.run,
    "startup": bench_startup.run,
    "qre_iig": bench_qre_iig.run,
    "passes": bench_passes.run,
    "korea": bench_korea.run,
    "foresight": bench_foresight.run,
    "audit": bench_audit.run,
    "explore_memory": bench_explore_memory.run,
    "explore_vs_ema": bench_explore_vs_ema.run,
    "whatif": bench_whatif.run,
    "estimation": bench_estimation.run,
}


def print_report(report: Report, seconds: float) -> None:
    """One benchmark's table."""
    print(f"\n== {report.title}  ({seconds:.0f} s)")
    width = max((len(what) for what, _ in report.rows), default=0)
    for what, figure in report.rows:
        print(f"  {what.ljust(width)}  {figure}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks named (default: all); exit 1 with --strict if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="benchmarks to run")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    ratios: list[Ratio] = []
    for name in args.only or BENCHMARKS:
        start = time.perf_counter()
        report = BENCHMARKS[name](quick=args.quick)
        print_report(report, time.perf_counter() - start)
        ratios.extend(report.ratios)
    print()
    for ratio in ratios:
        print(ratio.line())
    return 1 if args.strict and not all(r.met for r in ratios) else 0


if __name__ == "__main__":
    sys.exit(main())
