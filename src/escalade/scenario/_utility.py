"""The ``utility:`` section: a player's attitude to risk as a transform of payoffs.

A payoff written in ``outcomes:`` is a value on the scenario's common
scale; ``utility:`` lets a player weigh those values through a curve,
``{PLAYER: "expression of x"}``, where ``x`` is the outcome's payoff. A
concave curve (``x - r * x**2``, ``(1 - exp(-r * x)) / r``) makes the
player averse to gambles with large losses; a linear one leaves it
neutral. The curve is applied to every outcome's payoff of that player,
so the player's decisions (the stage games, with or without foresight)
and its scores (utilities reported by simulations and analyses) agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalade.scenario._checks import Context, check_keys, expect_map, location
from escalade.scenario._params import Formula, Location

if TYPE_CHECKING:
    from escalade.scenario._yaml import YNode

__all__ = ["UTILITY_ARGUMENT", "Utility", "parse_utility"]

#: The name a utility transform calls the payoff it transforms.
UTILITY_ARGUMENT = "x"


@dataclass(frozen=True)
class Utility:
    """A player's utility over the payoffs of ``outcomes:``.

    Attributes
    ----------
    player : str
    formula : Formula
        An expression of :data:`UTILITY_ARGUMENT` (the payoff), the parameters,
        derived values, state variables and levers.
    loc : Location or None

    Examples
    --------
    >>> from escalade.scenario import load_scenario_text
    >>> sc = load_scenario_text('''
    ... escalade: 1
    ... name: bet
    ... players: [A]
    ... utility: {A: "x - 0.1 * x**2"}
    ... outcomes: {keep: {payoffs: {A: 0}}, lose: {payoffs: {A: -3}}}
    ... tree: {player: A, actions: {hold: keep, bet: lose}}
    ... ''')
    >>> [(u.player, u.formula.text) for u in sc.utility]
    [('A', 'x - 0.1 * x**2')]
    """

    player: str
    formula: Formula
    loc: Location | None = None


def parse_utility(node: YNode, ctx: Context) -> tuple[Utility, ...]:
    """Read ``utility:``: a mapping from players to an expression of ``x``."""
    m = expect_map(node, "utility")
    check_keys(m, tuple(ctx.players), "utility")
    if UTILITY_ARGUMENT in ctx.kinds:
        raise m.error(
            f"utility: a transform calls the payoff {UTILITY_ARGUMENT!r}, which is already "
            "a parameter, derived value, state variable or lever; rename that one"
        )
    out = []
    ctx.kinds[UTILITY_ARGUMENT] = "number"
    try:
        for key, value in m.items:
            player = str(key.raw)
            formula = ctx.formula(value, f"utility of {player}")
            if UTILITY_ARGUMENT not in formula.expr.names:
                raise value.error(
                    f"utility of {player} must be an expression of {UTILITY_ARGUMENT!r} (the "
                    f"outcome's payoff), found {formula.text!r}, which does not read it"
                )
            out.append(Utility(player, formula, location(key)))
    finally:
        del ctx.kinds[UTILITY_ARGUMENT]
    return tuple(out)
