"""Findings the file's logic decides, before anything is simulated.

Each check reads the graph of names (:mod:`escalade.auditing._graph`): a
parameter nothing reads, an event that changes nothing, a state variable
nothing changes, a player without a decision, an outcome no policy can
reach, two policies written alike, and numbers written inside
expressions. What the logic decides is certain, so these findings are
errors, except where the file may mean it (a player who only watches, a
number the author chose) and the finding is a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from escalade.auditing._constants import unexplained_literals
from escalade.auditing._findings import ERROR, WARNING, Finding
from escalade.auditing._graph import Logic
from escalade.auditing._screen import parameter_values
from escalade.scenario import Scenario, node_element

__all__ = [
    "Command",
    "Progress",
    "listing",
    "scenario_ref",
    "structural_findings",
    "topmost_unreached",
]

#: Builds the command that shows a finding: ``command(policy, settings)``.
Command = Callable[[str | None, dict[str, str]], str]
#: Told what the audit is doing: ``progress(message)``.
Progress = Callable[[str], None]


def scenario_ref(scenario: Scenario) -> str:
    """How a command names the scenario: a bundled one by name, a file by its path.

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> scenario_ref(load_scenario("iig"))
    'iig'
    """
    from escalade.scenario import bundled_path

    if scenario.source == f"{scenario.name}.yaml" and bundled_path(scenario.name) is not None:
        return scenario.name
    return scenario.source or scenario.name


def listing(items: list[str], limit: int = 6) -> str:
    """Items for a message: all of them, or the first ``limit`` and how many more."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def structural_findings(logic: Logic, command: Command) -> list[Finding]:
    """Every finding the logic of the file decides (see the module docstring)."""
    out: list[Finding] = []
    out += _dead_names(logic, command)
    out += _inert_events(logic)
    out += _static_state(logic)
    out += _idle_players(logic)
    out += _unreachable(logic)
    out += _duplicate_policies(logic)
    out += _constant_indicators(logic)
    out += _constants(logic)
    return out


def _why_dead(logic: Logic, name: str) -> str:
    readers = logic.readers.get(name, [])
    if not readers:
        return "nothing reads it"
    verb = "matters" if len(readers) == 1 else "matter"
    return f"it is read only by {listing(readers)}, which {verb} under no policy"


def _how_dead(logic: Logic, name: str) -> str:
    readers = logic.readers.get(name, [])
    if not readers:
        return (
            "no payoff, probability, effect, update, condition or indicator reads it, "
            "directly or through derived values"
        )
    verb = "feeds" if len(readers) == 1 else "feed"
    return (
        f"{listing(readers)} {verb} only parts of the game no policy reaches, or values "
        "that nothing reads in turn"
    )


def _showing_policy(logic: Logic, name: str) -> str | None:
    """The policy whose simulation best shows a dead name: one that turns on a lever
    reading it, else the first."""
    sc = logic.scenario
    levers = [r.split(":", 1)[1] for r in logic.readers.get(name, []) if r.startswith("lever:")]
    for p in sc.policies:
        if any(p.levers.get(lv, 0) > 0 for lv in levers):
            return p.name
    return sc.policies[0].name if sc.policies else None


def _dead_names(logic: Logic, command: Command) -> list[Finding]:
    sc = logic.scenario
    out = []
    free = logic.policies["free"]
    for param in sc.parameters:
        if logic.live_anywhere(param.name):
            continue
        values = [param.format_value(v) for v in parameter_values(param)]
        policy = _showing_policy(logic, param.name)
        shown = " and ".join(command(policy, {param.name: v}) for v in values[:2])
        note = (
            " (it would matter in free play, where no choice is fixed)"
            if sc.policies and param.name in free.live
            else ""
        )
        out.append(
            Finding(
                "dead_parameter",
                f"parameter:{param.name}",
                ERROR,
                f"{param.name} changes nothing under any policy: {_why_dead(logic, param.name)}"
                + note,
                f"the graph of names: {_how_dead(logic, param.name)}; {shown} print the same "
                "numbers",
                {"structural": True, "readers": logic.readers.get(param.name, [])},
            )
        )
    for d in sc.derived:
        if logic.live_anywhere(d.name):
            continue
        out.append(
            Finding(
                "dead_parameter",
                f"derived:{d.name}",
                ERROR,
                f"the derived value {d.name} changes nothing under any policy: "
                + _why_dead(logic, d.name),
                f"the graph of names: {_how_dead(logic, d.name)}",
                {"structural": True, "readers": logic.readers.get(d.name, [])},
            )
        )
    return out


def _counted(logic: Logic) -> dict[str, list[str]]:
    dyn = logic.scenario.dynamics
    counted: dict[str, list[str]] = {}
    for ind in dyn.indicators if dyn is not None else ():
        for name in ind.any_of:
            counted.setdefault(name, []).append(ind.name)
    return counted


def _inert_events(logic: Logic) -> list[Finding]:
    dyn = logic.scenario.dynamics
    if dyn is None:
        return []
    counted = _counted(logic)
    out = []
    for ev in dyn.events:
        if ev.end is not None:
            continue
        targets = [t for t, _ in ev.then]
        if any(logic.live_anywhere(t) for t in targets):
            continue
        what = (
            "it has no then: and no end:, and events carry no payoffs"
            if not targets
            else f"it changes only {listing(targets)}, which nothing that matters reads"
        )
        reported = counted.get(ev.name)
        out.append(
            Finding(
                "inert_event",
                f"event:{ev.name}",
                WARNING if reported else ERROR,
                f"the event {ev.name} ({ev.label or ev.name}) changes no state, ends nothing and "
                f"pays nothing: {what}"
                + (f"; it is only reported, by {listing(reported)}" if reported else ""),
                f"its definition: {what}",
                {"structural": True},
            )
        )
    return out


def _static_state(logic: Logic) -> list[Finding]:
    sc = logic.scenario
    dyn = sc.dynamics
    if dyn is None:
        return []
    reachable = set().union(*(p.outcomes for p in logic.judged()))
    changed: dict[str, list[str]] = {}
    for target, f in dyn.update:
        if f.text.strip() != target:
            changed.setdefault(target, []).append("update:")
    for o in sc.outcomes:
        for target, _ in o.then:
            if o.name in reachable:
                changed.setdefault(target, []).append(f"outcome {o.name}")
    for ev in dyn.events:
        for target, _ in ev.then:
            changed.setdefault(target, []).append(f"event {ev.name}")
    out = []
    for var in dyn.state:
        if var.name in changed:
            continue
        out.append(
            Finding(
                "static_state",
                f"state:{var.name}",
                ERROR,
                f"the state variable {var.name} never changes: no update:, no then: of an "
                "outcome any policy reaches, and no event sets it; a constant is a parameter",
                "its definition, and every update: and then: of the file",
                {"structural": True},
            )
        )
    return out


def _idle_players(logic: Logic) -> list[Finding]:
    sc = logic.scenario
    nodes = sc.expanded
    judged = logic.judged()
    out = []
    for player in sc.player_names:
        mine = [i for i, n in enumerate(nodes) if n.kind == "decision" and n.player == player]
        if not mine:
            out.append(
                Finding(
                    "idle_player",
                    f"player:{player}",
                    WARNING,
                    f"{player} never moves: no decision node of the tree is theirs, so their "
                    "utility is reported but they choose nothing",
                    "the tree: no node has player: " + player,
                    {"structural": True},
                )
            )
            continue
        reached = [i for i in mine if any(i in p.nodes for p in judged)]
        if not reached:
            out.append(
                Finding(
                    "idle_player",
                    f"player:{player}",
                    ERROR,
                    f"{player} never moves under any policy: every decision node of theirs "
                    "lies in a part of the tree that no policy reaches",
                    "the policies' force: and the tree",
                    {"structural": True},
                )
            )
            continue
        pointless = all(_same_outcome(sc, i) for i in mine)
        if pointless:
            out.append(
                Finding(
                    "idle_player",
                    f"player:{player}",
                    ERROR,
                    f"{player}'s choices change nothing: at every decision node of theirs, "
                    "every action ends in the same outcome",
                    "the tree: " + listing([node_element(sc, i) for i in mine]),
                    {"structural": True},
                )
            )
            continue
    return out


def _same_outcome(sc: Scenario, index: int) -> bool:
    node = sc.expanded[index]
    outcomes = set()
    for child in node.children:
        kid = sc.expanded[child]
        if kid.kind != "terminal":
            return False
        outcomes.add(kid.outcome)
    return len(outcomes) == 1


def _unreachable(logic: Logic) -> list[Finding]:
    sc = logic.scenario
    judged = logic.judged()
    reach = set().union(*(p.nodes for p in judged))
    reached_outcomes = set().union(*(p.outcomes for p in judged))
    out = []
    leaves = {n.outcome for n in sc.expanded if n.kind == "terminal"}
    for o in sc.outcomes:
        if o.name in reached_outcomes:
            continue
        why = (
            "no leaf of the tree names it and no event ends in it"
            if o.name not in leaves
            else "every leaf naming it lies in a part of the tree no policy reaches"
        )
        out.append(
            Finding(
                "unreachable_outcome",
                f"outcome:{o.name}",
                ERROR,
                f"the outcome {o.name} ({o.label or o.name}) can never happen under any policy: "
                + why,
                "the tree, the policies' force: and the chance probabilities",
                {"structural": True},
            )
        )
    for i, element in topmost_unreached(sc, lambda i: i in reach):
        node = sc.expanded[i]
        out.append(
            Finding(
                "unreachable_outcome",
                element,
                ERROR,
                f"the branch {'/'.join(node.path)} ({node.label or 'unlabelled'}) is reached "
                "under no policy: every policy fixes a choice away from it, or its chance "
                "probability is zero in every world tried",
                "the policies' force: and the chance probabilities",
                {"structural": True, "path": "/".join(node.path)},
            )
        )
    return out


def topmost_unreached(sc: Scenario, reached: Callable[[int], bool]) -> list[tuple[int, str]]:
    """Decision and chance nodes not reached whose parent is: (index, element), one per
    element (copies of a named node share one)."""
    out = []
    seen: set[str] = set()
    for i, node in enumerate(sc.expanded):
        if node.kind == "terminal" or reached(i) or (node.parent >= 0 and not reached(node.parent)):
            continue
        element = node_element(sc, i)
        if element not in seen:
            seen.add(element)
            out.append((i, element))
    return out


def _duplicate_policies(logic: Logic) -> list[Finding]:
    policies = logic.scenario.policies
    out = []
    for j, b in enumerate(policies):
        for a in policies[:j]:
            same_levers = {k: v for k, v in a.levers.items() if v} == {
                k: v for k, v in b.levers.items() if v
            }
            if same_levers and _force(a.force) == _force(b.force):
                out.append(
                    Finding(
                        "duplicate_policy",
                        f"policy:{b.name}",
                        ERROR,
                        f"the policy {b.name} sets the same levers and fixes the same choices "
                        f"as {a.name}",
                        "their definitions (after extends:)",
                        {"structural": True, "same_as": a.name},
                    )
                )
                break
    return out


def _force(force: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    return {k: {a: p for a, p in v.items() if p} for k, v in force.items()}


def _constant_indicators(logic: Logic) -> list[Finding]:
    dyn = logic.scenario.dynamics
    if dyn is None:
        return []
    reached = set().union(*(p.outcomes for p in logic.judged()))
    events = {e.name for e in dyn.events}
    out = []
    for ind in dyn.indicators:
        if not ind.any_of or any(n in reached or n in events for n in ind.any_of):
            continue
        out.append(
            Finding(
                "constant_indicator",
                f"indicator:{ind.name}",
                ERROR,
                f"the indicator {ind.name} ({ind.label or ind.name}) is always false: it counts "
                f"only {listing(list(ind.any_of))}, which no policy can reach",
                "its any_of: and the reachable outcomes",
                {"structural": True},
            )
        )
    return out


def _constants(logic: Logic) -> list[Finding]:
    sc = logic.scenario
    out = []
    for placed in unexplained_literals(logic.uses, sc.text):
        use = placed.use
        what = use.formula.what or f"{use.role} of {use.owner}"
        out.append(
            Finding(
                "unexplained_constant",
                placed.element,
                WARNING,
                f"{placed.literal.text} is written inside an expression ({use.role} of "
                f"{use.owner}); a named parameter with a note would say what it stands for, cite "
                "a claim, and vary in an exploration",
                f"{placed.file}:{placed.line}:{placed.col}: {what}: {use.formula.text!r}",
                {"value": placed.literal.value, "role": use.role, "owner": use.owner},
            )
        )
    return out
