"""The ``escalade`` command: a thin layer over the public API.

Each command calls one public function and prints its result. Every
:class:`~escalade.errors.EscaladeError` becomes its message on stderr and
exit code 1, here and nowhere else; usage mistakes exit with 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from escalade._api import (
    analyze,
    as_game,
    check,
    claims,
    explore,
    load,
    open_run,
    resume,
    simulate,
    solve,
)
from escalade._version import __version__
from escalade.cli._estimate import add_estimate
from escalade.errors import EscaladeError, ParameterError
from escalade.game import write_efg, write_nfg
from escalade.scenario import Scenario, bundled_scenarios, load_scenario
from escalade.solvers import METHODS, NASH_ALGORITHMS, Solution

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3

_SCENARIO_HELP = "a scenario file (.yaml, .yml), a Gambit file (.efg, .nfg) or a bundled name"


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _lam(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number >= 0 or 'inf', found {text!r}"
        ) from None
    if math.isnan(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0 or 'inf', found {text!r}")
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, found {value}")
        return value

    return parse


_count, _count0 = _whole(1), _whole(0)


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, found {text!r}")
    return name.strip(), value.strip()


def _add_set(
    p: argparse.ArgumentParser, help: str = "fix a parameter at a value (repeatable)"
) -> None:
    p.add_argument(
        "--set",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help=help,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``escalade`` command (for docs and tests)."""
    parser = _Parser(
        prog="escalade",
        description="Model international crises as games: check, solve and export scenarios.",
        epilog="Run 'escalade COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"escalade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "list",
        help="list the bundled scenarios",
        description="List the scenarios that ship with escalade.",
    )
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser(
        "check",
        help="validate a scenario file",
        description="Validate a scenario: its structure, names and expressions, evaluated at "
        "the nominal values and over random draws of the uncertain parameters. Exits 0 if "
        "all is well, 1 with file:line:col and the problem otherwise.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument(
        "--draws",
        type=_count0,
        default=1000,
        metavar="N",
        help="random draws to evaluate (default 1000; 0 for nominal values only)",
    )
    p.set_defaults(run=_cmd_check)

    p = sub.add_parser(
        "solve",
        help="solve a scenario or game",
        description="Solve a scenario or Gambit game: subgame-perfect equilibrium (spe), "
        "logit quantal response equilibrium (qre), or exact Nash equilibria through "
        "pygambit (nash). With --draws, solves that many draws of the uncertain parameters "
        "in one batch and reports means and 5-95%% spreads.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument(
        "--method", choices=METHODS, default="qre", help="solution concept (default qre)"
    )
    p.add_argument(
        "--lam",
        type=_lam,
        default=None,
        metavar="L",
        help="QRE precision lambda >= 0, or 'inf' for the limit (default 1)",
    )
    _add_set(p)
    p.add_argument(
        "--draws",
        type=_count,
        default=None,
        metavar="N",
        help="solve N draws of the parameters' distributions in one batch",
    )
    p.add_argument(
        "--seed",
        type=_count0,
        default=None,
        metavar="S",
        help="random seed for --draws (same seed, same numbers)",
    )
    p.add_argument(
        "--algorithm",
        choices=NASH_ALGORITHMS,
        default="auto",
        help="Nash algorithm: lcp (2 players), enumpoly (any), lp (constant-sum)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_cmd_solve)

    p = sub.add_parser(
        "claims",
        help="list a scenario's claims and the model elements citing them",
        description="Show every claim of a scenario's claims: section, with its quote, and "
        "the parameters, derived values, outcomes, nodes, state variables, events, levers "
        "and policies that cite it.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument("--json", action="store_true", help='print {"C1": ["parameter:...", ...], ...}')
    p.set_defaults(run=_cmd_claims)

    p = sub.add_parser(
        "simulate",
        help="simulate a crisis over time under a policy",
        description="Simulate many crises at once under one of the scenario's policies (or "
        "free play): each period the stage game is solved for every run, an outcome drawn, "
        "events fired and the state updated. Prints the probability of each indicator over "
        "the horizon, discounted utilities and the final state.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument(
        "--policy",
        default=None,
        metavar="NAME",
        help="one of the scenario's policies (default: free play)",
    )
    p.add_argument(
        "--runs", type=_count, default=10_000, metavar="N", help="number of runs (default 10000)"
    )
    p.add_argument("--seed", type=_count0, default=None, metavar="S", help="random seed")
    p.add_argument(
        "--lam",
        type=_lam,
        default=None,
        metavar="L",
        help="override the actors' rationality (QRE precision)",
    )
    p.add_argument("--periods", type=_count, default=None, metavar="T", help="override the horizon")
    _add_set(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_cmd_simulate)

    p = sub.add_parser(
        "analyze",
        help="compare every policy and write results.json and report.html",
        description="Simulate every policy of a scenario with the same seed, rank them by "
        "the question's actor's discounted utility, and write results.json and a "
        "self-contained report.html into the output folder.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument(
        "--out", required=True, metavar="FOLDER", help="folder for results.json and report.html"
    )
    p.add_argument(
        "--runs", type=_count, default=100_000, metavar="N", help="runs per policy (default 100000)"
    )
    p.add_argument("--seed", type=_count0, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument(
        "--policy",
        action="append",
        default=None,
        metavar="NAME",
        dest="policies",
        help="compare only these policies (repeatable)",
    )
    _add_set(p)
    p.set_defaults(run=_cmd_analyze)

    p = sub.add_parser(
        "explore",
        help="simulate every policy across many sampled worlds, resumably",
        description="Sample the scenario's uncertain parameters (each sample a plausible "
        "world), simulate every policy in every world, and store one row per world and "
        "policy in a run folder, chunk by chunk. A killed run is finished with --resume. "
        "Runs in this process by default, in local processes with --workers, or on a Dask "
        "cluster with --cluster (or the DASK_SCHEDULER_ADDRESS environment variable).",
    )
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help=_SCENARIO_HELP)
    p.add_argument(
        "--resume",
        metavar="FOLDER",
        default=None,
        help="finish an interrupted run (no SCENARIO then)",
    )
    p.add_argument(
        "--samples", type=_count, default=None, metavar="N", help="number of sampled worlds"
    )
    p.add_argument("--out", metavar="FOLDER", default=None, help="run folder to create")
    p.add_argument(
        "--seed",
        type=_count0,
        default=None,
        metavar="S",
        help="random seed (decides every number; chosen and recorded if omitted)",
    )
    p.add_argument(
        "--design",
        choices=("lhs", "sobol", "mc", "morris"),
        default="lhs",
        help="sampling design (default lhs; sobol for Sobol' indices)",
    )
    p.add_argument(
        "--policy",
        action="append",
        default=None,
        metavar="NAME",
        dest="policies",
        help="explore only these policies (repeatable; default all)",
    )
    p.add_argument(
        "--replications",
        type=_count,
        default=16,
        metavar="R",
        help="runs per world and policy (default 16)",
    )
    p.add_argument(
        "--chunk-size",
        type=_count,
        default=None,
        metavar="N",
        help="worlds per chunk (default: about 50,000 runs per chunk)",
    )
    p.add_argument(
        "--workers", type=_count, default=None, metavar="N", help="local worker processes"
    )
    p.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://sched:8786",
    )
    _add_set(p, "fix a parameter at a value instead of exploring it (repeatable)")
    p.set_defaults(run=_cmd_explore)

    p = sub.add_parser(
        "runs",
        help="list exploration runs",
        description="List the exploration runs under a folder (default ./runs): scenario, "
        "design, size, chunks done and rows stored (counted with DuckDB).",
    )
    p.add_argument(
        "root",
        metavar="ROOT",
        nargs="?",
        default="runs",
        help="folder holding run folders (default runs)",
    )
    p.set_defaults(run=_cmd_runs)

    p = sub.add_parser(
        "report",
        help="write the HTML report of an exploration run",
        description="Analyse an exploration run and write a self-contained report.html into "
        "its folder (or to -o FILE).",
    )
    p.add_argument("run_folder", metavar="FOLDER", help="an exploration run folder")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="FILE",
        help="write here instead of FOLDER/report.html",
    )
    p.set_defaults(run=_cmd_report)

    p = sub.add_parser(
        "export",
        help="write a scenario as a Gambit file",
        description="Write a scenario (at its nominal values, or with --set) as a Gambit "
        ".efg file, or a game read from .nfg back as .nfg.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument("--format", choices=("efg", "nfg"), required=True, help="output format")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default=None,
        help="write to FILE (default: standard output)",
    )
    _add_set(p)
    p.set_defaults(run=_cmd_export)

    add_estimate(sub)
    return parser


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _cmd_list(args: argparse.Namespace) -> int:
    names = bundled_scenarios()
    width = max(len(n) for n in names)
    for name in names:
        sc = load_scenario(name)
        _out(f"{name.ljust(width)}  {sc.title}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    _out(str(check(args.scenario, draws=args.draws)))
    return EXIT_OK


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in args.overrides:
        if name in values:
            raise ParameterError(f"--set {name} is given twice")
        values[name] = value
    return values


def _bar(
    label: str, unit: str, *, rate: bool = False
) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A rich progress bar on a terminal: ``(update(done, total), stop)``; nothing otherwise.

    With ``rate``, it also shows the pace since the first update (so rows already there
    when resuming do not count).
    """
    if not sys.stderr.isatty():
        return None, lambda: None
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn(f"{{task.completed:,}}/{{task.total:,}} {unit}"),
        *([TextColumn("{task.fields[rate]}")] if rate else []),
        TimeRemainingColumn(),
        transient=True,
    )
    task = bar.add_task(label, total=1, rate="")
    bar.start()
    started = time.perf_counter()
    first: list[int] = []

    def update(done: int, total: int) -> None:
        if not first:
            first.append(done)
        elapsed = time.perf_counter() - started
        pace = (done - first[0]) / elapsed if elapsed > 0 else 0.0
        bar.update(task, completed=done, total=total, rate=f"{pace:,.0f}/s" if pace else "")

    return update, bar.stop


def _cmd_solve(args: argparse.Namespace) -> int:
    if args.method != "qre" and args.lam is not None:
        raise ParameterError(f"--lam applies to --method qre only, not {args.method}")
    if args.seed is not None and args.draws is None:
        raise ParameterError("--seed needs --draws N")
    if args.method == "nash" and args.draws is not None:
        raise ParameterError("--method nash solves one draw; drop --draws or use --method qre")
    progress, stop = (
        _bar("solving", "draws")
        if args.draws is not None and args.draws >= 20_000
        else (None, lambda: None)
    )
    try:
        result = solve(
            args.scenario,
            method=args.method,
            lam=args.lam,
            draws=args.draws,
            seed=args.seed,
            set=_overrides(args),
            keep_strategies=False,
            algorithm=args.algorithm,
            progress=progress,
        )
    finally:
        stop()
    if isinstance(result, list):
        _print_nash(result, args)
    else:
        _print_solution(result, args)
    return EXIT_OK


def _print_solution(sol: Solution, args: argparse.Namespace) -> None:
    if args.json:
        payload = sol.to_dict()
        # json never hands floats to ``default``, so lam=inf is spelt out here.
        if payload.get("lam") == math.inf:
            payload["lam"] = "inf"
        _out(json.dumps(payload, indent=2, allow_nan=False))
    else:
        _out(str(sol.summary()))


def _print_nash(eqs: list[Solution], args: argparse.Namespace) -> None:
    name = eqs[0].game.name if eqs else str(args.scenario)
    if args.json:
        payload = {
            "scenario": name,
            "method": "nash",
            "algorithm": eqs[0].diagnostics.get("algorithm") if eqs else args.algorithm,
            "equilibria": [e.to_dict() for e in eqs],
        }
        _out(json.dumps(payload, indent=2, allow_nan=False))
        return
    _out(f"{len(eqs)} Nash equilibri{'um' if len(eqs) == 1 else 'a'} found")
    for i, eq in enumerate(eqs, start=1):
        _out(f"\n--- equilibrium {i} ---")
        _out(str(eq.summary()))


def _cmd_claims(args: argparse.Namespace) -> int:
    scenario = load(args.scenario)
    cites = claims(scenario)  # a Gambit game has no claims: this raises for it
    if args.json:
        _out(json.dumps(cites, indent=2))
        return EXIT_OK
    quotes = scenario.claims if isinstance(scenario, Scenario) else {}
    if not cites:
        _out("this scenario has no claims: section")
        return EXIT_OK
    for cid, elements in cites.items():
        quote = quotes[cid].quote if cid in quotes else ""
        _out(f"{cid}  {quote}")
        _out("    " + (", ".join(elements) if elements else "(not encoded by any element)"))
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace) -> int:
    progress, stop = _bar(f"simulating {args.policy or 'free play'}", "runs")
    try:
        res = simulate(
            args.scenario,
            args.policy,
            runs=args.runs,
            seed=args.seed,
            lam=args.lam,
            periods=args.periods,
            set=_overrides(args),
            progress=progress,
        )
    finally:
        stop()
    if args.json:
        _out(json.dumps(res.to_dict(), indent=2, allow_nan=False))
    else:
        _out(str(res.summary()))
    return EXIT_OK


def _cmd_analyze(args: argparse.Namespace) -> int:
    stop: Callable[[], None] = lambda: None  # noqa: E731
    update = None
    if sys.stderr.isatty():
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} runs"),
            TimeElapsedColumn(),
            transient=False,
        )
        tasks: dict[str, Any] = {}
        bar.start()
        stop = bar.stop

        def update(policy: str, done: int, total: int) -> None:
            if policy not in tasks:
                tasks[policy] = bar.add_task(policy, total=total)
            bar.update(tasks[policy], completed=done)

    try:
        cmp = analyze(
            args.scenario,
            runs=args.runs,
            seed=args.seed,
            policies=args.policies,
            set=_overrides(args),
            out=args.out,
            progress=update,
        )
    finally:
        stop()
    _print_comparison(cmp)
    sys.stderr.write(
        f"wrote {Path(args.out) / 'results.json'} and {Path(args.out) / 'report.html'}\n"
    )
    return EXIT_OK


def _print_comparison(cmp: Any) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    first = next(iter(cmp.results.values()))
    table = RichTable(
        title=f"{cmp.scenario.title}: policies ranked by {cmp.actor}'s discounted utility",
        show_lines=False,
    )
    table.add_column("policy")
    table.add_column(f"{cmp.actor} utility", justify="right")
    table.add_column(f"vs {cmp.baseline}", justify="right")
    from escalade.scenario import headline_indicators

    shown = [n for n in headline_indicators(cmp.scenario, 5) if n in first.indicator_names]
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
    Console(width=160).print(table)


def _cmd_explore(args: argparse.Namespace) -> int:
    progress, stop = _bar("exploring", "experiments", rate=True)
    try:
        if args.resume is not None:
            extra = [
                name
                for name, value in (
                    ("SCENARIO", args.scenario),
                    ("--samples", args.samples),
                    ("--out", args.out),
                    ("--seed", args.seed),
                    ("--policy", args.policies),
                    ("--chunk-size", args.chunk_size),
                )
                if value is not None
            ]
            if extra or args.overrides:
                raise ParameterError(
                    "--resume continues a run as it was started; drop "
                    + ", ".join(extra or ["--set"])
                )
            result = resume(
                args.resume, workers=args.workers, cluster=args.cluster, progress=progress
            )
        else:
            missing = [
                n
                for n, v in (
                    ("SCENARIO", args.scenario),
                    ("--samples", args.samples),
                    ("--out", args.out),
                )
                if v is None
            ]
            if missing:
                raise ParameterError(f"explore needs {', '.join(missing)} (or --resume FOLDER)")
            result = explore(
                args.scenario,
                samples=args.samples,
                out=args.out,
                seed=args.seed,
                design=args.design,
                policies=args.policies,
                replications=args.replications,
                chunk_size=args.chunk_size,
                workers=args.workers,
                cluster=args.cluster,
                set=_overrides(args),
                progress=progress,
            )
    finally:
        stop()
    _out(str(result.summary()))
    sys.stderr.write(f"run folder: {result.path}\n")
    return EXIT_OK


def _cmd_runs(args: argparse.Namespace) -> int:
    from escalade.exploration import list_runs

    table = list_runs(args.root)
    if table.empty:
        _out(f"no exploration runs under {args.root}")
        return EXIT_OK
    _out(table.to_string(index=False))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from escalade.report import write_exploration_report

    result = open_run(args.run_folder)
    result.store.check_complete()
    target = write_exploration_report(result, args.output)
    sys.stderr.write(f"wrote {target}\n")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    game = as_game(args.scenario, _overrides(args))
    text = write_efg(game) if args.format == "efg" else write_nfg(game)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from escalade.exploration._store import atomic_write  # heavy (pandas): only when needed

    atomic_write(Path(args.output), text.encode("utf-8"))
    sys.stderr.write(f"wrote {args.output}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``escalade`` command; returns the exit code.

    Examples
    --------
    >>> main(["check", "iig", "--draws", "0"])  # doctest: +ELLIPSIS
    iig: OK (scenario) - 2 players, 25 nodes, ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except EscaladeError as exc:
        sys.stderr.write(f"escalade: {exc}\n")
        return EXIT_INPUT
    except MemoryError:
        # Sizes come from the user (--draws, a huge game): say so rather than "a bug".
        sys.stderr.write(
            "escalade: not enough memory for this request; expected a smaller --draws or a "
            "smaller game\n"
        )
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("escalade: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so plainly, show the traceback only on request
        if os.environ.get("ESCALADE_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"escalade: internal error ({type(exc).__name__}: {exc}); this is a bug in "
            "escalade - please report it (set ESCALADE_DEBUG=1 to see the traceback)\n"
        )
        return EXIT_BUG
