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
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade.game import GameValues
from escalade.scenario import Draws, Formula
from escalade.simulation._plan import Plan, annuity, range_error, solve_stage, stage_lam

if TYPE_CHECKING:
    from escalade.simulation._foresight import Values

__all__ = ["Chunk", "Plan", "Stage"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Stage:
    """A period's stage game for the runs still going.

    Attributes
    ----------
    t : int
        The period (1-based).
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

    t: int
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
    world : ndarray of int, shape (n_runs,), optional
        The world (distinct parameter values) of each run, numbered as
        ``values`` numbers them (default: all runs in world 0).
    values : Values, optional
        Continuation values of actors who look ahead; None for myopic actors,
        who play each stage game with its payoffs alone.

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
    ended_in : ndarray of shape (n_periods, n_outcomes)
        Runs that had ended in each outcome by each period.
    delta : ndarray of shape (n_runs,)
        Each run's discount factor; ``discount`` is ``delta ** (t - 1)`` in period ``t``.
    outcome : ndarray of int, shape (n_runs,)
        The stage outcome of each run's latest period (-1 before the first).
    fired : ndarray of int, shape (n_runs,)
        The events that fired in each run's latest period (bit ``j`` for event ``j``).
    node : ndarray of int, shape (n_runs,)
        Where ``values`` keeps each run (for exact values: its row in the
        table of the current period, its world in period 1).
    """

    def __init__(
        self,
        plan: Plan,
        draws: Draws,
        rng: np.random.Generator,
        *,
        offset: int = 0,
        streams: IntArray | None = None,
        world: IntArray | None = None,
        values: Values | None = None,
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.offset = offset
        self.streams = streams
        self.values = values
        self.n = n = draws.n_draws
        self.world = np.zeros(n, dtype=np.int64) if world is None else world
        self.node = self.world.copy()
        self.outcome = np.full(n, -1, dtype=np.int64)
        self.fired = np.zeros(n, dtype=np.int64)
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
            raise range_error(dyn.discount, self.delta, bad, env0, offset, "a value in (0, 1]")
        self.alive = np.ones(n, dtype=bool)
        self.utility = np.zeros((n, game.n_players))
        self.ever_outcome = np.zeros((n, game.n_outcomes), dtype=bool)
        self.ever_event = np.zeros((n, len(dyn.events)), dtype=bool)
        self.ended_in = np.zeros((plan.horizon, game.n_outcomes))
        self.discount = np.ones(n)
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
            self.fired[stage.runs] = 0
            if self.plan.dynamics.events and self.alive.any():
                self.fire_events(t, u_events)
            if self.plan.dynamics.update and self.alive.any():
                self.update(t)
            if self.values is not None:
                self.values.advance(self, t)
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

    def live_draws(self, runs: IntArray) -> Draws:
        """The parameter values of ``runs`` (the live runs of the period)."""
        return self._draws.take(runs)

    def stage(self, t: int) -> Stage | None:
        """The stage game of period ``t`` for the live runs, or None when none is left."""
        if not self.alive.any():
            return None
        runs, env = self.environment(t)
        values = self.plan.game.values_from_env(env, runs.size)
        lam = stage_lam(self.plan, env, runs.size, runs=self.offset + runs)
        return Stage(t, runs, env, values, lam)

    def solve(self, stage: Stage) -> FloatArray:
        """Equilibrium outcome probabilities of the stage game, shape (n_live, n_outcomes).

        Myopic actors play it with its payoffs; with ``values``, actors
        value each outcome with what follows it.
        """
        if self.values is not None:
            return self.values.probabilities(self, stage)
        values = stage.values
        return solve_stage(self.plan, values.payoffs, values.chance, stage.lam).outcomes

    def play_outcome(self, t: int, stage: Stage, probs: FloatArray, u: FloatArray) -> None:
        """Draw each live run's outcome from ``probs`` with its uniform ``u`` and apply it."""
        runs, n_out = stage.runs, self.plan.game.n_outcomes
        cdf = np.cumsum(probs, axis=1)
        o = np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=1), n_out - 1)
        gain = stage.values.payoffs[np.arange(runs.size), o, :]
        self.utility[runs] += self.discount[runs, None] * gain
        self.outcome[runs] = o
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
        for j, ev in enumerate(self.plan.dynamics.events):
            p = ev.probability.evaluate(env, n_draws=m)
            bad = (p < -1e-12) | (p > 1 + 1e-12)
            if bad.any():
                raise range_error(
                    ev.probability, p, bad, env, self.offset + runs, "a probability in [0, 1]"
                )
            fire = still & (u[runs, j] < p)
            if ev.when is not None:
                fire &= ev.when.evaluate(env, n_draws=m) != 0
            if not fire.any():
                continue
            self.ever_event[runs[fire], j] = True
            self.fired[runs[fire]] |= 1 << j
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
        # delta ** (t - 1) * (delta + ... + delta ** (T - t)): the same weight foresight uses
        rest = self.discount[gone] * annuity(self.delta[gone], self.plan.horizon - t)
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
