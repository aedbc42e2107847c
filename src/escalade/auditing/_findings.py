"""What an audit finds: findings, their kinds and severities, and the ones accepted.

A finding names a kind (``dead_parameter``, ...), the model element it is
about (``parameter:drag_us``), a severity, a message saying what is wrong
in the model's terms, and evidence: the numbers, or a command that shows
them. ``error`` is for what is certainly wrong (the logic of the file
decides it, or the results are identical to the last bit), ``warning`` for
what is probably wrong (an effect below the detection threshold, an
outcome no simulated run reached).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from escalade.scenario import FINDING_KINDS, Acceptance, expression_place

__all__ = ["ERROR", "KINDS", "SEVERITIES", "WARNING", "Finding", "Silenced", "apply_acceptances"]

ERROR, WARNING = "error", "warning"
#: Severities, most serious first.
SEVERITIES = (ERROR, WARNING)
#: Every kind of finding, in the order reports list them.
KINDS = tuple(FINDING_KINDS)


@dataclass(frozen=True)
class Finding:
    """One problem in a model's logic, with evidence.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    element : str
        ``parameter:NAME``, ``lever:NAME@POLICY``, ``outcome:NAME``,
        ``node:LABEL``, ``event:NAME``, ``indicator:NAME``, ``state:NAME``,
        ``player:NAME``, ``policy:NAME``, ``claim:ID`` or
        ``expression:FILE:LINE:COL``.
    severity : {"error", "warning"}
    message : str
        What is wrong, in the model's terms.
    evidence : str
        How to see it: a command, or the numbers.
    data : mapping
        The numbers behind the finding (for scripts).

    Examples
    --------
    >>> f = Finding("inert_event", "event:fizzle", "error", "changes nothing", "see the file")
    >>> f.to_dict()["element"]
    'event:fizzle'
    """

    kind: str
    element: str
    severity: str
    message: str
    evidence: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain values: kind, element, severity, message, evidence, data."""
        return {
            "kind": self.kind,
            "element": self.element,
            "severity": self.severity,
            "message": self.message,
            "evidence": self.evidence,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class Silenced:
    """An acceptance from the file and the findings it silenced (none if it is stale)."""

    acceptance: Acceptance
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        """Kind, element, reason, and the findings silenced."""
        return {
            "kind": self.acceptance.kind,
            "element": self.acceptance.element,
            "reason": self.acceptance.reason,
            "silenced": [f.to_dict() for f in self.findings],
        }


def _matches(acceptance: Acceptance, finding: Finding) -> bool:
    if acceptance.kind != finding.kind:
        return False
    if finding.element == acceptance.element:
        return True
    if acceptance.element.endswith("*"):
        return finding.element.startswith(acceptance.element[:-1])
    prefix, _, name = acceptance.element.partition(":")
    if prefix == "expression" and finding.element.startswith("expression:"):
        want = expression_place(name)
        have = expression_place(finding.element.split(":", 1)[1])
        if want is None or have is None or want[0] != have[0]:
            return False
        return want[1] is None or want[1] == have[1]
    # a lever accepted without a policy is accepted in every policy
    return prefix == "lever" and "@" not in name and finding.element.startswith(f"lever:{name}@")


def apply_acceptances(
    findings: Iterable[Finding], acceptances: Iterable[Acceptance]
) -> tuple[list[Finding], list[Silenced]]:
    """Split findings into those that remain and those the file accepts.

    Returns the remaining findings, and for every acceptance (in file
    order) the findings it silenced.

    Examples
    --------
    >>> from escalade.scenario import Acceptance
    >>> f = Finding("dead_parameter", "parameter:x", "error", "m", "e")
    >>> accept = Acceptance("dead_parameter", "parameter:x", "why")
    >>> left, silenced = apply_acceptances([f], [accept])
    >>> left, [s.acceptance.reason for s in silenced]
    ([], ['why'])
    """
    remaining = list(findings)
    silenced = []
    for acceptance in acceptances:
        hit = tuple(f for f in remaining if _matches(acceptance, f))
        remaining = [f for f in remaining if f not in hit]
        silenced.append(Silenced(acceptance, hit))
    return remaining, silenced
