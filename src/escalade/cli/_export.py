"""``escalade export``: a scenario written as a Gambit file."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, add_number, add_scenario, add_set, overrides, write_output
from escalade.errors import ParameterError

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade export``."""
    p = commands.add_parser(
        "export",
        help="write a scenario as a Gambit file",
        description="Write a scenario (at its nominal values, or with --set) as a Gambit "
        ".efg file, or a game read from .nfg back as .nfg. With --unroll, a scenario with "
        "dynamics is written as one game over its whole horizon: each period's stage game, "
        "chance nodes for the events, the next period at the state they lead to, and "
        "payoffs discounted and summed at the leaves (a policy's forced choices as chance "
        "nodes); too large a tree is refused with its size.",
    )
    add_scenario(p)
    p.add_argument("--format", choices=("efg", "nfg"), required=True, help="output format")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE, a regular file or a new name (default, or with -o - or "
        "-o /dev/stdout: standard output)",
    )
    p.add_argument(
        "--unroll",
        action="store_true",
        help="the whole multi-period game as one tree (.efg only)",
    )
    p.add_argument(
        "--policy", metavar="NAME", help="with --unroll: a policy to play (default: free play)"
    )
    add_number(p, "--periods", "with --unroll: override the horizon", metavar="T")
    add_set(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the game in the chosen format."""
    from escalade import as_game, unroll, write_efg, write_nfg

    if args.unroll:
        if args.format != "efg":
            raise ParameterError("--unroll writes a game tree: use --format efg")
        text = write_efg(
            unroll(args.source, args.policy, periods=args.periods, overrides=overrides(args))
        )
    else:
        if args.policy is not None or args.periods is not None:
            raise ParameterError("--policy and --periods apply to --unroll only")
        game = as_game(args.source, overrides(args))
        text = write_efg(game) if args.format == "efg" else write_nfg(game)
    if write_output(text, args.output):
        sys.stderr.write(f"wrote {args.output}\n")
    return EXIT_OK
