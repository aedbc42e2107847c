"""The report section "what the model says about each claim", from a verification."""

from __future__ import annotations

import html

from escalade.auditing import VerificationResult
from escalade.report._page import table

__all__ = ["claims_section"]


def claims_section(verification: VerificationResult | None) -> str:
    """An HTML section: each expectation's claims, statement, numbers found and verdict.

    Empty when there is no verification or the scenario has no expectations.

    Examples
    --------
    >>> import escalade
    >>> result = escalade.verify("docs/examples/standoff.yaml", samples=0, runs=500)
    >>> "What the model says about each claim" in claims_section(result)
    True
    >>> claims_section(None)
    ''
    """
    if verification is None or not verification.checks:
        return ""
    rows = [list(row) for row in verification.rows()]
    source = verification.settings.get("source")
    if source == "exploration":
        how = (
            "Each expectation is evaluated in every explored world (a world's numbers are "
            "the mean of its runs); one judged at the nominal values is shown as the share of "
            "worlds in which it holds, since an exploration has no nominal run."
        )
    else:
        how = (
            "Each expectation is evaluated from this page's simulations at the nominal "
            "values; <code>escalade verify</code> also evaluates them in sampled worlds."
        )
    lead = verification.headline()
    if verification.failed:
        lead += " A failing expectation is where the model and the claims part ways."
    return (
        "<section><h2>What the model says about each claim</h2>"
        f"<p>{html.escape(lead)} {how}</p>"
        + table(["Claims", "The scenario expects", "Condition", "Found", "Verdict"], rows)
        + "</section>"
    )
