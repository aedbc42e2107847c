"""``escalade runs`` and ``escalade report``: the exploration runs kept in run folders."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, FromLibrary, default_of, is_stdout, out

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade runs`` and ``escalade report``."""
    p = commands.add_parser(
        "runs",
        help="list exploration runs",
        description="List the exploration runs under a folder: scenario, design, size, "
        "chunks done and rows stored (counted with DuckDB).",
    )
    p.add_argument(
        "root",
        metavar="ROOT",
        nargs="?",
        library_default=FromLibrary("escalade.exploration", "list_runs", "root"),
        help="folder holding run folders",
    )
    p.set_defaults(run=run_runs)

    p = commands.add_parser(
        "report",
        help="write the HTML report of an exploration run",
        description="Analyse an exploration run and write a self-contained report.html into "
        "its folder (or to -o FILE); when the scenario has expectations:, the page says what "
        "the explored worlds show about each claim.",
    )
    p.add_argument("path", metavar="FOLDER", help="an exploration run folder")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here instead of FOLDER/report.html: a regular file or a new name (-o - "
        "or -o /dev/stdout: standard output)",
    )
    p.set_defaults(run=run_report)


def run_runs(args: argparse.Namespace) -> int:
    """Print one line per run folder."""
    from escalade.exploration import list_runs

    root = args.root if args.root is not None else default_of(list_runs, "root")
    table = list_runs(root)
    if table.empty:
        out(f"no exploration runs under {root}")
        return EXIT_OK
    damaged = table[table["status"] == "damaged"]
    out(table.drop(columns=["problem"]).to_string(index=False))
    for _, row in damaged.iterrows():
        sys.stderr.write(f"escalade: {row['run']}: damaged run folder ({row['problem']})\n")
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    """Write the run's report."""
    from escalade import open_run
    from escalade.report import write_exploration_report

    result = open_run(args.path)
    result.store.check_complete()
    verification = None
    if result.scenario.expectations:
        from escalade.auditing import verify_exploration

        verification = verify_exploration(
            result.to_frame(), result.scenario, replications=result.store.manifest.replications
        )
    if args.output is not None and is_stdout(args.output):
        from escalade.report import render_exploration

        out(render_exploration(result, verification))
        return EXIT_OK
    target = write_exploration_report(result, args.output, verification)
    sys.stderr.write(f"wrote {target}\n")
    return EXIT_OK
