"""Fitted continuation values: fitted value iteration on sampled states.

When the states a crisis can reach are too many to enumerate
(continuous state, long horizons), each player's value ``W_t(s)`` is
approximated period by period, in the style of least-squares Monte
Carlo:

1. *Sampling.* States are sampled for every period by simulating forward
   from each world's initial state with broadened play: an outcome group
   is drawn half from the myopic stage game's solution and half uniformly
   over the groups the stage game can reach, and an event combination
   half by its probability and half uniformly over those possible, so
   that states off the likely path are covered too. A quarter of the
   samples have their continuous variables jittered (a normal step of 2%
   of their range, clipped to their bounds), and a few have a flag or
   category switched.
2. *Backward fitting.* From the last period back to the second, the
   stage game at every distinct sampled state is solved with the payoffs
   :meth:`Step.stage_values` gives from the values of the next period,
   and each player's value there is regressed on the state's features
   (:class:`~escalade.simulation._features.StateFeatures`), world by world
   (ridge regression with a small penalty, solved for all worlds at
   once). A share of the samples (:data:`HOLDOUT`) is held out first, and
   each period's fit is reported by its out-of-sample R-squared and RMSE.
   The value of the next period at a state that was itself sampled is its
   own Bellman value, not the regression's: where the reachable states
   are few (the first periods, discrete steps) the values are then exact
   given those of later periods, which is where the start values and the
   first period's choices are decided.
3. *Use.* The stage game of every state the simulation meets, and of the
   initial state (the start values), is solved with the payoffs computed
   from the values of the next period: only what follows the current
   period is approximated. Runs in the same world and state are valued
   once.

References
----------
Longstaff, F. A. and Schwartz, E. S. (2001). Valuing American options by
simulation: a simple least-squares approach. Review of Financial Studies
14, 113-147.
Munos, R. and Szepesvári, C. (2008). Finite-time bounds for fitted value
iteration. Journal of Machine Learning Research 9, 815-857.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ConvergenceWarning, ScenarioError
from escalade.scenario import Draws, Seed
from escalade.simulation._exact import FirstPeriod
from escalade.simulation._features import (
    MAX_LEVELS,
    SampledValues,
    StateFeatures,
    distinct_rows,
)
from escalade.simulation._plan import Plan, annuity, solve_stage
from escalade.simulation._regression import (
    CROSSED,
    pooled_ridge,
    predict,
    quality,
    ridge,
    world_shifts,
)
from escalade.simulation._transition import GroupStep, Step, Transition, subset_env

if TYPE_CHECKING:
    from escalade.simulation._chunk import Chunk, Stage

__all__ = [
    "HOLDOUT",
    "MAX_WORK",
    "MIN_FOUND",
    "MIN_R2",
    "SAMPLES",
    "FittedValues",
    "fitted_samples",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: States sampled per period for a single world.
SAMPLES = 2048
#: States sampled per period, over all worlds, above which each world gets fewer.
SAMPLE_BUDGET = 20_000
#: Share of the sampled states held out to measure each period's fit.
HOLDOUT = 0.2
#: Share of the sampled states whose continuous variables are jittered.
JITTERED = 0.25
#: Normal step of the jitter, as a share of each numeric variable's range.
JITTER = 0.02
#: Chance that a sampled state has one flag or category switched.
SWITCH = 0.05
#: Most sampled states times features over all periods and worlds (time and memory).
MAX_WORK = 2_000_000_000
#: Out-of-sample R-squared below which a period's fit is reported as poor (a warning).
MIN_R2 = 0.9
#: Share of the next states' weight that must fall on sampled states for the simulation
#: to look them up (below it, the regression alone is used).
MIN_FOUND = 0.05


def fitted_samples(plan: Plan, n_worlds: int, samples: int | None = None) -> int:
    """States fitted values sample per world and period: ``samples``, or :data:`SAMPLES`
    for one world and fewer each for many; four per feature at least when worlds are
    fitted one by one, two at least when there are too many for that and they are fitted
    together (see :class:`FittedValues`)."""
    if samples is not None:
        return samples
    least = int(4 * StateFeatures(plan.dynamics).n_features)
    if n_worlds * least <= SAMPLE_BUDGET:
        return max(least, min(SAMPLES, SAMPLE_BUDGET // max(n_worlds, 1)))
    return max(2, -(-SAMPLE_BUDGET // n_worlds))


class FittedValues:
    """Fitted continuation values for a batch of worlds.

    Parameters
    ----------
    plan : Plan
    transition : Transition
    worlds : Draws
        One row per world.
    delta : ndarray of shape (n_worlds,)
    seed : int, Generator or None
        For the sampled states.
    samples : int, optional
        States sampled per world and period (default :data:`SAMPLES` for
        one world, fewer each for many, at least four per feature).

    Raises
    ------
    ScenarioError
        When the state has more features than the samples can fit, or the
        samples over the horizon would be too many.

    Warns
    -----
    ConvergenceWarning
        When some period's out-of-sample R-squared is below :data:`MIN_R2`.

    Attributes
    ----------
    diagnostics : dict
        ``samples`` per world and period, ``features``, ``fit`` (per period:
        ``r2`` and ``rmse`` out of sample, worst player; ``distinct_states``
        sampled; ``found``, the share of the states that follow the sampled
        states which are themselves sampled states), ``seconds``.
    first : FirstPeriod
    """

    method = "approximate"

    def __init__(
        self,
        plan: Plan,
        transition: Transition,
        worlds: Draws,
        delta: FloatArray,
        *,
        seed: Seed | np.random.SeedSequence = None,
        samples: int | None = None,
    ) -> None:
        started = time.perf_counter()
        self.plan = plan
        self.transition = transition
        self.worlds = worlds
        self.delta = delta
        dyn = plan.dynamics
        horizon = plan.horizon
        n_worlds = worlds.n_draws
        probe = StateFeatures(dyn)
        least = 4 * probe.n_features
        # too many worlds to fit one by one within the budget: fit them together, their
        # parameters shifting the constant and linear terms of each world's values
        self.pooled = samples is None and n_worlds * least > SAMPLE_BUDGET
        self.shifts = world_shifts(worlds) if self.pooled else np.zeros((0, n_worlds))
        if self.pooled:
            crossed = min(self.shifts.shape[0], CROSSED) * (probe.linear_rows.size - 1)
            least = max(2, -(-4 * (probe.n_features + crossed) // n_worlds))
        if samples is None:
            samples = max(fitted_samples(plan, n_worlds), least if self.pooled else 0)
        if samples < least:
            raise ScenarioError(
                f"{plan.scenario.name}: fitted values regress on {probe.n_features} features "
                f"of the state ({len(dyn.state)} variables) and need at least {least:,} sampled "
                f"states per world and period; found {samples:,}",
                file=plan.scenario.source or None,
            )
        total = samples * n_worlds * max(horizon - 1, 1)
        if total * probe.n_features > MAX_WORK:
            raise ScenarioError(
                f"{plan.scenario.name}: fitted values would sample {samples:,} states per world "
                f"and period ({total:,} over {horizon} periods and {n_worlds:,} worlds), each "
                f"with {probe.n_features:,} features of its {len(dyn.state)} state variables: "
                f"{total * probe.n_features:,} numbers, above the limit of {MAX_WORK:,}; use a "
                "shorter horizon, fewer state variables, fewer worlds or foresight: myopic",
                file=plan.scenario.source or None,
            )
        self.samples = samples
        self.rng = np.random.default_rng(seed)
        self.world = np.repeat(np.arange(n_worlds), samples)
        self.draws = worlds.take(self.world)
        self.features: list[StateFeatures | None] = [None] * (horizon + 2)
        self.coef: list[FloatArray | None] = [None] * (horizon + 2)
        self.known: list[SampledValues | None] = [None] * (horizon + 2)
        # whether the states that follow a period's states are found among the sampled
        # ones often enough to be worth looking for (set while fitting)
        self.look: list[bool] = [True] * (horizon + 2)
        start = transition.initial_state(worlds)
        sampled = self._sample(start)
        fit = self._fit(sampled)
        self.first = self._first(start)
        self.diagnostics: dict[str, Any] = {
            "method": "approximate",
            "worlds": int(n_worlds),
            "samples": int(samples),
            "features": int(probe.n_features),
            "pooled": bool(self.pooled),
            # fitted together, a world has a held-out state or two: R-squared across worlds
            "r2_against": "the mean over worlds" if self.pooled else "each world's mean",
            "fit": fit,
            "seconds": time.perf_counter() - started,
        }
        poor = [f for f in fit if f["r2"] < MIN_R2]
        if poor:
            worst = min(poor, key=lambda f: f["r2"])
            warnings.warn(
                f"{plan.scenario.name}: fitted continuation values explain the sampled values "
                f"poorly in {len(poor)} period(s) (out-of-sample R-squared {worst['r2']:.3f} in "
                f"period {worst['period']}); their diagnostics are kept on the result",
                ConvergenceWarning,
                stacklevel=3,
            )

    # --------------------------------------------------------------- sampling
    def _sample(self, start: FloatArray) -> list[tuple[FloatArray, dict[int, FloatArray]]]:
        """Sampled states of periods 2..T (index ``t`` holds period ``t``), with the values
        of the numeric variables that move in discrete steps in that period."""
        horizon = self.plan.horizon
        state = start[self.world]
        out: list[tuple[FloatArray, dict[int, FloatArray]]] = [(state, {}), (state, {})]
        for t in range(1, horizon):
            first, inverse = distinct_rows(self.world, state)
            step = self.transition.step(t, self.worlds.take(self.world[first]), state[first])
            state = self._broadened_next(step, inverse, state)
            levels = self._levels(state)
            state = self._jitter(state, levels)
            out.append((state, levels))
        return out

    def _levels(self, state: FloatArray) -> dict[int, FloatArray]:
        """The values of each numeric variable that takes few (a discrete step variable)."""
        out = {}
        for i, var in enumerate(self.plan.dynamics.state):
            if var.kind == "number":
                values = np.unique(np.round(state[:, i], 11))
                if values.size <= MAX_LEVELS:
                    out[i] = values
        return out

    def _broadened_next(self, step: Step, inverse: IntArray, state: FloatArray) -> FloatArray:
        """One next state per row (``step`` holds the distinct rows, ``inverse`` maps each
        row to its own): the outcome group and the event combination drawn from a mix of
        likely and uniform play."""
        plan = self.plan
        sol = solve_stage(plan, step.payoffs, step.chance, step.lam)
        n_groups = len(plan.groups)
        likely = np.zeros((step.lam.size, n_groups))
        possible = np.zeros((step.lam.size, n_groups))
        for g, group in enumerate(step.groups):
            if group is None:
                continue
            weight = np.sum([b.weight for b in group.branches], axis=0) if group.branches else 0
            possible[:, g] = np.asarray(weight) > 0
            likely[:, g] = sol.outcomes[:, plan.groups[g].outcomes].sum(axis=1) * possible[:, g]
        mix = (0.5 * _normalized(likely) + 0.5 * _normalized(possible))[inverse]
        group_of_row = _draw(self.rng, mix)
        nxt = state.copy()
        for g, group in enumerate(step.groups):
            rows = np.flatnonzero((group_of_row == g) & (possible[inverse, g] > 0))
            if group is None or not rows.size:
                continue
            own = inverse[rows]
            weights = np.column_stack([b.weight[own] for b in group.branches])
            mix_b = 0.5 * _normalized(weights) + 0.5 * _normalized(weights > 0)
            pick = _draw(self.rng, mix_b)
            for b, branch in enumerate(group.branches):
                chosen = pick == b
                nxt[rows[chosen]] = branch.state[own[chosen]]
        return nxt

    def _jitter(self, state: FloatArray, levels: dict[int, FloatArray]) -> FloatArray:
        """A share of the rows' continuous variables moved a little; a few flags or
        categories switched (discrete numeric variables keep their values)."""
        dyn = self.plan.dynamics
        n = state.shape[0]
        out = state.copy()
        moved = self.rng.random(n) < JITTERED
        for i, var in enumerate(dyn.state):
            if i in levels:
                continue
            if var.kind == "number":
                if var.low is not None and var.high is not None:
                    span = var.high - var.low
                else:
                    span = float(np.ptp(state[:, i])) or max(float(np.abs(state[:, i]).max()), 1.0)
                step = self.rng.normal(0.0, JITTER * span, n)
                out[:, i] = np.where(moved, var.clip(state[:, i] + step), state[:, i])
            else:
                count = 2 if var.kind == "bool" else len(var.choices or ())
                switch = self.rng.random(n) < SWITCH / max(len(dyn.state), 1)
                shift = self.rng.integers(1, max(count, 2), n)
                out[:, i] = np.where(switch, (state[:, i] + shift) % count, state[:, i])
        return out

    # ---------------------------------------------------------------- fitting
    def _fit(self, sampled: list[tuple[FloatArray, dict[int, FloatArray]]]) -> list[dict[str, Any]]:
        """Fit ``W_t`` for t = T..2; returns each period's fit quality (period order)."""
        plan, horizon = self.plan, self.plan.horizon
        dyn = plan.dynamics
        report: list[dict[str, Any]] = []
        n_worlds = self.worlds.n_draws
        # at least one state of each world held out (worlds fitted together have few)
        n_train = max(1, min(round(self.samples * (1 - HOLDOUT)), self.samples - 1))
        train = np.arange(self.samples) < n_train
        is_train = np.tile(train, n_worlds)
        for t in range(horizon, 1, -1):
            state, levels = sampled[t]
            first, inverse = distinct_rows(self.world, state)
            world = self.world[first]
            step = self.transition.step(
                t, self.worlds.take(world), state[first], follow=t < horizon
            )
            found = _Found()
            values = self._stage_values(step, world, found)
            target = solve_stage(plan, values, step.chance, step.lam).payoffs[inverse]
            self.look[t + 1] = found.share() >= MIN_FOUND
            features = StateFeatures(dyn, state, levels)
            x = features(state)
            # out of sample first, then on every sample for the values used
            fit = pooled_ridge if self.pooled else ridge
            rows = features.linear_rows
            coef, self.coef[t] = fit(x, target, self.world, self.shifts, rows, is_train)
            predicted = predict(x, coef, self.world)
            self.features[t] = features
            self.known[t] = SampledValues(world, state[first], target[first])
            measured = quality(target, predicted, self.world, ~is_train, within=not self.pooled)
            report.append(
                {
                    "period": t,
                    **measured,
                    "distinct_states": int(first.size),
                    "found": found.share() if t < horizon else None,
                }
            )
        report.reverse()
        return report

    def _stage_values(self, step: Step, world: IntArray, found: _Found | None = None) -> FloatArray:
        """The stage payoffs of the rows of ``step`` with the values of the next period:
        those of sampled states where the next state is one, the regression's elsewhere."""
        t = step.t
        delta = self.delta[world]
        rest = annuity(delta, self.plan.horizon - t)
        features, coef, known = self.features[t + 1], self.coef[t + 1], self.known[t + 1]
        look = self.look[t + 1] or found is not None

        def expected_next(g: int, group: GroupStep) -> FloatArray:
            n = delta.size
            if features is None or coef is None or known is None:
                return np.zeros((n, self.plan.game.n_players))
            # the regression is linear in the features: weight the features, predict once;
            # branches that differ only in flags or categories share their continuous part
            numeric = np.zeros((features.n_numeric, n))
            indicator = np.zeros((features.n_features - features.n_numeric, n))
            direct = np.zeros((n, self.plan.game.n_players))
            # the continuous part of the last branch, and the weight of the branches sharing it
            part: tuple[FloatArray, FloatArray, FloatArray] | None = None
            for branch in group.branches:
                weight = branch.weight
                if look:
                    hit, value = known.lookup(world, branch.state)
                    direct += (weight * hit)[:, None] * value
                    if found is not None:
                        found.add(weight, hit)
                    weight = weight * ~hit
                if part is not None and features.same_numeric(branch.state, part[0]):
                    part[2][:] += weight
                else:
                    if part is not None:
                        numeric += part[2] * part[1]
                    part = (branch.state, features.numeric_part(branch.state), weight.copy())
                indicator += weight * features.indicator_part(branch.state)
            if part is not None:
                numeric += part[2] * part[1]
            return predict(np.concatenate([numeric, indicator]), coef, world) + direct

        return step.stage_values(self.plan, rest, delta, expected_next)

    def _first(self, start: FloatArray) -> FirstPeriod:
        """The first period at each world's initial state, with the fitted values of period 2."""
        plan = self.plan
        worlds = np.arange(self.worlds.n_draws)
        step = self.transition.step(1, self.worlds, start, follow=plan.horizon > 1)
        values = self._stage_values(step, worlds)
        sol = solve_stage(plan, values, step.chance, step.lam)
        return FirstPeriod(values, step.chance, step.lam, sol.payoffs)

    # ------------------------------------------------------------- simulation
    def stage_payoffs(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """The payoffs the live runs' actors play ``stage`` with: each outcome's payoff
        plus the fitted value of what follows, shape (n_live, n_outcomes, n_players)."""
        runs = stage.runs
        step = self.transition.step(
            stage.t,
            chunk.live_draws(runs),
            np.column_stack([chunk.state[name][runs] for name in self.transition.names]),
            env=stage.env,
            payoffs=stage.values.payoffs,
            chance=stage.values.chance,
            lam=stage.lam,
            follow=stage.t < self.plan.horizon,
        )
        return self._stage_values(step, chunk.world[runs])

    def probabilities(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """The live runs' stage games solved with fitted values of the next period.

        Runs in the same world and state share one computation.
        """
        plan = self.plan
        runs = stage.runs
        state = np.column_stack([chunk.state[name][runs] for name in self.transition.names])
        world = chunk.world[runs]
        first, inverse = distinct_rows(world, state)
        step = self.transition.step(
            stage.t,
            chunk.live_draws(runs).take(first),
            state[first],
            env=subset_env(stage.env, first, runs.size),
            payoffs=stage.values.payoffs[first],
            chance=stage.values.chance[first],
            lam=stage.lam[first],
            follow=stage.t < plan.horizon,
        )
        values = self._stage_values(step, world[first])
        return solve_stage(plan, values, step.chance, step.lam).outcomes[inverse]

    def advance(self, chunk: Chunk, t: int) -> None:
        """Nothing to follow: fitted values are read at the state the run is in."""


class _Found:
    """Tallies how much of the weight of the next states falls on sampled states."""

    def __init__(self) -> None:
        self.hit = 0.0
        self.total = 0.0

    def add(self, weight: FloatArray, hit: NDArray[np.bool_]) -> None:
        self.hit += float((weight * hit).sum())
        self.total += float(weight.sum())

    def share(self) -> float:
        return self.hit / self.total if self.total > 0 else 0.0


def _normalized(weights: Any) -> FloatArray:
    """Rows scaled to sum to 1 (rows of zeros stay zero)."""
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum(axis=1, keepdims=True)
    return np.asarray(np.divide(w, total, out=np.zeros_like(w), where=total > 0))


def _draw(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One column per row, drawn with the row's probabilities (rows of zeros: column 0)."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    drawn = np.minimum((cdf <= u[:, None]).sum(axis=1), probs.shape[1] - 1)
    return np.asarray(drawn, dtype=np.int64)
