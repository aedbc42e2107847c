"""Logit agent quantal response equilibrium (QRE), batched over draws.

At each information set the mover plays action ``a`` with probability
proportional to ``exp(lam * v_a)``, where ``v_a`` is the expected payoff
of ``a`` given the information set is reached, with beliefs from the
profile itself. Payoffs are used raw, with the same ``lam`` as Gambit's
``pygambit.qre.logit_solve_lambda``, so the two can be compared number
for number.

Perfect-information games are solved in closed form by one backward pass
(the QRE is unique there). Games with information sets are solved by
tracing the principal branch from ``lam = 0`` (see ``_logit_trace``).
``lam = inf`` gives the limit: subgame-perfect equilibrium with ties
split for perfect information, the end of the principal branch
otherwise (the logit equilibrium selection).

References
----------
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria
for normal form games. Games and Economic Behavior 10, 6-38.
McKelvey, R. D. and Palfrey, T. R. (1998). Quantal response equilibria
for extensive form games. Experimental Economics 1, 9-41.
Signorino, C. S. (1999). Strategic interaction and the statistical
analysis of international conflict. APSR 93, 279-297.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping

import numpy as np

from escalade.errors import ConvergenceWarning, ParameterError
from escalade.game import Game, GameValues
from escalade.scenario import Draws, Seed
from escalade.solvers._backward import ChunkResult, logit_rule
from escalade.solvers._batch import Batch, resolve_draws
from escalade.solvers._forced import resolve_fixed
from escalade.solvers._logit_trace import Tracer
from escalade.solvers._solution import Solution

__all__ = ["check_lam", "logit_qre"]


def check_lam(lam: float | str | None) -> float:
    """Validate a logit precision: a number >= 0, or ``inf``."""
    if lam is None:
        raise ParameterError("logit QRE needs lam (the precision, >= 0; inf for the limit)")
    try:
        value = float(lam)
    except (TypeError, ValueError):
        raise ParameterError(
            f"lam must be a number >= 0 or inf, found {lam!r}", arguments=("lam",)
        ) from None
    if math.isnan(value) or value < 0:
        raise ParameterError(f"lam must be a number >= 0 or inf, found {lam!r}", arguments=("lam",))
    return value


def _check_lam_array(lam: np.ndarray, n: int) -> np.ndarray:
    lam = np.asarray(lam, dtype=np.float64)
    if lam.shape != (n,):
        raise ParameterError(
            f"lam must be a number or one value per draw ({n}), found shape {lam.shape}"
        )
    if not np.isfinite(lam).all() or (lam < 0).any():
        raise ParameterError("per-draw lam values must be finite and >= 0")
    return lam


def logit_qre(  # noqa: PLR0913 - keyword options, see Notes
    game: Game,
    draws: Draws | int | None = None,
    *,
    lam: float | np.ndarray,
    seed: Seed = None,
    keep_strategies: bool = True,
    chunk_size: int | None = None,
    tol: float = 1e-12,
    fixed: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Solution:
    """Logit agent QRE at precision ``lam``, per draw.

    Parameters
    ----------
    game : Game
    draws : Draws, int or None
        Parameter draws; an int samples that many; ``None`` is the nominal values.
    lam : float or ndarray of shape (n_draws,)
        Precision (rationality): 0 is uniform play, ``inf`` the limit. An
        array gives each draw its own finite precision (perfect-information
        games).
    seed : int, Generator or None
        Used when ``draws`` is an int.
    keep_strategies : bool
        Keep per-draw strategies (the mean is always kept).
    chunk_size : int, optional
        Draws per chunk.
    tol : float
        Residual tolerance of the equations (games with information sets).
    fixed : mapping, optional
        ``{infoset: {action: probability}}`` fixed in advance (a policy's
        commitments); the other choices respond to them.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    Solution
        With ``converged`` per draw; games with information sets also get
        ``beliefs`` and diagnostics (``residual``, ``steps``, ``lam_reached``).

    Warns
    -----
    ConvergenceWarning
        If some draws did not converge (they are flagged, never dropped).

    Notes
    -----
    The options are keyword-only and flat, as :func:`solve_game` and
    ``escalade solve`` take them.

    Examples
    --------
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> g = build_game(load_scenario("iig"))
    >>> sol = logit_qre(g, lam=0.0)
    >>> round(sol.outcome_probability("SQ"), 6)
    0.25
    """
    d = resolve_draws(game, draws, seed)
    batch = Batch(
        game, d, keep_strategies=keep_strategies, chunk_size=chunk_size, progress=progress
    )
    preset = resolve_fixed(game, fixed)
    lam_value: float | np.ndarray
    if isinstance(lam, np.ndarray):
        lam_value = _check_lam_array(lam, d.n_draws)
        if not game.is_perfect_information:
            raise ParameterError("per-draw lam needs a perfect-information game")
    else:
        lam_value = check_lam(lam)
    if game.is_perfect_information:
        return batch.perfect_information(
            logit_rule(lam_value),
            method="qre",
            lam=None if isinstance(lam_value, np.ndarray) else lam_value,
            fixed=preset,
        )
    lam = float(lam_value)
    tracer = Tracer(game, fixed=preset)
    n = d.n_draws
    converged = np.zeros(n, dtype=bool)
    residual = np.zeros(n)
    steps = np.zeros(n, dtype=np.int64)
    lam_reached = np.zeros(n)
    beliefs = np.empty((n, game.n_nodes))

    def solve_chunk(values: GameValues, part: slice, dest: ChunkResult) -> ChunkResult:
        r = tracer.trace(values, lam, tol=tol)
        converged[part] = r.converged
        residual[part] = r.residual
        steps[part] = r.steps
        lam_reached[part] = r.lam
        beliefs[part] = r.beliefs
        sigma = np.exp(r.z)
        return ChunkResult(
            payoffs=r.payoffs,
            outcomes=game.outcome_probabilities(r.reach).T,
            strategies=sigma,
            reach=None,
        )

    per_draw = tracer.per_draw()
    sol = batch.run(solve_chunk, method="qre", lam=lam, per_draw=per_draw)
    sol.converged = converged
    sol.beliefs = beliefs
    sol.diagnostics.update(
        residual=residual, steps=steps, lam_reached=lam_reached, solver="principal-branch trace"
    )
    if not converged.all():
        bad = int((~converged).sum())
        warnings.warn(
            f"{game.name}: logit QRE did not converge on {bad} of {n} draws; they are flagged "
            "in Solution.converged",
            ConvergenceWarning,
            stacklevel=2,
        )
    return sol
