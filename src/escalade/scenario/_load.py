"""Load and check scenario files (language version 1).

Every mistake is reported as ``file:line:col: what was expected, what was
found``. The checks run in file order, so the first mistake in the file
is the one reported.

This module reads the file section by section, in a fixed order, because
later sections use names the earlier ones define:

1. ``escalade``, ``name``, ``title``, ``description``, ``references``,
   ``claims``, ``players``, ``parameters``;
2. the names the optional sections introduce, so that every expression
   from ``derived:`` on can use them: the state variables and ``period``
   of ``dynamics:``, then the lever names of ``levers:``;
3. ``derived``, ``utility`` (players' curves over their payoffs),
   ``outcomes``, ``nodes`` and ``tree`` (unfolded and its information
   sets checked);
4. the optional sections themselves: ``dynamics`` (its events and
   indicators name outcomes), ``levers`` (effects may replace derived
   values), ``policies`` (they set levers and force choices at the tree's
   information sets), ``question`` (it names policies and indicators),
   ``expectations``, ``audit`` and ``estimation`` (it names the tree's
   actions and outcomes);
5. the checks across sections (a switch lever set half-way by a policy,
   the question's policies and indicators), then every expression at the
   nominal values.

The parameters, the tree and each optional section have modules of their
own (``_load_params``, ``_load_tree``, ``_load_dynamics``, ``_levers``,
``_policies``, ``_question``, ``_load_estimation``); the readers every section uses are in
``_checks``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from escalade.errors import ScenarioError
from escalade.scenario._accept import check_acceptances, parse_audit_section
from escalade.scenario._checks import (
    CLAIM_ID,
    Context,
    check_keys,
    check_name,
    expect_map,
    expect_text,
    location,
    opt_text,
    parse_assignments,
    req,
    suggest,
)
from escalade.scenario._dynamics import Dynamics
from escalade.scenario._expectations import parse_expectations
from escalade.scenario._levers import Lever, declare_levers, parse_levers
from escalade.scenario._load_dynamics import declare_dynamics, parse_dynamics
from escalade.scenario._load_estimation import parse_estimation

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
    TreeNode,
)
from escalade.scenario._params import Formula, ParameterSpace
from escalade.scenario._policies import Policy, check_switches, parse_policies
from escalade.scenario._question import Question, check_question, parse_question
from escalade.scenario._scenario import Scenario
from escalade.scenario._utility import parse_utility
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq, parse_yaml

__all__ = ["LANGUAGE_VERSION", "load_scenario_text"]

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
    "utility",
    "outcomes",
    "tree",
    "nodes",
)
#: The optional sections, in the order they are read: a crisis over time, what its results
#: should show, which audit findings the author accepts, and how the payoffs meet data.
_SECTION_KEYS = (
    "dynamics",
    "levers",
    "policies",
    "question",
    "expectations",
    "audit",
    "estimation",
)


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
    check_keys(root, _TOP_KEYS + _SECTION_KEYS, "the scenario", required=("escalade",))
    _check_version(req(root, "escalade"))
    for key in ("name", "players", "outcomes", "tree"):
        if key not in root:
            raise root.error(f"the scenario is missing the required key {key!r}")
    name = check_name(req(root, "name"), "scenario name", _SCENARIO_NAME)
    ctx = Context(file)
    title = opt_text(root, "title")
    description = opt_text(root, "description")
    references = _parse_references(root)
    if "claims" in root:
        _parse_claims(req(root, "claims"), ctx)
    players = _parse_players(req(root, "players"), ctx)
    space = ParameterSpace()
    if "parameters" in root:
        space = parse_parameters(req(root, "parameters"), ctx)
    ctx.sections = tuple(k for k in root if k in _SECTION_KEYS)
    if "dynamics" in root:
        declare_dynamics(_section(root, "dynamics"), ctx)
    if "levers" in root:
        declare_levers(_section(root, "levers"), ctx)
    derived = _parse_derived(req(root, "derived"), ctx) if "derived" in root else ()
    utility = parse_utility(req(root, "utility"), ctx) if "utility" in root else ()
    outcomes = _parse_outcomes(req(root, "outcomes"), ctx)
    tree, named = _parse_tree(root, ctx)
    dynamics, levers, policies, question = _parse_sections(root, ctx)
    expectations = (
        parse_expectations(_section(root, "expectations"), ctx, dynamics, policies)
        if "expectations" in root
        else ()
    )
    raw = data.encode("utf-8") if isinstance(data, str) else data
    scenario = Scenario(
        name=name,
        players=players,
        parameters=space,
        derived=derived,
        utility=utility,
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
        expanded=ctx.expanded,
        dynamics=dynamics,
        levers=levers,
        policies=policies,
        question=question,
        expectations=expectations,
        accepted=parse_audit_section(_section(root, "audit"), ctx) if "audit" in root else (),
        estimation=(
            parse_estimation(_section(root, "estimation"), ctx) if "estimation" in root else None
        ),
    )
    check_acceptances(scenario)
    _validate_nominal(scenario)
    return scenario


def _check_version(node: YNode) -> None:
    if (
        not isinstance(node, YScalar)
        or isinstance(node.value, bool)
        or not isinstance(node.value, int)
    ):
        raise node.error(
            f"escalade: must be the language version number ({LANGUAGE_VERSION}), found {node.kind}"
        )
    if node.value != LANGUAGE_VERSION:
        raise node.error(
            f"unsupported scenario language version {node.value}; this escalade reads "
            f"version {LANGUAGE_VERSION}"
        )


def _parse_references(root: YMap) -> tuple[str, ...]:
    refs = root.get("references")
    if refs is None:
        return ()
    if not isinstance(refs, YSeq):
        raise refs.error(f"references must be a list of texts, found {refs.kind}")
    return tuple(expect_text(r, "reference") for r in refs.items)


def _parse_tree(root: YMap, ctx: Context) -> tuple[NodeSpec, dict[str, NodeSpec]]:
    """The tree and the named nodes as written; the unfolded tree goes to ``ctx.expanded``."""
    named: dict[str, NodeSpec] = {}
    if "nodes" in root:
        for node_key, value in expect_map(req(root, "nodes"), "nodes").items:
            named[check_name(node_key, "node name")] = parse_node(value, ctx, node_key.raw)
    tree = parse_node(req(root, "tree"), ctx, "tree")
    check_graph(tree, named)
    expanded: tuple[TreeNode, ...] = expand(tree, named)
    check_infosets(expanded)
    ctx.expanded = expanded
    return tree, named


def _section(root: YMap, key: str) -> YMap:
    return expect_map(req(root, key), key)


def _parse_sections(
    root: YMap, ctx: Context
) -> tuple[Dynamics | None, tuple[Lever, ...], tuple[Policy, ...], Question | None]:
    """The optional sections, in this order, then the checks across them."""
    dynamics = parse_dynamics(_section(root, "dynamics"), ctx) if "dynamics" in root else None
    levers = parse_levers(_section(root, "levers"), ctx) if "levers" in root else ()
    policies = parse_policies(_section(root, "policies"), ctx) if "policies" in root else ()
    question = parse_question(_section(root, "question"), ctx) if "question" in root else None
    check_switches(policies, levers)
    if question is not None:
        check_question(question, policies, dynamics)
    return dynamics, levers, policies, question


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
