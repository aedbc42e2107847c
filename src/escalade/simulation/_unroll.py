"""The whole multi-period game as one extensive-form game.

:func:`unroll` writes a scenario with dynamics, in one world (the
nominal values, or given ones), as a single game tree: the stage game of
the first period at the initial state; at a stage leaf whose outcome
ends the run, a leaf worth the discounted stream the simulation scores;
otherwise a chance node over the period's event combinations (skipped
when only one is possible), an ending combination leading to a leaf, the
others to the next period's stage game at the state after ``update:``;
after the last period, a leaf. Every leaf holds the discounted sum of
the payoffs along its path, in the utility of period 1. A policy's
forced choices become chance nodes with their fixed probabilities.

Each copy of a stage game is its own subgame: information sets are
``(period, copy, stage information set)``, named ``"t.k:name"`` (the
``k``-th copy of period ``t``; the first period's copy is ``1.0``). So
the unrolled game's subgame-perfect equilibrium is the Markov perfect
one the engine computes, and so is its logit agent QRE when ``delta =
1`` (with ``delta < 1`` the unrolled game scales period ``t``'s choices
by ``delta**(t - 1)``, which current-value units do not; see
``_foresight``). Gambit, or anyone, can check the engine on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError, ScenarioError
from escalade.game import (
    CHANCE,
    DECISION,
    TERMINAL,
    Game,
    RawNode,
    assemble,
    build_game,
    constant_game,
)
from escalade.scenario import Draws, Policy, Scenario
from escalade.simulation._plan import Plan, annuity
from escalade.simulation._rows import unique_rows
from escalade.simulation._transition import Transition
from escalade.solvers import resolve_fixed

__all__ = ["MAX_UNROLL_NODES", "unroll"]

FloatArray = NDArray[np.float64]

#: Most nodes of an unrolled game.
MAX_UNROLL_NODES = 100_000


@dataclass
class _Period:
    """One period's stage game at one state, and what follows each outcome group."""

    payoffs: FloatArray  # (n_outcomes, n_players)
    chance: FloatArray  # (n_chance_edges,)
    # per group: [(label, probability, payoff or None, next state or None)]
    follow: list[list[tuple[str, float, FloatArray | None, FloatArray | None]] | None]


def unroll(
    scenario: Scenario,
    policy: Policy | None = None,
    *,
    draws: Draws | None = None,
    periods: int | None = None,
    game: Game | None = None,
    max_nodes: int = MAX_UNROLL_NODES,
) -> Game:
    """The multi-period game of a scenario as one extensive-form game.

    Parameters
    ----------
    scenario : Scenario
        Must have ``dynamics:``.
    policy : Policy, optional
        Its forced choices become chance nodes, its levers apply (default:
        free play).
    draws : Draws, optional
        The world: one set of parameter values (default: the nominal ones).
    periods : int, optional
        Overrides the horizon.
    game : Game, optional
        The scenario's stage game, if already built.
    max_nodes : int
        Refuse larger trees.

    Returns
    -------
    Game
        Constant payoffs (the discounted sums), one outcome per leaf.

    Raises
    ------
    ScenarioError
        When the tree would have more than ``max_nodes`` nodes (the
        message gives its size).

    Examples
    --------
    >>> import escalade
    >>> g = unroll(escalade.load("docs/examples/standoff.yaml"), periods=2)
    >>> g.n_nodes, g.infoset_names[:2]
    (49, ('1.0:root', '1.0:defender_answer'))
    """
    dyn = scenario.require_dynamics()
    stage = game if game is not None else build_game(scenario)
    chosen = policy if policy is not None else Policy("free", label="Free play (no policy)")
    horizon = dyn.periods if periods is None else int(periods)
    if horizon < 1:
        raise ParameterError(f"periods must be >= 1, found {periods}")
    world = draws if draws is not None else scenario.parameters.nominal()
    if world.n_draws != 1:
        raise ParameterError(f"unroll writes one world; found {world.n_draws} sets of values")
    fixed = resolve_fixed(stage, chosen.force)
    plan = Plan(scenario, stage, dyn, chosen, fixed, horizon, None, "qre")
    builder = _Builder(plan, Transition(plan), world)
    start = builder.transition.initial_state(world)[0]
    bound = builder.lower_bound(start, max_nodes)
    if bound > max_nodes:
        size, fits = f"more than {bound:,}", False
    else:
        try:
            size = f"{builder.count(1, start):,}"
            fits = builder.count(1, start) <= max_nodes
        except _TooMany as exc:
            size, fits = f"more than {exc.nodes:,}", False
    if not fits:
        raise ScenarioError(
            f"{scenario.name}: the unrolled game over {_periods(horizon, dyn.unit)} would have "
            f"{size} nodes; expected at most {max_nodes:,}; unroll fewer periods (--periods) or a "
            "scenario with fewer reachable states",
            file=scenario.source or None,
        )
    builder.emit(1, start, np.zeros(stage.n_players), "")
    return builder.game(scenario)


#: Most distinct (period, state) pairs visited to count the nodes of an unrolled game.
_COUNT_STATES = 20_000


class _TooMany(Exception):
    """Counting the nodes visits too many states; ``nodes`` is the count so far."""

    def __init__(self, nodes: int) -> None:
        super().__init__(nodes)
        self.nodes = nodes


class _Builder:
    """Counts and emits the nodes of the unrolled game, period by period."""

    def __init__(self, plan: Plan, transition: Transition, world: Draws) -> None:
        self.plan = plan
        self.transition = transition
        self.world = world
        dyn = plan.dynamics
        env = plan.scenario.environment(world, extra={"period": 1.0}, levers=plan.levers)
        self.delta = float(np.asarray(dyn.discount.evaluate(env, n_draws=1))[0])
        if not 0.0 < self.delta <= 1.0:
            raise ParameterError(f"discount must lie in (0, 1], found {self.delta:g}")
        self.events = [ev.name for ev in dyn.events]
        self.periods: dict[tuple[int, bytes], _Period] = {}
        self.counts: dict[tuple[int, bytes], int] = {}
        self.nodes: list[RawNode] = []
        self.leaves: list[tuple[str, FloatArray]] = []  # each leaf's outcome: name, payoffs
        self.copies: dict[int, int] = {}

    # ---------------------------------------------------------------- periods
    def period(self, t: int, state: FloatArray) -> _Period:
        """The stage game of period ``t`` at ``state`` and what follows it (cached)."""
        key = (t, np.round(state, 11).tobytes())
        if key not in self.periods:
            horizon = self.plan.horizon
            step = self.transition.step(t, self.world, state[None, :], follow=t < horizon)
            follow: list[list[tuple[str, float, FloatArray | None, FloatArray | None]] | None] = []
            for group in step.groups:
                if group is None:
                    follow.append(None)
                    continue
                items: list[tuple[str, float, FloatArray | None, FloatArray | None]] = []
                for mask, weight, payoff in group.endings:
                    if weight[0] > 0:
                        items.append((self._label(mask), float(weight[0]), payoff[0], None))
                for branch in group.branches:
                    if branch.weight[0] > 0:
                        label = self._label(branch.mask)
                        items.append((label, float(branch.weight[0]), None, branch.state[0]))
                follow.append(items)
            self.periods[key] = _Period(step.payoffs[0], step.chance[0], follow)
        return self.periods[key]

    def _label(self, mask: int) -> str:
        fired = [name for j, name in enumerate(self.events) if mask >> j & 1]
        return "+".join(fired) if fired else "no_event"

    # ----------------------------------------------------------------- counts
    def lower_bound(self, start: FloatArray, limit: int) -> int:
        """At least as many nodes as the tree has, from the distinct states of each period
        (each is the root of at least one copy of the stage game); stops past ``limit``."""
        stage_nodes = self.plan.game.n_nodes
        state = start[None, :]
        bound = stage_nodes
        for t in range(1, self.plan.horizon):
            draws = self.world.take(np.zeros(state.shape[0], dtype=np.int64))
            step = self.transition.step(t, draws, state)
            found = [
                branch.state[branch.weight > 0]
                for group in step.groups
                if group is not None
                for branch in group.branches
            ]
            if not found:
                break
            rows = np.asarray(np.round(np.concatenate(found), 11), dtype=np.float64)
            state = rows[unique_rows(rows)[0]]
            bound += state.shape[0] * stage_nodes
            if bound > limit:
                break
        return bound

    def count(self, t: int, state: FloatArray) -> int:
        """Nodes of the unrolled game from period ``t`` at ``state`` on."""
        key = (t, np.round(state, 11).tobytes())
        if key not in self.counts:
            if len(self.counts) >= _COUNT_STATES:
                raise _TooMany(max(self.counts.values()))
            here = self.period(t, state)
            game = self.plan.game
            total = 0
            for i in range(game.n_nodes):
                if game.kind[i] != TERMINAL:
                    total += 1
                    continue
                items = self._follow(here, int(game.outcome[i]))
                if not items:
                    total += 1
                elif len(items) == 1 and items[0][3] is not None:
                    total += self.count(t + 1, items[0][3])
                else:
                    total += (len(items) > 1) + sum(
                        1 if nxt is None else self.count(t + 1, nxt) for _, _, _, nxt in items
                    )
            self.counts[key] = total
        return self.counts[key]

    def _follow(
        self, here: _Period, outcome: int
    ) -> list[tuple[str, float, FloatArray | None, FloatArray | None]]:
        """What follows a stage leaf: nothing for an ending outcome or an unreachable group."""
        g = int(self.plan.group_of[outcome])
        if g < 0:
            return []
        return here.follow[g] or []

    # ------------------------------------------------------------------ nodes
    def emit(self, t: int, state: FloatArray, paid: FloatArray, path: str) -> int:
        """Add the nodes from period ``t`` at ``state`` on; ``paid`` is what the path has
        paid so far (period-1 utility). Returns the index of the first node."""
        here = self.period(t, state)
        copy = self.copies.get(t, 0)
        self.copies[t] = copy + 1
        return self._stage_node(0, t, copy, here, state, paid, path)

    def _stage_node(
        self,
        i: int,
        t: int,
        copy: int,
        here: _Period,
        state: FloatArray,
        paid: FloatArray,
        path: str,
    ) -> int:
        game, plan = self.plan.game, self.plan
        if game.kind[i] == TERMINAL:
            return self._leaf(t, int(game.outcome[i]), here, paid, path)
        kids = range(int(game.first_child[i]), int(game.first_child[i] + game.n_children[i]))
        me = len(self.nodes)
        if game.kind[i] == CHANCE:
            node = RawNode(
                CHANCE,
                actions=[_step_label(game, k) for k in kids],
                probs=[float(here.chance[game.edge_chance[k]]) for k in kids],
            )
        else:
            h = int(game.infoset[i])
            lo, hi = int(game.infoset_actions[h]), int(game.infoset_actions[h + 1])
            forced = plan.fixed[lo:hi] if plan.fixed is not None else None
            names = [game.action_names[a] for a in range(lo, hi)]
            if forced is not None and not np.isnan(forced).any():
                node = RawNode(CHANCE, actions=names, probs=[float(p) for p in forced])
            else:
                node = RawNode(
                    DECISION,
                    player=int(game.player[i]),
                    infoset=f"{t}.{copy}:{game.infoset_names[h]}",
                    actions=names,
                )
        self.nodes.append(node)
        for k in kids:
            node.children.append(self._stage_node(k, t, copy, here, state, paid, path))
        return me

    def _leaf(self, t: int, outcome: int, here: _Period, paid: FloatArray, path: str) -> int:
        plan = self.plan
        horizon = plan.horizon
        weight = self.delta ** (t - 1)
        rest = float(annuity(self.delta, horizon - t))
        name = plan.game.outcomes[outcome]
        tag = f"{path}>{name}" if path else name
        u = here.payoffs[outcome]
        if plan.ending[outcome]:
            return self._terminal(paid + weight * u * (1.0 + rest), tag)
        paid = paid + weight * u
        items = self._follow(here, outcome)
        if not items or t == horizon:
            return self._terminal(paid, tag)
        children: list[int] = []
        labels: list[str] = []
        probs: list[float] = []
        node = RawNode(CHANCE)
        me = -1
        if len(items) > 1:
            me = len(self.nodes)
            self.nodes.append(node)
        for label, prob, end_payoff, nxt in items:
            branch_tag = f"{tag}>{label}"
            if nxt is None and end_payoff is not None:
                kid = self._terminal(paid + weight * rest * end_payoff, branch_tag)
            elif nxt is not None:
                kid = self.emit(t + 1, nxt, paid, branch_tag)
            else:  # pragma: no cover - a combination either ends the run or goes on
                raise RuntimeError("unroll: an event combination with no outcome")
            children.append(kid)
            labels.append(label)
            probs.append(prob)
        if me < 0:
            return children[0]
        node.actions, node.probs, node.children = labels, probs, children
        return me

    def _terminal(self, payoff: FloatArray, name: str) -> int:
        self.nodes.append(RawNode(TERMINAL, outcome=len(self.leaves)))
        self.leaves.append((name, np.asarray(payoff, dtype=np.float64)))
        return len(self.nodes) - 1

    # ------------------------------------------------------------------- game
    def game(self, scenario: Scenario) -> Game:
        """The nodes as a :class:`Game` (breadth-first, children in action order)."""
        tree = assemble(self.nodes)
        names: list[str] = []
        taken: dict[str, int] = {}
        for name, _ in self.leaves:
            k = taken.get(name, 0)
            taken[name] = k + 1
            names.append(name if k == 0 else f"{name}#{k + 1}")
        dyn = scenario.require_dynamics()
        policy = self.plan.policy
        return constant_game(
            name=f"{scenario.name}-unrolled",
            players=scenario.player_names,
            outcomes=tuple(names),
            payoffs=np.array([pay for _, pay in self.leaves]).reshape(
                len(self.leaves), len(scenario.players)
            ),
            chance=tree.chance,
            infoset_names=tuple(str(key) for key in tree.infoset_keys),
            **tree.structure(),
            title=f"{scenario.title or scenario.name}, unrolled over "
            f"{_periods(self.plan.horizon, dyn.unit)}",
            description=(
                f"{scenario.name} over {_periods(self.plan.horizon, dyn.unit)} under "
                f"{policy.label or policy.name}; payoffs are discounted sums (discount "
                f"{self.delta:g}) in the utility of the first {dyn.unit}"
            ),
            outcome_labels=tuple(names),
            node_labels=tuple("" for _ in tree.order),
        )


def _periods(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


def _step_label(game: Game, node: int) -> str:
    """The label of the chance branch into ``node``: the last step of its path."""
    path = game.node_paths[node] if game.node_paths else ""
    return path.rsplit("/", 1)[-1]
