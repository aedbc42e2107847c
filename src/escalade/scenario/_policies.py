"""Scenario language: ``levers``, ``policies`` and ``question``.

``levers`` are named policy instruments whose effects replace parameters
or derived values; a lever's name is usable in expressions (0 off, 1 on,
or an intensity in between). ``policies`` combine lever settings with
choices forced at named information sets, and may extend one another.
``question`` names the policy a scenario is built to judge, for whom.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escalade.errors import ParameterError
from escalade.expr import Categorical
from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    claims_note,
    error_at,
    expect_map,
    expect_number,
    listing,
    location,
    opt_text,
    req,
    suggest,
)
from escalade.scenario._dynamics import Dynamics, StateVar
from escalade.scenario._load import (
    SectionHook,
    register_finalizer,
    register_section,
)
from escalade.scenario._model import Scenario, TreeNode
from escalade.scenario._params import Formula, Location
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq

__all__ = ["Lever", "Policy", "Question", "headline_indicators", "infoset_names"]

#: The name simulation gives "no policy" (no lever on, nothing forced): a policy of
#: that name could never be simulated.
_FREE_PLAY = "free"


@dataclass(frozen=True)
class Lever:
    """A policy instrument: on/off or an intensity in [0, 1], with effects."""

    name: str
    effects: tuple[tuple[str, Formula], ...]
    kind: str = "switch"
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


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


def _declare_levers(node: YMap, ctx: Context) -> None:
    if not node.items:
        raise node.error(
            "levers is empty; expected at least one lever (leave the section out when "
            "there is none)"
        )
    for key, _ in node.items:
        name = check_name(key, "lever name", reserved=True)
        if name in ctx.kinds:
            raise key.error(
                f"lever {name!r} is already defined (as a parameter or state "
                "variable); levers need names of their own"
            )
        ctx.kinds[name] = "number"
        ctx.defined_at[name] = key.line
    ctx.lever_names = tuple(k.raw for k, _ in node.items)


def _parse_levers(node: YMap, ctx: Context) -> tuple[Lever, ...]:
    out = []
    derived_or_params = {n for n, k in ctx.kinds.items() if k == "number"}
    for key, spec in node.items:
        name = key.raw
        what = f"lever {name}"
        lm = expect_map(spec, what)
        check_keys(
            lm, ("kind", "effects", "label", "claim", "claims", "note"), what, required=("effects",)
        )
        kind = "switch"
        if "kind" in lm:
            kind = check_name(req(lm, "kind"), "kind")
            if kind not in ("switch", "intensity"):
                raise req(lm, "kind").error(
                    f"kind of {what} must be switch or intensity, found {kind!r}"
                )
        effects = []
        for tkey, value in expect_map(req(lm, "effects"), f"effects of {what}").items:
            target = check_name(tkey, "effect target")
            if (
                target not in derived_or_params
                or target in ctx.state_names
                or target in ctx.lever_names
                or target == "period"
            ):
                raise tkey.error(
                    f"{what}: an effect replaces a parameter or a derived value; "
                    f"{_what_name_is(target, ctx, derived_or_params)}"
                )
            effects.append((target, ctx.formula(value, f"{what}: effect on {target}")))
        claims, note, label = claims_note(lm, ctx)
        out.append(Lever(name, tuple(effects), kind, label, claims, note, location(key)))
    return tuple(out)


def _what_name_is(name: str, ctx: Context, targets: set[str]) -> str:
    """Why ``name`` cannot be a lever's target, for the message."""
    if name in ctx.state_names:
        return f"{name!r} is a state variable (dynamics change it, not levers)"
    if name in ctx.lever_names:
        return f"{name!r} is a lever"
    if name == "period":
        return "'period' is the period number"
    if isinstance(ctx.kinds.get(name), Categorical):
        return f"{name!r} is a categorical parameter (an effect gives a number)"
    usable = sorted(targets - set(ctx.state_names) - set(ctx.lever_names) - {"period"})
    return f"{name!r} is neither{suggest(name, usable)}"


def _parse_policies(node: YMap, ctx: Context) -> tuple[Policy, ...]:
    if not node.items:
        raise node.error(
            "policies is empty; expected at least one policy (leave the section out when "
            "there is none)"
        )
    infosets = infoset_names(ctx.expanded)
    raw: dict[str, tuple[YScalar, YMap]] = {}
    for key, spec in node.items:
        name = check_name(key, "policy name")
        if name == _FREE_PLAY:
            raise key.error(
                f"policy name {name!r} is reserved: it is how simulate and analyze name free "
                "play (no lever on, nothing forced); expected another name"
            )
        raw[name] = (key, expect_map(spec, f"policy {name}"))
    done: dict[str, Policy] = {}

    def build(name: str, chain: tuple[str, ...]) -> Policy:
        if name in done:
            return done[name]
        key, pm = raw[name]
        what = f"policy {name}"
        check_keys(pm, ("extends", "levers", "force", "label", "claim", "claims", "note"), what)
        levers: dict[str, float] = {}
        force: dict[str, dict[str, float]] = {}
        refs: list[tuple[str, Location]] = []
        if "extends" in pm:
            base_node = req(pm, "extends")
            base = check_name(base_node, "extends")
            if base not in raw:
                raise base_node.error(
                    f"{what} extends unknown policy {base!r}; policies: {', '.join(raw)}"
                )
            if base == name or base in chain:
                raise base_node.error(
                    "policies extend each other in a cycle: " + " -> ".join((*chain, name, base))
                )
            parent = build(base, (*chain, name))
            levers.update(parent.levers)
            force.update({k: dict(v) for k, v in parent.force.items()})
        if "levers" in pm:
            for lkey, value in expect_map(req(pm, "levers"), f"levers of {what}").items:
                lever = check_name(lkey, "lever")
                if lever not in ctx.lever_names:
                    known = ", ".join(ctx.lever_names) or "none (add a levers: section)"
                    raise lkey.error(f"{what}: unknown lever {lever!r}; levers: {known}")
                if isinstance(value, YScalar) and isinstance(value.value, bool):
                    setting = 1.0 if value.value else 0.0
                else:
                    setting = expect_number(value, f"setting of lever {lever}")
                if not 0.0 <= setting <= 1.0:
                    raise value.error(
                        f"lever settings lie in [0, 1] (0 off, 1 on), found {setting:g}"
                    )
                levers[lever] = setting
                refs.append((lever, location(value)))
        if "force" in pm:
            for ikey, value in expect_map(req(pm, "force"), f"force of {what}").items:
                infoset = ikey.raw
                if infoset not in infosets:
                    named = [n for n in infosets if not re.search(r"[/]", n)]
                    raise ikey.error(
                        f"{what}: unknown information set {infoset!r}; named "
                        f"information sets: {', '.join(named) or 'none'}"
                    )
                actions = infosets[infoset][1]
                force[infoset] = _forced_choice(value, actions, f"{what} at {infoset}")
        claims, note, label = claims_note(pm, ctx)
        policy = Policy(name, levers, force, label, claims, note, location(key), tuple(refs))
        done[name] = policy
        return policy

    return tuple(build(name, ()) for name in raw)


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


# ------------------------------------------------------------- environment
class LeverEnvironment:
    """Fills in state defaults and lever values, and applies lever effects.

    Installed as ``Scenario.extra["environment"]``; called by
    :meth:`Scenario.environment`.
    """

    def __init__(self, dynamics: Dynamics | None, levers: tuple[Lever, ...]) -> None:
        self.dynamics = dynamics
        self.levers = levers
        self.targets: dict[str, list[tuple[Lever, Formula]]] = {}
        for lever in levers:
            for target, formula in lever.effects:
                self.targets.setdefault(target, []).append((lever, formula))

    def prepare(
        self,
        scenario: Scenario,
        env: dict[str, Any],
        n: int,
        extra: Mapping[str, Any] | None,
        levers: Mapping[str, Any] | None,
    ) -> None:
        """Set levers, state defaults and ``period``; apply effects on parameters."""
        settings = dict(levers or {})
        for lever in self.levers:
            env[lever.name] = settings.get(lever.name, 0.0)
        unknown = set(settings) - {lv.name for lv in self.levers}
        if unknown:
            raise ParameterError(
                f"unknown lever {sorted(unknown)[0]!r}; levers: "
                f"{', '.join(lv.name for lv in self.levers) or 'none'}"
            )
        if self.dynamics is not None:
            env.setdefault("period", 1.0)
            given = extra or {}
            for var in self.dynamics.state:
                if var.name not in given:
                    env[var.name] = var.clip(_initial_value(var, env, n))
        if extra:
            env.update(extra)
        for name in scenario.parameters.names:
            self.after(name, env, n)

    def after(self, name: str, env: dict[str, Any], n: int) -> None:
        """Apply the effects of levers that are on to ``name``, just computed."""
        for lever, formula in self.targets.get(name, ()):
            setting = env[lever.name]
            if np.all(np.asarray(setting) == 0):
                continue
            old = np.asarray(env[name], dtype=np.float64)
            new = formula.evaluate(env, n_draws=n)
            env[name] = old + np.asarray(setting) * (new - old)


def _initial_value(var: StateVar, env: Mapping[str, Any], n: int) -> np.ndarray:
    """A state variable's initial values, which must be values it can take."""
    f = var.initial
    unknown = sorted(f.expr.names - env.keys())
    if unknown:
        raise error_at(
            f.loc,
            f"initial value of {var.name}: {unknown[0]!r} has no value yet in {f.text!r}; "
            "initial values are computed in order from parameters, levers, period and the "
            "state variables declared before, ahead of derived values",
        )
    values = f.evaluate(env, n_draws=n)
    bad = var.outside(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = ", ".join(f"{name}={_at(env[name], i):g}" for name in sorted(f.expr.names))
        raise error_at(
            f.loc,
            f"initial value of {var.name}: {f.text!r} gives {float(values[i]):g} in draw {i}"
            + (f" where {where}" if where else "")
            + f" ({int(bad.sum())} of {n} draws affected); expected {var.describe_range()}",
        )
    return values


def _at(value: Any, i: int) -> float:
    """Entry ``i`` of a value of the environment (scalars are the same in every draw)."""
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    return float(arr[i] if arr.size > i else arr[0])


def _check_policies(extra: dict[str, Any]) -> None:
    """A switch is on or off: a policy cannot set it half-way."""
    kinds = {lv.name: lv.kind for lv in extra.get("levers", ())}
    for policy in extra.get("policies", ()):
        for lever, loc in policy.refs:
            setting = policy.levers[lever]
            if kinds.get(lever) == "switch" and setting not in (0.0, 1.0):
                raise loc.error(
                    f"policy {policy.name}: lever {lever} is a switch, set to 0 or 1 (off or "
                    f"on), found {setting:g}; give it kind: intensity to set it in between"
                )


def _finalize(extra: dict[str, Any]) -> None:
    dynamics = extra.get("dynamics")
    levers = extra.get("levers", ())
    if dynamics is None and not levers:
        return
    extra["environment"] = LeverEnvironment(dynamics, levers)
    citations: dict[str, dict[str, tuple[str, ...]]] = {}
    if dynamics is not None:
        citations["state"] = {v.name: v.claims for v in dynamics.state}
        citations["event"] = {e.name: e.claims for e in dynamics.events}
        citations["indicator"] = {i.name: i.claims for i in dynamics.indicators}
    citations["lever"] = {lv.name: lv.claims for lv in levers}
    citations["policy"] = {p.name: p.claims for p in extra.get("policies", ())}
    extra["citations"] = citations


register_finalizer(_check_policies)
register_finalizer(_finalize)
register_section(SectionHook("levers", _parse_levers, order=1, declare=_declare_levers))
register_section(SectionHook("policies", _parse_policies, order=2))


@dataclass(frozen=True)
class Question:
    """The question a scenario is built to answer: is ``policy`` rational for ``actor``?

    ``watch`` names the indicators that tables and answers headline, most
    important first; ``risk`` the indicator whose probability robustness
    keeps under a ceiling. Both are optional.
    """

    text: str
    actor: str
    policy: str
    baseline: str | None = None
    loc: Location | None = None
    watch: tuple[str, ...] = ()
    risk: str | None = None
    #: Where each indicator name of ``watch`` and ``risk`` is written, for errors.
    refs: tuple[tuple[str, Location], ...] = field(default=(), compare=False, repr=False)
    #: Where ``policy`` and ``baseline`` are written, for errors.
    policy_refs: tuple[tuple[str, Location], ...] = field(default=(), compare=False, repr=False)


def _parse_question(m: YMap, ctx: Context) -> Question:
    check_keys(
        m,
        ("text", "actor", "policy", "baseline", "watch", "risk"),
        "question",
        required=("text", "actor", "policy"),
    )
    actor_node = req(m, "actor")
    actor = check_name(actor_node, "actor")
    if actor not in ctx.players:
        raise actor_node.error(
            f"question: unknown player {actor!r}; players: {', '.join(ctx.players)}"
        )
    refs: list[tuple[str, Location]] = []
    watch: list[str] = []
    if "watch" in m:
        node = req(m, "watch")
        if not isinstance(node, YSeq) or not node.items:
            raise node.error(
                f"question: watch must be a list of indicator names, found {node.kind}"
            )
        for item in node.items:
            name = check_name(item, "question: watch: indicator")
            if name in watch:
                raise item.error(f"question: watch lists the indicator {name!r} twice")
            watch.append(name)
            refs.append((name, location(item)))
    risk = None
    if "risk" in m:
        node = req(m, "risk")
        risk = check_name(node, "question: risk indicator")
        refs.append((risk, location(node)))
    policy_node = req(m, "policy")
    policy = check_name(policy_node, "policy")
    policy_refs = [(policy, location(policy_node))]
    baseline = None
    if "baseline" in m:
        baseline_node = req(m, "baseline")
        baseline = check_name(baseline_node, "baseline")
        if baseline == policy:
            raise baseline_node.error(
                f"question: the baseline is the policy itself ({policy!r}); expected the "
                "policy it is measured against"
            )
        policy_refs.append((baseline, location(baseline_node)))
    return Question(
        opt_text(m, "text"),
        actor,
        policy,
        baseline,
        location(m),
        tuple(watch),
        risk,
        tuple(refs),
        tuple(policy_refs),
    )


def _check_question(extra: dict[str, Any]) -> None:
    q = extra.get("question")
    if q is None:
        return
    names = [p.name for p in extra.get("policies", ())]
    for value, loc in q.policy_refs or ((q.policy, q.loc), (q.baseline, q.loc)):
        if value is not None and value not in names:
            raise error_at(
                loc,
                f"question: unknown policy {value!r}{suggest(value, names)}; policies: "
                f"{', '.join(names) or 'none (add a policies: section)'}",
            )
    dyn = extra.get("dynamics")
    indicators = [i.name for i in dyn.indicators] if dyn is not None else []
    for name, loc in q.refs:
        if name not in indicators:
            raise error_at(
                loc,
                f"question: unknown indicator {name!r}{suggest(name, indicators)}; "
                f"indicators: {listing(indicators)}",
            )


def headline_indicators(scenario: Scenario, limit: int | None = None) -> list[str]:
    """The indicators a table or an answer shows first, most important first.

    The question's ``watch`` list when it has one, else every indicator in
    the order ``dynamics:`` declares them; at most ``limit`` of them.

    Examples
    --------
    >>> import escalade
    >>> headline_indicators(escalade.load("korea-2017"), limit=3)
    ['major_war', 'rok_leaves_npt', 'settlement']
    """
    q = scenario.extra.get("question")
    dyn = scenario.extra.get("dynamics")
    if q is not None and q.watch:
        names = list(q.watch)
    else:
        names = [i.name for i in dyn.indicators] if dyn is not None else []
    return names if limit is None else names[:limit]


register_section(SectionHook("question", _parse_question, order=3))
register_finalizer(_check_question)
