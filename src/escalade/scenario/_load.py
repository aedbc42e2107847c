"""Load and check scenario files (language version 1).

Every mistake is reported as ``file:line:col: what was expected, what was
found``. The checks run in file order, so the first mistake in the file
is the one reported.

This module reads the file section by section; the parameters and the
tree have modules of their own (``_load_params``, ``_load_tree``), the
readers every section uses are in ``_checks``, and optional sections
(``dynamics:``, ``levers:``, ...) are taught to the loader through
:class:`SectionHook`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from escalade.errors import ScenarioError
from escalade.expr import Categorical, compile_expression
from escalade.scenario._checks import (
    CLAIM_ID,
    Context,
    bool_or_formula,
    check_keys,
    check_name,
    expect_map,
    expect_text,
    location,
    opt_text,
    req,
    suggest,
)

# The keys a file may use, readable beside _TOP_KEYS (the language reference lists them all).
from escalade.scenario._load_params import _DIST_KEYS as _DIST_KEYS
from escalade.scenario._load_params import _PARAM_KEYS as _PARAM_KEYS
from escalade.scenario._load_params import parse_parameters
from escalade.scenario._load_tree import (
    check_chance,
    check_graph,
    check_infosets,
    expand,
    parse_node,
)
from escalade.scenario._model import (
    Claim,
    Derived,
    NodeSpec,
    Outcome,
    Player,
    Scenario,
)
from escalade.scenario._params import Formula, ParameterSpace
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq, parse_yaml

__all__ = [
    "LANGUAGE_VERSION",
    "SectionHook",
    "load_scenario_text",
    "register_finalizer",
    "register_section",
]

#: The scenario language version this escalade reads.
LANGUAGE_VERSION = 1
_SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

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
# sections


def _parse_claims(node: YNode, ctx: Context) -> None:
    m = expect_map(node, "claims")
    for key, value in m.items:
        cid = check_name(key, "claim id", CLAIM_ID)
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
                        f"unknown player {pk!r}{suggest(pk, ctx.players)}; players: "
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
        space = parse_parameters(req(root, "parameters"), ctx)
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
            named[check_name(node_key, "node name")] = parse_node(value, ctx, node_key.raw)
    tree = parse_node(req(root, "tree"), ctx, "tree")
    check_graph(tree, named)
    expanded = expand(tree, named)
    check_infosets(expanded)
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
    """Read a file's bytes, at most the size limit, turning OS errors into :class:`ScenarioError`.

    The limit is held while reading, not only by the size the file system
    reports: a device such as ``/dev/zero``, or a pipe, has no size and
    would otherwise be read until memory runs out.
    """
    from escalade.scenario._yaml import MAX_FILE_BYTES

    if not shown.strip():
        raise ScenarioError("expected a file name or a bundled scenario's name, found ''")
    try:
        if path.is_dir():
            raise ScenarioError("expected a file, found a folder", file=shown)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}", file=shown
            )
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=shown) from None
    except PermissionError:
        raise ScenarioError("cannot read the file: permission denied", file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", file=shown) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"expected a file of at most {MAX_FILE_BYTES:,} bytes, found more (reading stopped "
            "there; this is not a regular file, but a device or a pipe that goes on)",
            file=shown,
        )
    return data
