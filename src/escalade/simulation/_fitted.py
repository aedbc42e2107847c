"""Fitted continuation values: fitted value iteration on sampled states.

When the states a crisis can reach are too many to enumerate
(continuous state, long horizons), each player's value ``W_t(s)`` is
approximated period by period by a regression on features of the state,
in the style of least-squares Monte Carlo:

1. *Sampling.* States are sampled for every period by simulating forward
   from each world's initial state with broadened play: an outcome group
   is drawn half from the myopic stage game's solution and half uniformly
   over the groups the stage game can reach, and an event combination
   half by its probability and half uniformly over those possible, so
   that states off the likely path are covered too; half of the samples
   have their numeric variables jittered (a normal step of 5% of their
   range, clipped to their bounds) and a few have a flag or category
   switched.
2. *Backward fitting.* From the last period back to the second, the
   stage game at every sampled state is solved with the payoffs
   :meth:`Step.stage_values` gives from the fitted values of the next
   period, and each player's value there is regressed on the state's
   features, world by world (ridge regression with a small penalty,
   solved for all worlds at once). A share of the samples
   (:data:`HOLDOUT`) is held out first, and each period's fit is reported
   by its out-of-sample R-squared and RMSE.
3. *Use.* The stage game of every state the simulation meets, and of the
   initial state (the start values), is solved with the payoffs computed
   from the fitted values of the next period: only what follows the
   current period is approximated.

Features: each numeric variable scaled to [0, 1] (by its bounds, or the
sampled range), its square, and the products of pairs; an indicator for
each flag and each category but the first, their products with the
numeric variables, and the products of pairs of indicators.

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
from escalade.scenario import Draws, Dynamics, Seed
from escalade.simulation._exact import FirstPeriod
from escalade.simulation._plan import Plan, annuity, solve_stage
from escalade.simulation._transition import Branch, Step, Transition

if TYPE_CHECKING:
    from escalade.simulation._chunk import Chunk, Stage

__all__ = [
    "HOLDOUT",
    "MAX_SAMPLED_STATES",
    "MIN_R2",
    "SAMPLES",
    "FittedValues",
    "StateFeatures",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: States sampled per period for a single world.
SAMPLES = 4096
#: States sampled per period, over all worlds, above which each world gets fewer.
SAMPLE_BUDGET = 200_000
#: Share of the sampled states held out to measure each period's fit.
HOLDOUT = 0.2
#: Ridge penalty, relative to the mean diagonal of the normal equations.
RIDGE = 1e-6
#: Normal step of the jitter, as a share of each numeric variable's range.
JITTER = 0.05
#: Chance that a sampled state has one flag or category switched.
SWITCH = 0.05
#: Most sampled states over all periods and worlds (time and memory).
MAX_SAMPLED_STATES = 20_000_000
#: Out-of-sample R-squared below which a period's fit is reported as poor (a warning).
MIN_R2 = 0.9


class StateFeatures:
    """Regression features of states, for one period's scale.

    Parameters
    ----------
    dynamics : Dynamics
    low, high : ndarray of shape (n_state,)
        The range numeric variables are scaled by (ignored for flags and
        categories).

    Examples
    --------
    >>> import escalade
    >>> dyn = escalade.load("korea-2017").dynamics
    >>> f = StateFeatures(dyn, np.zeros(7), np.ones(7))
    >>> f.n_features
    33
    """

    def __init__(self, dynamics: Dynamics, low: FloatArray, high: FloatArray) -> None:
        self.numeric = [i for i, v in enumerate(dynamics.state) if v.kind == "number"]
        # (variable, code) of each indicator: 1 for a true flag, a category's other choices
        self.indicators: list[tuple[int, float]] = []
        for i, v in enumerate(dynamics.state):
            if v.kind == "bool":
                self.indicators.append((i, 1.0))
            elif v.kind == "category":
                self.indicators += [(i, float(c)) for c in range(1, len(v.choices or ()))]
        self.low = low[self.numeric]
        span = high[self.numeric] - self.low
        self.span = np.where(span > 0, span, 1.0)
        k, m = len(self.numeric), len(self.indicators)
        same = sum(
            1
            for a in range(m)
            for b in range(a + 1, m)
            if self.indicators[a][0] == self.indicators[b][0]
        )
        self.n_features = 1 + 2 * k + k * (k - 1) // 2 + m + m * k + m * (m - 1) // 2 - same

    def __call__(self, state: FloatArray) -> FloatArray:
        """The features of ``state`` rows, shape (n_rows, n_features)."""
        n = state.shape[0]
        x = (state[:, self.numeric] - self.low) / self.span
        d = np.zeros((n, len(self.indicators)))
        for j, (i, c) in enumerate(self.indicators):
            d[:, j] = state[:, i] == c
        k, m = x.shape[1], d.shape[1]
        columns = [np.ones((n, 1)), x, x * x]
        columns += [x[:, a : a + 1] * x[:, a + 1 :] for a in range(k - 1)]
        columns.append(d)
        if m and k:
            columns.append((d[:, :, None] * x[:, None, :]).reshape(n, m * k))
        for a in range(m - 1):
            partners = [
                b for b in range(a + 1, m) if self.indicators[b][0] != self.indicators[a][0]
            ]
            if partners:
                columns.append(d[:, a : a + 1] * d[:, partners])
        return np.concatenate(columns, axis=1)


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
        ``r2`` and ``rmse`` out of sample, worst player), ``seconds``.
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
        seed: Seed = None,
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
        probe = StateFeatures(dyn, np.zeros(len(dyn.state)), np.ones(len(dyn.state)))
        least = 4 * probe.n_features
        if samples is None:
            samples = max(least, min(SAMPLES, SAMPLE_BUDGET // max(n_worlds, 1)))
        if samples < least:
            raise ScenarioError(
                f"{plan.scenario.name}: fitted values regress on {probe.n_features} features "
                f"of the state ({len(dyn.state)} variables) and need at least {least} sampled "
                f"states per world and period; found {samples}",
                file=plan.scenario.source or None,
            )
        total = samples * n_worlds * max(horizon - 1, 1)
        if total > MAX_SAMPLED_STATES:
            raise ScenarioError(
                f"{plan.scenario.name}: fitted values sample {samples:,} states per world and "
                f"period, {total:,} over {horizon} periods and {n_worlds:,} worlds, above the "
                f"limit of {MAX_SAMPLED_STATES:,}; use a shorter horizon, fewer worlds or "
                "foresight: myopic",
                file=plan.scenario.source or None,
            )
        self.samples = samples
        self.rng = np.random.default_rng(seed)
        self.world = np.repeat(np.arange(n_worlds), samples)
        self.draws = worlds.take(self.world)
        self.features: list[StateFeatures | None] = [None] * (horizon + 2)
        self.coef: list[FloatArray | None] = [None] * (horizon + 2)
        start = transition.initial_state(worlds)
        sampled = self._sample(start)
        fit = self._fit(sampled)
        self.first = self._first(start)
        self.diagnostics: dict[str, Any] = {
            "method": "approximate",
            "worlds": int(n_worlds),
            "samples": int(samples),
            "features": int(probe.n_features),
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
    def _sample(self, start: FloatArray) -> list[FloatArray]:
        """Sampled states of periods 2..T (index ``t`` holds period ``t``)."""
        horizon = self.plan.horizon
        state = start[self.world]
        out: list[FloatArray] = [state, state]
        for t in range(1, horizon):
            step = self.transition.step(t, self.draws, state)
            state = self._broadened_next(step, state)
            state = self._jitter(state)
            out.append(state)
        return out

    def _broadened_next(self, step: Step, state: FloatArray) -> FloatArray:
        """One next state per row: the outcome group and event combination drawn from a
        mix of likely and uniform play."""
        plan = self.plan
        n = state.shape[0]
        sol = solve_stage(plan, step.payoffs, step.chance, step.lam)
        n_groups = len(plan.groups)
        likely = np.zeros((n, n_groups))
        possible = np.zeros((n, n_groups))
        for g, group in enumerate(step.groups):
            if group is None:
                continue
            weight = np.sum([b.weight for b in group.branches], axis=0) if group.branches else 0
            possible[:, g] = np.asarray(weight) > 0
            likely[:, g] = sol.outcomes[:, plan.groups[g].outcomes].sum(axis=1) * possible[:, g]
        mix = 0.5 * _normalized(likely) + 0.5 * _normalized(possible)
        group_of_row = _draw(self.rng, mix)
        nxt = state.copy()
        for g, group in enumerate(step.groups):
            rows = np.flatnonzero((group_of_row == g) & (possible[:, g] > 0))
            if group is None or not rows.size:
                continue
            weights = np.column_stack([b.weight[rows] for b in group.branches])
            mix_b = 0.5 * _normalized(weights) + 0.5 * _normalized(weights > 0)
            pick = _draw(self.rng, mix_b)
            for b, branch in enumerate(group.branches):
                chosen = rows[pick == b]
                nxt[chosen] = branch.state[chosen]
        return nxt

    def _jitter(self, state: FloatArray) -> FloatArray:
        """Half the rows' numeric variables moved a little; a few flags or categories switched."""
        dyn = self.plan.dynamics
        n = state.shape[0]
        out = state.copy()
        moved = self.rng.random(n) < 0.5
        for i, var in enumerate(dyn.state):
            if var.kind == "number":
                if var.low is not None and var.high is not None:
                    span = var.high - var.low
                else:
                    span = float(np.ptp(state[:, i])) or max(float(np.abs(state[:, i]).max()), 1.0)
                step = self.rng.normal(0.0, JITTER * span, n)
                out[:, i] = np.where(moved, var.clip(state[:, i] + step), state[:, i])
            else:
                levels = 2 if var.kind == "bool" else len(var.choices or ())
                switch = self.rng.random(n) < SWITCH / max(len(dyn.state), 1)
                shift = self.rng.integers(1, max(levels, 2), n)
                out[:, i] = np.where(switch, (state[:, i] + shift) % levels, state[:, i])
        return out

    # ---------------------------------------------------------------- fitting
    def _fit(self, sampled: list[FloatArray]) -> list[dict[str, Any]]:
        """Fit ``W_t`` for t = T..2; returns each period's fit quality (period order)."""
        plan, horizon = self.plan, self.plan.horizon
        dyn = plan.dynamics
        report: list[dict[str, Any]] = []
        n_worlds = self.worlds.n_draws
        train = np.arange(self.samples) < round(self.samples * (1 - HOLDOUT))
        is_train = np.tile(train, n_worlds)
        for t in range(horizon, 1, -1):
            state = sampled[t]
            step = self.transition.step(t, self.draws, state, follow=t < horizon)
            target = self._bellman(step, self.world)
            low, high = _scale(dyn, state)
            features = StateFeatures(dyn, low, high)
            x = features(state)
            # out of sample first, then on every sample for the values used
            coef = _ridge(x, target, self.world, n_worlds, is_train)
            predicted = _predict(x, coef, self.world)
            report.append({"period": t, **_quality(target, predicted, self.world, ~is_train)})
            self.features[t] = features
            self.coef[t] = _ridge(x, target, self.world, n_worlds, None)
        report.reverse()
        return report

    def _bellman(self, step: Step, world: IntArray) -> FloatArray:
        """Each player's value of the rows of ``step`` under its stage game's solution."""
        plan = self.plan
        values = self._stage_values(step, world)
        return solve_stage(plan, values, step.chance, step.lam).payoffs

    def _stage_values(self, step: Step, world: IntArray) -> FloatArray:
        """The stage payoffs of the rows of ``step`` with the fitted values of the next period."""
        t = step.t
        delta = self.delta[world]
        rest = annuity(delta, self.plan.horizon - t)
        features, coef = self.features[t + 1], self.coef[t + 1]

        def next_value(g: int, b: int, branch: Branch) -> FloatArray:
            if features is None or coef is None:
                return np.zeros((branch.weight.size, self.plan.game.n_players))
            return _predict(features(branch.state), coef, world)

        return step.stage_values(self.plan, rest, delta, next_value)

    def _first(self, start: FloatArray) -> FirstPeriod:
        """The first period at each world's initial state, with the fitted values of period 2."""
        plan = self.plan
        worlds = np.arange(self.worlds.n_draws)
        step = self.transition.step(1, self.worlds, start, follow=plan.horizon > 1)
        values = self._stage_values(step, worlds)
        sol = solve_stage(plan, values, step.chance, step.lam)
        return FirstPeriod(values, step.chance, step.lam, sol.payoffs)

    # ------------------------------------------------------------- simulation
    def probabilities(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """The live runs' stage games solved with fitted values of the next period."""
        plan = self.plan
        runs = stage.runs
        state = np.column_stack([chunk.state[name][runs] for name in self.transition.names])
        step = self.transition.step(
            stage.t,
            chunk.live_draws(runs),
            state,
            env=stage.env,
            payoffs=stage.values.payoffs,
            chance=stage.values.chance,
            lam=stage.lam,
            follow=stage.t < plan.horizon,
            where="run",
        )
        values = self._stage_values(step, chunk.world[runs])
        return solve_stage(plan, values, stage.values.chance, stage.lam).outcomes

    def advance(self, chunk: Chunk, t: int) -> None:
        """Nothing to follow: fitted values are read at the state the run is in."""


def _scale(dynamics: Dynamics, state: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The range each numeric variable is scaled by: its bounds, or the sampled range."""
    low = state.min(axis=0) if state.size else np.zeros(len(dynamics.state))
    high = state.max(axis=0) if state.size else np.ones(len(dynamics.state))
    low, high = low.copy(), high.copy()
    for i, var in enumerate(dynamics.state):
        if var.low is not None:
            low[i] = var.low
        if var.high is not None:
            high[i] = var.high
    return low, high


def _ridge(
    x: FloatArray,
    y: FloatArray,
    world: IntArray,
    n_worlds: int,
    keep: NDArray[np.bool_] | None,
) -> FloatArray:
    """Per-world ridge regression of ``y`` on ``x`` (rows grouped by world), shape
    (n_worlds, n_features, n_players)."""
    if keep is not None:
        x, y, world = x[keep], y[keep], world[keep]
    per = x.shape[0] // n_worlds
    xs = x.reshape(n_worlds, per, -1)
    ys = y.reshape(n_worlds, per, -1)
    gram = np.einsum("wnf,wng->wfg", xs, xs)
    moment = np.einsum("wnf,wnp->wfp", xs, ys)
    k = gram.shape[1]
    scale = np.trace(gram, axis1=1, axis2=2) / k
    gram[:, np.arange(k), np.arange(k)] += RIDGE * np.maximum(scale, 1e-300)[:, None]
    try:
        return np.asarray(np.linalg.solve(gram, moment))
    except np.linalg.LinAlgError:  # pragma: no cover - the ridge keeps the system regular
        return np.asarray(np.linalg.lstsq(gram[0], moment[0], rcond=None)[0])[None]


def _predict(x: FloatArray, coef: FloatArray, world: IntArray) -> FloatArray:
    """Fitted values of rows ``x`` in their worlds, shape (n_rows, n_players)."""
    if coef.shape[0] == 1:
        return np.asarray(x @ coef[0])
    out = np.empty((x.shape[0], coef.shape[2]))
    for p in range(coef.shape[2]):
        out[:, p] = np.einsum("rf,rf->r", x, coef[world, :, p])
    return out


def _quality(
    target: FloatArray, predicted: FloatArray, world: IntArray, held: NDArray[np.bool_]
) -> dict[str, float]:
    """Out-of-sample R-squared (worst player; against each world's mean) and RMSE."""
    y, f, w = target[held], predicted[held], world[held]
    if not y.size:  # pragma: no cover - a share of the samples is always held out
        return {"r2": 1.0, "rmse": 0.0}
    counts = np.maximum(np.bincount(w), 1).astype(np.float64)
    sums = np.stack([np.bincount(w, weights=y[:, p]) for p in range(y.shape[1])], axis=1)
    means = sums / counts[:, None]
    sst = ((y - means[w]) ** 2).sum(axis=0)
    sse = ((y - f) ** 2).sum(axis=0)
    scale = np.maximum(np.abs(y).max(axis=0), 1.0)
    # a player whose value barely moves across states is fitted as well as it can be
    flat = sst <= (1e-12 * scale) ** 2 * y.shape[0]
    r2 = np.where(flat, 1.0, 1.0 - sse / np.where(flat, 1.0, sst))
    return {"r2": float(r2.min()), "rmse": float(np.sqrt(sse / y.shape[0]).max())}


def _normalized(weights: Any) -> FloatArray:
    """Rows scaled to sum to 1 (rows of zeros stay zero)."""
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def _draw(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One column per row, drawn with the row's probabilities (rows of zeros: column 0)."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    return np.minimum((cdf <= u[:, None]).sum(axis=1), probs.shape[1] - 1).astype(np.int64)
