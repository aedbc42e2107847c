"""The model's logic checked, and what it says about its claims.

:func:`audit` reads a scenario's logic (which names every expression
reads, what each policy can reach) and, for a crisis over time, screens
it by simulation with common random numbers, against a stated detection
threshold. Each :class:`Finding` has a kind, the element it is about, a
severity and evidence; a scenario can accept a finding with a reason
(``audit: accept:``). :func:`verify` evaluates a scenario's
``expectations:`` (what its results should show, tied to claims) at the
nominal values and in sampled worlds.

Examples
--------
>>> import escalade
>>> from escalade.auditing import audit
>>> result = audit(escalade.load("iig"))
>>> result.errors
[]
"""

from escalade.auditing._audit import DEFAULT_REPLICATIONS, DEFAULT_SAMPLES, audit
from escalade.auditing._constants import TRIVIAL, literals
from escalade.auditing._findings import KINDS, SEVERITIES, Finding, Silenced
from escalade.auditing._result import AuditResult
from escalade.auditing._screen import Threshold
from escalade.auditing._verification import Check, VerificationResult
from escalade.auditing._verify import (
    DEFAULT_VERIFY_REPLICATIONS,
    DEFAULT_VERIFY_RUNS,
    DEFAULT_VERIFY_SAMPLES,
    verify,
    verify_comparison,
    verify_exploration,
)

__all__ = [
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SAMPLES",
    "DEFAULT_VERIFY_REPLICATIONS",
    "DEFAULT_VERIFY_RUNS",
    "DEFAULT_VERIFY_SAMPLES",
    "KINDS",
    "SEVERITIES",
    "TRIVIAL",
    "AuditResult",
    "Check",
    "Finding",
    "Silenced",
    "Threshold",
    "VerificationResult",
    "audit",
    "literals",
    "verify",
    "verify_comparison",
    "verify_exploration",
]
