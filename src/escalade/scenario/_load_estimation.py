"""Read the ``estimation:`` section of a scenario file.

The section is read after the tree, since its ``actions:`` name actions
of the tree and its ``outcome: values:`` name outcomes. Parameter names
in ``utilities:`` are checked when the model is built (by
:mod:`escalade.estimation`), where the whole scenario is known.
"""

from __future__ import annotations

from escalade.scenario._checks import (
    Context,
    check_keys,
    expect_map,
    expect_number,
    expect_text,
    location,
    req,
    suggest,
)
from escalade.scenario._estimation import (
    ERRORS,
    LINKS,
    MODELS,
    EstimationSpec,
    LinearFormula,
    ScaleSpec,
    parse_linear_formula,
)
from escalade.scenario._model import TreeNode
from escalade.scenario._params import Location
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq

__all__ = ["parse_estimation"]

_KEYS = (
    "model",
    "data",
    "outcome",
    "actions",
    "utilities",
    "error",
    "link",
    "scale",
    "factors",
    "offer",
    "accept",
    "min_offer",
    "max_offer",
    "reservation",
)
#: Keys of the ultimatum model only, and of tree models only.
_ULTIMATUM_KEYS = ("offer", "accept", "min_offer", "max_offer", "reservation")
_TREE_KEYS = ("outcome", "actions")

Utilities = tuple[tuple[str, LinearFormula], ...]
NameLocations = tuple[tuple[str, Location], ...]


def parse_estimation(m: YMap, ctx: Context) -> EstimationSpec:
    """Read and check the ``estimation:`` section (the loader calls this after the tree).

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> load_scenario("egame12").estimation.actions
    (('esc', 'escalate'), ('war', 'fight'))
    """
    check_keys(m, _KEYS, "estimation")
    model = _choice(m, "model", MODELS, "tree")
    if model == "ultimatum":
        return _parse_ultimatum(m, ctx)
    for key in _ULTIMATUM_KEYS:
        if key in m:
            raise m.key_node(key).error(
                f"estimation: {key} belongs to model: ultimatum; this is a tree model"
            )
    error = _choice(m, "error", ERRORS, "agent")
    link = _choice(m, "link", LINKS, "probit")
    if error == "private" and link == "logit":
        raise req(m, "link").error(
            "estimation: the private-information model is defined with the probit link only "
            "(the shocks' weighted sums are normal); use link: probit or error: agent"
        )
    outcome, values, actions = _parse_observed(m, ctx)
    utilities, name_locs = _parse_utilities(m)
    return EstimationSpec(
        model=model,
        data=_data(m),
        outcome=outcome,
        outcome_values=values,
        actions=actions,
        utilities=utilities,
        error=error,
        link=link,
        scale=_parse_scale(req(m, "scale"), ctx) if "scale" in m else (("", ScaleSpec()),),
        factors=_parse_factors(m),
        loc=location(m),
        name_locs=name_locs,
    )


# ---------------------------------------------------------------------------
# what every model has


def _data(m: YMap) -> str | None:
    return expect_text(req(m, "data"), "estimation: data") if "data" in m else None


def _parse_factors(m: YMap) -> tuple[str, ...]:
    node = m.get("factors")
    if node is None:
        return ()
    if not isinstance(node, YSeq):
        raise node.error(f"estimation: factors must be a list of columns, found {node.kind}")
    return tuple(expect_text(i, "estimation: factors: column") for i in node.items)


def _formula(node: YNode, what: str) -> LinearFormula:
    if isinstance(node, YScalar) and not isinstance(node.value, bool):
        if isinstance(node.value, int) and node.value in (0, 1):
            return parse_linear_formula(node.value, location(node))
        if isinstance(node.value, str):
            return parse_linear_formula(node.value, location(node))
        if isinstance(node.value, int | float):
            raise node.error(
                f"{what}: a number other than 0 or 1 is not an equation; to fix the value at "
                f"{node.raw}, give the parameter that value under parameters: and leave it out "
                "of utilities:"
            )
    raise node.error(f"{what} must be a formula such as 'x1 + x2', '1' or '0', found {node.kind}")


def _parse_utilities(m: YMap) -> tuple[Utilities, NameLocations]:
    if "utilities" not in m:
        return (), ()
    node = expect_map(req(m, "utilities"), "estimation: utilities")
    out = []
    locs = []
    for key, value in node.items:
        out.append((str(key.raw), _formula(value, f"estimation: utilities: {key.raw}")))
        locs.append((str(key.raw), location(key)))
    return tuple(out), tuple(locs)


def _scale_one(node: YNode, what: str) -> ScaleSpec:
    loc = location(node)
    if isinstance(node, YScalar) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise node.error(
                f"{what} must be a number, 'estimated' or a formula, found {node.kind}"
            )
        value = expect_number(node, what)
        if value <= 0:
            raise node.error(f"{what} must be positive, found {node.raw}")
        return ScaleSpec(value, None, loc)
    text = expect_text(node, what)
    if text.strip() == "estimated":
        return ScaleSpec(1.0, parse_linear_formula("1", loc), loc)
    return ScaleSpec(1.0, parse_linear_formula(text, loc), loc)


def _player(key: YScalar, ctx: Context, what: str) -> str:
    """A key that must name a player."""
    if key.raw not in ctx.players:
        raise key.error(
            f"estimation: {what}: unknown player {key.raw!r}{suggest(key.raw, ctx.players)}; "
            f"players: {', '.join(ctx.players)}"
        )
    return str(key.raw)


def _parse_scale(node: YNode, ctx: Context) -> tuple[tuple[str, ScaleSpec], ...]:
    if isinstance(node, YMap):
        out = []
        for key, value in node.items:
            _player(key, ctx, "scale")
            out.append((key.raw, _scale_one(value, f"estimation: scale of {key.raw}")))
        if not out:
            raise node.error("estimation: scale: expected at least one player")
        return tuple(out)
    return (("", _scale_one(node, "estimation: scale")),)


def _choice(node: YMap, key: str, options: tuple[str, ...], default: str) -> str:
    value = node.get(key)
    if value is None:
        return default
    text = expect_text(value, f"estimation: {key}")
    if text not in options:
        raise value.error(
            f"estimation: {key} must be one of {', '.join(options)}, found {text!r}"
            f"{suggest(text, options)}"
        )
    return text


def _column(node: YMap, key: str) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, YScalar) or value.value is None or isinstance(value.value, bool):
        raise value.error(f"estimation: {key} must name a data column, found {value.kind}")
    return str(value.raw)


# ---------------------------------------------------------------------------
# tree models: what was observed


def _parse_observed(
    m: YMap, ctx: Context
) -> tuple[str | None, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """``(outcome column, its values, action columns)``: exactly one of the two ways."""
    has_outcome, has_actions = "outcome" in m, "actions" in m
    if has_outcome == has_actions:
        raise m.error(
            "estimation: expected exactly one of outcome: (a column naming the outcome) and "
            "actions: (0/1 columns recording the moves), found "
            + ("both" if has_outcome else "neither")
        )
    if has_outcome:
        outcome, values = _parse_outcome(req(m, "outcome"), ctx)
        return outcome, values, ()
    return None, (), _parse_actions(req(m, "actions"), ctx)


def _parse_outcome(node: YNode, ctx: Context) -> tuple[str, tuple[tuple[str, str], ...]]:
    if not isinstance(node, YMap):
        if not isinstance(node, YScalar) or node.value is None:
            raise node.error(f"estimation: outcome must name a data column, found {node.kind}")
        return str(node.raw), ()
    check_keys(node, ("column", "values"), "estimation: outcome", required=("column",))
    column = _column(node, "column") or ""
    values: list[tuple[str, str]] = []
    vnode = node.get("values")
    if vnode is not None:
        vm = expect_map(vnode, "estimation: outcome: values")
        for key, value in vm.items:
            name = expect_text(value, f"outcome for the value {key.raw!r}")
            if name not in ctx.outcomes:
                raise value.error(
                    f"estimation: outcome: values: unknown outcome {name!r}"
                    f"{suggest(name, ctx.outcomes)}; outcomes: {', '.join(ctx.outcomes)}"
                )
            values.append((str(key.raw), name))
    return column, tuple(values)


def _where(node: TreeNode) -> str:
    return "/".join(node.path) or "the root"


def _parse_actions(node: YNode, ctx: Context) -> tuple[tuple[str, str], ...]:
    m = expect_map(node, "estimation: actions")
    covered: dict[int, str] = {}
    out: list[tuple[str, str]] = []
    for key, value in m.items:
        action = expect_text(value, f"estimation: actions: action recorded by {key.raw!r}")
        for i in _nodes_with(action, value, ctx):
            n = ctx.expanded[i]
            if i in covered:
                raise value.error(
                    f"estimation: actions: the choice at {_where(n)} is already recorded by the "
                    f"column {covered[i]!r}"
                )
            covered[i] = str(key.raw)
        out.append((str(key.raw), action))
    for i, n in enumerate(ctx.expanded):
        if n.kind == "decision" and i not in covered:
            raise m.error(
                f"estimation: actions: no column records the choice of {n.player} at "
                f"{_where(n)}; name one of its actions ({', '.join(n.actions)}) with the column "
                "that is 1 when it was taken"
            )
    return tuple(out)


def _nodes_with(action: str, value: YNode, ctx: Context) -> list[int]:
    """The decision nodes offering ``action``, each a choice between two actions."""
    nodes = [i for i, n in enumerate(ctx.expanded) if n.kind == "decision" and action in n.actions]
    if not nodes:
        names = sorted({a for n in ctx.expanded if n.kind == "decision" for a in n.actions})
        raise value.error(
            f"estimation: actions: unknown action {action!r}{suggest(action, names)}; "
            f"actions of the tree: {', '.join(names)}"
        )
    for i in nodes:
        n = ctx.expanded[i]
        if len(n.actions) != 2:
            raise value.error(
                f"estimation: actions: {action!r} is one of {len(n.actions)} actions at "
                f"{_where(n)}; a 0/1 column records a choice between two actions (record other "
                "choices with outcome:)"
            )
    return nodes


# ---------------------------------------------------------------------------
# the ultimatum model


def _parse_ultimatum(m: YMap, ctx: Context) -> EstimationSpec:
    for key in _TREE_KEYS:
        if key in m:
            raise m.key_node(key).error(
                f"estimation: {key} belongs to tree models; the ultimatum model reads offer: "
                "and accept:"
            )
    missing = [k for k in ("offer", "max_offer", "reservation") if k not in m]
    if missing:
        raise m.error(f"estimation: model: ultimatum needs {', '.join(missing)}")
    for key, fixed in (("error", "private"), ("link", "logit")):
        node = m.get(key)
        if node is not None and expect_text(node, f"estimation: {key}") != fixed:
            raise node.error(
                f"estimation: the ultimatum model has {key} {fixed} (logistic reservation "
                "values known to their owner)"
            )
    lo, hi = _offer_range(m)
    reservation = _parse_reservation(req(m, "reservation"), ctx)
    utilities, name_locs = _parse_utilities(m)
    params = {p for _, p in reservation}
    for name, f in utilities:
        if name not in params:
            raise _at(f.loc, m).error(
                f"estimation: utilities: {name!r} is not a reservation parameter; the ultimatum "
                f"model estimates {', '.join(sorted(params))}"
            )
    return EstimationSpec(
        model="ultimatum",
        data=_data(m),
        utilities=utilities,
        error="private",
        link="logit",
        scale=_ultimatum_scale(m, ctx, reservation),
        factors=_parse_factors(m),
        offer=_column(m, "offer"),
        accept=_column(m, "accept"),
        min_offer=lo,
        max_offer=hi,
        reservation=reservation,
        loc=location(m),
        name_locs=name_locs,
    )


def _at(loc: Location | None, fallback: YNode) -> Location:
    return loc if loc is not None else location(fallback)


def _offer_range(m: YMap) -> tuple[float, float]:
    lo = expect_number(req(m, "min_offer"), "estimation: min_offer") if "min_offer" in m else 0.0
    hi_node = req(m, "max_offer")
    hi = expect_number(hi_node, "estimation: max_offer")
    if hi <= lo:
        raise hi_node.error(f"estimation: max_offer must exceed min_offer ({lo:g}), found {hi:g}")
    return lo, hi


def _parse_reservation(node: YNode, ctx: Context) -> tuple[tuple[str, str], ...]:
    rnode = expect_map(node, "estimation: reservation")
    reservation = []
    for who, value in rnode.items:
        player = _player(who, ctx, "reservation")
        reservation.append((player, expect_text(value, "estimation: reservation parameter")))
    if len(reservation) != 2:
        raise rnode.error(
            "estimation: reservation names the proposer's and the responder's reservation "
            f"parameters (two players), found {len(reservation)}"
        )
    return tuple(reservation)


def _ultimatum_scale(
    m: YMap, ctx: Context, reservation: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, ScaleSpec], ...]:
    """One scale per player, a number or ``estimated`` (the default)."""
    estimated = ScaleSpec(1.0, parse_linear_formula("1"))
    scale = _parse_scale(req(m, "scale"), ctx) if "scale" in m else ()
    named = dict(scale) if scale else {p: estimated for p, _ in reservation}
    if set(named) != {p for p, _ in reservation}:
        raise req(m, "scale").error(
            "estimation: the ultimatum model has one scale per player: scale: {PROPOSER: "
            "estimated or a number, RESPONDER: estimated or a number}"
        )
    for p, s in named.items():
        if s.formula is not None and (s.formula.columns or not s.formula.intercept):
            raise _at(s.loc, m).error(
                f"estimation: the scale of {p} in the ultimatum model is a number or 'estimated'"
            )
    return tuple((p, named[p]) for p, _ in reservation)
