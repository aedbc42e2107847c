"""Before many worlds: will forward-looking actors get exact values?

An exploration sizes its chunks by what a world costs. Exact values cost
every state a world reaches (korea-2017: about 0.4 s of CPU per world for
its eight policies), far more than the world's runs, so chunks should be
small; fitted values pool the worlds of a chunk into one regression,
which is cheaper the more worlds it holds. :func:`exact_at_nominal` tells
the two apart on the nominal world, before any chunk is made: small
chunks only when every policy gets exact values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from escalade.game import Game, build_game
from escalade.scenario import Scenario
from escalade.simulation._engine import _policy
from escalade.simulation._exact import STATE_CAP, ExactValues, TooManyStates
from escalade.simulation._plan import Plan
from escalade.simulation._transition import Transition
from escalade.solvers import resolve_fixed

__all__ = ["exact_at_nominal"]


def exact_at_nominal(
    scenario: Scenario,
    policies: Sequence[str],
    *,
    game: Game | None = None,
    cap: int = STATE_CAP,
) -> bool:
    """Whether every policy's nominal world reaches few enough states for exact values.

    Parameters
    ----------
    scenario : Scenario
        With a ``dynamics:`` section.
    policies : sequence of str
        Tried in order until one does not fit (a policy needing fitted
        values makes pooling worlds worth large chunks).
    game : Game, optional
        The scenario's game, if already built.
    cap : int
        Most states per world over the horizon.

    Examples
    --------
    >>> import escalade
    >>> exact_at_nominal(escalade.load("korea-2017"), ["sanctions_default"])
    True
    """
    dyn = scenario.require_dynamics()
    game = game if game is not None else build_game(scenario)
    world = scenario.parameters.nominal()
    delta = np.ones(1)  # the states reached do not depend on the discount
    for name in policies:
        chosen = _policy(scenario, name)
        plan = Plan(
            scenario, game, dyn, chosen, resolve_fixed(game, chosen.force), dyn.periods, None, "qre"
        )
        try:
            ExactValues(plan, Transition(plan), world, delta, cap=cap)
        except TooManyStates:
            return False
    return True
