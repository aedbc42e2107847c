"""Scenario language: ``policies``, lever settings plus forced choices.

A policy sets levers (0 off, 1 on, or an intensity in between) and may
force choices at named information sets: an action, or a probability per
action. A policy may extend another one, taking its settings and forced
choices and adding or replacing some.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    claims_note,
    expect_map,
    expect_number,
    location,
    req,
)
from escalade.scenario._levers import Lever
from escalade.scenario._model import TreeNode
from escalade.scenario._params import Location
from escalade.scenario._yaml import YMap, YNode, YScalar

__all__ = ["Policy", "check_switches", "infoset_names", "parse_policies"]

#: The name simulation gives "no policy" (no lever on, nothing forced): a policy of
#: that name could never be simulated.
_FREE_PLAY = "free"


@dataclass(frozen=True)
class Policy:
    """Lever settings plus choices forced at named information sets."""

    name: str
    levers: Mapping[str, float] = field(default_factory=dict)
    force: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None
    #: Where each lever setting written in this policy is, for errors.
    refs: tuple[tuple[str, Location], ...] = field(default=(), compare=False, repr=False)


def infoset_names(nodes: tuple[TreeNode, ...]) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """Information-set names of an expanded tree: name -> (player, actions).

    Named information sets keep their names; every other decision node is
    its own information set named by its path (``root`` for the root),
    the same rule the game builder uses.
    """
    out: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for node in nodes:
        if node.kind != "decision":
            continue
        name = node.infoset or node.path_name
        out.setdefault(name, (node.player, node.actions))
    return out


def parse_policies(node: YMap, ctx: Context) -> tuple[Policy, ...]:
    """The ``policies:`` section, read once the levers and the tree are known."""
    if not node.items:
        raise node.error(
            "policies is empty; expected at least one policy (leave the section out when "
            "there is none)"
        )
    raw: dict[str, tuple[YScalar, YMap]] = {}
    for key, spec in node.items:
        name = check_name(key, "policy name")
        if name == _FREE_PLAY:
            raise key.error(
                f"policy name {name!r} is reserved: it is how simulate and analyze name free "
                "play (no lever on, nothing forced); expected another name"
            )
        raw[name] = (key, expect_map(spec, f"policy {name}"))
    reader = _PolicyReader(raw, ctx, infoset_names(ctx.expanded))
    return tuple(reader.build(name, ()) for name in raw)


class _PolicyReader:
    """Builds each policy once, a policy it extends first (``chain``: the policies waiting)."""

    def __init__(
        self,
        raw: dict[str, tuple[YScalar, YMap]],
        ctx: Context,
        infosets: dict[str, tuple[str | None, tuple[str, ...]]],
    ) -> None:
        self.raw = raw
        self.ctx = ctx
        self.infosets = infosets
        self.done: dict[str, Policy] = {}

    def build(self, name: str, chain: tuple[str, ...]) -> Policy:
        if name in self.done:
            return self.done[name]
        key, pm = self.raw[name]
        what = f"policy {name}"
        check_keys(pm, ("extends", "levers", "force", "label", "claim", "claims", "note"), what)
        levers: dict[str, float] = {}
        force: dict[str, dict[str, float]] = {}
        refs: list[tuple[str, Location]] = []
        if "extends" in pm:
            parent = self._parent(name, chain, req(pm, "extends"), what)
            levers.update(parent.levers)
            force.update({k: dict(v) for k, v in parent.force.items()})
        if "levers" in pm:
            self._levers(req(pm, "levers"), what, levers, refs)
        if "force" in pm:
            self._force(req(pm, "force"), what, force)
        claims, note, label = claims_note(pm, self.ctx)
        policy = Policy(name, levers, force, label, claims, note, location(key), tuple(refs))
        self.done[name] = policy
        return policy

    def _parent(self, name: str, chain: tuple[str, ...], base_node: YNode, what: str) -> Policy:
        base = check_name(base_node, "extends")
        if base not in self.raw:
            raise base_node.error(
                f"{what} extends unknown policy {base!r}; policies: {', '.join(self.raw)}"
            )
        if base == name or base in chain:
            raise base_node.error(
                "policies extend each other in a cycle: " + " -> ".join((*chain, name, base))
            )
        return self.build(base, (*chain, name))

    def _levers(
        self,
        node: YNode,
        what: str,
        levers: dict[str, float],
        refs: list[tuple[str, Location]],
    ) -> None:
        lever_names = self.ctx.lever_names
        for lkey, value in expect_map(node, f"levers of {what}").items:
            lever = check_name(lkey, "lever")
            if lever not in lever_names:
                known = ", ".join(lever_names) or "none (add a levers: section)"
                raise lkey.error(f"{what}: unknown lever {lever!r}; levers: {known}")
            if isinstance(value, YScalar) and isinstance(value.value, bool):
                setting = 1.0 if value.value else 0.0
            else:
                setting = expect_number(value, f"setting of lever {lever}")
            if not 0.0 <= setting <= 1.0:
                raise value.error(f"lever settings lie in [0, 1] (0 off, 1 on), found {setting:g}")
            levers[lever] = setting
            refs.append((lever, location(value)))

    def _force(self, node: YNode, what: str, force: dict[str, dict[str, float]]) -> None:
        infosets = self.infosets
        for ikey, value in expect_map(node, f"force of {what}").items:
            infoset = ikey.raw
            if infoset not in infosets:
                named = [n for n in infosets if not re.search(r"[/]", n)]
                raise ikey.error(
                    f"{what}: unknown information set {infoset!r}; named "
                    f"information sets: {', '.join(named) or 'none'}"
                )
            actions = infosets[infoset][1]
            force[infoset] = _forced_choice(value, actions, f"{what} at {infoset}")


def _forced_choice(node: YNode, actions: tuple[str, ...], what: str) -> dict[str, float]:
    if isinstance(node, YScalar) and isinstance(node.value, str):
        if node.raw not in actions:
            raise node.error(f"{what}: unknown action {node.raw!r}; actions: {', '.join(actions)}")
        return {a: (1.0 if a == node.raw else 0.0) for a in actions}
    m = expect_map(node, f"{what} (an action, or {{action: probability}})")
    probs = dict.fromkeys(actions, 0.0)
    for key, value in m.items:
        if key.raw not in actions:
            raise key.error(f"{what}: unknown action {key.raw!r}; actions: {', '.join(actions)}")
        p = expect_number(value, f"probability of {key.raw}")
        if not 0.0 <= p <= 1.0:
            raise value.error(f"{what}: probabilities lie in [0, 1], found {p:g}")
        probs[key.raw] = p
    total = sum(probs.values())
    if abs(total - 1.0) > 1e-9:
        raise m.error(f"{what}: forced probabilities must sum to 1, found {total:.10g}")
    return probs


def check_switches(policies: tuple[Policy, ...], levers: tuple[Lever, ...]) -> None:
    """A switch is on or off: a policy cannot set it half-way."""
    kinds = {lv.name: lv.kind for lv in levers}
    for policy in policies:
        for lever, loc in policy.refs:
            setting = policy.levers[lever]
            if kinds.get(lever) == "switch" and setting not in (0.0, 1.0):
                raise loc.error(
                    f"policy {policy.name}: lever {lever} is a switch, set to 0 or 1 (off or "
                    f"on), found {setting:g}; give it kind: intensity to set it in between"
                )
