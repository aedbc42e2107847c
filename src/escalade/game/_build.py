"""Build a :class:`Game` from a scenario: structure once, values per batch."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from escalade.game._tree import CHANCE, DECISION, TERMINAL, Game, GameValues
from escalade.scenario import Draws, Formula, Scenario, TreeNode, check_chance

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

    def ordered_children(node: TreeNode) -> list[tuple[str, int]]:
        pairs = list(zip(node.actions, node.children, strict=True))
        if node.kind == "decision" and node.infoset is not None:
            rank = {a: i for i, a in enumerate(order_of[node.infoset])}
            pairs.sort(key=lambda pair: rank[pair[0]])
        return pairs

    # Breadth-first renumbering with children in information-set action order.
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

    n = len(new_order)
    nodes = [spec[i] for i in new_order]
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

    # Information sets in order of first appearance.
    explicit = {nd.infoset for nd in nodes if nd.kind == "decision" and nd.infoset}
    infoset = np.full(n, -1, dtype=np.int64)
    names: list[str] = []
    h_player: list[int] = []
    h_actions: list[tuple[str, ...]] = []
    by_name: dict[str, int] = {}
    for i, nd in enumerate(nodes):
        if nd.kind != "decision":
            continue
        if nd.infoset is not None and nd.infoset in by_name:
            infoset[i] = by_name[nd.infoset]
            continue
        if nd.infoset is not None:
            name = nd.infoset
        else:
            name = nd.path_name
            while name in explicit or name in by_name:
                name += "'"
        by_name[name] = len(names)
        infoset[i] = len(names)
        names.append(name)
        h_player.append(player_index[nd.player])  # type: ignore[index]
        h_actions.append(order_of[nd.infoset] if nd.infoset is not None else tuple(nd.actions))
    action_start = np.concatenate([[0], np.cumsum([len(a) for a in h_actions])]).astype(np.int64)
    action_names = tuple(a for acts in h_actions for a in acts)

    edge_action = np.full(n, -1, dtype=np.int64)
    edge_chance = np.full(n, -1, dtype=np.int64)
    chance_formulas: list[Formula] = []
    chance_nodes: list[tuple[TreeNode, np.ndarray]] = []
    kids_of: list[list[int]] = [[] for _ in range(n)]
    for i in range(1, n):
        kids_of[parent_new[i]].append(i)
    for i, nd in enumerate(nodes):
        if nd.kind == "decision":
            h = infoset[i]
            rank = {a: j for j, a in enumerate(h_actions[h])}
            for kid in kids_of[i]:
                edge_action[kid] = action_start[h] + rank[edge_name[kid]]
        elif nd.kind == "chance":
            formula_of = dict(zip(nd.actions, nd.probs, strict=True))
            cols = []
            for kid in kids_of[i]:
                edge_chance[kid] = len(chance_formulas)
                cols.append(len(chance_formulas))
                chance_formulas.append(formula_of[edge_name[kid]])
            chance_nodes.append((nd, np.array(cols, dtype=np.int64)))

    outcomes = scenario.outcomes
    n_players = len(players)

    def from_env(env: Mapping[str, Any], size: int, draws: Draws | None = None) -> GameValues:
        # With the draws, a chance probability outside [0, 1] is reported with the
        # parameter values of the draw; without them, with the environment's values.
        cache: dict[int, np.ndarray] = {}

        def value(f: Formula) -> np.ndarray:
            key = id(f)
            if key not in cache:
                cache[key] = f.evaluate(env, n_draws=size)
            return cache[key]

        payoffs = np.empty((size, len(outcomes), n_players))
        for o, out in enumerate(outcomes):
            for p, formula in enumerate(out.payoffs):
                payoffs[:, o, p] = value(formula)
        chance = np.empty((size, len(chance_formulas)))
        for nd, cols in chance_nodes:
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
        draws: Draws,
        extra: Mapping[str, Any] | None = None,
        levers: Mapping[str, Any] | None = None,
    ) -> GameValues:
        return from_env(scenario.environment(draws, extra, levers), draws.n_draws, draws)

    return Game(
        name=scenario.name,
        players=players,
        outcomes=scenario.outcome_names,
        kind=kind,
        parent=np.array(parent_new, dtype=np.int64),
        player=player,
        infoset=infoset,
        outcome=outcome,
        edge_action=edge_action,
        edge_chance=edge_chance,
        infoset_player=np.array(h_player, dtype=np.int64),
        infoset_names=tuple(names),
        infoset_actions=action_start,
        action_names=action_names,
        evaluator=evaluate,
        env_evaluator=from_env,
        parameters=scenario.parameters,
        title=scenario.title,
        description=scenario.description,
        outcome_labels=tuple(o.label or o.name for o in outcomes),
        edge_labels=tuple(nd.action for nd in nodes),
        node_labels=tuple(nd.label for nd in nodes),
        source=scenario,
    )


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
