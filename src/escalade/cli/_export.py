"""``escalade export``: a scenario written as a Gambit file."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, add_scenario, add_set, overrides, write_output

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade export``."""
    p = commands.add_parser(
        "export",
        help="write a scenario as a Gambit file",
        description="Write a scenario (at its nominal values, or with --set) as a Gambit "
        ".efg file, or a game read from .nfg back as .nfg.",
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
    add_set(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the game in the chosen format."""
    from escalade import as_game, write_efg, write_nfg

    game = as_game(args.source, overrides(args))
    text = write_efg(game) if args.format == "efg" else write_nfg(game)
    if write_output(text, args.output):
        sys.stderr.write(f"wrote {args.output}\n")
    return EXIT_OK
