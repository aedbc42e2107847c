"""One chunk of runs played period by period: the steps of a simulated year.

A :class:`Chunk` holds the state of up to ``chunk_size`` runs that advance
together (state variables, which runs are still going, utility so far,
what has ever happened, the discount factor) and plays a period in named
steps, each a method:

1. :meth:`Chunk.stage` — the period's environment for the live runs
   (parameters, levers, state, derived values) and the stage game's
   payoffs and rationality;
2. :meth:`Chunk.solve` — the stage game's equilibrium outcome
   probabilities (forced choices played as given);
3. :meth:`Chunk.play_outcome` — one outcome drawn per run: its payoffs
   accrue, discounted; its ``then:`` changes the state; ``end: true``
   ends the run and its payoffs recur to the horizon;
4. :meth:`Chunk.fire_events` — each event with its probability and
   condition;
5. :meth:`Chunk.update` — the state moves by ``update:``.

Random numbers are drawn first in every period, for every run, ended or
not, so that the numbers a run sees do not depend on what the others do.
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
from escalade.scenario import Draws, Dynamics, Formula, Policy, Scenario
from escalade.solvers import solve_values

__all__ = ["Chunk", "Plan", "Stage"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


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


@dataclass(frozen=True)
class Stage:
    """A period's stage game for the runs still going.

    Attributes
    ----------
    runs : ndarray of int, shape (n_live,)
        Which runs of the chunk (indices into its arrays).
    env : dict of str to ndarray
        Their environment: parameters, levers, state, ``period``, derived values.
    values : GameValues
        Their stage payoffs, shape (n_live, n_outcomes, n_players), and
        chance probabilities.
    lam : ndarray of shape (n_live,)
        Their logit precision.
    """

    runs: IntArray
    env: dict[str, Any]
    values: GameValues
    lam: FloatArray


class Chunk:
    """The runs of one chunk and what has happened to them so far.

    Parameters
    ----------
    plan : Plan
    draws : Draws
        Parameter values, one per run (``n_draws`` runs).
    rng : numpy.random.Generator
        The chunk's own random numbers.
    offset : int
        Number of the chunk's first run (for messages).
    streams : ndarray of int, shape (n_runs,), optional
        Runs with the same stream number draw the same random numbers.

    Attributes
    ----------
    state : dict of str to ndarray of shape (n_runs,)
        The state variables.
    alive : ndarray of bool, shape (n_runs,)
        Runs not yet ended.
    utility : ndarray of shape (n_runs, n_players)
        Discounted payoffs accrued so far.
    ever_outcome, ever_event : ndarray of bool, shape (n_runs, n_outcomes / n_events)
        What has happened at least once.
    fired : ndarray of bool, shape (n_runs, n_events)
        The events that fired in the last period whose events were fired.
    ended_in : ndarray of shape (n_periods, n_outcomes)
        Runs that had ended in each outcome by each period.
    delta : ndarray of shape (n_runs,)
        Each run's discount factor; ``discount`` is ``delta ** (t - 1)`` in period ``t``.
    """

    def __init__(
        self,
        plan: Plan,
        draws: Draws,
        rng: np.random.Generator,
        *,
        offset: int = 0,
        streams: IntArray | None = None,
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.offset = offset
        self.streams = streams
        self.n = n = draws.n_draws
        self._draws = _LiveDraws(draws)
        dyn, game = plan.dynamics, plan.game
        env0 = plan.scenario.environment(draws, extra={"period": 1.0}, levers=plan.levers)
        self.state = {
            v.name: np.broadcast_to(np.asarray(env0[v.name], dtype=np.float64), (n,)).copy()
            for v in dyn.state
        }
        self.delta = np.broadcast_to(dyn.discount.evaluate(env0, n_draws=n), (n,)).copy()
        bad = (self.delta <= 0) | (self.delta > 1)
        if bad.any():
            raise _range_error(dyn.discount, self.delta, bad, env0, offset, "a value in (0, 1]")
        self.alive = np.ones(n, dtype=bool)
        self.utility = np.zeros((n, game.n_players))
        self.ever_outcome = np.zeros((n, game.n_outcomes), dtype=bool)
        self.ever_event = np.zeros((n, len(dyn.events)), dtype=bool)
        self.ended_in = np.zeros((plan.horizon, game.n_outcomes))
        self.discount = np.ones(n)
        self.fired = np.zeros((n, len(dyn.events)), dtype=bool)
        # the environment of the live runs this period, until the state changes or runs end
        self._env: tuple[IntArray, dict[str, Any]] | None = None

    # ------------------------------------------------------------------ a period
    def play_period(self, t: int) -> None:
        """Play period ``t`` (1-based) for every run still going."""
        u_outcome, u_events = self._uniforms()
        self._env = None
        stage = self.stage(t)
        if stage is not None:
            self.play_outcome(t, stage, self.solve(stage), u_outcome[stage.runs])
            if self.plan.dynamics.events and self.alive.any():
                self.fire_events(t, u_events)
            if self.plan.dynamics.update and self.alive.any():
                self.update(t)
        self.discount *= self.delta

    def _uniforms(self) -> tuple[FloatArray, FloatArray]:
        """This period's random numbers: one for the outcome, one per event, for every run."""
        n_streams = self.n if self.streams is None else int(self.streams.max()) + 1
        u_outcome = self.rng.random(n_streams)
        u_events = self.rng.random((n_streams, len(self.plan.dynamics.events)))
        if self.streams is not None:
            return u_outcome[self.streams], u_events[self.streams]
        return u_outcome, u_events

    def environment(self, t: int) -> tuple[IntArray, dict[str, Any]]:
        """The live runs and their environment in period ``t`` (kept until it goes stale)."""
        if self._env is None:
            runs = np.flatnonzero(self.alive)
            values: dict[str, Any] = {k: v[runs] for k, v in self.state.items()}
            values["period"] = float(t)
            env = self.plan.scenario.environment(
                self._draws.take(runs), extra=values, levers=self.plan.levers
            )
            self._env = (runs, env)
        return self._env

    def stage(self, t: int) -> Stage | None:
        """The stage game of period ``t`` for the live runs, or None when none is left."""
        if not self.alive.any():
            return None
        runs, env = self.environment(t)
        m = runs.size
        values = self.plan.game.values_from_env(env, m)
        rationality = self.plan.dynamics.rationality
        if self.plan.lam is not None:
            lam = np.full(m, float(self.plan.lam))
        else:
            lam = np.broadcast_to(rationality.evaluate(env, n_draws=m), (m,)).copy()
            if (lam < 0).any():
                raise _range_error(
                    rationality, lam, lam < 0, env, self.offset + runs, "a value of 0 or more"
                )
        if (lam < 0).any() or not np.isfinite(lam).all():
            raise ParameterError("rationality (lambda) must be finite and >= 0 in every run")
        return Stage(runs, env, values, lam)

    def solve(self, stage: Stage) -> FloatArray:
        """Equilibrium outcome probabilities of the stage game, shape (n_live, n_outcomes)."""
        plan = self.plan
        sol = solve_values(
            plan.game, stage.values, method=plan.method, lam=stage.lam, fixed=plan.fixed
        )
        return sol.outcomes

    def play_outcome(self, t: int, stage: Stage, probs: FloatArray, u: FloatArray) -> None:
        """Draw each live run's outcome from ``probs`` with its uniform ``u`` and apply it."""
        runs, n_out = stage.runs, self.plan.game.n_outcomes
        cdf = np.cumsum(probs, axis=1)
        o = np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=1), n_out - 1)
        gain = stage.values.payoffs[np.arange(runs.size), o, :]
        self.utility[runs] += self.discount[runs, None] * gain
        self.ever_outcome[runs, o] = True
        for k, outcome in enumerate(self.plan.scenario.outcomes):
            if outcome.then:
                hit = o == k
                if hit.any():
                    self._assign(outcome.then, stage.env, runs, hit)
        ends = self.plan.ending[o]
        if ends.any():
            gone = runs[ends]
            self._end(gone, gain[ends], t)
            self.ended_in[t - 1 :, :] += np.bincount(o[ends], minlength=n_out)

    def fire_events(self, t: int, u: FloatArray) -> None:
        """Fire each event, in order, for the runs still going; ``u`` per run and event."""
        runs, env = self.environment(t)
        game, m = self.plan.game, runs.size
        still = np.ones(m, dtype=bool)
        # which events fired this period, run by run (``ever_event`` keeps them all)
        self.fired = np.zeros((self.n, len(self.plan.dynamics.events)), dtype=bool)
        for j, ev in enumerate(self.plan.dynamics.events):
            p = ev.probability.evaluate(env, n_draws=m)
            bad = (p < -1e-12) | (p > 1 + 1e-12)
            if bad.any():
                raise _range_error(
                    ev.probability, p, bad, env, self.offset + runs, "a probability in [0, 1]"
                )
            fire = still & (u[runs, j] < p)
            if ev.when is not None:
                fire &= ev.when.evaluate(env, n_draws=m) != 0
            if not fire.any():
                continue
            self.ever_event[runs[fire], j] = True
            self.fired[runs[fire], j] = True
            self._assign(ev.then, env, runs, fire)
            if ev.end is not None:
                k = game.outcomes.index(ev.end)
                gone = runs[fire]
                payoff = game.values_from_env(_subset(env, keep=fire), gone.size).payoffs
                self._end(gone, payoff[:, k, :], t)
                self.ever_outcome[gone, k] = True
                self.ended_in[t - 1 :, k] += gone.size
                still &= ~fire
            self._env = None

    def update(self, t: int) -> None:
        """Move the state by ``update:``, every new value computed from the same state."""
        runs, env = self.environment(t)
        dyn = self.plan.dynamics
        new_values = [(target, f.evaluate(env, n_draws=runs.size)) for target, f in dyn.update]
        for target, new in new_values:
            self.state[target][runs] = dyn.state_var(target).clip(new)
        self._env = None

    # ------------------------------------------------------------------ helpers
    def _assign(
        self,
        assignments: tuple[tuple[str, Formula], ...],
        env: Mapping[str, Any],
        runs: IntArray,
        where: BoolArray,
    ) -> None:
        """Set state variables of ``runs[where]`` to expressions computed in ``env``."""
        for target, formula in assignments:
            new = formula.evaluate(env, n_draws=runs.size)
            self.state[target][runs[where]] = self.plan.dynamics.state_var(target).clip(new[where])
            self._env = None

    def _end(self, gone: IntArray, gain: FloatArray, t: int) -> None:
        """End runs ``gone`` in period ``t``; their outcome's payoffs ``gain`` recur to the
        horizon, discounted."""
        delta, horizon = self.delta[gone], self.plan.horizon
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = np.where(
                np.isclose(delta, 1.0),
                float(horizon - t),
                (delta**t - delta**horizon) / (1.0 - delta),
            )
        self.utility[gone] += rest[:, None] * gain
        self.alive[gone] = False
        self._env = None

    # ------------------------------------------------------------------ the end
    def indicators(self) -> BoolArray:
        """Per-run value of each indicator, shape (n_runs, n_indicators).

        ``any_of`` indicators: whether any of their outcomes or events ever
        happened; ``at_end`` ones: their expression over the final state
        (``alive`` 1 for runs still going).
        """
        plan = self.plan
        flags = self.ever_flags()
        at_end = [j for j, ind in enumerate(plan.dynamics.indicators) if ind.at_end is not None]
        if not at_end:
            return flags
        values = {
            **self.state,
            "period": float(plan.horizon),
            "alive": self.alive.astype(np.float64),
        }
        env = plan.scenario.environment(self._draws.draws, extra=values, levers=plan.levers)
        for j in at_end:
            formula = plan.dynamics.indicators[j].at_end
            if formula is not None:
                flags[:, j] = formula.evaluate(env, n_draws=self.n) != 0
        return flags

    def ever_flags(self) -> BoolArray:
        """Per-run "ever happened" of each ``any_of`` indicator (``at_end`` ones are False)."""
        game, dyn = self.plan.game, self.plan.dynamics
        outcome_index = {o: k for k, o in enumerate(game.outcomes)}
        event_index = {e.name: k for k, e in enumerate(dyn.events)}
        flags = np.zeros((self.n, len(dyn.indicators)), dtype=bool)
        for j, ind in enumerate(dyn.indicators):
            for name in ind.any_of:
                if name in outcome_index:
                    flags[:, j] |= self.ever_outcome[:, outcome_index[name]]
                else:
                    flags[:, j] |= self.ever_event[:, event_index[name]]
        return flags


class _LiveDraws:
    """The parameter draws of the live runs, taken anew only when runs have ended.

    Runs only ever end, so the number of live runs tells which they are.
    """

    def __init__(self, draws: Draws) -> None:
        self.draws = draws
        self.live = draws

    def take(self, idx: IntArray) -> Draws:
        if self.live.n_draws != idx.size:
            self.live = self.draws.take(idx)
        return self.live


def _subset(env: Mapping[str, Any], *, keep: BoolArray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in env.items():
        arr = np.asarray(v)
        out[k] = arr[keep] if arr.ndim == 1 and arr.shape[0] == keep.shape[0] else v
    return out


def _range_error(
    formula: Formula,
    values: FloatArray,
    bad: BoolArray,
    env: Mapping[str, Any],
    runs: IntArray | int,
    expected: str,
) -> ScenarioError:
    """An expression's value out of its range in some runs, at the expression's place.

    ``runs`` numbers the entries of ``values`` (an offset when they are all runs
    of a chunk); the message names the first bad run and the values of the
    expression's names there.
    """
    i = int(np.flatnonzero(bad)[0])
    run = int(runs[i]) if isinstance(runs, np.ndarray) else runs + i
    where = ", ".join(f"{name}={_at(env[name], i):.6g}" for name in sorted(formula.expr.names))
    message = (
        f"{formula.what}: {formula.text!r} gives {float(values[i]):.6g} in run {run}"
        + (f" where {where}" if where else "")
        + f" ({int(bad.sum())} of {bad.size} runs affected); expected {expected}"
    )
    loc = formula.loc
    if loc is None:  # pragma: no cover - formulas read from files have a place
        return ScenarioError(message)
    return loc.error(message)


def _at(value: Any, i: int) -> float:
    """Entry ``i`` of a value of the environment (scalars are the same in every run)."""
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    return float(arr[i] if arr.size > i else arr[0])
