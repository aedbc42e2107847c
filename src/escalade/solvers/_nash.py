"""Exact Nash equilibria through pygambit (the optional ``gambit`` extra).

The game, at one draw of its parameters, is handed to Gambit as .efg text
(or as .nfg text for a game read from a table, so that Gambit works on the
table itself) and solved with ``lcp_solve`` (two players) or
``enumpoly_solve`` (any number of players), or ``lp_solve`` for two-player
constant-sum games when asked. Gambit's LCP on the tree (sequence form)
stops at one equilibrium; only its strategic-form LCP enumerates the
equilibria reachable by Lemke-Howson paths, so that is used while the
strategic form is small (at most :data:`MAX_STRATEGIES` pure strategies
per player), the sequence form beyond. Each equilibrium comes back as a
behaviour profile and is evaluated with escalade's own forward pass, so
outcome probabilities and payoffs are computed the same way as for the
other solvers.

pygambit is GPL-licensed, so it is never a hard dependency: without it
this module raises :class:`MissingDependencyError` with the install line.

References
----------
Savani, R. and Turocy, T. L. (2025). Gambit: The package for computation
in game theory, version 16. https://www.gambit-project.org
Koller, D., Megiddo, N. and von Stengel, B. (1996). Efficient computation
of equilibria for extensive two-person games. GEB 14, 247-259.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from escalade.errors import MissingDependencyError, SolveError
from escalade.game import Game, GameValues, StrategicForm, write_efg, write_nfg
from escalade.scenario import Draws
from escalade.solvers._batch import resolve_draws
from escalade.solvers._logit_equations import QreEquations
from escalade.solvers._solution import Solution

__all__ = ["NASH_ALGORITHMS", "nash"]

#: Algorithms accepted by :func:`nash`.
NASH_ALGORITHMS = ("auto", "lcp", "enumpoly", "lp")
#: Largest number of pure strategies per player for which ``lcp`` enumerates
#: equilibria on the strategic form rather than finding one on the sequence form.
MAX_STRATEGIES = 512


def _pygambit() -> Any:
    try:
        import pygambit
    except ImportError:
        raise MissingDependencyError(
            "exact Nash equilibria need pygambit, an optional extra: pip install 'escalade[gambit]'"
        ) from None
    return pygambit


def nash(
    game: Game,
    draws: Draws | int | None = None,
    *,
    algorithm: str = "auto",
    max_equilibria: int = 100,
) -> list[Solution]:
    """All Nash equilibria Gambit finds, for one draw of the parameters.

    Parameters
    ----------
    game : Game
    draws : Draws or None
        One draw (default: the nominal values).
    algorithm : {"auto", "lcp", "enumpoly", "lp"}
        ``auto`` uses ``lcp`` for two players and ``enumpoly`` otherwise.
    max_equilibria : int
        Stop after this many.

    Returns
    -------
    list of Solution
        One per equilibrium (method ``"nash"``), in Gambit's order.

    Raises
    ------
    MissingDependencyError
        Without pygambit.
    SolveError
        For several draws, or an algorithm that does not fit the game.

    Examples
    --------
    >>> import escalade
    >>> eqs = escalade.solve("beer-quiche", method="nash")  # doctest: +SKIP
    """
    if algorithm not in NASH_ALGORITHMS:
        raise SolveError(
            f"unknown Nash algorithm {algorithm!r}; expected one of {', '.join(NASH_ALGORITHMS)}"
        )
    d = resolve_draws(game, draws)
    if d.n_draws != 1:
        raise SolveError(
            f"exact Nash equilibria are computed for one draw at a time; "
            f"found {d.n_draws} draws (use --method qre for batches)"
        )
    gbt = _pygambit()
    values = game.evaluate(d)
    table = isinstance(game.source, StrategicForm)
    try:
        if table:
            g = gbt.read_nfg(io.StringIO(write_nfg(game, values)))
        else:
            g = gbt.read_efg(io.StringIO(write_efg(game, values)))
    except Exception as exc:  # pragma: no cover - our writer's output is valid
        raise SolveError(f"pygambit could not read the game: {exc}") from None
    if algorithm == "auto":
        algorithm = "lcp" if game.n_players == 2 else "enumpoly"
    if algorithm in ("lcp", "lp") and game.n_players != 2:
        raise SolveError(
            f"{algorithm} works for two-player games; {game.name} has "
            f"{game.n_players} players (use enumpoly)"
        )
    try:
        if algorithm == "lcp" and table:
            result = gbt.nash.lcp_solve(g, rational=False, stop_after=max_equilibria)
        elif algorithm == "lcp" and _strategic_form_is_small(game):
            result = gbt.nash.lcp_solve(
                g, rational=False, use_strategic=True, stop_after=max_equilibria
            )
        elif algorithm == "lcp":
            # pygambit refuses stop_after on the tree: the sequence form gives one.
            result = gbt.nash.lcp_solve(g, rational=False)
        elif algorithm == "lp":
            if not g.is_const_sum:
                raise SolveError("lp needs a constant-sum game; use lcp")
            result = gbt.nash.lp_solve(g, rational=False)
        else:
            result = gbt.nash.enumpoly_solve(g, stop_after=max_equilibria)
    except SolveError:
        raise
    except Exception as exc:
        raise SolveError(f"Gambit's {algorithm} failed on {game.name}: {exc}") from None
    return [
        _solution_from_profile(
            game, d, values, profile if table else _as_behaviour(profile), g, algorithm
        )
        for profile in result.equilibria[:max_equilibria]
    ]


def _strategic_form_is_small(game: Game) -> bool:
    """Whether every player has at most MAX_STRATEGIES pure (unreduced) strategies."""
    sizes = np.diff(game.infoset_actions).astype(np.float64)
    for p in range(game.n_players):
        if np.prod(sizes[game.infoset_player == p]) > MAX_STRATEGIES:
            return False
    return True


def _as_behaviour(profile: Any) -> Any:
    """A Gambit behaviour profile (strategic-form solvers return mixed strategies)."""
    convert = getattr(profile, "as_behavior", None)
    return convert() if convert is not None else profile


def _solution_from_profile(
    game: Game, draws: Draws, values: GameValues, profile: Any, g: Any, algorithm: str
) -> Solution:
    sigma = np.full(game.n_actions, np.nan)
    if not g.is_tree:
        # a table read from .nfg: player i chooses at escalade's information set i
        for i, player in enumerate(g.players):
            lo = int(game.infoset_actions[i])
            for j, strategy in enumerate(player.strategies):
                sigma[lo + j] = float(profile[strategy])
    else:
        # Gambit orders a player's information sets by its own walk of the tree, not by
        # the numbers in the file, so pair them through the nodes (children are in action
        # order on both sides).
        first = game.first_child
        stack = [(g.root, 0)]
        while stack:
            node, i = stack.pop()
            children = list(node.children)
            if children and not node.player.is_chance:
                lo = int(game.infoset_actions[game.infoset[i]])
                for j, action in enumerate(node.infoset.actions):
                    sigma[lo + j] = float(profile[action])
            stack.extend((child, int(first[i]) + j) for j, child in enumerate(children))
    # Strategic-form solvers work on reduced strategies, which say nothing about an
    # information set the player's own equilibrium choices never reach: such choices
    # are left unspecified (NaN) rather than shown as probabilities that sum to 0.
    played = sigma.copy()
    for h in range(game.n_infosets):
        lo, hi = int(game.infoset_actions[h]), int(game.infoset_actions[h + 1])
        if np.nan_to_num(sigma[lo:hi]).sum() < 1e-12:
            sigma[lo:hi] = np.nan
            played[lo:hi] = 1.0 / (hi - lo)
    tracer = QreEquations(game)
    with np.errstate(all="ignore"):
        ev = tracer.evaluate(np.log(played)[None, :], np.zeros(1), values, jacobian=False)
    reach = ev["reach"]
    beliefs = np.full((1, game.n_nodes), np.nan)
    for nodes in game.infoset_nodes:
        total = reach[nodes, 0].sum()
        if total > 0:
            beliefs[0, nodes] = reach[nodes, 0] / total
    return Solution(
        game=game,
        method="nash",
        payoffs=ev["W"][:, 0, :].T.copy(),
        outcomes=game.outcome_probabilities(reach).T,
        strategy_mean=sigma.copy(),
        draws=draws,
        strategies=sigma[None, :],
        beliefs=beliefs,
        converged=np.ones(1, dtype=bool),
        diagnostics={"algorithm": algorithm},
    )
