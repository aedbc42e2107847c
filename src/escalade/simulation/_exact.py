"""Exact continuation values: dynamic programming over (period, state).

When the states a crisis can reach from its start are few (flags,
categories, bounded integer steps, short horizons), they are enumerated
period by period, for every world (distinct parameter values) at once:
from each state, every outcome the stage game can reach, every
combination of events with a positive probability, and ``update:`` give
the states of the next period (rows of state values, deduplicated per
world). Backward induction then runs over the periods: at period ``t``
every (world, state) row's stage game is solved with the payoffs
:meth:`Step.stage_values` gives from the values of period ``t + 1``, and
its value is each player's expected payoff under that solution. This is
the Markov perfect equilibrium of the finite-horizon game, with a logit
QRE (or SPE) at every stage.

States whose values differ by less than ``1e-11`` count as one (paths
that reach the same state in different orders can differ in the last
bits). A world that reaches more than :data:`STATE_CAP` states over the
horizon is too many to enumerate: :class:`TooManyStates` says so, and
full foresight falls back to fitted values (``_fitted``), saying which
was used. Worlds are computed in blocks of at most :data:`ROW_BUDGET`
rows, so memory stays bounded when there are many.

References
----------
Maskin, E. and Tirole, J. (2001). Markov perfect equilibrium: I.
Observable actions. Journal of Economic Theory 100, 191-219.
Bellman, R. (1957). Dynamic Programming. Princeton University Press.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade.scenario import Draws
from escalade.simulation._plan import Plan, annuity, solve_stage
from escalade.simulation._rows import unique_rows
from escalade.simulation._transition import GroupStep, Step, Transition

if TYPE_CHECKING:
    from escalade.simulation._chunk import Chunk, Stage

__all__ = ["ROW_BUDGET", "STATE_CAP", "ExactValues", "FirstPeriod", "TooManyStates"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Most states per world, summed over the periods, that exact values enumerate.
STATE_CAP = 20_000
#: Most (world, state) rows computed together; more worlds are split into blocks.
ROW_BUDGET = 200_000
#: States closer than this (in every variable) are the same state.
_DECIMALS = 11


class TooManyStates(Exception):
    """The reachable states of some world exceed the cap.

    Attributes
    ----------
    period : int
        The period at which the count passed the cap.
    count : int
        States of the worst world up to that period.
    cap : int
    """

    def __init__(self, period: int, count: int, cap: int) -> None:
        super().__init__(f"{count:,} states by period {period}, above the cap of {cap:,}")
        self.period = period
        self.count = count
        self.cap = cap


class _OverBudget(Exception):
    """The rows of a block of worlds exceed :data:`ROW_BUDGET`."""


@dataclass
class FirstPeriod:
    """The first period's stage game of each world, valued with foresight.

    Attributes
    ----------
    values : ndarray of shape (n_worlds, n_outcomes, n_players)
        The payoffs actors play it with.
    chance : ndarray of shape (n_worlds, n_chance_edges)
    lam : ndarray of shape (n_worlds,)
    value : ndarray of shape (n_worlds, n_players)
        Each player's value of the whole game at the start.
    """

    values: FloatArray
    chance: FloatArray
    lam: FloatArray
    value: FloatArray


@dataclass
class _Table:
    """The states of one period, for every world, and what the backward pass found."""

    world: IntArray  # (R,)
    state: FloatArray  # (R, n_state)
    step: Step | None = None
    # per outcome group: the event masks of its branches (sorted), and the row of the
    # next period's table each (row, branch) leads to (-1 where the weight is 0)
    follow: list[tuple[IntArray, IntArray] | None] = field(default_factory=list)
    value: FloatArray | None = None  # (R, n_players)
    probs: FloatArray | None = None  # (R, n_outcomes)


class ExactValues:
    """Exact continuation values for a batch of worlds.

    Parameters
    ----------
    plan : Plan
    transition : Transition
    worlds : Draws
        One row per world.
    delta : ndarray of shape (n_worlds,)
        Each world's discount factor.
    cap : int
        Most states per world over the horizon.
    block : int, optional
        Most worlds enumerated together (default: all, split further when
        their rows exceed :data:`ROW_BUDGET`). A block too large is
        enumerated until it passes the budget and then again in halves,
        so a good guess saves that work.

    Raises
    ------
    TooManyStates
        When some world reaches more than ``cap`` states.

    Attributes
    ----------
    diagnostics : dict
        ``states`` (per period, summed over worlds), ``max_states_per_world``
        (over the horizon), ``worlds``, ``seconds``.
    first : FirstPeriod
    """

    method = "exact"

    def __init__(
        self,
        plan: Plan,
        transition: Transition,
        worlds: Draws,
        delta: FloatArray,
        *,
        cap: int = STATE_CAP,
        block: int | None = None,
        keep_steps: bool = False,
    ) -> None:
        started = time.perf_counter()
        self.block = max(1, block or worlds.n_draws)
        self.keep_steps = keep_steps
        self.plan = plan
        self.transition = transition
        self.worlds = worlds
        self.delta = delta
        self.cap = cap
        # each period's stage payoffs, computed again when asked (stage_payoffs)
        self._periods: dict[int, FloatArray] = {}
        self.tables, self.first = self._blocks(np.arange(worlds.n_draws))
        per_world = np.zeros(worlds.n_draws, dtype=np.int64)
        for table in self.tables:
            per_world += np.bincount(table.world, minlength=worlds.n_draws)
        self.diagnostics: dict[str, Any] = {
            "method": "exact",
            "worlds": int(worlds.n_draws),
            "states": [int(t.world.size) for t in self.tables],
            "max_states_per_world": int(per_world.max()),
            "state_cap": cap,
            "seconds": time.perf_counter() - started,
        }

    def _blocks(self, worlds: IntArray) -> tuple[list[_Table], FirstPeriod]:
        """The tables of ``worlds``, in blocks small enough for the row budget."""
        try:
            if worlds.size > self.block:
                raise _OverBudget
            tables = self._enumerate(worlds)
        except _OverBudget:
            half = worlds.size // 2
            tables_a, first_a = self._blocks(worlds[:half])
            tables_b, first_b = self._blocks(worlds[half:])
            return _concatenate(tables_a, tables_b), _join_first(first_a, first_b)
        return tables, self._backward(tables)

    # ------------------------------------------------------------ enumeration
    def _enumerate(self, worlds: IntArray) -> list[_Table]:
        """Every state the worlds reach, period by period, and the steps between them."""
        plan, horizon = self.plan, self.plan.horizon
        world = worlds.copy()
        state = self.transition.initial_state(self.worlds.take(world))
        count = np.ones(worlds.size, dtype=np.int64)
        total = worlds.size
        tables: list[_Table] = []
        for t in range(1, horizon + 1):
            table = _Table(world, state)
            tables.append(table)
            draws = self.worlds.take(world)
            if t == horizon or world.size == 0:
                # nothing follows the last period: its stage game is played for its payoffs
                table.step = self.transition.step(t, draws, state, follow=False)
                table.follow = [None] * len(plan.groups)
                continue
            table.step = step = self.transition.step(t, draws, state)
            found_world: list[IntArray] = []
            found_state: list[FloatArray] = []
            places: list[tuple[int, int, IntArray]] = []
            for g, group in enumerate(step.groups):
                if group is None:
                    continue
                for b, branch in enumerate(group.branches):
                    rows = np.flatnonzero(branch.weight > 0)
                    if rows.size:
                        found_world.append(world[rows])
                        found_state.append(branch.state[rows])
                        places.append((g, b, rows))
            if places:
                all_world = np.concatenate(found_world)
                all_state = np.concatenate(found_state)
                keys = np.column_stack(
                    [all_world.astype(np.float64), np.round(all_state, _DECIMALS)]
                )
                first, inverse = unique_rows(keys)
                world, state = all_world[first], all_state[first]
            else:  # every run ends in this period: later periods have no states
                inverse = np.zeros(0, dtype=np.int64)
                world, state = world[:0], state[:0]
            count += np.bincount(np.searchsorted(worlds, world), minlength=worlds.size)
            if count.max() > self.cap:
                raise TooManyStates(t + 1, int(count.max()), self.cap)
            total += world.size
            if total > ROW_BUDGET and worlds.size > 1:
                raise _OverBudget
            table.follow = _follow(step, places, inverse, table.world.size)
            _forget_states(step)
        return tables

    # ---------------------------------------------------------------- values
    def _backward(self, tables: list[_Table]) -> FirstPeriod:
        """Backward induction over the periods; returns the first period's stage games."""
        plan, horizon = self.plan, self.plan.horizon
        later = np.zeros((0, plan.game.n_players))
        first: FirstPeriod | None = None
        for t in range(horizon, 0, -1):
            table = tables[t - 1]
            step = table.step
            if step is None:  # pragma: no cover - every table has a step until here
                raise RuntimeError("exact values: a period was not enumerated")
            delta = self.delta[table.world]
            rest = annuity(delta, horizon - t)
            values = step.stage_values(plan, rest, delta, _lookup(table, later))
            sol = solve_stage(plan, values, step.chance, step.lam)
            table.value, table.probs = sol.payoffs, sol.outcomes
            later = sol.payoffs
            if t == 1:
                first = FirstPeriod(values, step.chance, step.lam, sol.payoffs)
            # the steps are only needed going backward (and to reprice): free their memory
            if not self.keep_steps:
                table.step = None
        if first is None:  # pragma: no cover - period 1 always has one row per world
            raise RuntimeError("exact values: the first period has no states")
        return first

    def repriced(self, worlds: Draws, delta: FloatArray) -> ExactValues | None:
        """The same states and transitions at other values of parameters the transition
        does not read (:attr:`Transition.reads`): each period's stage games evaluated
        again and the backward pass redone, the same to the last bit as computing them
        anew. None when the steps were not kept (``keep_steps``), or when an outcome
        becomes reachable or unreachable in some state (then the states may differ).

        Examples
        --------
        >>> import escalade
        >>> from escalade.game import build_game
        >>> from escalade.scenario import Policy
        >>> sc = escalade.load("korea-2017")
        >>> plan = Plan(sc, build_game(sc), sc.dynamics, Policy("free"), None, 10, None, "qre")
        >>> world, delta = sc.parameters.nominal(), np.array([0.9])
        >>> base = ExactValues(plan, Transition(plan), world, delta, keep_steps=True)
        >>> other = sc.parameters.fixed({"p_detect": 0.7}).nominal()
        >>> fresh = ExactValues(plan, Transition(plan), other, delta)
        >>> bool(np.array_equal(base.repriced(other, delta).first.value, fresh.first.value))
        True
        """
        started = time.perf_counter()
        transition, tables = self.transition, []
        for t, old in enumerate(self.tables, start=1):
            if old.step is None:
                return None
            draws = worlds.take(old.world)
            stage = transition.step(t, draws, old.state, follow=False)
            if t < self.plan.horizon and not np.array_equal(
                transition.reachable(stage.chance), transition.reachable(old.step.chance)
            ):
                return None
            step = Step(t, stage.payoffs, stage.chance, stage.lam, old.step.groups)
            tables.append(_Table(old.world, old.state, step, old.follow))
        out = object.__new__(ExactValues)
        out.__dict__.update(self.__dict__)
        out.worlds, out.delta, out.tables, out._periods = worlds, delta, tables, {}
        out.first = out._backward(tables)
        out.diagnostics = {**self.diagnostics, "seconds": time.perf_counter() - started}
        return out

    # ------------------------------------------------------------- simulation
    def stage_payoffs(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """The payoffs the live runs' actors play ``stage`` with: each outcome's payoff
        plus what follows it, shape (n_live, n_outcomes, n_players).

        The backward pass keeps only each state's solution; a view that shows a
        stage game whole (a wargame turn) needs these payoffs, computed again
        for every state of the period on first use and kept.
        """
        t = stage.t
        if t not in self._periods:
            plan, horizon = self.plan, self.plan.horizon
            table = self.tables[t - 1]
            draws = self.worlds.take(table.world)
            step = self.transition.step(t, draws, table.state, follow=t < horizon)
            delta = self.delta[table.world]
            later = self.tables[t].value if t < horizon else None
            nxt = np.zeros((0, plan.game.n_players)) if later is None else later
            self._periods[t] = step.stage_values(
                plan, annuity(delta, horizon - t), delta, _lookup(table, nxt)
            )
        return self._periods[t][chunk.node[stage.runs]]

    def probabilities(self, chunk: Chunk, stage: Stage) -> FloatArray:
        """Outcome probabilities of the live runs' stage games, from the table."""
        probs = self.tables[stage.t - 1].probs
        if probs is None:  # pragma: no cover - every table has been through the backward pass
            raise RuntimeError("exact values: the backward pass has not run")
        return probs[chunk.node[stage.runs]]

    def advance(self, chunk: Chunk, t: int) -> None:
        """Move each run still going to its row of the next period's table."""
        if t >= self.plan.horizon:
            return
        runs = np.flatnonzero(chunk.alive)
        if not runs.size:
            return
        table = self.tables[t - 1]
        group = self.plan.group_of[chunk.outcome[runs]]
        node = chunk.node[runs]
        mask = chunk.fired[runs]
        new = np.full(runs.size, -1, dtype=np.int64)
        for g in np.unique(group):
            follow = table.follow[g] if g >= 0 else None
            here = np.flatnonzero(group == g)
            if follow is None:
                continue
            masks, rows = follow
            col = np.minimum(np.searchsorted(masks, mask[here]), masks.size - 1)
            ok = masks[col] == mask[here]
            new[here[ok]] = rows[node[here[ok]], col[ok]]
        if (new < 0).any():  # pragma: no cover - a run went where the enumeration did not
            raise RuntimeError(
                "exact values: a simulated run reached a state the enumeration did not find"
            )
        chunk.node[runs] = new


def _lookup(table: _Table, later: FloatArray) -> Callable[[int, GroupStep], FloatArray]:
    """``expected_next(g, step)`` reading the next period's values through ``table.follow``."""

    def expected_next(g: int, step: GroupStep) -> FloatArray:
        n = table.world.size
        out = np.zeros((n, later.shape[1]))
        follow = table.follow[g]
        if follow is None:
            return out
        masks, rows = follow
        # every (row, branch) at once; a branch a row cannot take has weight 0 and no next
        # row (-1), which reads the zero row appended to ``later``
        padded = np.concatenate([later, np.zeros((1, later.shape[1]))])
        values = padded[rows]
        for branch in step.branches:
            b = int(np.searchsorted(masks, branch.mask))
            out += branch.weight[:, None] * values[:, b]
        return out

    return expected_next


def _follow(
    step: Step, places: list[tuple[int, int, IntArray]], inverse: IntArray, n: int
) -> list[tuple[IntArray, IntArray] | None]:
    """Per outcome group, the branch masks and the next row of each (row, branch)."""
    out: list[tuple[IntArray, IntArray] | None] = []
    start = 0
    spans: dict[tuple[int, int], tuple[IntArray, IntArray]] = {}
    for g, b, rows in places:
        spans[(g, b)] = (rows, inverse[start : start + rows.size])
        start += rows.size
    for g, group in enumerate(step.groups):
        if group is None:
            out.append(None)
            continue
        masks = np.array([br.mask for br in group.branches], dtype=np.int64)
        nxt = np.full((n, masks.size), -1, dtype=np.int64)
        for b in range(masks.size):
            if (g, b) in spans:
                rows, where = spans[(g, b)]
                nxt[rows, b] = where
        out.append((masks, nxt))
    return out


def _forget_states(step: Step) -> None:
    """Drop the states the branches lead to, once they are rows of the next table: the
    backward pass reads their rows, and a block of worlds holds many."""
    for group in step.groups:
        for branch in group.branches if group is not None else ():
            branch.state = branch.state[:0]


def _concatenate(first: list[_Table], second: list[_Table]) -> list[_Table]:
    """The tables of two blocks of worlds, one after the other (rows stay sorted by world)."""
    out = []
    for t, (a, b) in enumerate(zip(first, second, strict=True)):
        table = _Table(np.concatenate([a.world, b.world]), np.concatenate([a.state, b.state]))
        table.value = np.concatenate([_got(a.value), _got(b.value)])
        table.probs = np.concatenate([_got(a.probs), _got(b.probs)])
        shift = first[t + 1].world.size if t + 1 < len(first) else 0
        table.follow = [
            _join_follow(fa, fb, a.world.size, b.world.size, shift)
            for fa, fb in zip(a.follow, b.follow, strict=True)
        ]
        out.append(table)
    return out


def _join_follow(
    a: tuple[IntArray, IntArray] | None,
    b: tuple[IntArray, IntArray] | None,
    n_a: int,
    n_b: int,
    shift: int,
) -> tuple[IntArray, IntArray] | None:
    """One group's branches of two blocks: the union of their masks, rows of the second
    block moved past the first's (``shift`` rows in the next period)."""
    if a is None and b is None:
        return None
    masks = np.unique(np.concatenate([f[0] for f in (a, b) if f is not None]))
    rows = np.full((n_a + n_b, masks.size), -1, dtype=np.int64)
    for f, offset, moved in ((a, 0, 0), (b, n_a, shift)):
        if f is None:
            continue
        cols = np.searchsorted(masks, f[0])
        part = f[1]
        rows[offset : offset + part.shape[0], cols] = np.where(part >= 0, part + moved, -1)
    return masks, rows


def _join_first(a: FirstPeriod, b: FirstPeriod) -> FirstPeriod:
    return FirstPeriod(
        np.concatenate([a.values, b.values]),
        np.concatenate([a.chance, b.chance]),
        np.concatenate([a.lam, b.lam]),
        np.concatenate([a.value, b.value]),
    )


def _got(x: FloatArray | None) -> FloatArray:
    if x is None:  # pragma: no cover - blocks are joined after their backward pass
        raise RuntimeError("exact values: a block was joined before its backward pass")
    return x
