"""One period of a crisis in expectation: where each stage outcome leads, and how likely.

A simulated run draws one outcome, then fires each event with its
uniform number, then updates the state. Looking ahead, an actor needs
the same period in expectation: for every outcome that does not end the
run, the state after its ``then:``, the events that may follow (every
combination of fired and quiet events, weighted by its probability,
stopping at an event that ends the run), and the state each combination
leads to after ``update:``. :class:`Transition` computes exactly that,
for a batch of states at once, with the steps and the order of
:class:`~escalade.simulation._chunk.Chunk`:

1. an outcome's ``then:`` is computed from the state at the start of the
   period;
2. events are checked in file order, all on the state after the outcome;
   each fired event's ``then:`` applies (a later one overrides an earlier
   one on the same variable); an event that ends the run stops the later
   ones, and the run is worth its ``end:`` outcome, evaluated on the state
   the events see, for every period left;
3. ``update:`` runs on the state after the events, and is clipped.

Outcomes with the same ``then:`` lead to the same states and share the
computation (:attr:`Plan.groups`). Only outcomes the stage game can reach
(choices fixed at probability 0 and chance branches of probability 0
excluded) are followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ScenarioError
from escalade.scenario import Draws, Event
from escalade.simulation._plan import Plan, range_error, stage_lam

__all__ = ["MAX_EVENTS", "Branch", "GroupStep", "Step", "Transition", "subset_env"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Most events foresight follows: their combinations double with each one.
MAX_EVENTS = 12


@dataclass
class Branch:
    """One combination of events that does not end the run.

    Attributes
    ----------
    mask : int
        The events that fired (bit ``j`` for the ``j``-th event).
    weight : ndarray of shape (n_rows,)
        Its probability in each row (0 where the outcome group cannot happen).
    state : ndarray of shape (n_rows, n_state)
        The state the next period starts from.
    """

    mask: int
    weight: FloatArray
    state: FloatArray


@dataclass
class GroupStep:
    """What follows the outcomes of one group.

    Attributes
    ----------
    ending : ndarray of shape (n_rows, n_players)
        Sum over the event combinations that end the run of their
        probability times the payoffs of their ``end:`` outcome.
    branches : list of Branch
        The combinations that do not end the run.
    endings : list of (int, ndarray, ndarray)
        The combinations that end it, one by one: events fired (the last
        one ends the run), probability (n_rows,) and the ``end:``
        outcome's payoffs (n_rows, n_players).
    """

    ending: FloatArray
    branches: list[Branch]
    endings: list[tuple[int, FloatArray, FloatArray]] = field(default_factory=list)


@dataclass
class Step:
    """A period of a batch of states, in expectation.

    Attributes
    ----------
    t : int
        The period (1-based).
    payoffs : ndarray of shape (n_rows, n_outcomes, n_players)
        The stage payoffs.
    chance : ndarray of shape (n_rows, n_chance_edges)
        The stage game's chance probabilities.
    lam : ndarray of shape (n_rows,)
        The logit precision of each row's stage game.
    groups : list of GroupStep or None
        One per :attr:`Plan.groups`; None where no row can reach the group.
    """

    t: int
    payoffs: FloatArray
    chance: FloatArray
    lam: FloatArray
    groups: list[GroupStep | None]

    def stage_values(
        self,
        plan: Plan,
        rest: FloatArray,
        delta: FloatArray,
        expected_next: Callable[[int, GroupStep], FloatArray],
    ) -> FloatArray:
        """The payoffs actors who look ahead play the stage game with.

        Parameters
        ----------
        plan : Plan
        rest : ndarray of shape (n_rows,)
            ``annuity(delta, T - t)``: the weight of a payoff recurring to the horizon.
        delta : ndarray of shape (n_rows,)
        expected_next : callable
            ``expected_next(g, step)``: over the branches of the ``g``-th
            group's step, the sum of ``branch.weight`` times each player's
            value of the next period at ``branch.state``, shape (n_rows,
            n_players).

        Returns
        -------
        ndarray of shape (n_rows, n_outcomes, n_players)
            An outcome that ends the run: its payoff for this and every
            later period; otherwise its payoff, plus the runs the events end
            valued to the horizon, plus ``delta`` times the value of the
            state each event combination leads to.
        """
        values = self.payoffs.copy()
        ending = plan.ending
        values[:, ending, :] *= (1.0 + rest)[:, None, None]
        for g, step in enumerate(self.groups):
            if step is None:
                continue
            follow = rest[:, None] * step.ending
            if step.branches:
                follow += delta[:, None] * expected_next(g, step)
            values[:, plan.groups[g].outcomes, :] += follow[:, None, :]
        return values


class Transition:
    """The expected period of one plan, for batches of states.

    Parameters
    ----------
    plan : Plan
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        dyn = plan.dynamics
        game = plan.game
        self.names = tuple(v.name for v in dyn.state)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.end_outcome = [game.outcomes.index(ev.end) if ev.end else -1 for ev in dyn.events]
        update_names: set[str] = set()
        for _, f in dyn.update:
            update_names |= f.expr.names
        event_names = set(update_names)
        for ev, k in zip(dyn.events, self.end_outcome, strict=True):
            event_names |= ev.probability.expr.names
            if ev.when is not None:
                event_names |= ev.when.expr.names
            for _, f in ev.then:
                event_names |= f.expr.names
            if k >= 0:
                for f in plan.scenario.outcomes[k].payoffs:
                    event_names |= f.expr.names
        self.event_names = frozenset(event_names)
        self.update_names = frozenset(update_names)
        # update: formulas that read no state variable (korea-2017's only one is "0") give
        # the same values whatever events fired: computed once, from the quiet state
        self._update_reads_state = bool(plan.scenario.reads(update_names) & set(self.names))
        #: Every name the states reached and the weights between them depend on: at
        #: other values of the other parameters the same states follow one another alike.
        self.reads = plan.scenario.reads(
            (update_names | event_names).union(
                *(f.expr.names for group in plan.groups for _, f in group.then),
                *(var.initial.expr.names for var in dyn.state),
            )
        )
        # edge probabilities that do not depend on the draw: forced choices, 1 for free ones
        self._edge = np.ones(game.n_nodes)
        dec = np.flatnonzero(game.edge_action >= 0)
        if plan.fixed is not None:
            forced = plan.fixed[game.edge_action[dec]]
            self._edge[dec] = np.where(np.isnan(forced), 1.0, forced)
        self._chance_nodes = np.flatnonzero(game.edge_chance >= 0)

    # ------------------------------------------------------------ environments
    def environment(
        self, draws: Draws, state: FloatArray, t: int, needed: frozenset[str] | None = None
    ) -> dict[str, Any]:
        """The environment of ``state`` rows in period ``t`` (only ``needed`` derived values)."""
        extra: dict[str, Any] = {name: state[:, i] for i, name in enumerate(self.names)}
        extra["period"] = float(t)
        return self.plan.scenario.environment(
            draws, extra=extra, levers=self.plan.levers, needed=needed
        )

    def initial_state(self, draws: Draws) -> FloatArray:
        """Each draw's state at the start, shape (n_draws, n_state)."""
        n = draws.n_draws
        env = self.plan.scenario.environment(
            draws, extra={"period": 1.0}, levers=self.plan.levers, needed=frozenset()
        )
        if not self.names:  # pragma: no cover - dynamics need a state variable
            return np.zeros((n, 0))
        return np.stack(
            [np.broadcast_to(np.asarray(env[name], dtype=np.float64), (n,)) for name in self.names],
            axis=1,
        )

    def reachable(self, chance: FloatArray) -> NDArray[np.bool_]:
        """Which outcomes each row's stage game can reach, shape (n_rows, n_outcomes)."""
        game = self.plan.game
        n = chance.shape[0]
        edge = np.repeat(self._edge[:, None], n, axis=1)
        if self._chance_nodes.size:
            edge[self._chance_nodes] = chance[:, game.edge_chance[self._chance_nodes]].T
        reach = game.outcome_probabilities(game.node_reach(edge))
        return np.asarray(reach.T > 0)

    # ------------------------------------------------------------------ a step
    def step(  # noqa: PLR0913 - what the caller knows of the period, as keywords
        self,
        t: int,
        draws: Draws,
        state: FloatArray,
        *,
        env: dict[str, Any] | None = None,
        payoffs: FloatArray | None = None,
        chance: FloatArray | None = None,
        lam: FloatArray | None = None,
        follow: bool = True,
    ) -> Step:
        """Period ``t`` from ``state`` (shape (n_rows, n_state)), in expectation.

        ``env``, ``payoffs``, ``chance`` and ``lam`` may be given when the
        caller has them (a simulated period). Without ``follow`` only the
        stage game is computed (the last period: nothing follows it).
        A value out of range is reported in "a state of period t".

        Raises
        ------
        ScenarioError
            When following a scenario with more than :data:`MAX_EVENTS`
            events (their combinations would be too many).
        """
        plan = self.plan
        n = state.shape[0]
        if env is None:
            env = self.environment(draws, state, t)
        if payoffs is None or chance is None:
            values = plan.game.values_from_env(env, n)
            payoffs, chance = values.payoffs, values.chance
        if lam is None:
            lam = stage_lam(plan, env, n, where=f"a state of period {t}")
        groups: list[GroupStep | None] = [None] * len(plan.groups)
        if not follow or n == 0:
            return Step(t, payoffs, chance, lam, groups)
        if len(plan.dynamics.events) > MAX_EVENTS:
            raise ScenarioError(
                f"{plan.scenario.name}: foresight follows every combination of events, and "
                f"expects at most {MAX_EVENTS} events; found {len(plan.dynamics.events)}; use "
                "foresight: myopic, or merge events",
                file=plan.scenario.source or None,
            )
        reach = self.reachable(chance)
        parts = []
        for g, group in enumerate(plan.groups):
            active = reach[:, group.outcomes].any(axis=1)
            if active.any():
                parts.append((g, group.then, None if active.all() else np.flatnonzero(active)))
        for g, group_step in self._groups(t, draws, state, env, parts):
            groups[g] = group_step
        return Step(t, payoffs, chance, lam, groups)

    def _groups(
        self,
        t: int,
        draws: Draws,
        state: FloatArray,
        env: dict[str, Any],
        parts: list[tuple[int, tuple[tuple[str, Any], ...], IntArray | None]],
    ) -> list[tuple[int, GroupStep]]:
        """What follows the outcomes of each group ``(g, then, rows)`` of ``parts``, in
        its rows (None: all).

        The states after each group's ``then:`` are stacked and their events and
        updates computed in one batch (each call costs about as much for one
        state as for thousands); each group then keeps the event combinations
        that can happen in its own rows, as if computed alone.
        """
        n = state.shape[0]
        afters, picks = [], []
        for _, then, rows in parts:
            part_env = env if rows is None else subset_env(env, rows, n)
            after = (state if rows is None else state[rows]).copy()
            for target, formula in then:
                var = self.plan.dynamics.state_var(target)
                after[:, self.index[target]] = var.clip(
                    formula.evaluate(part_env, n_draws=after.shape[0])
                )
            afters.append(after)
            picks.append(np.arange(n) if rows is None else rows)
        if not afters:
            return []
        stacked = np.concatenate(afters)
        stacked_draws = draws.take(np.concatenate(picks))
        env_after = self.environment(stacked_draws, stacked, t, self.event_names)
        ending, branches, endings = self._events(t, stacked_draws, stacked, env_after)
        out = []
        start = 0
        for (g, _, rows), after in zip(parts, afters, strict=True):
            own = slice(start, start + after.shape[0])
            start = own.stop
            kept = [b for b in branches if (b.weight[own] > 0).any()]
            ended = [e for e in endings if (e[1][own] > 0).any()]
            out.append((g, self._widen(state, ending[own], kept, ended, own, rows)))
        return out

    @staticmethod
    def _widen(
        state: FloatArray,
        ending: FloatArray,
        branches: list[Branch],
        endings: list[tuple[int, FloatArray, FloatArray]],
        own: slice,
        rows: IntArray | None,
    ) -> GroupStep:
        """A group's step from its slice ``own`` of the batch, over all ``state``'s rows
        (those that cannot reach the group: weight 0, and a valid state)."""
        n = state.shape[0]

        def widen(part: FloatArray, fill: FloatArray | None = None) -> FloatArray:
            if rows is None:
                return part
            out = np.zeros((n, *part.shape[1:])) if fill is None else fill.copy()
            out[rows] = part
            return out

        return GroupStep(
            widen(ending),
            [Branch(b.mask, widen(b.weight[own]), widen(b.state[own], state)) for b in branches],
            [(mask, widen(w[own]), widen(pay[own])) for mask, w, pay in endings],
        )

    def _events(
        self, t: int, draws: Draws, state: FloatArray, env: dict[str, Any]
    ) -> tuple[FloatArray, list[Branch], list[tuple[int, FloatArray, FloatArray]]]:
        """The event combinations from ``state`` (after the outcome): the value of those
        that end the run, the states the others lead to after ``update:``, and the ending
        ones one by one."""
        plan = self.plan
        dyn = plan.dynamics
        m = state.shape[0]
        n_players = plan.game.n_players
        ending = np.zeros((m, n_players))
        endings: list[tuple[int, FloatArray, FloatArray]] = []
        live: list[tuple[int, FloatArray]] = [(0, np.ones(m))]
        assigned: list[list[tuple[int, FloatArray]]] = []
        for j, ev in enumerate(dyn.events):
            p = _event_probability(t, ev, env, m)
            assigned.append(
                [
                    (self.index[target], dyn.state_var(target).clip(f.evaluate(env, n_draws=m)))
                    for target, f in ev.then
                ]
            )
            if not (p > 0).any():
                continue
            end_payoff = None
            if ev.end is not None:
                outcome = plan.scenario.outcomes[self.end_outcome[j]]
                end_payoff = np.stack([f.evaluate(env, n_draws=m) for f in outcome.payoffs], axis=1)
            live, ended = _split(live, j, p, ends=end_payoff is not None)
            if end_payoff is None:
                continue  # an event that does not end the run has ended nothing
            for mask, fired in ended:
                ending += fired[:, None] * end_payoff
                endings.append((mask, fired, end_payoff))
        live = sorted(live, key=lambda mw: mw[0])
        afters = []
        for mask, _ in live:
            after = state.copy()
            for j in (j for j in range(len(dyn.events)) if mask >> j & 1):
                for i, values in assigned[j]:
                    after[:, i] = values
            afters.append(after)
        updated = self._update(t, draws, afters, env, [mask for mask, _ in live])
        branches = [
            Branch(mask, weight, new) for (mask, weight), new in zip(live, updated, strict=True)
        ]
        return ending, branches, endings

    def _update(
        self,
        t: int,
        draws: Draws,
        states: list[FloatArray],
        env: dict[str, Any],
        masks: list[int],
    ) -> list[FloatArray]:
        """Each of ``states`` (one per event combination in ``masks``) after ``update:``
        (every new value from the same state), clipped, in place.

        ``env`` is the environment of the state no event changed (mask 0); the
        others' environments are computed in one batch, their states stacked
        (an environment costs the same for one row as for thousands), unless
        the updates read no state variable: then ``env`` serves them all.
        """
        dyn = self.plan.dynamics
        if not dyn.update or not states:
            return states
        m = states[0].shape[0]
        out = states
        changed = [k for k, mask in enumerate(masks) if mask and self._update_reads_state]
        parts: list[tuple[list[int], dict[str, Any], int]] = []
        if len(changed) < len(masks):
            parts.append(([k for k in range(len(masks)) if k not in changed], env, m))
        if changed:
            stacked = np.concatenate([states[k] for k in changed])
            rows = np.tile(np.arange(m), len(changed))
            env_changed = self.environment(draws.take(rows), stacked, t, self.update_names)
            parts.append((changed, env_changed, stacked.shape[0]))
        for which, part_env, n in parts:
            for target, f in dyn.update:
                values = dyn.state_var(target).clip(f.evaluate(part_env, n_draws=n))
                column = self.index[target]
                for slot, k in enumerate(which):
                    out[k][:, column] = values[slot * m : (slot + 1) * m] if n > m else values
        return out


def _event_probability(t: int, ev: Event, env: dict[str, Any], m: int) -> FloatArray:
    """The probability of event ``ev`` in ``m`` states of period ``t`` (0 where its
    ``when:`` does not hold); out of [0, 1] is an error at the expression."""
    p = np.asarray(ev.probability.evaluate(env, n_draws=m), dtype=np.float64)
    bad = (p < -1e-12) | (p > 1 + 1e-12)
    if bad.any():
        raise range_error(
            ev.probability,
            p,
            bad,
            env,
            None,
            "a probability in [0, 1]",
            where=f"a state of period {t}",
        )
    p = np.clip(p, 0.0, 1.0)
    if ev.when is not None:
        p = np.where(ev.when.evaluate(env, n_draws=m) != 0, p, 0.0)
    return p


def _split(
    live: list[tuple[int, FloatArray]], j: int, p: FloatArray, *, ends: bool
) -> tuple[list[tuple[int, FloatArray]], list[tuple[int, FloatArray]]]:
    """Each live combination of events split on event ``j`` (probability ``p``): those
    that go on and, when the event ``ends`` the run, those it ends (zero weights skipped)."""
    following: list[tuple[int, FloatArray]] = []
    ended: list[tuple[int, FloatArray]] = []
    for mask, weight in live:
        fired = weight * p
        quiet = weight * (1.0 - p)
        if (fired > 0).any():
            (ended if ends else following).append((mask | (1 << j), fired))
        if (quiet > 0).any():
            following.append((mask, quiet))
    return following, ended


def subset_env(env: dict[str, Any], rows: IntArray, n: int) -> dict[str, Any]:
    """The environment of ``rows`` of ``n`` (entries that are scalars stay as they are)."""
    out: dict[str, Any] = {}
    for k, v in env.items():
        arr = np.asarray(v)
        out[k] = arr[rows] if arr.ndim == 1 and arr.shape[0] == n else v
    return out
