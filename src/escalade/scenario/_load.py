"""Load and check scenario files (language version 1).

Every mistake is reported as ``file:line:col: what was expected, what was
found``. The checks run in file order, so the first mistake in the file
is the one reported.
"""

from __future__ import annotations

import difflib
import hashlib
import keyword
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from escalade.errors import ExpressionError, ScenarioError
from escalade.expr import FUNCTIONS, Categorical, compile_expression
from escalade.scenario._distributions import (
    Beta,
    CategoricalDist,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from escalade.scenario._model import (
    ChanceSpec,
    Claim,
    DecisionSpec,
    Derived,
    GotoSpec,
    LeafSpec,
    NodeSpec,
    Outcome,
    Player,
    Scenario,
    TreeNode,
)
from escalade.scenario._params import Formula, Location, Parameter, ParameterSpace
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq, parse_yaml

__all__ = [
    "LANGUAGE_VERSION",
    "MAX_NODES",
    "SectionHook",
    "bool_or_formula",
    "check_chance",
    "error_at",
    "load_scenario_text",
    "register_finalizer",
    "register_section",
]

#: The scenario language version this escalade reads.
LANGUAGE_VERSION = 1
#: Most nodes a scenario's expanded tree may have.
MAX_NODES = 200_000
_MAX_NAME = 64
_PROB_TOL = 1e-9

_SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLAIM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_RESERVED = set(keyword.kwlist) | set(FUNCTIONS) | {"True", "False", "None"}

_TOP_KEYS = (
    "escalade",
    "name",
    "title",
    "description",
    "references",
    "claims",
    "players",
    "parameters",
    "derived",
    "outcomes",
    "tree",
    "nodes",
)


@dataclass
class SectionHook:
    """An optional top-level section of the language (``dynamics``, ``levers``, ...).

    ``declare`` (optional) runs right after ``parameters:`` is read, so the
    names a section introduces (state variables, levers) can be used by
    ``derived:`` and by payoff expressions; ``parse`` runs once the tree is
    read and returns what lands in ``Scenario.extra[name]``. Both receive
    the section's located mapping (the loader checks that the section is
    one) and the :class:`Context`.
    """

    name: str
    parse: Callable[[YMap, Context], Any]
    order: int = 0
    declare: Callable[[YMap, Context], None] | None = None


_HOOKS: dict[str, SectionHook] = {}
_FINALIZERS: list[Callable[[dict[str, Any]], None]] = []


def register_section(hook: SectionHook) -> None:
    """Teach the loader a new optional top-level section.

    Parameters
    ----------
    hook : SectionHook
        Its name and its parser, which must raise :class:`ScenarioError`
        for mistakes.
    """
    _HOOKS[hook.name] = hook


def register_finalizer(finalize: Callable[[dict[str, Any]], None]) -> None:
    """Run ``finalize(extra)`` on the parsed sections before the scenario is built."""
    _FINALIZERS.append(finalize)


# ---------------------------------------------------------------------------
# small checkers


def _suggest(word: str, options: Any) -> str:
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
                f"unknown key {key!r} in {what}{_suggest(key, allowed)}; "
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
                cid = check_name(item, "claim id", _CLAIM_ID)
                if cid not in self.claims:
                    known = _listing(self.claims) if self.claims else "none (add a claims: section)"
                    raise item.error(
                        f"unknown claim {cid!r}{_suggest(cid, self.claims)}; claims: {known}"
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


# ---------------------------------------------------------------------------
# sections


def _parse_claims(node: YNode, ctx: Context) -> None:
    m = expect_map(node, "claims")
    for key, value in m.items:
        cid = check_name(key, "claim id", _CLAIM_ID)
        if isinstance(value, YScalar) and isinstance(value.value, str):
            ctx.claims[cid] = Claim(cid, value.value, "", location(key))
            continue
        vm = expect_map(value, f"claim {cid}")
        check_keys(vm, ("quote", "source"), f"claim {cid}", required=("quote",))
        quote = expect_text(req(vm, "quote"), f"quote of claim {cid}")
        source_node = vm.get("source")
        source = expect_text(source_node, f"source of claim {cid}") if source_node else ""
        ctx.claims[cid] = Claim(cid, quote, source, location(key))


def _parse_players(node: YNode, ctx: Context) -> tuple[Player, ...]:
    players: list[Player] = []
    if isinstance(node, YSeq):
        entries: list[tuple[YNode, YNode | None]] = [(item, None) for item in node.items]
    elif isinstance(node, YMap):
        entries = list(node.items)
    else:
        raise node.error(f"players must be a list or a mapping of names, found {node.kind}")
    seen: dict[str, YNode] = {}
    for name_node, spec in entries:
        name = check_name(name_node, "player name", reserved=True)
        if name in seen:
            raise name_node.error(
                f"duplicate player {name!r}; expected each player once (first given at "
                f"line {seen[name].line}, column {seen[name].col})"
            )
        seen[name] = name_node
        label = ""
        if isinstance(spec, YScalar) and isinstance(spec.value, str):
            label = spec.value
        elif spec is not None and not (isinstance(spec, YScalar) and spec.value is None):
            sm = expect_map(spec, f"player {name}")
            check_keys(sm, ("label", "note"), f"player {name}")
            label_node = sm.get("label")
            label = expect_text(label_node, "label") if label_node else ""
        players.append(Player(name, label, location(name_node)))
    if not players:
        raise node.error("players must name at least one player")
    ctx.players = tuple(p.name for p in players)
    return tuple(players)


_PARAM_KEYS = (
    "value",
    "low",
    "high",
    "dist",
    "a",
    "b",
    "mean",
    "sd",
    "median",
    "sigma",
    "mode",
    "choices",
    "weights",
    "claim",
    "claims",
    "note",
    "label",
    "unit",
)
_DIST_KEYS = {
    "uniform": ("low", "high"),
    "beta": ("a", "b", "low", "high"),
    "normal": ("mean", "sd", "low", "high"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
    "fixed": (),
    "categorical": ("choices", "weights"),
}
_DIST_PARAM_KEYS = {"low", "high", "a", "b", "mean", "sd", "median", "sigma", "mode", "weights"}


def _parse_parameter(name: str, key: YScalar, node: YNode, ctx: Context) -> Parameter:
    loc = location(key)
    if not isinstance(node, YMap):
        value = expect_number(node, f"parameter {name}")
        return Parameter(name, value, loc=loc)
    check_keys(node, _PARAM_KEYS, f"parameter {name}")
    claims = ctx.claims_of(node)
    note = opt_text(node, "note")
    label = opt_text(node, "label")
    if "unit" in node:
        expect_text(req(node, "unit"), "unit")

    def num(k: str) -> float:
        return expect_number(req(node, k), f"{k} of parameter {name}")

    if "choices" in node:
        return _parse_categorical(name, node, claims, note, label, loc)
    dist_node = node.get("dist")
    if dist_node is not None:
        dist_name = check_name(dist_node, "dist")
        if dist_name not in _DIST_KEYS or dist_name == "categorical":
            options = [k for k in _DIST_KEYS if k != "categorical"]
            raise dist_node.error(
                f"unknown distribution {dist_name!r}{_suggest(dist_name, options)}; "
                f"expected one of: {', '.join(options)} (categorical parameters use choices:)"
            )
    else:
        dist_name = "uniform" if ("low" in node or "high" in node) else "fixed"
    allowed = _DIST_KEYS[dist_name]
    for k in node:
        if k in _DIST_PARAM_KEYS and k not in allowed:
            users = [d for d, keys in _DIST_KEYS.items() if k in keys]
            raise node.key_node(k).error(
                f"{k!r} does not apply to dist: {dist_name} (it is used by {', '.join(users)})"
            )
    if "value" not in node:
        raise node.error(f"parameter {name} needs a nominal value (value: ...)")
    value = num("value")
    dist: Distribution | None
    try:
        dist = _make_dist(dist_name, node, num, value)
    except _DistError as exc:
        raise (node.key_node(exc.key) if exc.key in node else node).error(
            f"parameter {name}: {exc.message}"
        ) from None
    if dist is not None and not dist.contains(value):
        raise node.key_node("value").error(
            f"parameter {name}: nominal value {value:g} lies outside {dist.describe()}"
        )
    return Parameter(name, value, dist, None, claims, note, label, loc)


class _DistError(Exception):
    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message


def _make_dist(
    kind: str, node: YMap, num: Callable[[str], float], value: float
) -> Distribution | None:
    def need(k: str) -> float:
        if k not in node:
            raise _DistError("dist", f"dist: {kind} needs {k!r}")
        return num(k)

    def ordered(lo: float, hi: float) -> None:
        if not lo < hi:
            raise _DistError("high", f"low must be below high, found low={lo:g}, high={hi:g}")

    if kind == "fixed":
        return None
    if kind == "uniform":
        lo, hi = need("low"), need("high")
        ordered(lo, hi)
        return Uniform(lo, hi)
    if kind == "beta":
        a, b = need("a"), need("b")
        if a <= 0 or b <= 0:
            raise _DistError(
                "a" if a <= 0 else "b", f"beta needs a > 0 and b > 0, found a={a:g}, b={b:g}"
            )
        lo = num("low") if "low" in node else 0.0
        hi = num("high") if "high" in node else 1.0
        ordered(lo, hi)
        return Beta(a, b, lo, hi)
    if kind == "normal":
        sd = need("sd")
        if sd <= 0:
            raise _DistError("sd", f"sd must be positive, found {sd:g}")
        mean = num("mean") if "mean" in node else value
        lo = num("low") if "low" in node else -math.inf
        hi = num("high") if "high" in node else math.inf
        ordered(lo, hi)
        return Normal(mean, sd, lo, hi)
    if kind == "lognormal":
        sigma = need("sigma")
        median = num("median") if "median" in node else value
        if sigma <= 0:
            raise _DistError("sigma", f"sigma must be positive, found {sigma:g}")
        if median <= 0:
            raise _DistError("median", f"median must be positive, found {median:g}")
        return LogNormal(median, sigma)
    if kind == "triangular":
        lo, hi = need("low"), need("high")
        mode = num("mode") if "mode" in node else value
        ordered(lo, hi)
        if not lo <= mode <= hi:
            raise _DistError("mode", f"mode {mode:g} must lie in [{lo:g}, {hi:g}]")
        return Triangular(lo, mode, hi)
    raise _DistError("dist", f"unknown distribution {kind!r}")  # pragma: no cover


def _parse_categorical(
    name: str, node: YMap, claims: tuple[str, ...], note: str, label: str, loc: Location
) -> Parameter:
    for k in node:
        if k in _DIST_PARAM_KEYS - {"weights"} or k == "dist":
            raise node.key_node(k).error(
                f"{k!r} does not apply to categorical parameter {name} (it has choices:)"
            )
    choices_node = node.get("choices")
    if not isinstance(choices_node, YSeq) or not choices_node.items:
        raise (choices_node or node).error(
            f"choices of parameter {name} must be a non-empty list of names"
        )
    choices: list[str] = []
    for item in choices_node.items:
        choice = check_name(item, "choice")
        if choice in choices:
            raise item.error(f"duplicate choice {choice!r}; expected each choice once")
        choices.append(choice)
    weights_node = node.get("weights")
    if weights_node is None:
        weights = [1.0 / len(choices)] * len(choices)
    else:
        if not isinstance(weights_node, YSeq) or len(weights_node.items) != len(choices):
            raise weights_node.error(
                f"weights of parameter {name} must be a list of {len(choices)} numbers, "
                "one per choice"
            )
        weights = [expect_number(w, "weight") for w in weights_node.items]
        for w, wn in zip(weights, weights_node.items, strict=True):
            if w < 0:
                raise wn.error(f"weights of parameter {name} must be 0 or more, found {w:g}")
        if abs(sum(weights) - 1.0) > 1e-6:
            raise weights_node.error(
                f"weights of parameter {name} must sum to 1, found a sum of {sum(weights):.6g}"
            )
    value_node = node.get("value")
    if value_node is None:
        nominal = choices[0]
    else:
        # choices are read as written (yes/no stay names), so the value is too
        nominal = value_node.raw if isinstance(value_node, YScalar) else ""
        if not isinstance(value_node, YScalar) or nominal not in choices:
            found = (
                repr(nominal)
                if isinstance(value_node, YScalar) and isinstance(value_node.value, str)
                else value_node.kind
            )
            raise value_node.error(
                f"nominal value of categorical parameter {name} must be one of its choices "
                f"{choices}, found {found}"
            )
    uncertain = len(choices) > 1 and sum(w > 0 for w in weights) > 1
    dist = CategoricalDist(tuple(choices), tuple(weights)) if uncertain else None
    return Parameter(
        name, float(choices.index(nominal)), dist, tuple(choices), claims, note, label, loc
    )


def _parse_parameters(node: YNode, ctx: Context) -> ParameterSpace:
    m = expect_map(node, "parameters")
    params = []
    for key, value in m.items:
        name = check_name(key, "parameter name", reserved=True)
        p = _parse_parameter(name, key, value, ctx)
        params.append(p)
        ctx.kinds[name] = p.kind
        ctx.defined_at[name] = key.line
    return ParameterSpace(tuple(params))


def _parse_derived(node: YNode, ctx: Context) -> tuple[Derived, ...]:
    m = expect_map(node, "derived")
    for key, _ in m.items:
        ctx.later[key.raw] = key.line
    out = []
    for key, value in m.items:
        name = check_name(key, "derived name", reserved=True)
        if name in ctx.defined_at:
            raise key.error(
                f"{name!r} is already defined (line {ctx.defined_at[name]}); "
                "derived names must differ from parameters and each other"
            )
        ctx.later.pop(name, None)
        claims: tuple[str, ...] = ()
        note = ""
        expr_node: YNode = value
        if isinstance(value, YMap):
            check_keys(
                value,
                ("expr", "claim", "claims", "note", "label"),
                f"derived {name}",
                required=("expr",),
            )
            expr_node = req(value, "expr")
            claims = ctx.claims_of(value)
            note = opt_text(value, "note")
        formula = ctx.formula(expr_node, f"derived {name}")
        out.append(Derived(name, formula, claims, note, location(key)))
        ctx.kinds[name] = "number"
        ctx.defined_at[name] = key.line
    return tuple(out)


def _parse_outcomes(node: YNode, ctx: Context) -> tuple[Outcome, ...]:
    m = expect_map(node, "outcomes")
    if not m.items:
        raise m.error("outcomes must define at least one outcome")
    out = []
    for key, value in m.items:
        name = check_name(key, "outcome name")
        what = f"outcome {name}"
        vm = expect_map(value, what)
        check_keys(
            vm,
            ("payoffs", "label", "claim", "claims", "note", "then", "end"),
            what,
            required=("payoffs",),
        )
        pay = vm.get("payoffs")
        formulas: list[Formula] = []
        if isinstance(pay, YSeq):
            if len(pay.items) != len(ctx.players):
                raise pay.error(
                    f"payoffs of {name} list {len(pay.items)} values; expected one per player "
                    f"({', '.join(ctx.players)})"
                )
            formulas = [
                ctx.formula(item, f"payoff of {pl} at {name}")
                for pl, item in zip(ctx.players, pay.items, strict=True)
            ]
        else:
            pm = expect_map(req(vm, "payoffs"), f"payoffs of {name}")
            for pk in pm:
                if pk not in ctx.players:
                    raise pm.key_node(pk).error(
                        f"unknown player {pk!r}{_suggest(pk, ctx.players)}; players: "
                        f"{', '.join(ctx.players)}"
                    )
            missing = [pl for pl in ctx.players if pl not in pm]
            if missing:
                raise pm.error(f"payoffs of {name} are missing for {', '.join(missing)}")
            formulas = [ctx.formula(req(pm, pl), f"payoff of {pl} at {name}") for pl in ctx.players]
        label = opt_text(vm, "label")
        note = opt_text(vm, "note")
        then, end = _parse_effects(vm, ctx, what)
        outcome = Outcome(
            name, tuple(formulas), label, ctx.claims_of(vm), note, location(key), then, end
        )
        ctx.outcomes[name] = outcome
        out.append(outcome)
    return tuple(out)


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
                f"{what}: unknown state variable {target!r}{_suggest(target, ctx.state_names)}; "
                f"state variables: {', '.join(ctx.state_names)}"
            )
        # true/false set boolean state variables
        out.append((target, bool_or_formula(value, ctx, f"{what}: new value of {target}")))
    return tuple(out)


def bool_or_formula(node: YNode, ctx: Context, what: str) -> Formula:
    """An expression, or ``true``/``false`` as the constant 1 or 0."""
    if isinstance(node, YScalar) and isinstance(node.value, bool):
        return Formula(compile_expression(1.0 if node.value else 0.0), location(node), what)
    return ctx.formula(node, what)


def _parse_effects(
    vm: YMap, ctx: Context, what: str
) -> tuple[tuple[tuple[str, Formula], ...], bool]:
    then = parse_assignments(req(vm, "then"), ctx, what) if "then" in vm else ()
    end = False
    if "end" in vm:
        end_node = req(vm, "end")
        if not isinstance(end_node, YScalar) or not isinstance(end_node.value, bool):
            raise end_node.error(f"end: of {what} must be true or false, found {end_node.kind}")
        end = end_node.value
        if end and "dynamics" not in ctx.sections:
            raise end_node.error(
                f"{what}: end: true ends a run of the dynamics, and this scenario has no "
                "dynamics: section"
            )
    return then, end


_NODE_HELP = (
    "an outcome name, {goto: NODE}, a decision node {player: ..., actions: {...}} "
    "or a chance node {chance: {...}, actions: {...}}"
)


def _parse_node(node: YNode, ctx: Context, where: str) -> NodeSpec:
    if isinstance(node, YScalar):
        if not isinstance(node.value, str):
            raise node.error(f"{where}: expected {_NODE_HELP}, found {node.kind}")
        name = node.raw
        if name not in ctx.outcomes:
            raise node.error(
                f"{where}: unknown outcome {name!r}{_suggest(name, ctx.outcomes)}; "
                f"outcomes: {_listing(ctx.outcomes)}"
            )
        return LeafSpec(name, location(node))
    if not isinstance(node, YMap):
        raise node.error(f"{where}: expected {_NODE_HELP}, found {node.kind}")
    if "goto" in node:
        check_keys(node, ("goto",), f"{where} (a goto)")
        target_node = req(node, "goto")
        return GotoSpec(check_name(target_node, "goto target"), location(target_node))
    if "player" in node:
        return _parse_decision(node, ctx, where)
    if "chance" in node:
        return _parse_chance(node, ctx, where)
    raise node.error(
        f"{where}: expected {_NODE_HELP}, found a mapping with keys "
        f"{', '.join(node.keys()) or '(none)'}"
    )


def _action_map(node: YMap, where: str) -> YMap:
    actions = node.get("actions")
    if actions is None:
        raise node.error(f"{where} has no actions:")
    am = expect_map(actions, f"actions of {where}")
    if not am.items:
        raise am.error(f"{where} must offer at least one action")
    for key, _ in am.items:
        check_name(key, "action name")
    return am


def _parse_decision(node: YMap, ctx: Context, where: str) -> DecisionSpec:
    check_keys(
        node,
        ("player", "actions", "infoset", "label", "claim", "claims", "note"),
        f"decision node {where}",
        required=("player", "actions"),
    )
    pnode = req(node, "player")
    player = check_name(pnode, "player")
    if player not in ctx.players:
        raise pnode.error(
            f"unknown player {player!r}{_suggest(player, ctx.players)}; players: "
            f"{', '.join(ctx.players)}"
        )
    infoset = check_name(req(node, "infoset"), "infoset name") if "infoset" in node else None
    label = opt_text(node, "label")
    note = opt_text(node, "note")
    am = _action_map(node, f"decision node {where}")
    actions = tuple(
        (key.raw, _parse_node(child, ctx, f"{where}/{key.raw}")) for key, child in am.items
    )
    return DecisionSpec(player, actions, infoset, label, ctx.claims_of(node), note, location(node))


def _parse_chance(node: YMap, ctx: Context, where: str) -> ChanceSpec:
    check_keys(
        node,
        ("chance", "actions", "label", "claim", "claims", "note"),
        f"chance node {where}",
        required=("chance", "actions"),
    )
    pm = expect_map(req(node, "chance"), f"chance probabilities of {where}")
    am = _action_map(node, f"chance node {where}")
    for branch in pm:
        if branch not in am:
            raise pm.key_node(branch).error(
                f"chance branch {branch!r} has a probability but no subtree under actions:"
            )
    for branch in am:
        if branch not in pm:
            raise am.key_node(branch).error(
                f"chance branch {branch!r} has a subtree but no probability under chance:"
            )
    branches = []
    for key, child in am.items:
        prob_node = req(pm, key.raw)
        formula = ctx.formula(prob_node, f"probability of {where}/{key.raw}")
        if not formula.expr.names:
            p = float(formula.expr.evaluate({}, n_draws=1)[0])
            if not 0.0 <= p <= 1.0:
                raise prob_node.error(
                    f"expected a chance probability of {where}/{key.raw} in [0, 1], found {p:g}"
                )
        branches.append((key.raw, formula, _parse_node(child, ctx, f"{where}/{key.raw}")))
    label = opt_text(node, "label")
    note = opt_text(node, "note")
    spec = ChanceSpec(tuple(branches), label, ctx.claims_of(node), note, location(node))
    if all(not f.expr.names for _, f, _ in branches):
        total = sum(float(f.expr.evaluate({}, n_draws=1)[0]) for _, f, _ in branches)
        if abs(total - 1.0) > _PROB_TOL:
            raise pm.error(
                f"expected chance probabilities at {where} that sum to 1, found a sum of "
                f"{total:.10g}"
            )
    return spec


def _children(spec: NodeSpec) -> list[NodeSpec]:
    if isinstance(spec, DecisionSpec):
        return [child for _, child in spec.actions]
    if isinstance(spec, ChanceSpec):
        return [child for _, _, child in spec.actions]
    return []


def _gotos(spec: NodeSpec) -> list[GotoSpec]:
    if isinstance(spec, GotoSpec):
        return [spec]
    return [g for child in _children(spec) for g in _gotos(child)]


def _check_graph(tree: NodeSpec, nodes: Mapping[str, NodeSpec]) -> None:
    """Unknown goto targets, goto cycles, and trees too large once unfolded."""
    for spec in [tree, *nodes.values()]:
        for g in _gotos(spec):
            if g.target not in nodes:
                raise error_at(
                    g.loc,
                    f"goto to unknown node {g.target!r}"
                    f"{_suggest(g.target, nodes)}; nodes: {_listing(nodes)}",
                )
    # Each named node's own nodes (gotos excluded) and its gotos in file order; the
    # walk below is iterative so that a long chain of gotos cannot exhaust the stack.
    own = {name: _own_size(spec) for name, spec in nodes.items()}
    calls = {name: _gotos(spec) for name, spec in nodes.items()}
    size: dict[str, int] = {}
    on_path: dict[str, int] = {}
    path: list[str] = []
    root_gotos = _gotos(tree)

    def unfolded(start: GotoSpec) -> int:
        if start.target in size:
            return size[start.target]
        stack: list[tuple[str, int]] = [(start.target, 0)]
        on_path[start.target] = 0
        path.append(start.target)
        while stack:
            name, i = stack[-1]
            goto_list = calls[name]
            if i < len(goto_list):
                stack[-1] = (name, i + 1)
                g = goto_list[i]
                if g.target in on_path:
                    cycle = " -> ".join((*path[on_path[g.target] :], g.target))
                    raise error_at(g.loc, f"goto cycle: {cycle}")
                if g.target not in size:
                    on_path[g.target] = len(path)
                    path.append(g.target)
                    stack.append((g.target, 0))
                continue
            total = own[name] + sum(size[g.target] for g in goto_list)
            size[name] = min(total, MAX_NODES + 1)
            stack.pop()
            path.pop()
            del on_path[name]
        return size[start.target]

    total = _own_size(tree) + sum(unfolded(g) for g in root_gotos)
    if total > MAX_NODES:
        raise error_at(
            getattr(tree, "loc", None) or (root_gotos[0].loc if root_gotos else None),
            f"the tree has more than {MAX_NODES:,} nodes once every goto is unfolded; "
            "expected a tree of at most that size (a chain of nodes that each go to the "
            "next node twice doubles at every step)",
        )


def _own_size(spec: NodeSpec) -> int:
    """Nodes written inline in ``spec``, not counting what its gotos lead to."""
    if isinstance(spec, GotoSpec):
        return 0
    return 1 + sum(_own_size(child) for child in _children(spec))


def _listing(names: Any, limit: int = 12) -> str:
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


def _expand(tree: NodeSpec, nodes: Mapping[str, NodeSpec]) -> tuple[TreeNode, ...]:
    """Unfold gotos breadth-first; children of a node get consecutive indices."""
    queue: list[tuple[NodeSpec, int, str, tuple[str, ...], tuple[str, ...]]] = [
        (tree, -1, "", (), ())
    ]
    out: list[TreeNode] = []
    head = 0
    while head < len(queue):
        spec, parent, action, path, via = queue[head]
        index = head
        head += 1
        while isinstance(spec, GotoSpec):
            via = (*via, spec.target)
            spec = nodes[spec.target]
        first = len(queue)
        if isinstance(spec, LeafSpec):
            out.append(
                TreeNode(
                    "terminal", parent, action, path, outcome=spec.outcome, via=via, loc=spec.loc
                )
            )
            continue
        if isinstance(spec, DecisionSpec):
            names = tuple(a for a, _ in spec.actions)
            for a, child in spec.actions:
                queue.append((child, index, a, (*path, a), via))
            out.append(
                TreeNode(
                    "decision",
                    parent,
                    action,
                    path,
                    children=tuple(range(first, len(queue))),
                    actions=names,
                    player=spec.player,
                    infoset=spec.infoset,
                    label=spec.label,
                    claims=spec.claims,
                    via=via,
                    loc=spec.loc,
                )
            )
            continue
        if isinstance(spec, ChanceSpec):
            names = tuple(a for a, _, _ in spec.actions)
            for a, _, child in spec.actions:
                queue.append((child, index, a, (*path, a), via))
            out.append(
                TreeNode(
                    "chance",
                    parent,
                    action,
                    path,
                    children=tuple(range(first, len(queue))),
                    actions=names,
                    probs=tuple(f for _, f, _ in spec.actions),
                    label=spec.label,
                    claims=spec.claims,
                    via=via,
                    loc=spec.loc,
                )
            )
    return tuple(out)


def _check_infosets(expanded: tuple[TreeNode, ...]) -> None:
    first: dict[str, TreeNode] = {}
    for node in expanded:
        if node.kind != "decision" or node.infoset is None:
            continue
        seen = first.setdefault(node.infoset, node)
        if seen is node:
            continue
        where = f" ({seen.loc})" if seen.loc else ""
        if node.player != seen.player:
            raise error_at(
                node.loc,
                f"information set {node.infoset!r} mixes players: "
                f"{node.player} here, {seen.player} at its first node{where}",
            )
        if set(node.actions) != set(seen.actions) or len(node.actions) != len(seen.actions):
            raise error_at(
                node.loc,
                f"nodes of information set {node.infoset!r} must offer the "
                f"same actions: {list(node.actions)} here, {list(seen.actions)} at its "
                f"first node{where}",
            )


def check_chance(probs: np.ndarray, node: TreeNode, describe: Callable[[int], str]) -> None:
    """Check chance probabilities of one node over a batch of draws.

    Parameters
    ----------
    probs : ndarray of shape (n_draws, n_branches)
    node : TreeNode
        The chance node (for its location and branch names).
    describe : callable
        ``describe(draw)`` gives the draw's parameter values for the message.

    Raises
    ------
    ScenarioError
        If any probability lies outside [0, 1] or a draw's probabilities do
        not sum to 1 (within 1e-9).
    """
    where = "/".join(node.path) or "root"
    bad = (probs < -_PROB_TOL) | (probs > 1 + _PROB_TOL)
    if bad.any():
        d, j = (int(i) for i in np.argwhere(bad)[0])
        raise error_at(
            node.probs[j].loc,
            f"chance probability of {where}/{node.actions[j]} is {probs[d, j]:.6g}, outside "
            f"[0, 1], in draw {d} ({describe(d)})",
        )
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1.0) > _PROB_TOL
    if off.any():
        d = int(np.flatnonzero(off)[0])
        raise error_at(
            node.loc,
            f"chance probabilities at {where} sum to {sums[d]:.10g}, not 1, in draw {d} "
            f"({describe(d)})",
        )


def _validate_nominal(scenario: Scenario) -> None:
    draws = scenario.parameters.nominal()
    env = scenario.environment(draws)
    for outcome in scenario.outcomes:
        for f in outcome.payoffs:
            f.evaluate(env, n_draws=1)
    for node in scenario.expanded:
        if node.kind == "chance" and any(f.expr.names for f in node.probs):
            probs = np.stack([f.evaluate(env, n_draws=1) for f in node.probs], axis=1)
            used = sorted(set().union(*(f.expr.names for f in node.probs)))
            values = ", ".join(
                f"{n}={scenario.parameters[n].format_value(float(env[n][0]))}"
                if n in scenario.parameters
                else f"{n}={float(env[n][0]):.6g}"
                for n in used
            )
            check_chance(probs, node, _fixed_description(f"nominal values: {values}"))


def _fixed_description(text: str) -> Callable[[int], str]:
    def describe(draw: int) -> str:
        return text

    return describe


def load_scenario_text(data: bytes | str, file: str = "<scenario>") -> Scenario:
    """Parse and check scenario text.

    Parameters
    ----------
    data : bytes or str
        The YAML text.
    file : str
        Name used in error messages.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        For any mistake, at its ``file:line:col``.

    Examples
    --------
    >>> text = '''
    ... escalade: 1
    ... name: tiny
    ... players: [A, B]
    ... outcomes:
    ...   quiet: {payoffs: {A: 0, B: 0}}
    ...   war: {payoffs: {A: -1, B: -2}}
    ... tree: {player: A, actions: {wait: quiet, attack: war}}
    ... '''
    >>> load_scenario_text(text).outcome_names
    ('quiet', 'war')
    """
    root = parse_yaml(data, file)
    if not isinstance(root, YMap):
        raise root.error(f"a scenario must be a mapping of sections, found {root.kind}")
    allowed = _TOP_KEYS + tuple(sorted(_HOOKS))
    check_keys(root, allowed, "the scenario", required=("escalade",))
    version_node = req(root, "escalade")
    if (
        not isinstance(version_node, YScalar)
        or isinstance(version_node.value, bool)
        or not isinstance(version_node.value, int)
    ):
        raise version_node.error(
            f"escalade: must be the language version number ({LANGUAGE_VERSION}), found "
            f"{version_node.kind}"
        )
    if version_node.value != LANGUAGE_VERSION:
        raise version_node.error(
            f"unsupported scenario language version {version_node.value}; this escalade reads "
            f"version {LANGUAGE_VERSION}"
        )
    for key in ("name", "players", "outcomes", "tree"):
        if key not in root:
            raise root.error(f"the scenario is missing the required key {key!r}")
    name = check_name(req(root, "name"), "scenario name", _SCENARIO_NAME)
    ctx = Context(file)
    title = opt_text(root, "title")
    description = opt_text(root, "description")
    references: tuple[str, ...] = ()
    refs = root.get("references")
    if refs is not None:
        if not isinstance(refs, YSeq):
            raise refs.error(f"references must be a list of texts, found {refs.kind}")
        references = tuple(expect_text(r, "reference") for r in refs.items)
    if "claims" in root:
        _parse_claims(req(root, "claims"), ctx)
    players = _parse_players(req(root, "players"), ctx)
    space = ParameterSpace()
    if "parameters" in root:
        space = _parse_parameters(req(root, "parameters"), ctx)
    ctx.sections = tuple(k for k in root if k in _HOOKS)
    hooks = sorted((h for h in _HOOKS.values() if h.name in root), key=lambda h: h.order)
    for hook in hooks:
        if hook.declare is not None:
            hook.declare(expect_map(req(root, hook.name), hook.name), ctx)
    derived = _parse_derived(req(root, "derived"), ctx) if "derived" in root else ()
    outcomes = _parse_outcomes(req(root, "outcomes"), ctx)
    named: dict[str, NodeSpec] = {}
    if "nodes" in root:
        for node_key, value in expect_map(req(root, "nodes"), "nodes").items:
            named[check_name(node_key, "node name")] = _parse_node(value, ctx, node_key.raw)
    tree = _parse_node(req(root, "tree"), ctx, "tree")
    _check_graph(tree, named)
    expanded = _expand(tree, named)
    _check_infosets(expanded)
    ctx.expanded = expanded
    extra: dict[str, Any] = {}
    for hook in hooks:
        extra[hook.name] = hook.parse(expect_map(req(root, hook.name), hook.name), ctx)
    for finalize in _FINALIZERS:
        finalize(extra)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    scenario = Scenario(
        name=name,
        players=players,
        parameters=space,
        derived=derived,
        outcomes=outcomes,
        tree=tree,
        nodes=named,
        title=title,
        description=description,
        references=references,
        claims=dict(ctx.claims),
        version=LANGUAGE_VERSION,
        source=file,
        text_hash=hashlib.sha256(raw).hexdigest(),
        text=raw,
        expanded=expanded,
        extra=extra,
    )
    _validate_nominal(scenario)
    return scenario


def read_file(path: Path, shown: str) -> bytes:
    """Read a file's bytes, turning OS errors into :class:`ScenarioError`."""
    if not shown.strip():
        raise ScenarioError("expected a file name or a bundled scenario's name, found ''")
    try:
        if path.is_dir():
            raise ScenarioError("expected a file, found a folder", file=shown)
        size = path.stat().st_size
        from escalade.scenario._yaml import MAX_FILE_BYTES

        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", file=shown
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=shown) from None
    except PermissionError:
        raise ScenarioError("cannot read the file: permission denied", file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", file=shown) from None
