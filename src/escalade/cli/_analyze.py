"""``escalade analyze``: every policy of a scenario compared; results.json and report.html."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from escalade.cli._common import (
    EXIT_OK,
    FromLibrary,
    LibraryChoices,
    add_foresight,
    add_number,
    add_policies,
    add_scenario,
    add_seed,
    add_set,
    add_workers,
    given,
    out,
    overrides,
)
from escalade.cli._progress import Bars

if TYPE_CHECKING:
    from escalade.analysis import PolicyComparison
    from escalade.cli._common import Commands

__all__ = ["register"]

#: Indicators shown beside each policy's utility, at most.
SHOWN_INDICATORS = 5


def register(commands: Commands) -> None:
    """Add ``escalade analyze``."""
    p = commands.add_parser(
        "analyze",
        help="compare every policy and write results.json and report.html",
        description="Simulate every policy of a scenario with the same seed, rank them by "
        "the question's actor's discounted utility, and write results.json and a "
        "self-contained report.html into the output folder.",
    )
    add_scenario(p)
    p.add_argument(
        "--out", required=True, metavar="FOLDER", help="folder for results.json and report.html"
    )
    add_number(p, "--runs", "runs per policy", library="analyze")
    add_seed(p, library="analyze")
    add_policies(p, "compare only these policies (repeatable)")
    add_foresight(p)
    add_number(
        p,
        "--samples",
        "also explore every policy in N sampled worlds (stored in FOLDER/worlds) and "
        "answer across them in the same report: share of worlds best, regret, lever pairs, "
        "sensitivity, where the question's policy wins (default 0: nominal values only)",
        minimum=0,
        default=0,
    )
    add_number(
        p,
        "--replications",
        "runs per sampled world and policy, with --samples (default 4)",
        metavar="R",
        default=4,
    )
    p.add_argument(
        "--worlds-foresight",
        choices=LibraryChoices(FromLibrary("escalade.scenario", "FORESIGHT")),
        help="the actors' foresight in the sampled worlds, with --samples (full, myopic, "
        "exact or approximate; default: as --foresight)",
    )
    add_workers(
        p,
        "processes the policies (and with --samples the worlds) are spread over "
        "(default: one per core); the numbers do not depend on it",
    )
    add_set(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Compare the policies, print the ranking, write the results and the report."""
    from escalade import analyze

    if args.samples:
        from escalade._api_worlds import analyze_across_worlds

        with Bars("runs", keep=True) as bars:
            cmp, worlds = analyze_across_worlds(
                args.source,
                **given(args, "runs", "seed", "policies", "foresight", "workers"),
                out=args.out,
                samples=args.samples,
                replications=args.replications,
                worlds_foresight=args.worlds_foresight or args.foresight,
                overrides=overrides(args),
                progress=bars.labelled(),
            )
        _print_comparison(cmp)
        sys.stderr.write(f"{worlds.robustness.summary()}\n")
    else:
        with Bars("runs", keep=True) as bars:
            cmp = analyze(
                args.source,
                **given(args, "runs", "seed", "policies", "foresight", "workers"),
                overrides=overrides(args),
                out=args.out,
                progress=bars.labelled(),
            )
        _print_comparison(cmp)
    sys.stderr.write(
        f"wrote {Path(args.out) / 'results.json'} and {Path(args.out) / 'report.html'}\n"
    )
    return EXIT_OK


def _print_comparison(cmp: PolicyComparison) -> None:
    from rich.console import Console
    from rich.table import Table

    from escalade.scenario import headline_indicators

    first = next(iter(cmp.results.values()))
    table = Table(
        title=f"{cmp.scenario.title}: policies ranked by {cmp.actor}'s discounted utility",
        show_lines=False,
    )
    table.add_column("policy")
    table.add_column(f"{cmp.actor} utility", justify="right")
    table.add_column(f"vs {cmp.baseline}", justify="right")
    shown = [
        n for n in headline_indicators(cmp.scenario, SHOWN_INDICATORS) if n in first.indicator_names
    ]
    for n in shown:
        table.add_column(n.replace("_", " "), justify="right")
    for p in cmp.ranking():
        res = cmp.results[p]
        d, se = cmp.difference(p)
        table.add_row(
            p,
            f"{res.utility(cmp.actor):.2f}",
            "-" if p == cmp.baseline else f"{d:+.2f} ± {1.96 * se:.2f}",
            *(f"{100 * res.probability(n):.1f}%" for n in shown),
        )
    # drawn into a string and printed with out(), which turns a full output into an error
    text = io.StringIO()
    Console(width=160, file=text, force_terminal=sys.stdout.isatty()).print(table)
    out(text.getvalue())
    for line in cmp.foresight_notes():
        out(line + "\n")
