"""``escalade simulate``: a crisis over time, many runs at once, under one policy."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from escalade.cli._common import (
    EXIT_OK,
    add_foresight,
    add_json,
    add_number,
    add_scenario,
    add_seed,
    add_set,
    given,
    lam,
    out,
    out_json,
    overrides,
)
from escalade.cli._progress import Bars

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade simulate``."""
    p = commands.add_parser(
        "simulate",
        help="simulate a crisis over time under a policy",
        description="Simulate many crises at once under one of the scenario's policies (or "
        "free play): each period the stage game is solved for every run, an outcome drawn, "
        "events fired and the state updated. Prints the probability of each indicator over "
        "the horizon, discounted utilities and the final state.",
    )
    add_scenario(p)
    p.add_argument(
        "--policy",
        metavar="NAME",
        help="one of the scenario's policies (default: free play)",
    )
    add_number(p, "--runs", "number of runs", library="simulate")
    add_seed(p)
    p.add_argument(
        "--lam",
        type=lam,
        metavar="L",
        help="override the actors' rationality (QRE precision)",
    )
    add_number(p, "--periods", "override the horizon", metavar="T")
    add_foresight(p)
    add_set(p)
    add_json(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Simulate, and print a summary or JSON."""
    from escalade import simulate

    with Bars("runs") as bars:
        res = simulate(
            args.source,
            args.policy,
            **given(args, "runs", "seed", "lam", "periods", "foresight"),
            overrides=overrides(args),
            progress=bars.callback(f"simulating {args.policy or 'free play'}"),
        )
    if args.json:
        out_json(res.to_dict())
    else:
        out(str(res.summary()))
    return EXIT_OK
