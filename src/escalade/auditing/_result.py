"""What ``audit`` gives: the findings, what the file accepts, the threshold used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade._text import noun
from escalade.auditing._findings import ERROR, WARNING, Finding, Silenced
from escalade.auditing._screen import Threshold
from escalade.scenario import Scenario

__all__ = ["AuditResult"]


@dataclass
class AuditResult(ResultMixin):
    """The audit of a scenario's logic.

    Attributes
    ----------
    scenario : Scenario
    findings : tuple of Finding
        What remains after the file's accepted findings are set aside,
        errors first.
    silenced : tuple of Silenced
        Each ``audit: accept:`` entry of the file and the findings it
        silenced (none when it no longer matches anything).
    threshold : Threshold or None
        The detection threshold of the screen (``None`` for a one-shot
        game, where nothing is simulated).
    settings : dict
        ``samples``, ``replications``, ``seed``, ``simulated_runs`` and
        ``seconds``.
    notes : tuple of str
        What the screen could not decide.

    Examples
    --------
    >>> import escalade
    >>> result = escalade.audit("iig")
    >>> result.errors, sorted(result.to_dict())[:3]
    ([], ['counts', 'findings', 'notes'])
    """

    scenario: Scenario
    findings: tuple[Finding, ...]
    silenced: tuple[Silenced, ...] = ()
    threshold: Threshold | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity ``error``."""
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Findings of severity ``warning``."""
        return [f for f in self.findings if f.severity == WARNING]

    def of_kind(self, kind: str) -> list[Finding]:
        """The findings of one kind.

        Examples
        --------
        >>> import escalade
        >>> [f.element for f in escalade.audit("iig").of_kind("idle_player")]
        []
        """
        return [f for f in self.findings if f.kind == kind]

    def threshold_dict(self) -> dict[str, Any] | None:
        """The threshold as plain values, with its rule in words."""
        t = self.threshold
        if t is None:
            return None
        return {
            "probability": t.probability,
            "utility_sd": t.utility,
            "z": t.z,
            "reference_runs": t.reference_runs,
            "rule": t.describe(),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON form: scenario, findings, threshold, silenced, notes, counts, settings."""
        return json_dict(
            {
                "scenario": self.scenario.name,
                "findings": [f.to_dict() for f in self.findings],
                "threshold": self.threshold_dict(),
                "silenced": [s.to_dict() for s in self.silenced],
                "notes": list(self.notes),
                "counts": {"error": len(self.errors), "warning": len(self.warnings)},
                "settings": dict(self.settings),
            }
        )

    def _notes(self) -> list[str]:
        accepted = sum(len(s.findings) for s in self.silenced)
        notes = [
            f"{len(self.errors)} {noun(len(self.errors), 'error')}, "
            f"{len(self.warnings)} {noun(len(self.warnings), 'warning')}"
            + (f", {accepted} accepted in the file" if self.silenced else "")
            + "."
        ]
        if self.threshold is not None:
            s = self.settings
            notes.append(
                f"Screened by simulation: {s.get('samples')} "
                f"{noun(s['samples'], 'sampled world')} x {s.get('replications')} "
                f"{noun(s['replications'], 'run')}, seed {s.get('seed')}, "
                "common random numbers; "
                "'no effect' means no effect larger than the threshold: "
                f"{self.threshold.describe()}."
            )
        else:
            notes.append("A one-shot game: the file's logic decides; nothing is simulated.")
        return notes + list(self.notes)

    def text(self) -> str:
        """The audit as the command line prints it: every finding with its evidence.

        Examples
        --------
        >>> import escalade
        >>> print(escalade.audit("iig").text(), end="")
        International Interaction Game: audit of the model's logic
        0 errors, 0 warnings.
        A one-shot game: the file's logic decides; nothing is simulated.
        """
        lines = [
            f"{self.scenario.title or self.scenario.name}: audit of the model's logic",
            *self._notes(),
        ]
        for f in self.findings:
            lines += ["", f"{f.severity}  {f.kind}  {f.element}", f"    {f.message}"]
            lines.append(f"    evidence: {f.evidence}")
        for s in self.silenced:
            a = s.acceptance
            found = len(s.findings)
            lines += [
                "",
                f"accepted  {a.kind}  {a.element}  ({found} finding{'s' * (found != 1)})",
                f"    reason: {a.reason}",
            ]
            if not found:
                lines.append("    (no finding matches it any more)")
        return "\n".join(lines) + "\n"

    def to_frame(self) -> Any:
        """One row per finding (silenced ones too, with the reason the file gives)."""
        import pandas as pd

        rows = [{**f.to_dict(), "accepted": ""} for f in self.findings]
        for s in self.silenced:
            rows += [{**f.to_dict(), "accepted": s.acceptance.reason} for f in s.findings]
        columns = ["kind", "element", "severity", "message", "evidence", "accepted"]
        return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """The findings, one table per kind, then what the file accepts.

        ``max_rows`` caps the rows of each table (``None``: all).
        """
        heading = f"{self.scenario.title or self.scenario.name}: audit of the model's logic"
        notes = self._notes()
        tables = []
        kinds = list(dict.fromkeys(f.kind for f in self.findings))
        for kind in kinds:
            rows = [
                (f.severity, f.element, f.message, f.evidence)
                for f in self.findings
                if f.kind == kind
            ]
            tables.append(
                Table(
                    kind,
                    ("severity", "element", "what", "evidence"),
                    clip_rows(rows, max_rows),
                    "llll",
                )
            )
        accepted = [
            (s.acceptance.kind, s.acceptance.element, s.acceptance.reason, str(len(s.findings)))
            for s in self.silenced
        ]
        if accepted:
            tables.append(
                Table(
                    "accepted in the file (audit: accept:)",
                    ("kind", "element", "reason", "findings silenced"),
                    clip_rows(accepted, max_rows),
                    "lllr",
                )
            )
        return Summary(heading, tuple(notes), tuple(tables))
