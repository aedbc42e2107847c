"""``escalade claims``: a scenario's claims and the model elements that cite them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, add_json, add_scenario, out, out_json

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade claims``."""
    p = commands.add_parser(
        "claims",
        help="list a scenario's claims and the model elements citing them",
        description="Show every claim of a scenario's claims: section, with its quote, and "
        "the parameters, derived values, outcomes, nodes, state variables, events, levers "
        "and policies that cite it.",
    )
    add_scenario(p)
    add_json(p, help_text='print {"C1": ["parameter:...", ...], ...}')
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print each claim, its quote and what cites it."""
    from escalade import Scenario, claims, load

    scenario = load(args.source)
    cites = claims(scenario)  # a Gambit game has no claims: this raises for it
    if args.json:
        out_json(cites)
        return EXIT_OK
    quotes = scenario.claims if isinstance(scenario, Scenario) else {}
    if not cites:
        out("this scenario has no claims: section")
        return EXIT_OK
    for cid, elements in cites.items():
        quote = quotes[cid].quote if cid in quotes else ""
        out(f"{cid}  {quote}")
        out("    " + (", ".join(elements) if elements else "(not encoded by any element)"))
    return EXIT_OK
