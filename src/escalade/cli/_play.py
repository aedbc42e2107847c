"""``escalade play``: one person plays an actor of a scenario at the terminal, the model
plays everyone else (the wargame of the web workbench, for one seat)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from escalade.cli._common import EXIT_OK, add_foresight, add_scenario, lam, out

if TYPE_CHECKING:
    from escalade.cli._common import Commands
    from escalade.wargame import Wargame

__all__ = ["register"]


def register(commands: Commands) -> None:
    """Add ``escalade play``."""
    p = commands.add_parser(
        "play",
        help="play one actor of a scenario at the terminal; the model plays the others",
        description=(
            "A wargame for one person: each period, give your actor's orders (an action at "
            "each of its decision points, seeing only what it knows); the model plays the "
            "other actors by logit QRE with foresight (--foresight, default the scenario's: "
            "each outcome weighed with what follows it) and adjudicates chance, events and the "
            "state, "
            "seeded. At the end, the after-action report: your orders against the "
            "equilibrium, and the game against the model's own games."
        ),
    )
    add_scenario(p)
    p.add_argument("--as", dest="actor", required=True, metavar="ACTOR", help="the actor you play")
    p.add_argument("--seed", type=int, default=0, help="the game's luck (default 0)")
    p.add_argument(
        "--periods",
        type=int,
        default=None,
        metavar="T",
        help="play T periods (default: the scenario's horizon)",
    )
    p.add_argument(
        "--lam",
        type=lam,
        default=None,
        metavar="L",
        help="the model's logit precision (default: the scenario's rationality)",
    )
    add_foresight(p)
    p.set_defaults(run=run)


def _ask(question: str, actions: tuple[str, ...]) -> str | None:
    """The action the person types (its number or name); None at end of input."""
    while True:
        sys.stdout.write(question)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return None
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(actions):
            return actions[int(text) - 1]
        if text in actions:
            return text
        out(f"  expected a number from 1 to {len(actions)} or an action's name")


def _orders(wg: Wargame, actor: str) -> dict[str, str] | None:
    from escalade.wargame import seat_view

    view = seat_view(wg, actor)
    state = ", ".join(f"{k}={v:.3g}" for k, v in view["state"].items())
    out(f"\n== {view['label']}" + (f"  ({state})" if state else ""))
    orders = {}
    for h in view["infosets"]:
        seen = ", ".join(f"{s['mover']}: {s['move']}" for s in h["seen"]) or "nothing yet"
        out(f"{h['label'] or h['infoset']}  [you know: {seen}]")
        for i, action in enumerate(h["actions"], 1):
            out(f"  {i}. {action}")
        chosen = _ask("  your order: ", tuple(h["actions"]))
        if chosen is None:
            return None
        orders[h["infoset"]] = chosen
    return orders


def run(args: argparse.Namespace) -> int:
    """Play period by period, then print the after-action report."""
    import escalade
    from escalade.errors import ScenarioError
    from escalade.wargame import Setup, Wargame, after_action, narrative

    scenario = escalade.load(args.source)
    if not isinstance(scenario, escalade.Scenario):
        raise ScenarioError(f"{scenario.name} is a Gambit game; play needs a scenario file")
    setup = Setup(
        humans=(args.actor,),
        seed=args.seed,
        lam=args.lam,
        periods=args.periods,
        foresight=args.foresight,
    )
    wg = Wargame(scenario, setup)
    ahead = "" if wg.foresight == "myopic" else ", looking ahead"
    out(
        f"{scenario.title or scenario.name}: you play {args.actor}; the model plays "
        + ", ".join(p for p in scenario.player_names if p != args.actor)
        + f" (foresight {wg.foresight}{ahead})."
    )
    while not wg.finished:
        orders = _orders(wg, args.actor)
        if orders is None:
            out("\n(end of input: the game stops here)")
            break
        record = wg.play({args.actor: orders})
        for line in narrative(wg, record, actor=None if wg.finished else args.actor):
            out(f"  {line}")
    if wg.history:
        out("")
        out(str(after_action(wg, runs=1000).summary(max_rows=30)))
    return EXIT_OK
