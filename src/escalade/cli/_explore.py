"""``escalade explore``: every policy across many sampled worlds, stored chunk by chunk."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from escalade.cli._common import (
    EXIT_OK,
    FromLibrary,
    LibraryChoices,
    add_foresight,
    add_json,
    add_number,
    add_policies,
    add_scenario,
    add_seed,
    add_set,
    add_workers,
    given,
    out,
    out_json,
    overrides,
)
from escalade.cli._progress import Bars, Callback
from escalade.errors import ParameterError

if TYPE_CHECKING:
    from escalade.cli._common import Commands
    from escalade.exploration import ExplorationResult

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade explore``."""
    p = commands.add_parser(
        "explore",
        help="simulate every policy across many sampled worlds, resumably",
        description="Sample the scenario's uncertain parameters (each sample a plausible "
        "world), simulate every policy in every world, and store one row per world and "
        "policy in a run folder, chunk by chunk. A killed run is finished with --resume. "
        "Runs in this process by default, in local processes with --workers, or on a Dask "
        "cluster with --cluster (or the DASK_SCHEDULER_ADDRESS environment variable).",
    )
    add_scenario(p, optional=True)
    p.add_argument(
        "--resume", metavar="FOLDER", help="finish an interrupted run (no SCENARIO then)"
    )
    add_number(p, "--samples", "number of sampled worlds")
    p.add_argument("--out", metavar="FOLDER", help="run folder to create (a new or empty folder)")
    p.add_argument(
        "--force",
        action="store_true",
        default=None,
        help="replace the run already in --out (complete, interrupted or damaged); a folder "
        "holding anything else is never replaced",
    )
    add_seed(p, "random seed (decides every number; chosen and recorded if omitted)")
    p.add_argument(
        "--design",
        choices=LibraryChoices(FromLibrary("escalade.exploration", "DESIGNS")),
        library_default=FromLibrary("escalade", "explore", "design"),
        help="sampling design (sobol for Sobol' indices)",
    )
    add_policies(p, "explore only these policies (repeatable; default all)")
    add_number(p, "--replications", "runs per world and policy", metavar="R", library="explore")
    add_number(
        p,
        "--chunk-size",
        "worlds per chunk (default: about 50,000 runs per chunk, at most 50 worlds "
        "when actors look ahead with exact values)",
    )
    add_workers(p, "local worker processes", "Dask scheduler address, e.g. tcp://sched:8786")
    add_foresight(p)
    add_set(p, "fix a parameter at a value instead of exploring it (repeatable)")
    add_json(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Explore (or finish a run) and print its summary or JSON."""
    with Bars("experiments", rate=True) as bars:
        progress = bars.callback("exploring")
        result = _resume(args, progress) if args.resume is not None else _start(args, progress)
    if args.json:
        out_json(result.to_dict())
    else:
        out(str(result.summary()))
    sys.stderr.write(f"run folder: {result.path}\n")
    return EXIT_OK


def _start(args: argparse.Namespace, progress: Callback | None) -> ExplorationResult:
    from escalade import explore

    needed = (("SCENARIO", args.source), ("--samples", args.samples), ("--out", args.out))
    missing = [flag for flag, value in needed if value is None]
    if missing:
        raise ParameterError(f"explore needs {', '.join(missing)} (or --resume FOLDER)")
    return explore(
        args.source,
        samples=args.samples,
        out=args.out,
        **given(
            args,
            "seed",
            "design",
            "policies",
            "replications",
            "chunk_size",
            "workers",
            "cluster",
            "foresight",
            "force",
        ),
        overrides=overrides(args),
        progress=progress,
    )


def _resume(args: argparse.Namespace, progress: Callback | None) -> ExplorationResult:
    from escalade import resume

    started_with = (
        ("SCENARIO", args.source),
        ("--samples", args.samples),
        ("--out", args.out),
        ("--seed", args.seed),
        ("--policy", args.policies),
        ("--design", args.design),
        ("--replications", args.replications),
        ("--chunk-size", args.chunk_size),
        ("--foresight", args.foresight),
        ("--force", args.force),
    )
    extra = [flag for flag, value in started_with if value is not None]
    if extra or args.overrides:
        raise ParameterError(
            "--resume continues a run as it was started; drop " + ", ".join(extra or ["--set"])
        )
    return resume(args.resume, **given(args, "workers", "cluster"), progress=progress)
