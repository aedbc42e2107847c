"""Many crises at once: multi-period play of a scenario with dynamics.

Each run is one possible history of the crisis. All runs advance together,
period by period, as arrays of shape ``(n_runs,)``:

1. the stage game (the scenario's tree) is solved for every run still
   going, with payoffs computed from that run's state, parameters and
   levers, by logit QRE at the scenario's ``rationality`` (so mistakes and
   accidental escalation are part of the model) or by SPE; a policy's
   forced choices are played as given;
2. one outcome is drawn per run from the equilibrium outcome probabilities;
   its payoffs accrue, discounted; its ``then:`` changes the state; an
   ``end: true`` outcome ends the run and persists: its payoffs recur for
   every remaining period of the horizon;
3. each event fires with its probability (given its ``when:`` condition),
   changing the state or ending the run in its ``end:`` outcome;
4. the state moves by the ``update:`` expressions (all computed from the
   same state, then assigned), clipped to each variable's bounds.

Runs that ended are frozen. Random numbers are drawn for every run every
period, ended or not, so two policies simulated with the same seed face
the same luck (common random numbers), and the same seed gives the same
numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError, ScenarioError
from escalade.game import Game, build_game
from escalade.scenario import Draws, Dynamics, Formula, Policy, Scenario, Seed
from escalade.simulation._result import SimulationResult
from escalade.solvers import resolve_fixed, solve_values

__all__ = ["DEFAULT_CHUNK", "FREE_PLAY", "simulate"]

#: Runs simulated together (the results depend on the seed and on this size).
DEFAULT_CHUNK = 25_000
#: Name used for "no policy": no lever on, nothing forced.
FREE_PLAY = "free"

FloatArray = NDArray[np.float64]


def _policy(scenario: Scenario, policy: str | Policy | None) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if policy is None or policy == FREE_PLAY:
        return Policy(FREE_PLAY, label="Free play (no policy)")
    policies = {p.name: p for p in scenario.policies}
    if policy not in policies:
        raise _unknown_policy(scenario, policy, list(policies))
    return policies[policy]


def _unknown_policy(scenario: Scenario, name: str, available: list[str]) -> ParameterError:
    import difflib

    close = difflib.get_close_matches(name, available, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ParameterError(
        f"{scenario.name} has no policy {name!r}{hint}; policies: "
        + (", ".join(available) or "none")
    )


def chosen_policies(
    scenario: Scenario, policies: Sequence[str] | None, *, purpose: str
) -> tuple[str, ...]:
    """The policies named (each checked, none twice), or all of the scenario's.

    ``purpose`` completes the message when the scenario has no policies
    (``"to compare policies"``).

    Examples
    --------
    >>> import escalade
    >>> chosen_policies(escalade.load("korea-2017"), ["talks"], purpose="to explore")
    ('talks',)
    """
    available = [p.name for p in scenario.policies]
    if scenario.dynamics is None or not available:
        raise ScenarioError(
            f"{scenario.name} needs dynamics: and policies: sections {purpose}",
            file=scenario.source or None,
        )
    chosen = tuple(policies) if policies else tuple(available)
    for name in chosen:
        if name not in available:
            raise _unknown_policy(scenario, name, available)
    if len(set(chosen)) != len(chosen):
        twice = next(n for n in chosen if chosen.count(n) > 1)
        raise ParameterError(f"the policy {twice!r} is named twice")
    return chosen


def simulate(
    scenario: Scenario,
    policy: str | Policy | None = None,
    *,
    runs: int = 10_000,
    seed: Seed = None,
    draws: Draws | None = None,
    lam: float | None = None,
    method: str = "qre",
    periods: int | None = None,
    chunk_size: int | None = None,
    keep_runs: bool = True,
    game: Game | None = None,
    streams: NDArray[np.int64] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate a scenario with dynamics under a policy, many runs at once.

    Parameters
    ----------
    scenario : Scenario
        Must have a ``dynamics:`` section.
    policy : str, Policy or None
        A policy of the scenario by name, or ``None`` for free play.
    runs : int
        Number of runs.
    seed : int, Generator or None
        Same seed (and chunk size), same numbers.
    draws : Draws, optional
        Parameter values per run (``n_draws == runs``); default: the
        nominal values for every run.
    lam : float, optional
        Overrides the scenario's ``rationality`` (logit precision).
    method : {"qre", "spe"}
        How each period's stage game is solved.
    periods : int, optional
        Overrides the horizon.
    chunk_size : int, optional
        Runs simulated together (default 25,000; memory stays flat).
    keep_runs : bool
        Keep per-run utilities and indicators (needed to compare policies run by run).
    game : Game, optional
        The scenario's game, if already built.
    streams : ndarray of int, shape (runs,), optional
        Runs with the same stream number draw the same random numbers (common
        random numbers across rows of a design that are compared with each
        other, e.g. a Sobol' block). Numbers are 0..k-1; needs one chunk
        (``chunk_size >= runs``).
    progress : callable, optional
        ``progress(done_runs, total_runs)`` after each chunk.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("korea-2017")
    >>> res = simulate(sc, "sanctions_default", runs=200, seed=1)
    >>> res.periods, res.runs
    (10, 200)
    """
    dyn = scenario.require_dynamics()
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise ParameterError(f"runs must be a whole number >= 1, found {runs!r}")
    horizon = dyn.periods if periods is None else int(periods)
    if horizon < 1:
        raise ParameterError(f"periods must be >= 1, found {periods}")
    if draws is not None and draws.n_draws not in (1, runs):
        raise ParameterError(f"draws must hold 1 or {runs} parameter sets, found {draws.n_draws}")
    chosen = _policy(scenario, policy)
    game = game if game is not None else build_game(scenario)
    fixed = resolve_fixed(game, chosen.force)
    size = chunk_size or DEFAULT_CHUNK
    if size < 1:
        raise ParameterError(f"chunk_size must be >= 1, found {size}")
    if streams is not None:
        streams = np.asarray(streams, dtype=np.int64)
        if streams.shape != (runs,) or size < runs or (streams < 0).any():
            raise ParameterError(
                "streams needs one non-negative number per run and chunk_size >= runs"
            )
    n_chunks = (runs + size - 1) // size
    chunk_seeds: list[Any]
    if isinstance(seed, np.random.Generator):
        chunk_seeds = [seed] * n_chunks
    elif isinstance(seed, np.random.SeedSequence):
        chunk_seeds = list(seed.spawn(n_chunks))
    else:
        chunk_seeds = list(np.random.SeedSequence(seed).spawn(n_chunks))
    started = time.perf_counter()
    acc = _Accumulator(scenario, game, dyn, horizon, runs, keep_runs)
    for k, start in enumerate(range(0, runs, size)):
        n = min(size, runs - start)
        rng = np.random.default_rng(chunk_seeds[k])
        chunk_draws = _chunk_draws(scenario, draws, start, n)
        _run_chunk(
            scenario,
            game,
            dyn,
            chosen,
            fixed,
            chunk_draws,
            n,
            horizon,
            rng,
            lam,
            method,
            acc,
            start,
            streams,
        )
        if progress is not None:
            progress(start + n, runs)
    return acc.result(
        chosen, seed if isinstance(seed, int) else None, time.perf_counter() - started
    )


def _chunk_draws(scenario: Scenario, draws: Draws | None, start: int, n: int) -> Draws:
    if draws is None:
        return scenario.parameters.nominal(n)
    if draws.n_draws == 1:
        return Draws({k: np.repeat(v, n) for k, v in draws.items()}, n, draws.space)
    return draws.take(slice(start, start + n))


class _Accumulator:
    """Sums over chunks of what the result reports."""

    def __init__(
        self,
        scenario: Scenario,
        game: Game,
        dyn: Dynamics,
        horizon: int,
        runs: int,
        keep_runs: bool,
    ) -> None:
        self.scenario = scenario
        self.game = game
        self.dyn = dyn
        self.T = horizon
        self.runs = runs
        n_out, n_ev = game.n_outcomes, len(dyn.events)
        n_ind, n_state, n_pl = len(dyn.indicators), len(dyn.state), game.n_players
        self.alive = np.zeros(horizon)
        self.cum_outcomes = np.zeros((horizon, n_out))
        self.ended_in = np.zeros((horizon, n_out))
        self.cum_events = np.zeros((horizon, n_ev))
        self.cum_indicators = np.zeros((horizon, n_ind))
        self.state_sum = np.zeros((horizon + 1, n_state))
        self.state_samples: list[list[FloatArray]] = [[] for _ in range(horizon + 1)]
        self.utility_by_period = np.zeros((horizon, n_pl))
        self.utility = np.zeros((runs, n_pl)) if keep_runs else None
        self.flags = np.zeros((runs, n_ind), dtype=bool) if keep_runs else None
        self.utility_sum = np.zeros(n_pl)
        self.utility_sq = np.zeros(n_pl)

    def record_state(self, t: int, state: Mapping[str, FloatArray], n: int) -> None:
        """Add the state of a chunk's ``n`` runs after period ``t`` (0: the start)."""
        matrix = np.stack(list(state.values()), axis=1) if state else np.zeros((n, 0))
        self.state_sum[t] += matrix.sum(axis=0)
        self.state_samples[t].append(matrix)

    def result(self, policy: Policy, seed: int | None, seconds: float) -> SimulationResult:
        n = float(self.runs)
        qs = np.empty((self.T + 1, len(self.dyn.state), 3))
        for t in range(self.T + 1):
            stacked = np.concatenate(self.state_samples[t], axis=0)
            qs[t] = np.quantile(stacked, (0.05, 0.5, 0.95), axis=0).T
        mean_u = self.utility_sum / n
        var_u = np.maximum(self.utility_sq / n - mean_u**2, 0.0)
        return SimulationResult(
            scenario=self.scenario,
            game=self.game,
            policy=policy,
            runs=self.runs,
            periods=self.T,
            seed=seed,
            alive=self.alive / n,
            cum_outcomes=self.cum_outcomes / n,
            ended_in=self.ended_in / n,
            cum_events=self.cum_events / n,
            cum_indicators=self.cum_indicators / n,
            state_mean=self.state_sum / n,
            state_quantiles=qs,
            utility_by_period=self.utility_by_period / n,
            utility_mean=mean_u,
            utility_se=np.sqrt(var_u / n),
            run_utility=self.utility,
            run_flags=self.flags,
            diagnostics={"seconds": seconds},
        )


def _run_chunk(
    scenario: Scenario,
    game: Game,
    dyn: Dynamics,
    policy: Policy,
    fixed: FloatArray | None,
    draws: Draws,
    n: int,
    T: int,
    rng: np.random.Generator,
    lam_override: float | None,
    method: str,
    acc: _Accumulator,
    offset: int,
    streams: NDArray[np.int64] | None = None,
) -> None:
    levers = dict(policy.levers)
    out_end = np.array([o.end for o in scenario.outcomes], dtype=bool)
    with_then = [k for k, o in enumerate(scenario.outcomes) if o.then]
    env0 = scenario.environment(draws, extra={"period": 1.0}, levers=levers)
    state = {
        v.name: np.broadcast_to(np.asarray(env0[v.name], dtype=np.float64), (n,)).copy()
        for v in dyn.state
    }
    delta = np.broadcast_to(dyn.discount.evaluate(env0, n_draws=n), (n,)).copy()
    bad_delta = (delta <= 0) | (delta > 1)
    if bad_delta.any():
        raise _range_error(dyn.discount, delta, bad_delta, env0, offset, "a value in (0, 1]")
    alive = np.ones(n, dtype=bool)
    live = _LiveDraws(draws)
    utility = np.zeros((n, game.n_players))
    ever_out = np.zeros((n, game.n_outcomes), dtype=bool)
    ever_ev = np.zeros((n, len(dyn.events)), dtype=bool)
    acc.record_state(0, state, n)
    disc = np.ones(n)
    # runs of one stream share their random numbers
    n_streams = n if streams is None else int(streams.max()) + 1
    for t in range(1, T + 1):
        u_outcome = rng.random(n_streams)
        u_events = rng.random((n_streams, len(dyn.events)))
        if streams is not None:
            u_outcome, u_events = u_outcome[streams], u_events[streams]
        idx = np.flatnonzero(alive)
        if idx.size:
            env = _env(scenario, live, idx, state, t, levers)
            values = game.values_from_env(env, idx.size)
            lam = (
                np.full(idx.size, float(lam_override))
                if lam_override is not None
                else np.broadcast_to(
                    dyn.rationality.evaluate(env, n_draws=idx.size), (idx.size,)
                ).copy()
            )
            if lam_override is None and (lam < 0).any():
                raise _range_error(
                    dyn.rationality, lam, lam < 0, env, offset + idx, "a value of 0 or more"
                )
            if (lam < 0).any() or not np.isfinite(lam).all():
                raise ParameterError("rationality (lambda) must be finite and >= 0 in every run")
            sol = solve_values(game, values, method=method, lam=lam, fixed=fixed)
            cdf = np.cumsum(sol.outcomes, axis=1)
            o = np.minimum(
                (cdf < (u_outcome[idx] * cdf[:, -1])[:, None]).sum(axis=1), game.n_outcomes - 1
            )
            gain = values.payoffs[np.arange(idx.size), o, :]
            utility[idx] += disc[idx, None] * gain
            ever_out[idx, o] = True
            # env stays valid until the state changes or runs end
            stale = False
            for k in with_then:
                hit = o == k
                if hit.any():
                    for target, formula in scenario.outcomes[k].then:
                        new = formula.evaluate(env, n_draws=idx.size)
                        var = dyn.state_var(target)
                        state[target][idx[hit]] = var.clip(new[hit])
                    stale = True
            ends = out_end[o]
            if ends.any():
                gone = idx[ends]
                _absorb(utility, gone, gain[ends], delta[gone], t, T)
                alive[gone] = False
                acc.ended_in[t - 1 :, :] += np.bincount(o[ends], minlength=game.n_outcomes)
                stale = True
            idx = np.flatnonzero(alive)
            if dyn.events and idx.size:
                if stale:
                    env = _env(scenario, live, idx, state, t, levers)
                stale = _events(
                    scenario,
                    game,
                    dyn,
                    env,
                    idx,
                    state,
                    u_events,
                    alive,
                    ever_ev,
                    ever_out,
                    utility,
                    delta,
                    t,
                    T,
                    acc,
                    offset,
                )
            idx = np.flatnonzero(alive)
            if dyn.update and idx.size:
                if stale:
                    env = _env(scenario, live, idx, state, t, levers)
                new_values = [
                    (target, f.evaluate(env, n_draws=idx.size)) for target, f in dyn.update
                ]
                for target, new in new_values:
                    state[target][idx] = dyn.state_var(target).clip(new)
        disc *= delta
        acc.alive[t - 1] += alive.sum()
        acc.cum_outcomes[t - 1] += ever_out.sum(axis=0)
        acc.cum_events[t - 1] += ever_ev.sum(axis=0)
        flags = _flags(dyn, game, ever_out, ever_ev)
        acc.cum_indicators[t - 1] += flags.sum(axis=0)
        acc.record_state(t, state, n)
        acc.utility_by_period[t - 1] += utility.sum(axis=0)
    # Indicators measured at the end of the horizon.
    final = _flags(dyn, game, ever_out, ever_ev)
    at_end = [j for j, ind in enumerate(dyn.indicators) if ind.at_end is not None]
    if at_end:
        env = scenario.environment(
            draws,
            extra={**state, "period": float(T), "alive": alive.astype(np.float64)},
            levers=levers,
        )
        for j in at_end:
            at = dyn.indicators[j].at_end
            if at is not None:
                final[:, j] = at.evaluate(env, n_draws=n) != 0
        acc.cum_indicators[T - 1, at_end] += final[:, at_end].sum(axis=0)
    acc.utility_sum += utility.sum(axis=0)
    acc.utility_sq += (utility**2).sum(axis=0)
    if acc.utility is not None and acc.flags is not None:
        acc.utility[offset : offset + n] = utility
        acc.flags[offset : offset + n] = final


def _range_error(
    formula: Formula,
    values: FloatArray,
    bad: NDArray[np.bool_],
    env: Mapping[str, Any],
    runs: NDArray[np.int64] | int,
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


def _absorb(
    utility: FloatArray,
    runs: NDArray[np.int64],
    gain: FloatArray,
    delta: FloatArray,
    t: int,
    T: int,
) -> None:
    """Add the ending outcome's payoffs for every period after ``t`` up to ``T``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(np.isclose(delta, 1.0), float(T - t), (delta**t - delta**T) / (1.0 - delta))
    utility[runs] += rest[:, None] * gain


class _LiveDraws:
    """The parameter draws of the live runs, taken anew only when runs have ended.

    Runs only ever end, so the number of live runs tells which they are.
    """

    def __init__(self, draws: Draws) -> None:
        self.draws = draws
        self.live = draws

    def take(self, idx: NDArray[np.int64]) -> Draws:
        if self.live.n_draws != idx.size:
            self.live = self.draws.take(idx)
        return self.live


def _env(
    scenario: Scenario,
    live: _LiveDraws,
    idx: NDArray[np.int64],
    state: Mapping[str, Any],
    t: int,
    levers: Mapping[str, float],
) -> dict[str, Any]:
    sub = live.take(idx)
    extra: dict[str, Any] = {k: v[idx] for k, v in state.items()}
    extra["period"] = float(t)
    return scenario.environment(sub, extra=extra, levers=levers)


def _subset(env: Mapping[str, Any], *, keep: NDArray[np.bool_]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in env.items():
        arr = np.asarray(v)
        out[k] = arr[keep] if arr.ndim == 1 and arr.shape[0] == keep.shape[0] else v
    return out


def _events(
    scenario: Scenario,
    game: Game,
    dyn: Dynamics,
    env: Mapping[str, Any],
    idx: NDArray[np.int64],
    state: dict[str, FloatArray],
    u_events: FloatArray,
    alive: NDArray[np.bool_],
    ever_ev: NDArray[np.bool_],
    ever_out: NDArray[np.bool_],
    utility: FloatArray,
    delta: FloatArray,
    t: int,
    T: int,
    acc: _Accumulator,
    offset: int,
) -> bool:
    """Fire events for the live runs ``idx``; returns whether any fired."""
    outcome_index = {o: k for k, o in enumerate(game.outcomes)}
    m = idx.size
    still = np.ones(m, dtype=bool)
    fired_any = False
    for j, ev in enumerate(dyn.events):
        p = ev.probability.evaluate(env, n_draws=m)
        bad = (p < -1e-12) | (p > 1 + 1e-12)
        if bad.any():
            raise _range_error(ev.probability, p, bad, env, offset + idx, "a probability in [0, 1]")
        fire = still & (u_events[idx, j] < p)
        if ev.when is not None:
            fire &= ev.when.evaluate(env, n_draws=m) != 0
        if not fire.any():
            continue
        fired_any = True
        ever_ev[idx[fire], j] = True
        for target, formula in ev.then:
            new = formula.evaluate(env, n_draws=m)
            state[target][idx[fire]] = dyn.state_var(target).clip(new[fire])
        if ev.end is not None:
            k = outcome_index[ev.end]
            gone = idx[fire]
            payoff = game.values_from_env(_subset(env, keep=fire), int(fire.sum())).payoffs[:, k, :]
            _absorb(utility, gone, payoff, delta[gone], t, T)
            alive[gone] = False
            ever_out[gone, k] = True
            acc.ended_in[t - 1 :, k] += gone.size
            still &= ~fire
    return fired_any


def _flags(
    dyn: Dynamics, game: Game, ever_out: NDArray[np.bool_], ever_ev: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Per-run "ever happened" of each any_of indicator (at_end ones are False here)."""
    outcome_index = {o: k for k, o in enumerate(game.outcomes)}
    event_index = {e.name: k for k, e in enumerate(dyn.events)}
    flags = np.zeros((ever_out.shape[0], len(dyn.indicators)), dtype=bool)
    for j, ind in enumerate(dyn.indicators):
        for name in ind.any_of:
            if name in outcome_index:
                flags[:, j] |= ever_out[:, outcome_index[name]]
            else:
                flags[:, j] |= ever_ev[:, event_index[name]]
    return flags
