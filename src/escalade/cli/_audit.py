"""``escalade audit`` and ``escalade verify``: the model's logic, and what it says of its claims.

Each command calls one public function (:func:`escalade.audit`,
:func:`escalade.verify`) and prints its result.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from escalade.cli._common import (
    EXIT_OK,
    Parser,
    add_foresight,
    add_json,
    add_number,
    add_scenario,
    add_seed,
    given,
    out,
    out_json,
)

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["register"]


def _options(p: Parser, function: str, *, strict: str, samples: str, minimum: int) -> None:
    """What both commands take: SCENARIO, --json, --strict, --samples, --replications, --seed."""
    add_scenario(p)
    add_json(p)
    p.add_argument("--strict", action="store_true", help=strict)
    add_number(p, "--samples", samples, minimum=minimum, library=function)
    add_number(p, "--replications", "runs per sampled world", metavar="R", library=function)
    add_seed(p, library=function)


def register(commands: Commands) -> None:
    """Add ``escalade audit`` and ``escalade verify``."""
    p = commands.add_parser(
        "audit",
        help="check a scenario's logic: dead parameters, inert levers, unreachable outcomes",
        description="Check a scenario's logic. The file's graph of names decides what it "
        "can (a parameter nothing reads, an event that changes nothing, an outcome no "
        "policy reaches, a number written inside an expression); for a crisis over time, "
        "every policy is then simulated in sampled worlds with common random numbers, each "
        "parameter moved across its range and each lever effect removed, and 'no effect' "
        "means no effect larger than the stated threshold. Each finding has a kind, the "
        "element it is about, a severity (error: certainly wrong; warning: probably "
        "wrong) and evidence. Exits 0, or 1 with --strict when an error remains.",
    )
    _options(
        p,
        "audit",
        strict="exit 1 when any error-severity finding remains",
        samples="sampled worlds the screen simulates",
        minimum=1,
    )
    add_foresight(p)
    p.set_defaults(run=run_audit)

    p = commands.add_parser(
        "verify",
        help="check what a scenario's results say about its claims (expectations:)",
        description="Evaluate every expectation of the scenario's expectations: section "
        "(a policy's rank, one policy beating another, a condition on indicator "
        "probabilities) at the nominal values and in sampled worlds, and print each with "
        "its claims, the numbers found and whether it holds. A failing expectation is a "
        "finding about the model: it exits 0 (1 with --strict).",
    )
    _options(
        p,
        "verify",
        strict="exit 1 when an expectation fails",
        samples="sampled worlds (0 for the nominal values only)",
        minimum=0,
    )
    add_number(p, "--runs", "runs per policy at the nominal values", library="verify")
    p.set_defaults(run=run_verify)


def _status(doing: str) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """A one-line status on a terminal: ``(update(message), stop)``; nothing otherwise."""
    import sys

    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console

    status = Console(stderr=True).status(doing)
    status.start()
    return (lambda message: status.update(f"{doing}: {message}")), status.stop


def _run_and_print(
    args: argparse.Namespace,
    compute: Callable[..., Any],
    doing: str,
    options: tuple[str, ...],
    failed: Callable[[Any], bool],
) -> int:
    """Compute with a status line, print the result's text (or JSON); exit 1 with --strict
    when ``failed(result)``."""
    update, stop = _status(doing)
    try:
        result = compute(args.source, **given(args, *options), progress=update)
    finally:
        stop()
    if args.json:
        out_json(result.to_dict())
    else:
        out(result.text())
    return 1 if args.strict and failed(result) else EXIT_OK


def run_audit(args: argparse.Namespace) -> int:
    """Audit, and print every finding (or JSON); exit 1 with --strict if an error remains."""
    from escalade import audit

    options = ("samples", "replications", "seed", "foresight")
    return _run_and_print(args, audit, "auditing", options, lambda r: bool(r.errors))


def run_verify(args: argparse.Namespace) -> int:
    """Verify, and print every expectation (or JSON); exit 1 with --strict if one fails."""
    from escalade import verify

    options = ("samples", "replications", "runs", "seed")
    return _run_and_print(args, verify, "verifying", options, lambda r: bool(r.failed))
