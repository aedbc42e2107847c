"""``escalade solve``: equilibria of a scenario or Gambit game, at its nominal values or
over a batch of draws."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from escalade.cli._common import (
    EXIT_OK,
    FromLibrary,
    LibraryChoices,
    add_json,
    add_number,
    add_scenario,
    add_seed,
    add_set,
    default_of,
    given,
    lam,
    out,
    out_json,
    overrides,
)
from escalade.cli._progress import Bars
from escalade.errors import ParameterError

if TYPE_CHECKING:
    from escalade.cli._common import Commands
    from escalade.solvers import Solution

__all__ = ["register"]

#: Batches smaller than this solve in moments: no progress bar.
BAR_FROM_DRAWS = 20_000


def register(commands: Commands) -> None:
    """Add ``escalade solve``."""
    p = commands.add_parser(
        "solve",
        help="solve a scenario or game",
        description="Solve a scenario or Gambit game: subgame-perfect equilibrium (spe), "
        "logit quantal response equilibrium (qre), or exact Nash equilibria through "
        "pygambit (nash). With --draws, solves that many draws of the uncertain parameters "
        "in one batch and reports means and 5-95% spreads.",
    )
    add_scenario(p)
    p.add_argument(
        "--method",
        choices=LibraryChoices(FromLibrary("escalade.solvers", "METHODS")),
        library_default=FromLibrary("escalade", "solve", "method"),
        help="solution concept",
    )
    p.add_argument(
        "--lam",
        type=lam,
        metavar="L",
        library_default=FromLibrary("escalade.solvers", "DEFAULT_LAM"),
        help="QRE precision lambda >= 0, or 'inf' for the limit",
    )
    add_set(p)
    add_number(p, "--draws", "solve N draws of the parameters' distributions in one batch")
    add_seed(p, "random seed for --draws (same seed, same numbers)")
    p.add_argument(
        "--algorithm",
        choices=LibraryChoices(FromLibrary("escalade.solvers", "NASH_ALGORITHMS")),
        library_default=FromLibrary("escalade", "solve", "algorithm"),
        help="Nash algorithm: lcp (2 players), enumpoly (any), lp (constant-sum)",
    )
    p.add_argument(
        "--timeout",
        type=lam,
        metavar="SECONDS",
        library_default=FromLibrary("escalade.solvers", "NASH_TIMEOUT"),
        help="stop Gambit after this many seconds (--method nash; inf for no limit)",
    )
    add_json(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Solve, and print a summary or JSON."""
    from escalade import solve

    method = args.method or default_of(solve, "method")
    if method != "qre" and args.lam is not None:
        raise ParameterError(f"--lam applies to --method qre only, not {method}")
    for flag, value in (("--algorithm", args.algorithm), ("--timeout", args.timeout)):
        if method != "nash" and value is not None:
            raise ParameterError(f"{flag} applies to --method nash only, not {method}")
    if args.seed is not None and args.draws is None:
        raise ParameterError("--seed needs --draws N")
    if method == "nash" and args.draws is not None:
        raise ParameterError("--method nash solves one draw; drop --draws or use --method qre")
    large = args.draws is not None and args.draws >= BAR_FROM_DRAWS
    if method == "nash":  # the seconds spent waiting for Gambit, against its time limit
        unit, label, show = "s", "waiting for Gambit", None
    else:
        unit, label, show = "draws", "solving", None if large else False
    with Bars(unit, show=show) as bars:
        result = solve(
            args.source,
            **given(args, "method", "lam", "draws", "seed", "algorithm", "timeout"),
            overrides=overrides(args),
            keep_strategies=False,
            progress=bars.callback(label),
        )
    if isinstance(result, list):
        algorithm = args.algorithm or default_of(solve, "algorithm")
        _print_nash(result, args.json, source=str(args.source), algorithm=algorithm)
    else:
        _print_solution(result, args.json)
    return EXIT_OK


def _print_solution(sol: Solution, as_json: bool) -> None:
    if not as_json:
        out(str(sol.summary()))
        return
    payload = sol.to_dict()
    # json never hands floats to ``default``, so lam=inf is spelt out here.
    if payload.get("lam") == math.inf:
        payload["lam"] = "inf"
    out_json(payload)


def _print_nash(eqs: list[Solution], as_json: bool, *, source: str, algorithm: str) -> None:
    if as_json:
        out_json(
            {
                "scenario": eqs[0].game.name if eqs else source,
                "method": "nash",
                "algorithm": eqs[0].diagnostics.get("algorithm") if eqs else algorithm,
                "equilibria": [e.to_dict() for e in eqs],
            }
        )
        return
    out(f"{len(eqs)} Nash equilibri{'um' if len(eqs) == 1 else 'a'} found")
    for i, eq in enumerate(eqs, start=1):
        out(f"\n--- equilibrium {i} ---")
        out(str(eq.summary()))
