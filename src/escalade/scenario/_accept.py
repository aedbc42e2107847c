"""Scenario language: ``audit:``, the audit findings an author accepts, with a reason.

An audit of a scenario's logic (``escalade audit``) may report something
the author means: a parameter kept for a variant of the model, a number
written in an expression on purpose. The author accepts it in the file,
saying why::

    audit:
      accept:
        - kind: dead_parameter
          element: parameter:drag_us
          reason: "kept for the variant where Japan can press the U.S."

The audit then lists the finding as accepted, with the reason, instead of
among the problems. Each entry names a kind of finding and the element it
is about, written as the audit writes it; both are checked when the file
is read. An element ending in ``*`` accepts every element it starts
(``expression:*``: every number written in an expression of the file;
``lever:step2@*``: the lever in every policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalade.scenario._checks import (
    Context,
    check_keys,
    error_at,
    expect_map,
    expect_text,
    listing,
    location,
    req,
    suggest,
)
from escalade.scenario._formulas import formula_uses, node_element
from escalade.scenario._params import Location
from escalade.scenario._yaml import YMap, YSeq

if TYPE_CHECKING:
    from escalade.scenario._scenario import Scenario

__all__ = [
    "FINDING_KINDS",
    "Acceptance",
    "check_acceptances",
    "expression_place",
    "parse_audit_section",
]

#: Each kind of audit finding and the kinds of element it can be about.
FINDING_KINDS: dict[str, tuple[str, ...]] = {
    "dead_parameter": ("parameter", "derived"),
    "inert_lever": ("lever",),
    "duplicate_policy": ("policy",),
    "unreachable_outcome": ("outcome", "node", "event"),
    "inert_event": ("event",),
    "constant_indicator": ("indicator",),
    "misnamed_indicator": ("indicator",),
    "static_state": ("state",),
    "idle_player": ("player",),
    "unexplained_constant": ("expression",),
    "unsupported_claim": ("claim",),
}


def expression_place(text: str) -> tuple[int, int | None] | None:
    """The line and column an ``expression:`` element names: ``LINE``, ``LINE:COL``,
    ``FILE:LINE`` or ``FILE:LINE:COL`` (text after ``expression:``); None if malformed.

    Examples
    --------
    >>> expression_place("korea.yaml:214:53"), expression_place("214"), expression_place("x")
    ((214, 53), (214, None), None)
    """
    parts = text.split(":")
    numbers = parts if parts[0].isdigit() else parts[1:]
    if not 1 <= len(numbers) <= 2 or not all(p.isdigit() for p in numbers):
        return None
    return int(numbers[0]), (int(numbers[1]) if len(numbers) == 2 else None)


@dataclass(frozen=True)
class Acceptance:
    """An audit finding the author accepts: its kind, its element and why.

    ``element`` is written as the audit writes it (``parameter:drag_us``,
    ``lever:step2@four_steps_with_talks``, ``expression:korea.yaml:214``); for an
    expression, a line accepts every number written on it, a line and
    column the one number there.
    """

    kind: str
    element: str
    reason: str
    loc: Location | None = None


def parse_audit_section(m: YMap, ctx: Context) -> tuple[Acceptance, ...]:
    """The ``audit:`` section: its ``accept:`` list (elements are checked later)."""
    check_keys(m, ("accept",), "audit", required=("accept",))
    items = req(m, "accept")
    if not isinstance(items, YSeq) or not items.items:
        raise items.error(
            "audit: accept must be a list of {kind, element, reason}, found "
            + (items.kind if not isinstance(items, YSeq) else "an empty list")
        )
    out = []
    for item in items.items:
        em = expect_map(item, "an entry of audit: accept")
        check_keys(em, ("kind", "element", "reason"), "audit: accept", required=("kind", "element"))
        kind_node = req(em, "kind")
        kind = expect_text(kind_node, "kind")
        if kind not in FINDING_KINDS:
            raise kind_node.error(
                f"audit: unknown kind of finding {kind!r}{suggest(kind, FINDING_KINDS)}; "
                f"kinds: {', '.join(FINDING_KINDS)}"
            )
        if "reason" not in em:
            raise em.error(
                f"audit: accepting a finding of kind {kind} needs a reason: (why the model "
                "is right as it is)"
            )
        reason = expect_text(req(em, "reason"), "reason").strip()
        if not reason:
            raise req(em, "reason").error("audit: the reason must say something, found ''")
        element_node = req(em, "element")
        element = expect_text(element_node, "element").strip()
        out.append(Acceptance(kind, element, reason, location(element_node)))
    return tuple(out)


def _known(scenario: Scenario) -> dict[str, set[str]]:
    """The element names a scenario defines, by element kind."""
    dyn = scenario.dynamics
    levers = {lv.name for lv in scenario.levers}
    levers |= {f"{lv}@{p.name}" for p in scenario.policies for lv, s in p.levers.items() if s > 0}
    nodes = {node_element(scenario, i).split(":", 1)[1] for i in range(len(scenario.expanded))}
    nodes |= {"/".join(n.path) for n in scenario.expanded if n.path}
    return {
        "parameter": set(scenario.parameters.names),
        "derived": {d.name for d in scenario.derived},
        "lever": levers,
        "policy": {p.name for p in scenario.policies},
        "outcome": set(scenario.outcome_names),
        "node": nodes,
        "event": {e.name for e in dyn.events} if dyn is not None else set(),
        "indicator": {i.name for i in dyn.indicators} if dyn is not None else set(),
        "state": {v.name for v in dyn.state} if dyn is not None else set(),
        "player": set(scenario.player_names),
        "claim": set(scenario.claims),
    }


def check_acceptances(scenario: Scenario) -> None:
    """Every accepted element must exist and be of a kind the finding can be about.

    Levers are named ``NAME`` or ``NAME@POLICY`` (for a policy that turns
    the lever on); nodes by label or path; an expression by a line where one
    is written.
    """
    if not scenario.accepted:
        return
    known = _known(scenario)
    expression_lines = {u.formula.loc.line for u in formula_uses(scenario) if u.formula.loc}
    for entry in scenario.accepted:
        kinds = FINDING_KINDS[entry.kind]
        prefix, sep, name = entry.element.partition(":")
        if not sep or prefix not in kinds:
            written = ", ".join(f"{k}:NAME" for k in kinds)
            raise error_at(
                entry.loc,
                f"audit: findings of kind {entry.kind} are about {written}, "
                f"found {entry.element!r}",
            )
        if name.endswith("*"):
            stem = name[:-1]
            if prefix != "expression" and not any(n.startswith(stem) for n in known[prefix]):
                raise error_at(entry.loc, f"audit: no {prefix} starts with {stem!r}")
            continue
        if prefix == "expression":
            place = expression_place(name)
            if place is None or place[0] not in expression_lines:
                raise error_at(
                    entry.loc,
                    f"audit: {entry.element!r} should name a line where an expression starts, "
                    "as expression:LINE or expression:FILE:LINE:COL",
                )
            continue
        names = known[prefix]
        if name not in names:
            raise error_at(
                entry.loc,
                f"audit: unknown {prefix} {name!r}{suggest(name, names)}"
                + (f"; {prefix}s: {listing(sorted(names))}" if prefix != "node" else ""),
            )
