"""Memory a batch of parameter draws of a game takes, checked before it is allocated."""

from __future__ import annotations

from escalade._limits import check_memory
from escalade.game._tree import Game

__all__ = ["check_draws_memory"]


def check_draws_memory(game: Game, draws: int) -> None:
    """Refuse ``draws`` draws of ``game`` before allocating them if they cannot fit in memory.

    What a draw keeps (its parameters, outcome probabilities, payoffs,
    strategies and chance probabilities) was measured at 270 to 960 bytes
    for the bundled games; the estimate, 8 bytes for each of those
    numbers plus 64, is a little above every measurement.

    Raises
    ------
    ParameterError
        Naming ``draws`` and the memory the draws would need.

    Examples
    --------
    >>> from escalade.errors import ParameterError
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> game = build_game(load_scenario("iig"))
    >>> check_draws_memory(game, 1000) is None
    True
    >>> try:
    ...     check_draws_memory(game, 10**15)
    ... except ParameterError as exc:
    ...     print(str(exc).split(" of memory")[0])
    1,000,000,000,000,000 parameter sets of iig would need about 4.4e+08 GB
    """
    per_draw = 64 + 8 * (
        len(game.parameters)
        + game.n_outcomes
        + game.n_players
        + game.n_actions
        + game.n_chance_edges
    )
    check_memory(per_draw * draws, f"{draws:,} parameter sets of {game.name}", "draws")
