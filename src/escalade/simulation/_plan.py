"""What a simulation and its value computation share about one scenario and policy.

A :class:`Plan` fixes the scenario, its stage game, the policy and how
each stage game is solved. This module also holds the small pieces of
bookkeeping that the simulated runs and the value computation must do
alike, so that what actors expect is what the simulation scores:

- :func:`annuity`, the weight of a payoff that recurs for the periods left;
- :func:`stage_lam`, each run's logit precision in a period;
- :func:`solve_stage`, a batch of stage games solved as the plan says;
- :func:`range_error`, an expression's value out of range, at its place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError, ScenarioError
from escalade.game import Game, GameValues
from escalade.scenario import Dynamics, Formula, Policy, Scenario
from escalade.solvers import StageSolution, solve_values

__all__ = ["OutcomeGroup", "Plan", "annuity", "range_error", "solve_stage", "stage_lam"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class OutcomeGroup:
    """Outcomes that do not end the run and change the state alike (the same ``then:``).

    Attributes
    ----------
    outcomes : ndarray of int
        The outcomes of the group.
    then : tuple of (str, Formula)
        Their common ``then:``.
    """

    outcomes: IntArray
    then: tuple[tuple[str, Formula], ...]


@dataclass(frozen=True)
class Plan:
    """What every chunk of one simulation shares.

    Attributes
    ----------
    fixed : ndarray of shape (n_actions,) or None
        The policy's forced choices (NaN where the players choose).
    horizon : int
        Number of periods.
    lam : float or None
        Logit precision overriding the scenario's ``rationality``.
    method : {"qre", "spe"}
        How each stage game is solved.
    """

    scenario: Scenario
    game: Game
    dynamics: Dynamics
    policy: Policy
    fixed: FloatArray | None
    horizon: int
    lam: float | None
    method: str

    @property
    def levers(self) -> dict[str, float]:
        """The policy's lever settings."""
        return dict(self.policy.levers)

    @cached_property
    def ending(self) -> BoolArray:
        """Which outcomes end a run (``end: true``), shape (n_outcomes,)."""
        return np.array([o.end for o in self.scenario.outcomes], dtype=bool)

    @cached_property
    def groups(self) -> tuple[OutcomeGroup, ...]:
        """The outcomes that do not end a run, grouped by their ``then:``.

        Outcomes with the same assignments (by their text) lead to the
        same state, so what follows them is computed once.
        """
        by_key: dict[tuple[tuple[str, str], ...], list[int]] = {}
        then_of: dict[tuple[tuple[str, str], ...], tuple[tuple[str, Formula], ...]] = {}
        for k, outcome in enumerate(self.scenario.outcomes):
            if outcome.end:
                continue
            key = tuple((target, f.text) for target, f in outcome.then)
            by_key.setdefault(key, []).append(k)
            then_of.setdefault(key, outcome.then)
        return tuple(
            OutcomeGroup(np.array(ks, dtype=np.int64), then_of[key]) for key, ks in by_key.items()
        )

    @cached_property
    def group_of(self) -> IntArray:
        """The group of each outcome (-1 for outcomes that end the run)."""
        out = np.full(self.game.n_outcomes, -1, dtype=np.int64)
        for g, group in enumerate(self.groups):
            out[group.outcomes] = g
        return out


def annuity(delta: FloatArray | float, n: int) -> FloatArray:
    """``delta + delta**2 + ... + delta**n``: the weight of a payoff recurring ``n`` periods.

    Measured in the utility of the period before the first of them; ``n``
    when ``delta`` is 1. Computed as ``delta * (delta**n - 1) / (delta - 1)``
    through ``expm1``, accurate also for ``delta`` near 1.

    Examples
    --------
    >>> annuity(np.array([0.5, 1.0]), 3).tolist()
    [0.875, 3.0]
    """
    d = np.asarray(delta, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = d * np.expm1(n * np.log(d)) / (d - 1.0)
    return np.where(d == 1.0, float(n), geometric)


def stage_lam(
    plan: Plan,
    env: Mapping[str, Any],
    m: int,
    *,
    runs: IntArray | None = None,
    where: str = "run",
) -> FloatArray:
    """The logit precision of ``m`` stage games in ``env``: ``plan.lam`` or ``rationality``
    (``runs`` and ``where`` name them in messages, see :func:`range_error`)."""
    if plan.lam is not None:
        lam = np.full(m, float(plan.lam))
    else:
        rationality = plan.dynamics.rationality
        lam = np.broadcast_to(rationality.evaluate(env, n_draws=m), (m,)).copy()
        if (lam < 0).any():
            raise range_error(
                rationality, lam, lam < 0, env, runs, "a value of 0 or more", where=where
            )
    if (lam < 0).any() or not np.isfinite(lam).all():
        raise ParameterError("rationality (lambda) must be finite and >= 0 in every run")
    return lam


def solve_stage(
    plan: Plan,
    payoffs: FloatArray,
    chance: FloatArray,
    lam: FloatArray,
    *,
    keep_strategies: bool = False,
) -> StageSolution:
    """Stage games with these payoffs (n_rows, n_outcomes, n_players), solved by the
    plan's method, with the policy's choices forced."""
    return solve_values(
        plan.game,
        GameValues(payoffs, chance),
        method=plan.method,
        lam=lam,
        fixed=plan.fixed,
        keep_strategies=keep_strategies,
    )


def range_error(
    formula: Formula,
    values: FloatArray,
    bad: BoolArray,
    env: Mapping[str, Any],
    runs: IntArray | int | None,
    expected: str,
    *,
    where: str = "run",
) -> ScenarioError:
    """An expression's value out of its range in some runs, at the expression's place.

    ``runs`` numbers the entries of ``values`` (an offset when they are all runs
    of a chunk); the message names the first bad run (``where`` says what the
    entries are: runs, worlds; with ``runs=None``, states looked ahead to, whose
    numbers mean nothing to a reader: ``where`` then says where, such as "a
    state of period 2") and the values of the expression's names there.
    """
    i = int(np.flatnonzero(bad)[0])
    if runs is None:
        place, many = where, "states"
    else:
        run = int(runs[i]) if isinstance(runs, np.ndarray) else runs + i
        place, many = f"{where} {run}", f"{where}s"
    names = ", ".join(f"{name}={_at(env[name], i):.6g}" for name in sorted(formula.expr.names))
    message = (
        f"{formula.what}: {formula.text!r} gives {float(values[i]):.6g} in {place}"
        + (f" where {names}" if names else "")
        + f" ({int(bad.sum())} of {bad.size} {many} affected); expected {expected}"
    )
    loc = formula.loc
    if loc is None:  # pragma: no cover - formulas read from files have a place
        return ScenarioError(message)
    return loc.error(message)


def _at(value: Any, i: int) -> float:
    """Entry ``i`` of a value of the environment (scalars are the same in every run)."""
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    return float(arr[i] if arr.size > i else arr[0])
