"""What ``verify`` gives: every expectation of a scenario with the numbers found and a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade._text import noun
from escalade.scenario import Expectation, Scenario

__all__ = ["Check", "VerificationResult"]


@dataclass(frozen=True)
class Check:
    """One expectation, evaluated.

    Attributes
    ----------
    expectation : Expectation
    holds : bool or None
        The verdict: at the nominal values, or (with ``in_worlds:``) by
        the share of worlds; ``None`` when these results cannot say.
    nominal : bool or None
        Whether it holds at the nominal values.
    share : float or None
        Share of the sampled worlds in which it holds.
    worlds : int
        Sampled worlds evaluated (0 for none).
    found : str
        The numbers found at the nominal values (or across the worlds), in words.
    values : dict
        The same numbers, for scripts.
    missing : str
        Why it could not be evaluated, when it could not.
    """

    expectation: Expectation
    holds: bool | None
    nominal: bool | None
    share: float | None
    worlds: int
    found: str
    values: dict[str, Any] = field(default_factory=dict)
    missing: str = ""

    @property
    def verdict(self) -> str:
        """``holds``, ``fails`` or ``not evaluated``."""
        return "not evaluated" if self.holds is None else ("holds" if self.holds else "fails")

    def to_dict(self) -> dict[str, Any]:
        """Plain values: name, says, claims, condition, found, verdict, shares."""
        e = self.expectation
        return {
            "name": e.name,
            "says": e.says,
            "claims": list(e.claims),
            "condition": e.condition(),
            "in_worlds": e.in_worlds,
            "found": self.found,
            "nominal": self.nominal,
            "share_of_worlds": self.share,
            "worlds": self.worlds,
            "verdict": self.verdict,
            "values": self.values,
            **({"missing": self.missing} if self.missing else {}),
        }


@dataclass
class VerificationResult(ResultMixin):
    """Every expectation of a scenario, evaluated.

    Attributes
    ----------
    scenario : Scenario
    checks : tuple of Check
        In the file's order.
    settings : dict
        What was computed: ``runs`` (nominal), ``samples`` and
        ``replications`` (worlds), ``seed``, ``source``.

    Examples
    --------
    >>> import escalade
    >>> result = escalade.verify("docs/examples/standoff.yaml", samples=50, runs=2000)
    >>> [(c.expectation.name, c.verdict) for c in result.checks]
    [('push_back_pays', 'holds'), ('war_is_rare', 'holds')]
    """

    scenario: Scenario
    checks: tuple[Check, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Check]:
        """The expectations the model does not bear out."""
        return [c for c in self.checks if c.holds is False]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: scenario, expectations (each with its verdict), settings."""
        return json_dict(
            {
                "scenario": self.scenario.name,
                "expectations": [c.to_dict() for c in self.checks],
                "counts": self.counts(),
                "settings": dict(self.settings),
            }
        )

    def to_frame(self) -> Any:
        """One row per expectation."""
        import pandas as pd

        rows = [c.to_dict() for c in self.checks]
        columns = ["name", "claims", "says", "condition", "found", "nominal", "share_of_worlds"]
        columns += ["in_worlds", "verdict"]
        return pd.DataFrame([{k: r[k] for k in columns} for r in rows], columns=columns)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(claims, says, condition, found, verdict) of each expectation, for tables."""
        out = []
        for c in self.checks:
            e = c.expectation
            if c.holds is not None:
                verdict = c.verdict
                if c.share is not None:
                    verdict += f" ({100 * c.share:.0f}% of {c.worlds} {noun(c.worlds, 'world')}"
                    verdict += f", needs {100 * e.in_worlds:.0f}%)" if e.in_worlds else ")"
            elif c.nominal is not None:
                verdict = f"{'holds' if c.nominal else 'fails'} at the nominal values; {c.missing}"
            elif c.share is not None:
                of = f"{c.worlds} {noun(c.worlds, 'world')}"
                verdict = f"holds in {100 * c.share:.0f}% of {of}; {c.missing}"
            else:
                verdict = f"not evaluated: {c.missing}"
            out.append((", ".join(e.claims) or "-", e.says, e.condition(), c.found, verdict))
        return out

    def counts(self) -> dict[str, int]:
        """How many expectations hold, fail, and could not be judged from these results."""
        return {
            "holds": sum(c.holds is True for c in self.checks),
            "fails": len(self.failed),
            "not evaluated": sum(c.holds is None for c in self.checks),
        }

    def headline(self) -> str:
        """One sentence: how many expectations hold and fail.

        Examples
        --------
        >>> import escalade
        >>> escalade.verify("docs/examples/standoff.yaml", samples=0, runs=500).headline()
        '1 of 2 expectations holds, 0 fail, 1 is judged elsewhere.'
        """
        n = self.counts()
        total = len(self.checks)
        text = f"{n['holds']} of {total} expectations {'holds' if n['holds'] == 1 else 'hold'}"
        text += f", {n['fails']} fail{'s' if n['fails'] == 1 else ''}"
        elsewhere = n["not evaluated"]
        if elsewhere:
            text += f", {elsewhere} {'is' if elsewhere == 1 else 'are'} judged elsewhere"
        return text + "."

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """A table: each expectation's claims, statement, what was found, and the verdict."""
        table = Table(
            "What the model says about each claim",
            ("claims", "says", "expected", "found", "verdict"),
            clip_rows(self.rows(), max_rows),
            "lllll",
        )
        s = self.settings
        notes = [self.headline()]
        if s.get("source") == "verify":
            notes.append(
                f"Nominal values: {s.get('runs'):,} {noun(s['runs'], 'run')} per policy; sampled "
                f"worlds: {s.get('samples')} x {s.get('replications')} "
                f"{noun(s['replications'], 'run')}; seed {s.get('seed')}; "
                "the policies compared share their random numbers."
            )
        heading = f"{self.scenario.title or self.scenario.name}: expectations verified"
        return Summary(heading, tuple(notes), (table,))

    def text(self) -> str:
        """The verification as the command line prints it.

        Examples
        --------
        >>> import escalade
        >>> text = escalade.verify("docs/examples/standoff.yaml", samples=0, runs=2000).text()
        >>> print(text.splitlines()[4])
        holds  push_back_pays  (K1)
        """
        summary = self.summary()
        lines = [summary.heading, *summary.notes]
        for c in self.checks:
            e = c.expectation
            claims = f"  ({', '.join(e.claims)})" if e.claims else ""
            lines += ["", f"{c.verdict}  {e.name}{claims}", f"    says: {e.says}"]
            lines.append(f"    expected: {e.condition()}")
            lines.append(f"    found: {c.found}")
            if c.share is not None:
                need = f" (needs {100 * e.in_worlds:.0f}%)" if e.in_worlds else ""
                lines.append(
                    f"    holds in {100 * c.share:.1f}% of {c.worlds} sampled worlds{need}"
                )
            if c.missing:
                lines.append(f"    not evaluated: {c.missing}")
        return "\n".join(lines) + "\n"
