"""``escalade check``: validate a scenario, its expressions evaluated over random draws."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, add_number, add_scenario, given, out

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade check``."""
    p = commands.add_parser(
        "check",
        help="validate a scenario file",
        description="Validate a scenario: its structure, names and expressions, evaluated at "
        "the nominal values and over random draws of the uncertain parameters. Exits 0 if "
        "all is well, 1 with file:line:col and the problem otherwise.",
    )
    add_scenario(p)
    add_number(
        p,
        "--draws",
        "random draws to evaluate; 0 for the nominal values only",
        minimum=0,
        library="check",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the scenario and print what was checked."""
    from escalade import check

    out(str(check(args.source, **given(args, "draws"))))
    return EXIT_OK
