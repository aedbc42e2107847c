"""``escalade audit`` and ``escalade verify``: the model's logic, and what it says of its claims.

Each command calls one public function (:func:`escalade.audit`,
:func:`escalade.verify`) and prints its result; :func:`register` adds
both to the command line's parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from escalade.audit import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SAMPLES,
    DEFAULT_VERIFY_REPLICATIONS,
    DEFAULT_VERIFY_RUNS,
    DEFAULT_VERIFY_SAMPLES,
    audit,
    verify,
)

__all__ = ["register"]

_HELP = "a scenario file (.yaml, .yml) or a bundled scenario's name"


Whole = Callable[[int], Callable[[str], int]]


def _options(
    p: argparse.ArgumentParser,
    whole: Whole,
    *,
    strict: str,
    samples: tuple[int, int, str],
    replications: tuple[int, str],
) -> None:
    """The options both commands take: --json, --strict, --samples, --replications, --seed."""
    p.add_argument("scenario", metavar="SCENARIO", help=_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--strict", action="store_true", help=strict)
    minimum, default, text = samples
    p.add_argument("--samples", type=whole(minimum), default=default, metavar="N", help=text)
    p.add_argument(
        "--replications",
        type=whole(1),
        default=replications[0],
        metavar="R",
        help=replications[1],
    )
    p.add_argument("--seed", type=whole(0), default=1, metavar="S", help="random seed (default 1)")


def register(sub: argparse._SubParsersAction, whole: Whole) -> None:
    """Add ``audit`` and ``verify`` to the subcommands; ``whole(n)`` parses numbers >= n."""
    p = sub.add_parser(
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
        whole,
        strict="exit 1 when any error-severity finding remains",
        samples=(
            1,
            DEFAULT_SAMPLES,
            f"sampled worlds the screen simulates (default {DEFAULT_SAMPLES})",
        ),
        replications=(DEFAULT_REPLICATIONS, f"runs per world (default {DEFAULT_REPLICATIONS})"),
    )
    p.set_defaults(run=_cmd_audit)

    p = sub.add_parser(
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
        whole,
        strict="exit 1 when an expectation fails",
        samples=(
            0,
            DEFAULT_VERIFY_SAMPLES,
            f"sampled worlds (default {DEFAULT_VERIFY_SAMPLES}; 0 for the nominal values only)",
        ),
        replications=(
            DEFAULT_VERIFY_REPLICATIONS,
            f"runs per sampled world (default {DEFAULT_VERIFY_REPLICATIONS})",
        ),
    )
    p.add_argument(
        "--runs",
        type=whole(1),
        default=DEFAULT_VERIFY_RUNS,
        metavar="N",
        help=f"runs per policy at the nominal values (default {DEFAULT_VERIFY_RUNS})",
    )
    p.set_defaults(run=_cmd_verify)


def _status(doing: str) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """A one-line status on a terminal: ``(update(message), stop)``; nothing otherwise."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console

    status = Console(stderr=True).status(doing)
    status.start()
    return (lambda message: status.update(f"{doing}: {message}")), status.stop


def _print(data: dict[str, object] | None, text: str) -> None:
    if data is not None:
        sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(text)


def _cmd_audit(args: argparse.Namespace) -> int:
    update, stop = _status("auditing")
    try:
        result = audit(
            args.scenario,
            samples=args.samples,
            replications=args.replications,
            seed=args.seed,
            progress=update,
        )
    finally:
        stop()
    _print(result.to_dict() if args.json else None, result.text())
    return 1 if args.strict and result.errors else 0


def _cmd_verify(args: argparse.Namespace) -> int:
    update, stop = _status("verifying")
    try:
        result = verify(
            args.scenario,
            samples=args.samples,
            replications=args.replications,
            runs=args.runs,
            seed=args.seed,
            progress=update,
        )
    finally:
        stop()
    _print(result.to_dict() if args.json else None, result.text())
    return 1 if args.strict and result.failed else 0
