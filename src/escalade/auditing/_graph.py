"""The model's logic as a graph of names: what each expression reads, what reaches what.

Every expression knows the names it reads. A name *matters* under a
policy when it is read, directly or through derived values, state
variables and lever effects, by something that can change what happens
or what it is worth: a payoff or a chance probability of a part of the
tree the policy can reach, a state change, an event that does something,
an indicator, the discount factor or the actors' rationality. What
matters is found backwards from those, to a fixed point.

Reachability over the tree follows the policy's fixed choices (an action
a policy never takes cuts its branch) and the chance probabilities that
are zero in every world tried (only for probabilities that read no state,
which stays the same whatever happens). Everything else that a logit
equilibrium plays is reached with some probability, however small; how
small is for the simulation to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from escalade.scenario import Draws, Event, Policy, Scenario, formula_uses
from escalade.scenario._formulas import FormulaUse

__all__ = ["Logic", "PolicyLogic", "infoset_of", "model_logic"]


def infoset_of(scenario: Scenario, index: int) -> str:
    """The information-set name of a decision node (the name policies use).

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> standoff = load_scenario("docs/examples/standoff.yaml")
    >>> [infoset_of(standoff, i) for i, n in enumerate(standoff.expanded) if n.kind == "decision"]
    ['root', 'defender_answer']
    """
    node = scenario.expanded[index]
    return node.infoset or node.path_name


@dataclass
class PolicyLogic:
    """What can happen and what matters under one policy (or free play).

    Attributes
    ----------
    policy : Policy
    nodes : set of int
        Nodes of ``scenario.expanded`` the policy can reach.
    outcomes : set of str
        Outcomes it can reach (tree leaves and events' ``end:``).
    live : set of str
        Names that matter: parameters, derived values, state variables,
        levers and ``period``.
    effects : dict of (str, str) to bool
        For each (lever, target) the policy turns on: whether the target matters.
    """

    policy: Policy
    nodes: set[int] = field(default_factory=set)
    outcomes: set[str] = field(default_factory=set)
    live: set[str] = field(default_factory=set)
    effects: dict[tuple[str, str], bool] = field(default_factory=dict)


@dataclass
class Logic:
    """The scenario's graph of names and its reading under each policy.

    Attributes
    ----------
    scenario : Scenario
    uses : tuple of FormulaUse
        Every expression.
    readers : dict of str to list of str
        For each name, the elements whose expressions read it.
    policies : dict of str to PolicyLogic
        Under each policy, and ``"free"`` for free play.
    """

    scenario: Scenario
    uses: tuple[FormulaUse, ...]
    readers: dict[str, list[str]]
    policies: dict[str, PolicyLogic]

    def judged(self) -> list[PolicyLogic]:
        """The policies findings are judged under: the scenario's, else free play."""
        own = [v for k, v in self.policies.items() if k != _FREE]
        return own or [self.policies[_FREE]]

    def live_anywhere(self, name: str) -> bool:
        """Whether ``name`` matters under some judged policy."""
        return any(name in p.live for p in self.judged())


_FREE = "free"


def model_logic(scenario: Scenario, worlds: Draws | None = None) -> Logic:
    """The graph of names, and what can happen and matters under each policy.

    Parameters
    ----------
    scenario : Scenario
    worlds : Draws, optional
        Parameter draws in which constant-state chance probabilities are
        evaluated; a branch whose probability is zero in all of them (and
        at the nominal values) is cut.

    Returns
    -------
    Logic

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> logic = model_logic(load_scenario("docs/examples/standoff.yaml"))
    >>> ["p_accident" in logic.policies[p].live for p in ("push_back", "hold")]
    [True, False]
    >>> logic.policies["push_back_with_hotline"].effects
    {('hotline', 'p_accident'): True}
    """
    uses = formula_uses(scenario)
    readers: dict[str, list[str]] = {}
    for use in uses:
        for name in use.names:
            readers.setdefault(name, [])
            if use.owner not in readers[name]:
                readers[name].append(use.owner)
    free = Policy(_FREE, label="Free play (no policy)")
    policies = {_FREE: free, **{p.name: p for p in scenario.policies}}
    zero = _zero_branches(scenario, uses, worlds)
    return Logic(
        scenario,
        uses,
        readers,
        {name: _policy_logic(scenario, uses, p, zero) for name, p in policies.items()},
    )


def _zero_branches(
    scenario: Scenario, uses: Iterable[FormulaUse], worlds: Draws | None
) -> set[tuple[int, str]]:
    """Chance branches (node, branch) whose probability reads no state and is always zero.

    Lever effects can change a parameter a probability reads, so a branch is
    only cut when it is zero with every lever off and every lever on.
    """
    dyn = scenario.dynamics
    state = {v.name for v in dyn.state} | {"period"} if dyn is not None else set()
    samples = [scenario.parameters.nominal()]
    if worlds is not None:
        samples.append(worlds)
    settings = [{}, {lv.name: 1.0 for lv in scenario.levers}] if scenario.levers else [{}]
    envs = [scenario.environment(d, levers=s) for d in samples for s in settings]
    sizes = [d.n_draws for d in samples for _ in settings]
    zero = set()
    for use in uses:
        if use.role != "chance" or use.node is None or use.branch is None:
            continue
        if use.names & state or _reads_derived_state(scenario, use.names, state):
            continue
        values = [use.formula.evaluate(env, n_draws=n) for env, n in zip(envs, sizes, strict=True)]
        if all(np.all(v == 0) for v in values):
            zero.add((use.node, use.branch))
    return zero


def _reads_derived_state(scenario: Scenario, names: frozenset[str], state: set[str]) -> bool:
    """Whether ``names`` read the state through derived values."""
    derived = {d.name: d.formula.expr.names for d in scenario.derived}
    seen: set[str] = set()
    todo = [n for n in names if n in derived]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if derived[name] & state:
            return True
        todo.extend(n for n in derived[name] if n in derived)
    return False


def _reach(
    scenario: Scenario, force: Mapping[str, Mapping[str, float]], zero: set[tuple[int, str]]
) -> set[int]:
    nodes = scenario.expanded
    reached = {0}
    todo = [0]
    while todo:
        i = todo.pop()
        node = nodes[i]
        fixed = force.get(infoset_of(scenario, i)) if node.kind == "decision" else None
        for action, child in zip(node.actions, node.children, strict=True):
            if fixed is not None and fixed.get(action, 0.0) <= 0.0:
                continue
            if node.kind == "chance" and (i, action) in zero:
                continue
            reached.add(child)
            todo.append(child)
    return reached


def _policy_logic(
    scenario: Scenario, uses: tuple[FormulaUse, ...], policy: Policy, zero: set[tuple[int, str]]
) -> PolicyLogic:
    nodes = _reach(scenario, policy.force, zero)
    outcomes = {scenario.expanded[i].outcome for i in nodes if scenario.expanded[i].outcome}
    dyn = scenario.dynamics
    events = dyn.events if dyn is not None else ()
    outcomes |= {ev.end for ev in events if ev.end is not None}
    reached: set[str] = {o for o in outcomes if o is not None}
    on = {name for name, s in policy.levers.items() if s > 0}
    definers = _definers(uses, reached, on)
    live = _Live()
    counted = {n for ind in (dyn.indicators if dyn else ()) for n in ind.any_of}
    for use in uses:
        if (
            (use.role == "payoff" and use.outcome in reached)
            or (use.role == "chance" and use.node in nodes)
            or use.role in ("discount", "rationality", "indicator", "utility")
        ):
            live.read(use.names)
    active: set[str] = set()
    changed = True
    while changed:
        live.follow(definers)
        changed = live.through_events(events, counted, active)
    effects = {
        (lever.name, target): target in live.names
        for lever in scenario.levers
        if lever.name in on
        for target, _ in lever.effects
    }
    return PolicyLogic(policy, nodes, reached, live.names, effects)


def _definers(
    uses: tuple[FormulaUse, ...], reached: set[str], on: set[str]
) -> dict[str, list[FormulaUse]]:
    """What each name is defined by, under a policy that reaches ``reached`` with ``on`` on."""
    definers: dict[str, list[FormulaUse]] = {}
    for use in uses:
        if use.defines is None:
            continue
        if use.role == "then" and use.outcome not in reached:
            continue
        if use.role == "effect" and use.owner.split(":", 1)[1] not in on:
            continue
        if use.role == "event then":
            continue  # an event's changes count once the event itself matters
        definers.setdefault(use.defines, []).append(use)
    return definers


class _Live:
    """The names that matter, and those whose own definitions are still to be read."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.todo: list[str] = []

    def read(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.names:
                self.names.add(name)
                self.todo.append(name)

    def follow(self, definers: dict[str, list[FormulaUse]]) -> None:
        """Read what defines each name read, until nothing new is read."""
        while self.todo:
            name = self.todo.pop()
            for use in definers.get(name, ()):
                self.read(use.names)
                if use.role == "effect":
                    self.read([use.owner.split(":", 1)[1]])

    def through_events(
        self, events: tuple[Event, ...], counted: set[str], active: set[str]
    ) -> bool:
        """Read what the events that matter read; whether anything new was read."""
        changed = False
        for ev in events:
            # an event matters when it ends runs, is reported, or changes what matters
            if ev.name not in active and (
                ev.end is not None or ev.name in counted or any(t in self.names for t, _ in ev.then)
            ):
                active.add(ev.name)
                self.read(ev.probability.expr.names)
                if ev.when is not None:
                    self.read(ev.when.expr.names)
                changed = True
            if ev.name in active:
                for target, f in ev.then:
                    if target in self.names and not f.expr.names <= self.names:
                        self.read(f.expr.names)
                        changed = True
        return changed
