"""The ``tree:`` and ``nodes:`` sections: nodes as written, gotos, and their unfolding.

Nodes are read as written (:class:`NodeSpec`), with named nodes reached by
``goto``; the graph of gotos is checked for unknown targets, cycles and a
size that would explode once unfolded, before the tree is unfolded
breadth-first into :class:`TreeNode`. Information sets must join nodes of
one player with the same actions; chance probabilities must lie in
[0, 1] and sum to 1 (constant ones when read, the others per draw).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    error_at,
    expect_map,
    listing,
    location,
    opt_text,
    req,
    suggest,
)
from escalade.scenario._model import (
    ChanceSpec,
    DecisionSpec,
    GotoSpec,
    LeafSpec,
    NodeSpec,
    TreeNode,
)
from escalade.scenario._trail import Trail
from escalade.scenario._yaml import YMap, YNode, YScalar

__all__ = ["MAX_NODES", "check_chance", "check_graph", "check_infosets", "expand", "parse_node"]

#: Most nodes a scenario's expanded tree may have.
MAX_NODES = 200_000
_PROB_TOL = 1e-9


_NODE_HELP = (
    "an outcome name, {goto: NODE}, a decision node {player: ..., actions: {...}} "
    "or a chance node {chance: {...}, actions: {...}}"
)


def parse_node(node: YNode, ctx: Context, where: str) -> NodeSpec:
    """A node as written at ``where`` (a path such as ``tree/attack``), children included."""
    if isinstance(node, YScalar):
        if not isinstance(node.value, str):
            raise node.error(f"{where}: expected {_NODE_HELP}, found {node.kind}")
        name = node.raw
        if name not in ctx.outcomes:
            raise node.error(
                f"{where}: unknown outcome {name!r}{suggest(name, ctx.outcomes)}; "
                f"outcomes: {listing(ctx.outcomes)}"
            )
        return LeafSpec(name, location(node))
    if not isinstance(node, YMap):
        raise node.error(f"{where}: expected {_NODE_HELP}, found {node.kind}")
    if "goto" in node:
        check_keys(node, ("goto",), f"{where} (a goto)")
        target_node = req(node, "goto")
        return GotoSpec(check_name(target_node, "goto target"), location(target_node))
    if "player" in node:
        return _parse_decision(node, ctx, where)
    if "chance" in node:
        return _parse_chance(node, ctx, where)
    raise node.error(
        f"{where}: expected {_NODE_HELP}, found a mapping with keys "
        f"{', '.join(node.keys()) or '(none)'}"
    )


def _action_map(node: YMap, where: str) -> YMap:
    actions = node.get("actions")
    if actions is None:
        raise node.error(f"{where} has no actions:")
    am = expect_map(actions, f"actions of {where}")
    if not am.items:
        raise am.error(f"{where} must offer at least one action")
    for key, _ in am.items:
        check_name(key, "action name")
    return am


def _parse_decision(node: YMap, ctx: Context, where: str) -> DecisionSpec:
    check_keys(
        node,
        ("player", "actions", "infoset", "label", "claim", "claims", "note"),
        f"decision node {where}",
        required=("player", "actions"),
    )
    pnode = req(node, "player")
    player = check_name(pnode, "player")
    if player not in ctx.players:
        raise pnode.error(
            f"unknown player {player!r}{suggest(player, ctx.players)}; players: "
            f"{', '.join(ctx.players)}"
        )
    infoset = check_name(req(node, "infoset"), "infoset name") if "infoset" in node else None
    label = opt_text(node, "label")
    note = opt_text(node, "note")
    am = _action_map(node, f"decision node {where}")
    actions = tuple(
        (key.raw, parse_node(child, ctx, f"{where}/{key.raw}")) for key, child in am.items
    )
    return DecisionSpec(player, actions, infoset, label, ctx.claims_of(node), note, location(node))


def _parse_chance(node: YMap, ctx: Context, where: str) -> ChanceSpec:
    check_keys(
        node,
        ("chance", "actions", "label", "claim", "claims", "note"),
        f"chance node {where}",
        required=("chance", "actions"),
    )
    pm = expect_map(req(node, "chance"), f"chance probabilities of {where}")
    am = _action_map(node, f"chance node {where}")
    for branch in pm:
        if branch not in am:
            raise pm.key_node(branch).error(
                f"chance branch {branch!r} has a probability but no subtree under actions:"
            )
    for branch in am:
        if branch not in pm:
            raise am.key_node(branch).error(
                f"chance branch {branch!r} has a subtree but no probability under chance:"
            )
    branches = []
    for key, child in am.items:
        prob_node = req(pm, key.raw)
        formula = ctx.formula(prob_node, f"probability of {where}/{key.raw}")
        if not formula.expr.names:
            p = float(formula.expr.evaluate({}, n_draws=1)[0])
            if not 0.0 <= p <= 1.0:
                raise prob_node.error(
                    f"expected a chance probability of {where}/{key.raw} in [0, 1], found {p:g}"
                )
        branches.append((key.raw, formula, parse_node(child, ctx, f"{where}/{key.raw}")))
    label = opt_text(node, "label")
    note = opt_text(node, "note")
    spec = ChanceSpec(tuple(branches), label, ctx.claims_of(node), note, location(node))
    if all(not f.expr.names for _, f, _ in branches):
        total = sum(float(f.expr.evaluate({}, n_draws=1)[0]) for _, f, _ in branches)
        if abs(total - 1.0) > _PROB_TOL:
            raise pm.error(
                f"expected chance probabilities at {where} that sum to 1, found a sum of "
                f"{total:.10g}"
            )
    return spec


def _children(spec: NodeSpec) -> list[NodeSpec]:
    if isinstance(spec, DecisionSpec):
        return [child for _, child in spec.actions]
    if isinstance(spec, ChanceSpec):
        return [child for _, _, child in spec.actions]
    return []


def _gotos(spec: NodeSpec) -> list[GotoSpec]:
    if isinstance(spec, GotoSpec):
        return [spec]
    return [g for child in _children(spec) for g in _gotos(child)]


def check_graph(tree: NodeSpec, nodes: Mapping[str, NodeSpec]) -> None:
    """Unknown goto targets, goto cycles, and trees too large once unfolded."""
    for spec in [tree, *nodes.values()]:
        for g in _gotos(spec):
            if g.target not in nodes:
                raise error_at(
                    g.loc,
                    f"goto to unknown node {g.target!r}"
                    f"{suggest(g.target, nodes)}; nodes: {listing(nodes)}",
                )
    # Each named node's own nodes (gotos excluded) and its gotos in file order; the
    # walk below is iterative so that a long chain of gotos cannot exhaust the stack.
    own = {name: _own_size(spec) for name, spec in nodes.items()}
    calls = {name: _gotos(spec) for name, spec in nodes.items()}
    size: dict[str, int] = {}
    on_path: dict[str, int] = {}
    path: list[str] = []
    root_gotos = _gotos(tree)

    def unfolded(start: GotoSpec) -> int:
        if start.target in size:
            return size[start.target]
        stack: list[tuple[str, int]] = [(start.target, 0)]
        on_path[start.target] = 0
        path.append(start.target)
        while stack:
            name, i = stack[-1]
            goto_list = calls[name]
            if i < len(goto_list):
                stack[-1] = (name, i + 1)
                g = goto_list[i]
                if g.target in on_path:
                    cycle = " -> ".join((*path[on_path[g.target] :], g.target))
                    raise error_at(g.loc, f"goto cycle: {cycle}")
                if g.target not in size:
                    on_path[g.target] = len(path)
                    path.append(g.target)
                    stack.append((g.target, 0))
                continue
            total = own[name] + sum(size[g.target] for g in goto_list)
            size[name] = min(total, MAX_NODES + 1)
            stack.pop()
            path.pop()
            del on_path[name]
        return size[start.target]

    total = _own_size(tree) + sum(unfolded(g) for g in root_gotos)
    if total > MAX_NODES:
        raise error_at(
            getattr(tree, "loc", None) or (root_gotos[0].loc if root_gotos else None),
            f"the tree has more than {MAX_NODES:,} nodes once every goto is unfolded; "
            "expected a tree of at most that size (a chain of nodes that each go to the "
            "next node twice doubles at every step)",
        )


def _own_size(spec: NodeSpec) -> int:
    """Nodes written inline in ``spec``, not counting what its gotos lead to."""
    if isinstance(spec, GotoSpec):
        return 0
    return 1 + sum(_own_size(child) for child in _children(spec))


def expand(tree: NodeSpec, nodes: Mapping[str, NodeSpec]) -> tuple[TreeNode, ...]:
    """Unfold gotos breadth-first; children of a node get consecutive indices.

    Paths and the gotos followed are kept as :class:`Trail` links, so memory
    and time grow with the number of nodes, however deep the tree.
    """
    Entry = tuple[NodeSpec, int, str, Trail | None, Trail | None]
    queue: list[Entry] = [(tree, -1, "", None, None)]
    out: list[TreeNode] = []
    head = 0
    while head < len(queue):
        spec, parent, action, trail, via = queue[head]
        index = head
        head += 1
        while isinstance(spec, GotoSpec):
            via = Trail(via, spec.target)
            spec = nodes[spec.target]
        first = len(queue)
        here: dict[str, Any] = {"parent": parent, "action": action, "trail": trail}
        here.update(gotos=via, loc=spec.loc, index=index)
        if isinstance(spec, LeafSpec):
            out.append(TreeNode("terminal", **here, outcome=spec.outcome))
            continue
        if isinstance(spec, DecisionSpec):
            names = tuple(a for a, _ in spec.actions)
            for a, child in spec.actions:
                queue.append((child, index, a, Trail(trail, a), via))
            out.append(
                TreeNode(
                    "decision",
                    **here,
                    children=tuple(range(first, len(queue))),
                    actions=names,
                    player=spec.player,
                    infoset=spec.infoset,
                    label=spec.label,
                    claims=spec.claims,
                )
            )
            continue
        if isinstance(spec, ChanceSpec):
            names = tuple(a for a, _, _ in spec.actions)
            for a, _, child in spec.actions:
                queue.append((child, index, a, Trail(trail, a), via))
            out.append(
                TreeNode(
                    "chance",
                    **here,
                    children=tuple(range(first, len(queue))),
                    actions=names,
                    probs=tuple(f for _, f, _ in spec.actions),
                    label=spec.label,
                    claims=spec.claims,
                )
            )
    return tuple(out)


def check_infosets(expanded: tuple[TreeNode, ...]) -> None:
    """Each named information set: nodes of one player that offer the same actions."""
    first: dict[str, TreeNode] = {}
    for node in expanded:
        if node.kind != "decision" or node.infoset is None:
            continue
        seen = first.setdefault(node.infoset, node)
        if seen is node:
            continue
        where = f" ({seen.loc})" if seen.loc else ""
        if node.player != seen.player:
            raise error_at(
                node.loc,
                f"information set {node.infoset!r} mixes players: "
                f"{node.player} here, {seen.player} at its first node{where}",
            )
        if set(node.actions) != set(seen.actions) or len(node.actions) != len(seen.actions):
            raise error_at(
                node.loc,
                f"nodes of information set {node.infoset!r} must offer the "
                f"same actions: {list(node.actions)} here, {list(seen.actions)} at its "
                f"first node{where}",
            )


def check_chance(probs: np.ndarray, node: TreeNode, describe: Callable[[int], str]) -> None:
    """Check chance probabilities of one node over a batch of draws.

    Parameters
    ----------
    probs : ndarray of shape (n_draws, n_branches)
    node : TreeNode
        The chance node (for its location and branch names).
    describe : callable
        ``describe(draw)`` gives the draw's parameter values for the message.

    Raises
    ------
    ScenarioError
        If any probability lies outside [0, 1] or a draw's probabilities do
        not sum to 1 (within 1e-9).
    """
    where = node.path_name
    bad = (probs < -_PROB_TOL) | (probs > 1 + _PROB_TOL)
    if bad.any():
        d, j = (int(i) for i in np.argwhere(bad)[0])
        raise error_at(
            node.probs[j].loc,
            f"chance probability of {where}/{node.actions[j]} is {probs[d, j]:.6g}, outside "
            f"[0, 1], in draw {d} ({describe(d)})",
        )
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1.0) > _PROB_TOL
    if off.any():
        d = int(np.flatnonzero(off)[0])
        raise error_at(
            node.loc,
            f"chance probabilities at {where} sum to {sums[d]:.10g}, not 1, in draw {d} "
            f"({describe(d)})",
        )
