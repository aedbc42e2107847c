"""Solvers, batched over parameter draws, and the :class:`Solution` they return.

- :func:`spe` — subgame-perfect equilibrium by backward induction;
- :func:`logit_qre` — logit agent quantal response equilibrium;
- :func:`nash` — exact Nash equilibria through pygambit (optional extra);
- :func:`solve_game` — any of them by name.

Examples
--------
>>> from escalade.game import build_game
>>> from escalade.scenario import load_scenario
>>> from escalade.solvers import solve_game
>>> game = build_game(load_scenario("iig"))
>>> sol = solve_game(game, method="qre", lam=2.0, draws=1000, seed=1)
>>> sol.outcomes.shape
(1000, 8)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from escalade._results import Summary, Table
from escalade.errors import ParameterError, SolveError
from escalade.game import Game
from escalade.scenario import Draws, Seed
from escalade.solvers._forced import resolve_fixed
from escalade.solvers._logit import check_lam, logit_qre
from escalade.solvers._nash import NASH_ALGORITHMS, NASH_TIMEOUT, nash
from escalade.solvers._solution import Solution
from escalade.solvers._spe import spe
from escalade.solvers._values import StageSolution, solve_values

__all__ = [
    "DEFAULT_LAM",
    "METHODS",
    "NASH_ALGORITHMS",
    "NASH_TIMEOUT",
    "Solution",
    "StageSolution",
    "Summary",
    "Table",
    "check_lam",
    "logit_qre",
    "nash",
    "resolve_fixed",
    "solve_game",
    "solve_values",
    "spe",
]

#: Solution methods by name.
METHODS = ("spe", "qre", "nash")
#: Logit precision of ``qre`` when none is given.
DEFAULT_LAM = 1.0


#: Said when lam is given to a method other than qre.
_LAM_QRE_ONLY = "lam applies to method='qre' only"


def solve_game(  # noqa: PLR0913 - keyword options, see Notes
    game: Game,
    draws: Draws | int | None = None,
    *,
    method: str = "qre",
    lam: float | None = None,
    seed: Seed = None,
    keep_strategies: bool = True,
    chunk_size: int | None = None,
    algorithm: str = "auto",
    fixed: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
) -> Solution | list[Solution]:
    """Solve a game by the named method.

    Parameters
    ----------
    game : Game
    draws : Draws, int or None
        Parameter draws; an int samples that many; ``None`` is the nominal values.
    method : {"spe", "qre", "nash"}
    lam : float, optional
        Logit precision for ``qre`` (default 1.0; ``inf`` for the limit).
    seed : int, Generator or None
    keep_strategies : bool
    chunk_size : int, optional
    algorithm : str
        Nash algorithm (see :func:`nash`); another than ``auto`` is refused with
        other methods.
    fixed : mapping, optional
        ``{infoset: {action: probability}}`` fixed in advance (not for ``nash``).
    progress : callable, optional
        ``progress(done, total)``: draws solved, or for ``nash`` seconds waited
        for Gambit and the time limit.
    timeout : float, optional
        Seconds Gambit may take (``nash`` only; default :data:`NASH_TIMEOUT`).

    Returns
    -------
    Solution, or a list of Solution for ``nash``.

    Notes
    -----
    The options are keyword-only and flat, the union of the solvers' own,
    as :func:`escalade.solve` and ``escalade solve`` take them.
    """
    if method not in METHODS:
        raise SolveError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if method != "nash":
        for name, given in (("algorithm", algorithm != "auto"), ("timeout", timeout is not None)):
            if given:
                raise ParameterError(
                    f"{name} applies to method='nash' only, not {method!r}",
                    arguments=(name, "method"),
                )
    if method == "spe":
        if lam is not None:
            raise ParameterError(_LAM_QRE_ONLY, arguments=("lam", "method"))
        return spe(
            game,
            draws,
            seed=seed,
            keep_strategies=keep_strategies,
            chunk_size=chunk_size,
            fixed=fixed,
            progress=progress,
        )
    if method == "qre":
        return logit_qre(
            game,
            draws,
            lam=DEFAULT_LAM if lam is None else lam,
            seed=seed,
            keep_strategies=keep_strategies,
            chunk_size=chunk_size,
            fixed=fixed,
            progress=progress,
        )
    if method == "nash":
        if lam is not None:
            raise ParameterError(_LAM_QRE_ONLY, arguments=("lam", "method"))
        if fixed:
            raise ParameterError(
                "fixed choices are not supported with method='nash'", arguments=("method",)
            )
        return nash(
            game,
            draws,
            algorithm=algorithm,
            timeout=NASH_TIMEOUT if timeout is None else timeout,
            progress=progress,
        )
    raise SolveError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
