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

Runs are played in chunks of at most ``chunk_size`` (memory stays flat);
``_chunk`` holds a chunk's runs and plays each of the steps above as a
method of its own. This module checks the request, plays the chunks and
sums what the result reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from escalade._limits import check_memory
from escalade.errors import ParameterError, ScenarioError
from escalade.game import Game, build_game
from escalade.scenario import Draws, Dynamics, Policy, Scenario, Seed, resolve_seed
from escalade.simulation._chunk import Chunk
from escalade.simulation._foresight import (
    Foresight,
    Values,
    compute_values,
    myopic_start,
    worlds_of,
)
from escalade.simulation._plan import Plan
from escalade.simulation._result import SimulationResult
from escalade.simulation._transition import Transition
from escalade.solvers import resolve_fixed

__all__ = ["DEFAULT_CHUNK", "FREE_PLAY", "MAX_RUN_PERIODS", "check_size", "simulate"]

#: Runs simulated together (the results depend on the seed and on this size).
DEFAULT_CHUNK = 25_000
#: Most simulated run-periods (runs x periods) one call may ask for: 10^10 take hours on one
#: core for the smallest bundled scenario (about 1 microsecond each) and days for the largest.
MAX_RUN_PERIODS = 10**10
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


def simulate(  # noqa: PLR0913 - keyword options, see Notes
    scenario: Scenario,
    policy: str | Policy | None = None,
    *,
    runs: int = 10_000,
    seed: Seed | np.random.SeedSequence = None,
    draws: Draws | None = None,
    lam: float | None = None,
    method: str = "qre",
    periods: int | None = None,
    chunk_size: int | None = None,
    keep_runs: bool = True,
    game: Game | None = None,
    streams: NDArray[np.int64] | None = None,
    progress: Callable[[int, int], None] | None = None,
    foresight: str | None = None,
    samples: int | None = None,
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
        Same seed (and chunk size), same numbers; see :mod:`escalade.scenario`
        for the convention. Each chunk gets its own child of the seed. A
        ``SeedSequence`` (how an exploration seeds its tasks) is not
        advanced: its first children seed the chunks, so the same
        ``SeedSequence`` gives every policy the same random numbers.
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
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How actors look ahead (default: the scenario's ``foresight:``,
        ``full`` unless it says otherwise): continuation values are
        computed once for every world (distinct parameter values) among
        the runs, before they are played.
    samples : int, optional
        States per world and period that fitted values are fitted on.

    Returns
    -------
    SimulationResult
        With ``foresight``: the computation used, its diagnostics, and the
        first period's stage game at the start when the runs share one
        world.

    Notes
    -----
    The options are keyword-only; ``draws``, ``game`` and ``streams`` let
    an exploration hand over worlds it has drawn, a game it has built and
    the random streams of its rows, and every one has a default.

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
        raise ParameterError(
            f"runs must be a whole number >= 1, found {runs!r}", arguments=("runs",)
        )
    horizon = dyn.periods if periods is None else int(periods)
    if horizon < 1:
        raise ParameterError(f"periods must be >= 1, found {periods}", arguments=("periods",))
    if draws is not None and draws.n_draws not in (1, runs):
        raise ParameterError(f"draws must hold 1 or {runs} parameter sets, found {draws.n_draws}")
    chosen = _policy(scenario, policy)
    game = game if game is not None else build_game(scenario)
    fixed = resolve_fixed(game, chosen.force)
    size = chunk_size or DEFAULT_CHUNK
    if size < 1:
        raise ParameterError(f"chunk_size must be >= 1, found {size}", arguments=("chunk_size",))
    check_size(
        scenario,
        runs,
        horizon,
        game=game,
        chunk_size=size,
        keep_runs=keep_runs,
        shrink=("runs",) if periods is None else ("runs", "periods"),
    )
    if streams is not None:
        streams = np.asarray(streams, dtype=np.int64)
        if streams.shape != (runs,) or size < runs or (streams < 0).any():
            raise ParameterError(
                "streams needs one non-negative number per run and chunk_size >= runs"
            )
    n_chunks = (runs + size - 1) // size
    if isinstance(seed, np.random.SeedSequence):
        # Not seed.spawn(): it advances the sequence, so policies simulated with one
        # SeedSequence would get other children and lose their common random numbers.
        recorded, chunk_seeds = None, _first_children(seed, n_chunks)
    else:
        recorded = resolve_seed(seed)
        chunk_seeds = np.random.SeedSequence(recorded).spawn(n_chunks)
    started = time.perf_counter()
    plan = Plan(scenario, game, dyn, chosen, fixed, horizon, lam, method)
    if draws is None or draws.n_draws == 1:
        worlds = draws if draws is not None else scenario.parameters.nominal()
        world_of_run = np.zeros(runs, dtype=np.int64)
    else:
        worlds, world_of_run = worlds_of(draws)
    values_seed = (
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, _VALUES_KEY))
        if isinstance(seed, np.random.SeedSequence)
        else np.random.SeedSequence(recorded, spawn_key=(_VALUES_KEY,))
    )
    values, info = _values(plan, worlds, foresight or dyn.foresight, values_seed, samples)
    acc = _Accumulator(scenario, game, dyn, horizon, runs, keep_runs)
    for k, start in enumerate(range(0, runs, size)):
        n = min(size, runs - start)
        rng = np.random.default_rng(chunk_seeds[k])
        chunk = Chunk(
            plan,
            _chunk_draws(scenario, draws, start, n),
            rng,
            offset=start,
            streams=streams,
            world=world_of_run[start : start + n],
            values=values,
        )
        acc.add_start(chunk)
        for t in range(1, horizon + 1):
            chunk.play_period(t)
            acc.add_period(t, chunk)
        acc.add_end(chunk)
        if progress is not None:
            progress(start + n, runs)
    return acc.result(chosen, recorded, time.perf_counter() - started, info)


#: Spawn key of the random numbers fitted values sample states with (apart from the runs').
_VALUES_KEY = 0xF0E5


def _values(
    plan: Plan, worlds: Draws, mode: str, seed: np.random.SeedSequence, samples: int | None
) -> tuple[Values | None, Foresight]:
    """The continuation values of ``worlds``, and what the result says about them."""
    values, info = compute_values(plan, worlds, mode=mode, seed=seed, samples=samples)
    if values is None and worlds.n_draws == 1:
        info.start = myopic_start(plan, Transition(plan), worlds)
    if worlds.n_draws > 1:
        info.start = None
        info.start_value = None
    return values, info


def check_size(  # noqa: PLR0913 - keyword options, see Notes
    scenario: Scenario,
    runs: int,
    periods: int,
    *,
    game: Game | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    keep_runs: bool = True,
    total: int | None = None,
    shrink: tuple[str, ...] = ("runs",),
    shrink_memory: str | None = None,
) -> None:
    """Refuse a simulation too long, or too large for memory, before it starts.

    Parameters
    ----------
    scenario : Scenario
    runs, periods : int
        Runs of one call to :func:`simulate`, and their horizon.
    game : Game, optional
        The scenario's game, if already built.
    chunk_size : int
        Runs simulated together.
    keep_runs : bool
        Whether per-run results are kept.
    total : int, optional
        Runs of the whole request, over several calls (default ``runs``).
    shrink : tuple of str
        The arguments that set the work, for the message.
    shrink_memory : str, optional
        The argument that sets the runs of one call (default ``shrink[0]``).

    Raises
    ------
    ParameterError
        If the request's work, ``total x periods`` simulated
        crisis-periods, is above :data:`MAX_RUN_PERIODS`, or if the memory
        one call holds (per-run results, the state at every period for its
        quantiles, a chunk's arrays; estimated a little above what it
        takes) does not fit in what is available
        (:func:`escalade._limits.check_memory`).

    Notes
    -----
    Everything after ``periods`` is a keyword-only option describing the
    caller's request (its game, chunking, totals and the names of the
    arguments the message tells the user to reduce).

    Examples
    --------
    >>> import escalade
    >>> from escalade.errors import ParameterError
    >>> check_size(escalade.load("korea-2017"), 1000, 10) is None
    True
    >>> try:
    ...     check_size(escalade.load("korea-2017"), 10**12, 10)
    ... except ParameterError as exc:
    ...     print(str(exc).split(";")[0])
    1e+13 simulated crisis-periods are more than one request may take (1e+10, hours of computing)
    """
    work = (runs if total is None else total) * periods
    if work > MAX_RUN_PERIODS:
        raise ParameterError(
            f"{work:.2g} simulated crisis-periods are more than one request may take "
            f"({MAX_RUN_PERIODS:.0e}, hours of computing); expected a smaller "
            + " or ".join(shrink),
            arguments=shrink,
        )
    dyn = scenario.require_dynamics()
    game = game if game is not None else build_game(scenario)
    kept = runs * (8 * game.n_players + len(dyn.indicators)) if keep_runs else 0
    states = (periods + 1) * runs * len(dyn.state) * 8
    numbers = (
        len(scenario.parameters)
        + len(scenario.derived)
        + len(dyn.state)
        + game.n_outcomes * (game.n_players + 2)
        + game.n_nodes
        + game.n_actions
    )
    chunk = min(runs, chunk_size) * 8 * 3 * numbers
    check_memory(
        kept + states + chunk,
        f"simulating {runs:,} crises over {periods:,} steps",
        shrink_memory or shrink[0],
    )


def _first_children(seed: np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """The first ``n`` children of ``seed``, as ``seed.spawn(n)`` gives them on a fresh
    sequence, without advancing ``seed``."""
    return [
        np.random.SeedSequence(
            seed.entropy, spawn_key=(*seed.spawn_key, k), pool_size=seed.pool_size
        )
        for k in range(n)
    ]


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

    def add_start(self, chunk: Chunk) -> None:
        """Add a chunk's starting state."""
        self._add_state(0, chunk)

    def add_period(self, t: int, chunk: Chunk) -> None:
        """Add a chunk's runs as they stand after period ``t``."""
        self.alive[t - 1] += chunk.alive.sum()
        self.cum_outcomes[t - 1] += chunk.ever_outcome.sum(axis=0)
        self.cum_events[t - 1] += chunk.ever_event.sum(axis=0)
        self.cum_indicators[t - 1] += chunk.ever_flags().sum(axis=0)
        self._add_state(t, chunk)
        self.utility_by_period[t - 1] += chunk.utility.sum(axis=0)

    def add_end(self, chunk: Chunk) -> None:
        """Add a chunk's final utilities and indicators (``at_end`` ones measured now)."""
        final = chunk.indicators()
        at_end = [j for j, ind in enumerate(self.dyn.indicators) if ind.at_end is not None]
        if at_end:
            self.cum_indicators[self.T - 1, at_end] += final[:, at_end].sum(axis=0)
        self.ended_in += chunk.ended_in
        self.utility_sum += chunk.utility.sum(axis=0)
        self.utility_sq += (chunk.utility**2).sum(axis=0)
        if self.utility is not None and self.flags is not None:
            self.utility[chunk.offset : chunk.offset + chunk.n] = chunk.utility
            self.flags[chunk.offset : chunk.offset + chunk.n] = final

    def _add_state(self, t: int, chunk: Chunk) -> None:
        state = chunk.state
        matrix = np.stack(list(state.values()), axis=1) if state else np.zeros((chunk.n, 0))
        self.state_sum[t] += matrix.sum(axis=0)
        self.state_samples[t].append(matrix)

    def result(
        self, policy: Policy, seed: int | None, seconds: float, foresight: Foresight
    ) -> SimulationResult:
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
            foresight=foresight,
        )
