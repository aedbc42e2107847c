"""``escalade list``: the bundled scenarios and their titles."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, out

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade list``."""
    p = commands.add_parser(
        "list",
        help="list the bundled scenarios",
        description="List the scenarios that ship with escalade.",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print each bundled scenario's name and title."""
    from escalade.scenario import bundled_titles

    titles = bundled_titles()
    width = max(len(name) for name in titles)
    for name, title in titles.items():
        out(f"{name.ljust(width)}  {title}")
    return EXIT_OK
