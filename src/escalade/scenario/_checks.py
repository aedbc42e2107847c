"""Readers of located YAML values, failing with clear messages, and the loader's context.

Every section of a scenario file is read with these: each checks one
value (a mapping, a name, a number, the allowed keys) and raises
:class:`ScenarioError` at the value's ``file:line:col`` saying what was
expected and what was found. :class:`Context` holds what the loader knows
so far (claims, players, names and their kinds) and compiles expressions
against it.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any

from escalade.errors import ExpressionError, ScenarioError
from escalade.expr import FUNCTIONS, Categorical, compile_expression
from escalade.scenario._model import Claim, Outcome, TreeNode
from escalade.scenario._params import Formula, Location
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq

__all__ = [
    "CLAIM_ID",
    "Context",
    "bool_or_formula",
    "check_keys",
    "check_name",
    "claims_note",
    "error_at",
    "expect_map",
    "expect_number",
    "expect_text",
    "listing",
    "location",
    "opt_text",
    "parse_assignments",
    "req",
    "suggest",
]

_MAX_NAME = 64

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: What a claim id may look like.
CLAIM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_RESERVED = set(keyword.kwlist) | set(FUNCTIONS) | {"True", "False", "None"}


def suggest(word: str, options: Any) -> str:
    """`` (did you mean 'x'?)`` for the option closest to ``word``, or ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def expect_map(node: YNode, what: str) -> YMap:
    """``node`` as a mapping, or an error naming ``what`` was expected."""
    if not isinstance(node, YMap):
        raise node.error(f"{what} must be a mapping, found {node.kind}")
    return node


def expect_text(node: YNode, what: str) -> str:
    """``node`` as text (numbers are not text)."""
    if not isinstance(node, YScalar) or not isinstance(node.value, str):
        raise node.error(f"{what} must be text, found {node.kind}")
    return node.value


def expect_number(node: YNode, what: str) -> float:
    """``node`` as a finite number."""
    if (
        not isinstance(node, YScalar)
        or isinstance(node.value, bool)
        or not isinstance(node.value, int | float)
    ):
        raise node.error(f"{what} must be a number, found {node.kind}")
    value = float(node.value)
    if not math.isfinite(value):
        raise node.error(f"{what} must be a finite number, found {node.raw}")
    return value


def check_keys(
    node: YMap, allowed: tuple[str, ...], what: str, required: tuple[str, ...] = ()
) -> None:
    """Reject unknown keys (with a suggestion) and report missing ones."""
    for key in node:
        if key not in allowed:
            raise node.key_node(key).error(
                f"unknown key {key!r} in {what}{suggest(key, allowed)}; "
                f"expected one of: {', '.join(allowed)}"
            )
    for key in required:
        if key not in node:
            raise node.error(f"{what} is missing the required key {key!r}")


def check_name(
    node: YNode, what: str, pattern: re.Pattern[str] = _IDENT, reserved: bool = False
) -> str:
    """A well-formed name (identifier by default), or an error."""
    if not isinstance(node, YScalar):
        raise node.error(f"{what} must be a name, found {node.kind}")
    name = node.raw
    if not name or len(name) > _MAX_NAME or not pattern.match(name):
        rule = (
            "letters, digits and '_', not starting with a digit"
            if pattern is _IDENT
            else f"matching {pattern.pattern}"
        )
        raise node.error(
            f"{what} {name!r} is not a valid name ({rule}, at most {_MAX_NAME} characters)"
        )
    if reserved and name in _RESERVED:
        raise node.error(f"{what} {name!r} is a reserved word of the expression language")
    return name


def location(node: YNode) -> Location:
    """The node's position as a :class:`Location`."""
    return Location(node.file, node.line, node.col)


def opt_text(node: YMap, key: str) -> str:
    """The text under an optional key, or ``""``."""
    value = node.get(key)
    return "" if value is None else expect_text(value, key)


def req(node: YMap, key: str) -> YNode:
    """The value under a key that must be present."""
    value = node.get(key)
    if value is None:
        raise node.error(f"missing the required key {key!r}")
    return value


def listing(names: Any, limit: int = 12) -> str:
    """Names for a message: all of them, or the first ``limit`` and a count."""
    items = list(names)
    if not items:
        return "none"
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... ({len(items) - limit} more)"


def error_at(loc: Location | None, message: str) -> ScenarioError:
    """A :class:`ScenarioError` at ``loc``, or without a place when there is none."""
    return loc.error(message) if loc else ScenarioError(message)


@dataclass
class Context:
    """What the loader knows while reading a file: names defined so far."""

    file: str
    claims: dict[str, Claim] = field(default_factory=dict)
    players: tuple[str, ...] = ()
    kinds: dict[str, str | Categorical] = field(default_factory=dict)
    defined_at: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    later: dict[str, int] = field(default_factory=dict)
    state_names: dict[str, int] = field(default_factory=dict)
    expanded: tuple[TreeNode, ...] = ()
    sections: tuple[str, ...] = ()
    lever_names: tuple[str, ...] = ()

    def claims_of(self, node: YMap) -> tuple[str, ...]:
        """The claim ids cited under ``claim:`` / ``claims:`` of a mapping."""
        out: list[str] = []
        for key in ("claim", "claims"):
            value = node.get(key)
            if value is None:
                continue
            items = value.items if isinstance(value, YSeq) else (value,)
            for item in items:
                cid = check_name(item, "claim id", CLAIM_ID)
                if cid not in self.claims:
                    known = listing(self.claims) if self.claims else "none (add a claims: section)"
                    raise item.error(
                        f"unknown claim {cid!r}{suggest(cid, self.claims)}; claims: {known}"
                    )
                out.append(cid)
        return tuple(dict.fromkeys(out))

    def formula(self, node: YNode, what: str) -> Formula:
        """Compile an expression written at ``node``."""
        if isinstance(node, YScalar) and (
            isinstance(node.value, str)
            or (isinstance(node.value, int | float) and not isinstance(node.value, bool))
        ):
            # A number is taken as YAML read it (017, 1:30 and 1_000 mean what YAML says).
            text = node.value if isinstance(node.value, str) else node.raw
            try:
                expr = compile_expression(node.value, names=self.kinds)
            except ExpressionError as exc:
                line, col = node.text_position(exc.position)
                message = exc.message
                m = re.match(r"unknown name '([^']+)'", message)
                if m and m.group(1) in self.later:
                    message += (
                        f"; it is defined later (line {self.later[m.group(1)]}) and "
                        "derived values are computed in order"
                    )
                shown = text if len(text) <= 80 else text[:77] + "..."
                raise ScenarioError(
                    f"{what}: {message} in expression {shown!r}",
                    file=node.file,
                    line=line,
                    col=col,
                ) from None
            # evaluation errors point at the expression's first character, inside any quotes
            line, col = node.text_position(0)
            return Formula(expr, Location(node.file, line, col), what)
        raise node.error(f"{what} must be a number or an expression, found {node.kind}")


def bool_or_formula(node: YNode, ctx: Context, what: str) -> Formula:
    """An expression, or ``true``/``false`` as the constant 1 or 0."""
    if isinstance(node, YScalar) and isinstance(node.value, bool):
        return Formula(compile_expression(1.0 if node.value else 0.0), location(node), what)
    return ctx.formula(node, what)


def claims_note(node: YMap, ctx: Context) -> tuple[tuple[str, ...], str, str]:
    """The ``claim(s):``, ``note:`` and ``label:`` of an element written as a mapping."""
    return ctx.claims_of(node), opt_text(node, "note"), opt_text(node, "label")


def parse_assignments(node: YNode, ctx: Context, what: str) -> tuple[tuple[str, Formula], ...]:
    """``then:``-style assignments ``{state_variable: expression}``, in file order."""
    m = expect_map(node, f"then: of {what}")
    out = []
    for key, value in m.items:
        target = check_name(key, "state variable")
        if target not in ctx.state_names:
            if not ctx.state_names:
                raise key.error(
                    f"{what}: then: sets state variables, and this scenario declares none "
                    "(add them under dynamics: state:)"
                )
            raise key.error(
                f"{what}: unknown state variable {target!r}{suggest(target, ctx.state_names)}; "
                f"state variables: {', '.join(ctx.state_names)}"
            )
        kind = ctx.kinds.get(target)
        if (
            isinstance(kind, Categorical)
            and isinstance(value, YScalar)
            and isinstance(value.value, str)
            and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value.value.strip())
            and value.value.strip() not in ctx.kinds
        ):
            # a category is set by naming one of its choices
            choice = value.value.strip()
            if choice not in kind.choices:
                raise value.error(
                    f"{what}: new value {choice!r} of {target} is not one of its choices "
                    f"{list(kind.choices)}{suggest(choice, kind.choices)}"
                )
            formula = Formula(
                compile_expression(float(kind.code(choice))),
                location(value),
                f"{what}: new value of {target}",
            )
            out.append((target, formula))
            continue
        # true/false set boolean state variables
        out.append((target, bool_or_formula(value, ctx, f"{what}: new value of {target}")))
    return tuple(out)
