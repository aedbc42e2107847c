"""Exact Nash equilibria through pygambit (the optional ``gambit`` extra).

The game, at one draw of its parameters, is handed to Gambit as .efg text
(or as .nfg text for a game read from a table, so that Gambit works on the
table itself) and solved with ``lcp_solve`` (two players) or
``enumpoly_solve`` (any number of players), or ``lp_solve`` for two-player
constant-sum games when asked. Gambit runs in a child process
(:mod:`._gambit_process`) with a time limit, so that a crash inside
Gambit, or a computation that would take hours, ends with a
:class:`SolveError` naming the algorithm rather than taking the caller
down.

``lcp`` on a tree: Gambit's LCP on the sequence form (Koller, Megiddo and
von Stengel 1996) stops at one equilibrium, while Lemke-Howson on the
strategic form lists every equilibrium its paths reach, which tells
whether the equilibrium found is the only one they see. The strategic form
is used while each player has at most :data:`MAX_STRATEGIES` pure
strategies (the product of the numbers of actions at the player's
information sets); it grows exponentially with the information sets, so
beyond that the sequence form is used. Each equilibrium comes back as a
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

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from escalade.errors import MissingDependencyError, SolveError
from escalade.game import Game, GameValues, StrategicForm, write_efg, write_nfg
from escalade.scenario import Draws
from escalade.solvers._batch import resolve_draws
from escalade.solvers._gambit_process import GambitCrashed, GambitTimedOut, ask_gambit
from escalade.solvers._logit_equations import QreEquations
from escalade.solvers._solution import Solution

__all__ = ["NASH_ALGORITHMS", "NASH_TIMEOUT", "nash"]

#: Algorithms accepted by :func:`nash`.
NASH_ALGORITHMS = ("auto", "lcp", "enumpoly", "lp")
#: Largest number of pure strategies per player for which ``lcp`` enumerates
#: equilibria on the strategic form rather than finding one on the sequence form.
MAX_STRATEGIES = 512
#: Seconds Gambit may take by default before it is stopped.
NASH_TIMEOUT = 60.0


def _check_pygambit() -> None:
    if importlib.util.find_spec("pygambit") is None:
        raise MissingDependencyError(
            "exact Nash equilibria need pygambit, an optional extra: pip install 'escalade[gambit]'"
        )


def nash(
    game: Game,
    draws: Draws | int | None = None,
    *,
    algorithm: str = "auto",
    max_equilibria: int = 100,
    timeout: float = NASH_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
) -> list[Solution]:
    """All Nash equilibria Gambit finds, for one draw of the parameters.

    Parameters
    ----------
    game : Game
    draws : Draws or None
        One draw (default: the nominal values).
    algorithm : {"auto", "lcp", "enumpoly", "lp"}
        ``auto`` uses ``lcp`` for two players and ``enumpoly`` otherwise.
        ``lcp`` works on the strategic form while each player has at most
        512 pure strategies (listing every equilibrium its paths reach), on
        the sequence form beyond (one equilibrium).
    max_equilibria : int
        Stop after this many.
    timeout : float
        Seconds Gambit may take (``inf`` for no limit); Gambit is then stopped.
    progress : callable, optional
        Called as ``progress(seconds_waited, timeout)`` about twice a second
        while Gambit works (``timeout`` 0 when there is no limit).

    Returns
    -------
    list of Solution
        One per equilibrium (method ``"nash"``), in Gambit's order.

    Raises
    ------
    MissingDependencyError
        Without pygambit.
    SolveError
        For several draws, an algorithm that does not fit the game (such as
        any of them on a game of imperfect recall), a game without decisions,
        a crash inside Gambit, or no answer within ``timeout``.

    Examples
    --------
    >>> import escalade
    >>> eqs = escalade.solve("beer-quiche", method="nash")  # doctest: +SKIP
    """
    if algorithm not in NASH_ALGORITHMS:
        raise SolveError(
            f"unknown Nash algorithm {algorithm!r}; expected one of {', '.join(NASH_ALGORITHMS)}"
        )
    if not timeout > 0:
        raise SolveError(
            f"timeout must be a number of seconds > 0 (or inf), found {timeout!r}",
            arguments=("timeout",),
        )
    d = resolve_draws(game, draws)
    if d.n_draws != 1:
        raise SolveError(
            f"exact Nash equilibria are computed for one draw at a time; "
            f"found {d.n_draws} draws (use method='qre' for batches)",
            arguments=("method",),
        )
    if game.n_infosets == 0:
        raise SolveError(
            f"{game.name} has no decision node: nobody chooses anything, so there is no "
            "equilibrium to compute (the outcome probabilities come from chance alone; "
            "method='qre' or method='spe' shows them)",
            arguments=("method",),
        )
    if algorithm == "auto":
        algorithm = "lcp" if game.n_players == 2 else "enumpoly"
    if algorithm in ("lcp", "lp") and game.n_players != 2:
        raise SolveError(
            f"{algorithm} works for two-player games; {game.name} has "
            f"{game.n_players} players (use enumpoly)"
        )
    _check_pygambit()
    values = game.evaluate(d)
    table = isinstance(game.source, StrategicForm)
    request = {
        "format": "nfg" if table else "efg",
        "text": write_nfg(game, values) if table else write_efg(game, values),
        "algorithm": algorithm,
        "strategic": algorithm == "lcp" and not table and _strategic_form_is_small(game),
        "stop_after": max_equilibria,
    }
    reply = _ask(game, algorithm, request, timeout, progress)
    return [
        _solution_from_profile(game, d, values, _sigma(game, table, eq), algorithm)
        for eq in reply["equilibria"]
    ]


#: What to try instead of each algorithm when it crashes or runs out of time.
_INSTEAD = {
    "lcp": "try algorithm='enumpoly', or the logit QRE's limit (method='qre', lam=inf)",
    "lp": "try algorithm='lcp'",
    "enumpoly": "try the logit QRE's limit (method='qre', lam=inf), one equilibrium",
}
#: The arguments those messages name.
_NAMED = ("algorithm", "method", "lam", "timeout")


def _ask(
    game: Game,
    algorithm: str,
    request: dict[str, Any],
    timeout: float,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    """Gambit's reply, or the SolveError that says what went wrong and what to try."""
    instead = _INSTEAD[algorithm]
    if algorithm == "enumpoly" and game.n_players == 2:
        instead = "try algorithm='lcp', " + instead.removeprefix("try ")
    try:
        reply = ask_gambit(request, timeout=timeout, progress=progress)
    except GambitTimedOut:
        raise SolveError(
            f"Gambit's {algorithm} found no answer for {game.name} within {timeout:g} s and "
            f"was stopped; {instead}, or allow more time with timeout=SECONDS",
            arguments=_NAMED,
        ) from None
    except GambitCrashed as exc:
        raise SolveError(
            f"Gambit's {algorithm} crashed on {game.name} ({exc}); {instead}", arguments=_NAMED
        ) from None
    if reply.get("refused") == "imperfect_recall":
        raise SolveError(
            f"{game.name} is a game of imperfect recall (a player does not remember what "
            f"it knew or did earlier), and Gambit's Nash algorithms, {algorithm} included, "
            "need perfect recall; the logit QRE handles imperfect recall: method='qre' "
            "(with lam=inf for its limit)",
            arguments=("method", "lam"),
        )
    if reply.get("refused") == "not_constant_sum":
        raise SolveError(f"lp needs a constant-sum game, and {game.name} is not; use lcp")
    if "error" in reply:
        raise SolveError(f"Gambit's {algorithm} failed on {game.name}: {reply['error']}")
    return reply


def _sigma(game: Game, table: bool, equilibrium: list[list[float]]) -> np.ndarray:
    """Action probabilities in escalade's order from the worker's lists."""
    sigma = np.full(game.n_actions, np.nan)
    if table:
        # a table read from .nfg: player i chooses at escalade's information set i
        for i, probs in enumerate(equilibrium):
            lo = int(game.infoset_actions[i])
            sigma[lo : lo + len(probs)] = probs
        return sigma
    # The worker lists the decision nodes of Gambit's tree depth first; escalade's tree
    # is walked the same way (children are in action order on both sides), which pairs
    # Gambit's information sets, numbered by its own walk, with escalade's.
    first, count = game.first_child, game.n_children
    rows = iter(equilibrium)
    stack = [0]
    while stack:
        i = stack.pop()
        if count[i] and game.infoset[i] >= 0:
            lo = int(game.infoset_actions[game.infoset[i]])
            probs = next(rows)
            sigma[lo : lo + len(probs)] = probs
        stack.extend(range(int(first[i]), int(first[i] + count[i])))
    return sigma


def _strategic_form_is_small(game: Game) -> bool:
    """Whether every player has at most MAX_STRATEGIES pure (unreduced) strategies."""
    sizes = np.diff(game.infoset_actions).astype(np.float64)
    for p in range(game.n_players):
        if np.prod(sizes[game.infoset_player == p]) > MAX_STRATEGIES:
            return False
    return True


def _solution_from_profile(
    game: Game, draws: Draws, values: GameValues, sigma: np.ndarray, algorithm: str
) -> Solution:
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
