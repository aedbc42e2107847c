"""Build a :class:`Game` from a scenario: structure once, values per batch."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escalade.errors import ScenarioError
from escalade.game._tree import CHANCE, DECISION, TERMINAL, Game, GameValues, action_offsets
from escalade.scenario import UTILITY_ARGUMENT, Draws, Formula, Scenario, TreeNode, check_chance

__all__ = ["build_game"]


def build_game(scenario: Scenario) -> Game:
    """Turn a checked scenario into a game with flat arrays.

    Information sets named in the file keep their names; every other
    decision node is its own information set, named by the path of actions
    leading to it (``root`` for the root, e.g. ``demand/demand`` below).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    Game

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> g = build_game(load_scenario("iig"))
    >>> g.n_nodes, g.n_infosets, g.infoset_names[:3]
    (25, 12, ('root', 'demand', 'no_demand'))
    """
    spec = scenario.expand()
    order_of: dict[str, tuple[str, ...]] = {}
    for node in spec:
        if node.kind == "decision" and node.infoset is not None:
            order_of.setdefault(node.infoset, node.actions)
    nodes, parent, edge_name = _breadth_first(spec, order_of)
    players = scenario.player_names
    player_index = {p: i for i, p in enumerate(players)}
    outcome_index = {o: i for i, o in enumerate(scenario.outcome_names)}
    kind = np.array(
        [{"terminal": TERMINAL, "decision": DECISION, "chance": CHANCE}[nd.kind] for nd in nodes],
        dtype=np.int8,
    )
    player = np.array(
        [player_index[nd.player] if nd.player is not None else -1 for nd in nodes],
        dtype=np.int64,
    )
    outcome = np.array(
        [outcome_index[nd.outcome] if nd.outcome is not None else -1 for nd in nodes],
        dtype=np.int64,
    )
    sets = _Infosets.of(nodes, order_of, player_index)
    edges = _Edges.of(nodes, parent, edge_name, sets)
    values = _Values(scenario, edges.chance_formulas, edges.chance_nodes)
    return Game(
        name=scenario.name,
        players=players,
        outcomes=scenario.outcome_names,
        kind=kind,
        parent=np.array(parent, dtype=np.int64),
        player=player,
        infoset=sets.infoset,
        outcome=outcome,
        edge_action=edges.action,
        edge_chance=edges.chance,
        infoset_player=np.array(sets.player, dtype=np.int64),
        infoset_names=tuple(sets.names),
        infoset_actions=action_offsets(sets.actions),
        action_names=tuple(a for acts in sets.actions for a in acts),
        evaluator=values.evaluate,
        env_evaluator=values.from_env,
        parameters=scenario.parameters,
        title=scenario.title,
        description=scenario.description,
        outcome_labels=tuple(o.label or o.name for o in scenario.outcomes),
        edge_labels=tuple(nd.action for nd in nodes),
        node_labels=tuple(nd.label for nd in nodes),
        source=scenario,
    )


def _breadth_first(
    spec: Sequence[TreeNode], order_of: Mapping[str, tuple[str, ...]]
) -> tuple[list[TreeNode], list[int], list[str]]:
    """Nodes renumbered breadth first with children in information-set action order.

    Returns the nodes, each one's parent and the action leading to it.
    """

    def ordered_children(node: TreeNode) -> list[tuple[str, int]]:
        pairs = list(zip(node.actions, node.children, strict=True))
        if node.kind == "decision" and node.infoset is not None:
            rank = {a: i for i, a in enumerate(order_of[node.infoset])}
            pairs.sort(key=lambda pair: rank[pair[0]])
        return pairs

    new_order: list[int] = []
    parent_new: list[int] = []
    edge_name: list[str] = []
    queue: deque[tuple[int, int, str]] = deque([(0, -1, "")])
    while queue:
        old, parent, action = queue.popleft()
        me = len(new_order)
        new_order.append(old)
        parent_new.append(parent)
        edge_name.append(action)
        for action_name, child in ordered_children(spec[old]):
            queue.append((child, me, action_name))
    return [spec[i] for i in new_order], parent_new, edge_name


@dataclass
class _Infosets:
    """Information sets in order of first appearance: named ones keep their names."""

    infoset: np.ndarray  # per node, -1 off decision nodes
    names: list[str] = field(default_factory=list)
    player: list[int] = field(default_factory=list)
    actions: list[tuple[str, ...]] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        nodes: list[TreeNode],
        order_of: Mapping[str, tuple[str, ...]],
        player_index: Mapping[str, int],
    ) -> _Infosets:
        explicit = {nd.infoset for nd in nodes if nd.kind == "decision" and nd.infoset}
        sets = cls(np.full(len(nodes), -1, dtype=np.int64))
        by_name: dict[str, int] = {}
        for i, nd in enumerate(nodes):
            if nd.kind != "decision":
                continue
            if nd.infoset is not None and nd.infoset in by_name:
                sets.infoset[i] = by_name[nd.infoset]
                continue
            if nd.infoset is not None:
                name = nd.infoset
            else:
                name = nd.path_name
                while name in explicit or name in by_name:
                    name += "'"
            by_name[name] = len(sets.names)
            sets.infoset[i] = len(sets.names)
            sets.names.append(name)
            if nd.player is None:  # the loader gives every decision node a player
                raise ScenarioError(f"decision node {name!r} has no player")
            sets.player.append(player_index[nd.player])
            sets.actions.append(
                order_of[nd.infoset] if nd.infoset is not None else tuple(nd.actions)
            )
        return sets


@dataclass
class _Edges:
    """What each edge into a node is: a player's action or a chance branch (a formula)."""

    action: np.ndarray
    chance: np.ndarray
    chance_formulas: list[Formula] = field(default_factory=list)
    chance_nodes: list[tuple[TreeNode, np.ndarray]] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        nodes: list[TreeNode],
        parent: list[int],
        edge_name: list[str],
        sets: _Infosets,
    ) -> _Edges:
        n = len(nodes)
        edges = cls(np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64))
        action_start = action_offsets(sets.actions)
        kids_of: list[list[int]] = [[] for _ in range(n)]
        for i in range(1, n):
            kids_of[parent[i]].append(i)
        for i, nd in enumerate(nodes):
            if nd.kind == "decision":
                h = sets.infoset[i]
                rank = {a: j for j, a in enumerate(sets.actions[h])}
                for kid in kids_of[i]:
                    edges.action[kid] = action_start[h] + rank[edge_name[kid]]
            elif nd.kind == "chance":
                formula_of = dict(zip(nd.actions, nd.probs, strict=True))
                cols = []
                for kid in kids_of[i]:
                    edges.chance[kid] = len(edges.chance_formulas)
                    cols.append(len(edges.chance_formulas))
                    edges.chance_formulas.append(formula_of[edge_name[kid]])
                edges.chance_nodes.append((nd, np.array(cols, dtype=np.int64)))
        return edges


@dataclass(frozen=True)
class _Values:
    """A scenario's payoffs and chance probabilities, evaluated for a batch of draws."""

    scenario: Scenario
    chance_formulas: list[Formula]
    chance_nodes: list[tuple[TreeNode, np.ndarray]]

    def from_env(self, env: Mapping[str, Any], size: int, draws: Draws | None = None) -> GameValues:
        # With the draws, a chance probability outside [0, 1] is reported with the
        # parameter values of the draw; without them, with the environment's values.
        outcomes = self.scenario.outcomes
        # by text: the same expression in several places (a status quo payoff shared by
        # many outcomes) has the same value, computed once
        cache: dict[str, np.ndarray] = {}

        def value(f: Formula) -> np.ndarray:
            key = f.expr.text
            if key not in cache:
                cache[key] = f.evaluate(env, n_draws=size)
            return cache[key]

        payoffs = np.empty((size, len(outcomes), len(self.scenario.player_names)))
        for o, out in enumerate(outcomes):
            for p, formula in enumerate(out.payoffs):
                payoffs[:, o, p] = value(formula)
        apply_utility(self.scenario, env, payoffs, size)
        chance = np.empty((size, len(self.chance_formulas)))
        for nd, cols in self.chance_nodes:
            probs = np.stack([value(f) for f in nd.probs], axis=1)
            if draws is not None:
                used = sorted(set().union(*(f.expr.names for f in nd.probs)) & set(draws))
                describe = _describer(draws, used)
            else:
                describe = _plain_describer(env, nd)
            check_chance(probs, nd, describe)
            # chance branches keep the file's order, so columns line up with nd.probs
            chance[:, cols] = probs
        return GameValues(payoffs, chance)

    def evaluate(
        self,
        draws: Draws,
        extra: Mapping[str, Any] | None = None,
        levers: Mapping[str, Any] | None = None,
    ) -> GameValues:
        return self.from_env(self.scenario.environment(draws, extra, levers), draws.n_draws, draws)


def apply_utility(
    scenario: Scenario, env: Mapping[str, Any], payoffs: np.ndarray, size: int
) -> None:
    """Pass each player's payoffs through its ``utility:`` transform, in place.

    ``payoffs`` is (size, n_outcomes, n_players); the transform sees the
    payoff as ``x`` beside every name of ``env``.

    Examples
    --------
    >>> from escalade.scenario import load_scenario_text
    >>> text = '''{escalade: 1, name: two, players: [A, B], utility: {A: "x - x**2 / 10"},
    ...   outcomes: {o: {payoffs: [0, 0]}}, tree: o}'''
    >>> sc = load_scenario_text(text)
    >>> pay = np.full((1, 1, 2), -10.0)
    >>> apply_utility(sc, sc.environment(sc.parameters.nominal()), pay, 1)
    >>> float(pay[0, 0, 0]), float(pay[0, 0, 1])  # A is risk-averse, B neutral
    (-20.0, -10.0)
    """
    for u in scenario.utility:
        p = scenario.player_names.index(u.player)
        local = dict(env)
        for o in range(payoffs.shape[1]):
            local[UTILITY_ARGUMENT] = payoffs[:, o, p].copy()
            payoffs[:, o, p] = u.formula.evaluate(local, n_draws=size)


def _describer(draws: Draws, names: list[str]) -> Callable[[int], str]:
    """``describe(draw)`` naming the values of ``names`` in that draw, for messages."""

    def describe(d: int) -> str:
        return draws.describe_draw(d, names) or "constant probabilities"

    return describe


def _plain_describer(env: Mapping[str, Any], node: TreeNode) -> Callable[[int], str]:
    names = sorted(set().union(*(f.expr.names for f in node.probs)))

    def describe(d: int) -> str:
        parts = []
        for name in names:
            v = np.asarray(env[name], dtype=np.float64).reshape(-1)
            parts.append(f"{name}={float(v[d] if v.size > 1 else v[0]):.6g}")
        return ", ".join(parts) or "constant probabilities"

    return describe
