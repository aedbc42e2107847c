"""Actors who look ahead: which continuation values a simulation plays with.

With ``foresight: myopic`` each period's stage game is played with that
period's payoffs alone. With ``full`` (the default) each actor values an
outcome at its payoff plus what follows it, in current-value units (the
value at period ``t`` measured in period-``t`` utility), with
``A(n) = delta + ... + delta**n``:

- an outcome that ends the run: ``u * (1 + A(T - t))``, the stream the
  simulation scores for it;
- any other: ``u`` plus, in expectation over the period's events, ``A(T -
  t)`` times the payoffs of an event's ``end:`` outcome where an event
  ends the run, and ``delta * W_{t+1}(s'')`` elsewhere, ``s''`` the state
  after the outcome's ``then:``, the events and ``update:``;

where ``W_t(s)`` is each player's expected value of that under the stage
game's solution at ``(t, s)`` (``W_{T+1} = 0``). A policy's forced
choices stay forced in every period: a policy is a commitment for the
horizon, and the other actors anticipate it.

``full`` computes ``W`` exactly (``_exact``) when every world reaches at
most :data:`~escalade.simulation._exact.STATE_CAP` states, and by fitted
value iteration (``_fitted``) otherwise, and says which;
``exact`` and ``approximate`` ask for one of them (``exact`` on too many
states is an error giving the count).

Logit QRE is not scale-invariant, and current-value units are a choice:
in the unrolled game, whose leaves hold ``sum_k delta**(k - 1) u_k``, a
decision in period ``t`` sees its utility differences shrunk by
``delta**(t - 1)``, so the unrolled game's agent QRE equals these values
only when ``delta = 1`` (or in the SPE limit, which is scale-invariant).
Current-value units keep play time-consistent: an actor facing the same
state with the same horizon left plays the same way whatever the date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from escalade._results import Table
from escalade._text import noun
from escalade.errors import ParameterError, ScenarioError
from escalade.scenario import FORESIGHT, Draws, Seed
from escalade.simulation._exact import (
    ROW_BUDGET,
    STATE_CAP,
    ExactValues,
    FirstPeriod,
    TooManyStates,
)
from escalade.simulation._fitted import FittedValues
from escalade.simulation._plan import Plan, range_error, solve_stage
from escalade.simulation._rows import unique_rows
from escalade.simulation._transition import Transition
from escalade.solvers import Solution

if TYPE_CHECKING:
    from escalade.simulation._chunk import Chunk, Stage

__all__ = ["FORESIGHT", "Foresight", "Values", "compute_values", "reprice", "worlds_of"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Values(Protocol):
    """Continuation values a simulation's chunks play with."""

    method: str
    diagnostics: dict[str, Any]
    first: FirstPeriod

    def probabilities(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """Outcome probabilities of the live runs' stage games, shape (n_live, n_outcomes)."""
        ...

    def advance(self, chunk: Chunk, t: int) -> None:
        """Follow the runs into the next period (after events and ``update:``)."""
        ...

    def stage_payoffs(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """The payoffs the live runs' actors weigh: each outcome's plus what follows it,
        shape (n_live, n_outcomes, n_players)."""
        ...


@dataclass
class Foresight:
    """How the actors of a simulation looked ahead.

    Attributes
    ----------
    mode : str
        As asked: ``full``, ``myopic``, ``exact`` or ``approximate``.
    method : str
        As computed: ``myopic``, ``exact`` or ``approximate``.
    reason : str
        Why this computation, for reports.
    diagnostics : dict
        The computation's: states enumerated (exact), each period's fit
        out of sample (approximate), time.
    start : Solution or None
        The first period's stage game at the initial state, in the world of
        every run when they share one (the nominal values, or ``--set``),
        solved with the payoffs the actors play it with; its payoffs are
        each actor's value of the whole game at the start (``None`` for
        myopic actors, who do not compute one).
    """

    mode: str
    method: str
    reason: str
    diagnostics: dict[str, Any] = field(default_factory=dict)
    start: Solution | None = None
    start_value: FloatArray | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``mode``, ``method``, ``reason`` and the diagnostics (but time)."""
        # times differ from run to run; the rest is decided by the seed
        diagnostics = {k: v for k, v in self.diagnostics.items() if k != "seconds"}
        return {
            "mode": self.mode,
            "method": self.method,
            "reason": self.reason,
            "diagnostics": _plain(diagnostics),
        }

    def describe(self) -> str:
        """One line: the computation and why (for summaries)."""
        if self.method == "approximate":
            fit = self.diagnostics.get("fit", [])
            quality = (
                f", out-of-sample R-squared {min(f['r2'] for f in fit):.3f} at worst" if fit else ""
            )
            return (
                f"{self.mode}; fitted values ({self.reason}), "
                f"{self.diagnostics.get('samples', 0):,} sampled states per period{quality}"
            )
        if self.method == "exact":
            return f"{self.mode}; exact values, {self.reason}"
        return f"myopic, {self.reason}"

    def start_tables(self) -> tuple[Table, ...]:
        """The first period's strategies at the start, and the start values, as tables."""
        if self.start is None:
            return ()
        game = self.start.game
        rows = []
        for h, name in enumerate(game.infoset_names):
            lo, hi = game.infoset_actions[h], game.infoset_actions[h + 1]
            acts = "  ".join(
                f"{game.action_names[a]} {self.start.strategy_mean[a]:.3f}" for a in range(lo, hi)
            )
            rows.append((game.players[game.infoset_player[h]], name, acts))
        tables = [
            Table(
                "First period at the start: strategies",
                ("player", "information set", "action probabilities"),
                tuple(rows),
                align="lll",
            )
        ]
        if self.start_value is not None:
            tables.append(
                Table(
                    "Value of the whole game at the start",
                    ("actor", "value"),
                    tuple(
                        (p, f"{v:.3f}") for p, v in zip(game.players, self.start_value, strict=True)
                    ),
                )
            )
        return tuple(tables)

    def start_dict(self) -> dict[str, Any] | None:
        """``{"strategies": {player: {infoset: {action: p}}}, "value": {actor: v}}``."""
        if self.start is None:
            return None
        game = self.start.game
        strategies = self.start.to_dict()["strategies"]
        value = None
        if self.start_value is not None:
            value = {p: float(v) for p, v in zip(game.players, self.start_value, strict=True)}
        return {"strategies": strategies, "value": value}


def worlds_of(draws: Draws) -> tuple[Draws, IntArray]:
    """The distinct parameter values among ``draws`` (worlds), and each draw's world.

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("korea-2017")
    >>> worlds, world = worlds_of(sc.parameters.sample(3, seed=1).take(np.array([0, 1, 0, 2])))
    >>> worlds.n_draws, len(set(world.tolist()))
    (3, 3)
    """
    n = draws.n_draws
    columns = [np.broadcast_to(np.asarray(draws[k], dtype=np.float64), (n,)) for k in draws]
    if not columns or n <= 1:
        return draws.take(np.zeros(min(n, 1), dtype=np.int64)), np.zeros(n, dtype=np.int64)
    matrix = np.column_stack(columns)
    first, inverse = unique_rows(matrix)
    order = np.argsort(first)  # worlds numbered in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return draws.take(first[order]), rank[inverse].astype(np.int64)


def compute_values(
    plan: Plan,
    worlds: Draws,
    *,
    mode: str,
    seed: Seed | np.random.SeedSequence = None,
    samples: int | None = None,
    cap: int = STATE_CAP,
    keep_steps: bool = False,
) -> tuple[Values | None, Foresight]:
    """Continuation values of ``worlds`` under ``plan``, as ``mode`` asks.

    Parameters
    ----------
    plan : Plan
    worlds : Draws
        One row per world.
    mode : {"full", "myopic", "exact", "approximate"}
    seed : int, Generator, SeedSequence or None
        For the states fitted values are fitted on.
    samples : int, optional
        States per world and period that fitted values are fitted on.
    cap : int
        Most states per world over the horizon for exact values.
    keep_steps : bool
        Keep exact values' periods, so that :func:`reprice` can value the same
        states at other parameter values (one world at a time: memory).

    Returns
    -------
    (Values or None, Foresight)
        None for myopic actors.

    Raises
    ------
    ScenarioError
        ``exact`` on a scenario whose worlds reach too many states, or a
        scenario fitted values cannot handle, with the reason.
    """
    if mode not in FORESIGHT:
        raise ParameterError(
            f"foresight must be one of {', '.join(FORESIGHT)}, found {mode!r}",
            arguments=("foresight",),
        )
    if mode == "myopic":
        return None, Foresight(mode, "myopic", "each stage game played with its own payoffs")
    transition = Transition(plan)
    delta = _discount(plan, worlds)
    values: Values
    # full: exact values when no world reaches more states than the cap. Exact values cost
    # about half as much per state as fitted ones per sampled state (korea-2017: 29 against
    # 58 microseconds), and fitted values pooled over many worlds are cheaper still but can
    # be several per cent off in some worlds: accuracy first, approximate when asked.
    reason = "as asked"
    if mode in ("full", "exact"):
        try:
            values = _exact(plan, transition, worlds, delta, cap, keep_steps)
        except TooManyStates as exc:
            if mode == "exact":
                raise ScenarioError(
                    f"{plan.scenario.name}: exact foresight enumerates every state a world can "
                    f"reach, and expects at most {exc.cap:,} per world over the horizon; found "
                    f"{exc.count:,} by period {exc.period} of {plan.horizon} (continuous state "
                    "or a long horizon); use foresight: approximate (fitted values) or full",
                    file=plan.scenario.source or None,
                ) from None
            reason = (
                f"more than {cap:,} reachable states per world by period {exc.period}, "
                "too many to enumerate"
            )
        else:
            states = values.diagnostics["max_states_per_world"]
            counted = f"{states:,} {noun(states, 'reachable state')} per world"
            return values, _info(plan, mode, values, counted)
    values = FittedValues(plan, transition, worlds, delta, seed=seed, samples=samples)
    return values, _info(plan, mode, values, reason)


def _exact(
    plan: Plan,
    transition: Transition,
    worlds: Draws,
    delta: FloatArray,
    cap: int,
    keep_steps: bool = False,
) -> ExactValues:
    """Exact values, after a probe of the first world: most worlds reach alike many
    states, and one is cheap to enumerate, so the probe says how many worlds fit in the
    row budget together (with room for worlds that reach twice as many)."""
    probe = ExactValues(
        plan,
        transition,
        worlds.take(np.zeros(1, dtype=np.int64)),
        delta[:1],
        cap=cap,
        keep_steps=keep_steps and worlds.n_draws == 1,
    )
    if worlds.n_draws == 1:
        return probe
    per_world = max(1, probe.diagnostics["max_states_per_world"])
    block = max(1, ROW_BUDGET // (2 * per_world))
    return ExactValues(plan, transition, worlds, delta, cap=cap, block=block)


def reprice(values: Values, plan: Plan, world: Draws, mode: str) -> tuple[Values, Foresight] | None:
    """Exact ``values`` kept with their steps, valued again at ``world`` (one row) whose
    parameters differ only where the transition does not read them (see
    :meth:`ExactValues.repriced`); None when that cannot be done.

    Examples
    --------
    >>> import escalade
    >>> from escalade.game import build_game
    >>> from escalade.scenario import Policy
    >>> sc = escalade.load("korea-2017")
    >>> plan = Plan(sc, build_game(sc), sc.dynamics, Policy("free"), None, 10, None, "qre")
    >>> values, _ = compute_values(plan, sc.parameters.nominal(), mode="full", keep_steps=True)
    >>> moved = sc.parameters.fixed({"p_detect": 0.7}).nominal()
    >>> reprice(values, plan, moved, "full")[1].method
    'exact'
    """
    if not isinstance(values, ExactValues):
        return None
    found = values.repriced(world, _discount(plan, world))
    if found is None:
        return None
    states = found.diagnostics["max_states_per_world"]
    counted = f"{states:,} {noun(states, 'reachable state')} per world"
    return found, _info(plan, mode, found, counted)


def _info(plan: Plan, mode: str, values: Values, reason: str) -> Foresight:
    """The :class:`Foresight` of computed values, with the start of world 0."""
    first = values.first
    start = start_solution(plan, first.values[:1], first.chance[:1], first.lam[:1], values.method)
    return Foresight(mode, values.method, reason, values.diagnostics, start, first.value[0])


def myopic_start(plan: Plan, transition: Transition, world: Draws) -> Solution:
    """The first period's stage game at the initial state, played with its own payoffs."""
    step = transition.step(1, world, transition.initial_state(world), follow=False)
    return start_solution(plan, step.payoffs, step.chance, step.lam, "myopic")


def start_solution(
    plan: Plan, payoffs: FloatArray, chance: FloatArray, lam: FloatArray, method: str
) -> Solution:
    """One stage game (a batch of one) with these payoffs, solved, as a :class:`Solution`."""
    sol = solve_stage(plan, payoffs, chance, lam, keep_strategies=True)
    strategies = sol.strategies if sol.strategies is not None else np.zeros((1, 0))
    return Solution(
        game=plan.game,
        method=plan.method,
        payoffs=sol.payoffs,
        outcomes=sol.outcomes,
        strategy_mean=strategies[0],
        lam=float(lam[0]) if plan.method == "qre" else None,
        strategies=strategies,
        converged=sol.converged,
        diagnostics={"foresight": method},
    )


def _discount(plan: Plan, worlds: Draws) -> FloatArray:
    """Each world's discount factor (checked in (0, 1])."""
    n = worlds.n_draws
    discount = plan.dynamics.discount
    env = plan.scenario.environment(
        worlds,
        extra={"period": 1.0},
        levers=plan.levers,
        needed=frozenset(discount.expr.names),
    )
    delta = np.broadcast_to(discount.evaluate(env, n_draws=n), (n,)).copy()
    bad = (delta <= 0) | (delta > 1)
    if bad.any():
        raise range_error(discount, delta, bad, env, 0, "a value in (0, 1]", where="world")
    return delta


def _plain(value: Any) -> Any:
    """Diagnostics as plain JSON values (numpy numbers and arrays converted)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
