"""Subgame-perfect equilibrium by backward induction, batched over draws.

Assumes perfect information (every information set is a single node);
chance nodes are allowed and averaged with their probabilities. At each
decision node the mover picks the child with the highest value to
itself. Actions whose values are within ``1e-12 * (1 + |best|)`` of the
best are tied and split the probability evenly, which is also the limit
of the logit QRE as lambda grows.

References
----------
Selten, R. (1965). Spieltheoretische Behandlung eines Oligopolmodells
mit Nachfrageträgheit. Zeitschrift für die gesamte Staatswissenschaft
121, 301-324.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from escalade.errors import SolveError
from escalade.game import Game, StrategicForm
from escalade.scenario import Draws, Seed
from escalade.solvers._backward import best_response_rule
from escalade.solvers._batch import Batch, resolve_draws
from escalade.solvers._forced import resolve_fixed
from escalade.solvers._solution import Solution

__all__ = ["check_perfect_information", "spe"]


def check_perfect_information(game: Game) -> None:
    r"""Refuse a game without perfect information, saying why and what to use instead.

    Raises
    ------
    SolveError
        If some information set has several nodes; for a table read from
        ``.nfg``, the message says so (its players choose simultaneously).

    Examples
    --------
    >>> from escalade.game import parse_nfg
    >>> table = parse_nfg('NFG 1 R "" { "A" "B" } { 2 2 }\n1 1 0 0 0 0 1 1\n', name="t")
    >>> try:
    ...     check_perfect_information(table)
    ... except SolveError as exc:
    ...     print(str(exc).split(":")[0])
    t is a strategic-form game (a table read from .nfg)
    """
    if game.is_perfect_information:
        return
    if isinstance(game.source, StrategicForm):
        why = (
            f"{game.name} is a strategic-form game (a table read from .nfg): its players "
            "choose at the same time, and subgame-perfect equilibrium needs perfect "
            "information (each player sees every earlier move)"
        )
    else:
        why = (
            f"{game.name}: subgame-perfect equilibrium by backward induction needs perfect "
            "information, but some information sets have several nodes"
        )
    raise SolveError(
        f"{why}; use method='qre' (with lam=inf for the limiting equilibrium) or method='nash'",
        arguments=("method", "lam"),
    )


def spe(
    game: Game,
    draws: Draws | int | None = None,
    *,
    seed: Seed = None,
    keep_strategies: bool = True,
    chunk_size: int | None = None,
    fixed: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Solution:
    """Subgame-perfect equilibrium of a perfect-information game, per draw.

    Parameters
    ----------
    game : Game
    draws : Draws, int or None
        Parameter draws; an int samples that many from the parameters'
        distributions; ``None`` solves at the nominal values.
    seed : int, Generator or None
        Used when ``draws`` is an int.
    keep_strategies : bool
        Keep per-draw strategies (the mean is always kept).
    chunk_size : int, optional
        Draws evaluated at a time (default: from a ~128 MB memory budget).
    fixed : mapping, optional
        ``{infoset: {action: probability}}`` fixed in advance.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    Solution

    Raises
    ------
    SolveError
        If the game has an information set with several nodes.

    Examples
    --------
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> sol = spe(build_game(load_scenario("iig")))
    >>> round(float(sol.outcomes.sum()), 6)
    1.0
    """
    check_perfect_information(game)
    batch = Batch(
        game,
        resolve_draws(game, draws, seed),
        keep_strategies=keep_strategies,
        chunk_size=chunk_size,
        progress=progress,
    )
    return batch.perfect_information(
        best_response_rule, method="spe", lam=None, fixed=resolve_fixed(game, fixed)
    )
