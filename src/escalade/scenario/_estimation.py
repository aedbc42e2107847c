"""Scenario language: the optional ``estimation:`` section.

It says how the scenario meets data: which parameters are linear in which
data columns (one R-style right-hand side per parameter, ``s_wt_re1 +
revis1``, ``1`` for a constant, ``0`` for nothing, ``x - 1`` without the
constant), which column(s) record the outcome or the moves, the error
structure (agent or private information), the link (probit or logit) and
the scale of the errors. Parameters not listed keep their values: they are
the fixed utilities. The R model ``esc + war ~ s_wt_re1 + revis1 | 0 |
regime1 | balanc + regime2`` of Kenkel and Signorino's ``games`` reads::

    estimation:
      actions: {esc: escalate, war: fight}
      utilities:
        u1_sq: s_wt_re1 + revis1
        u1_war: regime1
        u2_war: balanc + regime2

where the scenario's outcomes pay ``u1_sq``, ``0`` and ``u1_war`` to the
first player. ``model: ultimatum`` is the ultimatum game with a continuous
offer instead (Ramsay and Signorino's model, as ``games::ultimatum``).

This module only reads and checks the section; fitting is done by
:mod:`escalade.estimation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escalade.scenario._checks import (
    Context,
    check_keys,
    expect_map,
    expect_number,
    expect_text,
    location,
    suggest,
)
from escalade.scenario._load import SectionHook, register_section
from escalade.scenario._model import Scenario
from escalade.scenario._params import Location
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq

__all__ = [
    "ERRORS",
    "LINKS",
    "MODELS",
    "EstimationSpec",
    "LinearFormula",
    "ScaleSpec",
    "estimation_spec",
    "parse_estimation",
    "parse_linear_formula",
]

#: Error structures: agent error (a fresh shock at every move) or private information
#: (each player's shocks on the outcomes, known to that player only).
ERRORS = ("agent", "private")
#: Distribution of the shocks' differences.
LINKS = ("probit", "logit")
#: Models: a game tree of the scenario, or the ultimatum game with a continuous offer.
MODELS = ("tree", "ultimatum")

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
_TERM = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class LinearFormula:
    """The right-hand side of a linear equation in data columns, as R writes it.

    ``columns`` are the data columns in the order written; ``intercept``
    whether a constant is estimated. ``0`` is the empty formula (the value
    is fixed at zero).

    Examples
    --------
    >>> f = parse_linear_formula("s_wt_re1 + revis1")
    >>> f.columns, f.intercept
    (('s_wt_re1', 'revis1'), True)
    >>> parse_linear_formula("x - 1").intercept
    False
    >>> parse_linear_formula("0").is_zero
    True
    """

    columns: tuple[str, ...]
    intercept: bool
    text: str
    loc: Location | None = None

    @property
    def is_zero(self) -> bool:
        """True when nothing is estimated (the formula ``0``)."""
        return not self.columns and not self.intercept


@dataclass(frozen=True)
class ScaleSpec:
    """The scale of one player's shocks (or everyone's): fixed, or ``log(scale)`` linear.

    ``formula`` is ``None`` for a fixed scale ``value``; otherwise the
    logarithm of the scale is linear in the formula's columns (``1`` for a
    single estimated scale).

    Examples
    --------
    >>> ScaleSpec(2.0).estimated, ScaleSpec(formula=parse_linear_formula("1")).estimated
    (False, True)
    """

    value: float = 1.0
    formula: LinearFormula | None = None
    loc: Location | None = None

    @property
    def estimated(self) -> bool:
        """True when the scale is estimated."""
        return self.formula is not None


@dataclass(frozen=True)
class EstimationSpec:
    """The ``estimation:`` section of a scenario, checked.

    Attributes
    ----------
    model : {"tree", "ultimatum"}
    data : str or None
        Default data file, relative to the scenario file.
    outcome : str or None
        Column recording the outcome (tree model).
    outcome_values : tuple of (str, str)
        Data value to outcome name, when the column's values are not the
        outcome names (or their 1-based numbers in ``outcomes:`` order).
    actions : tuple of (str, str)
        Column to action name: the column is 1 when the action was taken
        and 0 when the other action of its (two-action) node was.
    utilities : tuple of (str, LinearFormula)
        Parameter name to its equation, in file order.
    error : {"agent", "private"}
    link : {"probit", "logit"}
    scale : tuple of (str, ScaleSpec)
        ``(("", spec),)`` for one scale shared by all players, else one per
        player named.
    factors : tuple of str
        Numeric columns to treat as categories.
    offer, accept : str or None
        Ultimatum model: the offer's column and the acceptance column.
    min_offer, max_offer : float
        Ultimatum model: the range of possible offers.
    reservation : tuple of (str, str)
        Ultimatum model: player to the parameter holding that player's
        reservation value (proposer first).

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> spec = estimation_spec(load_scenario("leblang2003"))
    >>> spec.error, spec.outcome, spec.columns()[:2]
    ('private', 'outcome', ('outcome', 'capcont'))
    """

    model: str = "tree"
    data: str | None = None
    outcome: str | None = None
    outcome_values: tuple[tuple[str, str], ...] = ()
    actions: tuple[tuple[str, str], ...] = ()
    utilities: tuple[tuple[str, LinearFormula], ...] = ()
    error: str = "agent"
    link: str = "probit"
    scale: tuple[tuple[str, ScaleSpec], ...] = (("", ScaleSpec()),)
    factors: tuple[str, ...] = ()
    offer: str | None = None
    accept: str | None = None
    min_offer: float = 0.0
    max_offer: float = 0.0
    reservation: tuple[tuple[str, str], ...] = ()
    loc: Location | None = None
    #: Where each utility's parameter name is written, for errors found later.
    name_locs: tuple[tuple[str, Location], ...] = ()

    @property
    def by_player(self) -> bool:
        """True when each player has a scale of their own."""
        return not (len(self.scale) == 1 and self.scale[0][0] == "")

    def columns(self) -> tuple[str, ...]:
        """Every data column the model reads, in a stable order (for dropping missing rows)."""
        cols: list[str] = []
        if self.model == "ultimatum":
            cols += [c for c in (self.offer, self.accept) if c]
        elif self.outcome is not None:
            cols.append(self.outcome)
        else:
            cols += [c for c, _ in self.actions]
        for _, f in self.utilities:
            cols += f.columns
        for _, s in self.scale:
            if s.formula is not None:
                cols += s.formula.columns
        return tuple(dict.fromkeys(cols))


def parse_linear_formula(text: str | int, loc: Location | None = None) -> LinearFormula:
    """Read an R-style right-hand side: ``x1 + x2``, ``1``, ``0``, ``x - 1``, ``0 + x``.

    Raises
    ------
    ScenarioError
        For anything else, at ``loc``.

    Examples
    --------
    >>> parse_linear_formula("capcont + lreserves - 1").columns
    ('capcont', 'lreserves')
    >>> parse_linear_formula(1).intercept
    True
    """
    raw = str(text).strip()

    def fail(message: str) -> Exception:
        from escalade.errors import ScenarioError

        full = f"{message} in the formula {raw!r}"
        return loc.error(full) if loc is not None else ScenarioError(full)

    if not raw:
        raise fail("expected terms such as 'x1 + x2', '1' or '0', found nothing")
    odd = next((c for c in raw if c in ":*^/()|~"), None)
    if odd is not None:
        raise fail(
            f"{odd!r}: interactions and functions of columns are not supported; add a "
            "column holding the product or the transformed value"
        )
    tokens = re.findall(r"[+-]|[^+\-\s]+", raw)
    intercept = True
    columns: list[str] = []
    sign, expect_term = "+", True
    for i, tok in enumerate(tokens):
        if tok in ("+", "-"):
            if expect_term and not (i == 0 and tok == "-"):
                raise fail(f"expected a term, found {tok!r}")
            sign, expect_term = tok, True
            continue
        if not expect_term:
            raise fail(f"expected '+' or '-' before {tok!r}")
        expect_term = False
        if tok in ("0", "1"):
            # R: "1" (or "+ 1") keeps the constant, "0" or "- 1" drops it
            intercept = (tok == "1") == (sign == "+")
        elif not _TERM.fullmatch(tok):
            raise fail(f"expected a column name, '1' or '0', found {tok!r}")
        elif sign == "-":
            raise fail(f"'- {tok}': only the constant can be removed ('- 1')")
        elif tok not in columns:
            columns.append(tok)
    if expect_term:
        raise fail(f"expected a term after the final {sign!r}")
    # "0" alone means: nothing (the value is fixed at zero)
    if tokens == ["0"]:
        intercept = False
    return LinearFormula(tuple(columns), intercept, raw, loc)


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


def _parse_outcome(node: YNode, ctx: Context) -> tuple[str, tuple[tuple[str, str], ...]]:
    if not isinstance(node, YMap):
        if not isinstance(node, YScalar) or node.value is None:
            raise node.error(f"estimation: outcome must name a data column, found {node.kind}")
        return str(node.raw), ()
    check_keys(node, ("column", "values"), "estimation: outcome", required=("column",))
    column = _column(node, "column")
    assert column is not None  # required above
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


def _parse_actions(node: YNode, ctx: Context) -> tuple[tuple[str, str], ...]:
    m = expect_map(node, "estimation: actions")
    decisions = [n for n in ctx.expanded if n.kind == "decision"]
    covered: dict[int, str] = {}
    out: list[tuple[str, str]] = []
    for key, value in m.items:
        action = expect_text(value, f"estimation: actions: action recorded by {key.raw!r}")
        nodes = [
            i for i, n in enumerate(ctx.expanded) if n.kind == "decision" and action in n.actions
        ]
        if not nodes:
            names = sorted({a for n in decisions for a in n.actions})
            raise value.error(
                f"estimation: actions: unknown action {action!r}{suggest(action, names)}; "
                f"actions of the tree: {', '.join(names)}"
            )
        for i in nodes:
            n = ctx.expanded[i]
            if len(n.actions) != 2:
                raise value.error(
                    f"estimation: actions: {action!r} is one of {len(n.actions)} actions at "
                    f"{'/'.join(n.path) or 'the root'}; a 0/1 column records a choice between "
                    "two actions (record other choices with outcome:)"
                )
            if i in covered:
                raise value.error(
                    f"estimation: actions: the choice at {'/'.join(n.path) or 'the root'} is "
                    f"already recorded by the column {covered[i]!r}"
                )
            covered[i] = str(key.raw)
        out.append((str(key.raw), action))
    for i, n in enumerate(ctx.expanded):
        if n.kind == "decision" and i not in covered:
            raise m.error(
                f"estimation: actions: no column records the choice of {n.player} at "
                f"{'/'.join(n.path) or 'the root'}; name one of its actions "
                f"({', '.join(n.actions)}) with the column that is 1 when it was taken"
            )
    return tuple(out)


def _parse_utilities(
    node: YNode,
) -> tuple[tuple[tuple[str, LinearFormula], ...], tuple[tuple[str, Location], ...]]:
    m = expect_map(node, "estimation: utilities")
    out = []
    locs = []
    for key, value in m.items:
        out.append((str(key.raw), _formula(value, f"estimation: utilities: {key.raw}")))
        locs.append((str(key.raw), location(key)))
    return tuple(out), tuple(locs)


def parse_estimation(m: YMap, ctx: Context) -> EstimationSpec:
    """Read and check the ``estimation:`` section (the loader calls this).

    Parameter names in ``utilities:`` are checked against the parameters
    when the model is built, where the whole scenario is known.

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> spec = estimation_spec(load_scenario("egame12"))
    >>> spec.actions
    (('esc', 'escalate'), ('war', 'fight'))
    """
    check_keys(m, _KEYS, "estimation")
    model = _choice(m, "model", MODELS, "tree")
    error = _choice(m, "error", ERRORS, "agent" if model == "tree" else "private")
    link = _choice(m, "link", LINKS, "probit" if model == "tree" else "logit")
    data = None
    if "data" in m:
        data = expect_text(m.get("data"), "estimation: data")  # type: ignore[arg-type]
    utilities: tuple[tuple[str, LinearFormula], ...] = ()
    name_locs: tuple[tuple[str, Location], ...] = ()
    if "utilities" in m:
        utilities, name_locs = _parse_utilities(m.get("utilities"))  # type: ignore[arg-type]
    factors: tuple[str, ...] = ()
    fnode = m.get("factors")
    if fnode is not None:
        if not isinstance(fnode, YSeq):
            raise fnode.error(f"estimation: factors must be a list of columns, found {fnode.kind}")
        factors = tuple(expect_text(i, "estimation: factors: column") for i in fnode.items)
    if model == "ultimatum":
        return _parse_ultimatum(m, ctx, data, utilities, name_locs, factors)
    for key in ("offer", "accept", "min_offer", "max_offer", "reservation"):
        if key in m:
            raise m.key_node(key).error(
                f"estimation: {key} belongs to model: ultimatum; this is a tree model"
            )
    if error == "private" and link == "logit":
        raise m.get("link").error(  # type: ignore[union-attr]
            "estimation: the private-information model is defined with the probit link only "
            "(the shocks' weighted sums are normal); use link: probit or error: agent"
        )
    has_outcome, has_actions = "outcome" in m, "actions" in m
    if has_outcome == has_actions:
        raise m.error(
            "estimation: expected exactly one of outcome: (a column naming the outcome) and "
            "actions: (0/1 columns recording the moves), found "
            + ("both" if has_outcome else "neither")
        )
    outcome: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    actions: tuple[tuple[str, str], ...] = ()
    if has_outcome:
        outcome, values = _parse_outcome(m.get("outcome"), ctx)  # type: ignore[arg-type]
    else:
        actions = _parse_actions(m.get("actions"), ctx)  # type: ignore[arg-type]
    scale = _parse_scale(m.get("scale"), ctx) if "scale" in m else (("", ScaleSpec()),)  # type: ignore[arg-type]
    return EstimationSpec(
        model=model,
        data=data,
        outcome=outcome,
        outcome_values=values,
        actions=actions,
        utilities=utilities,
        error=error,
        link=link,
        scale=scale,
        factors=factors,
        loc=location(m),
        name_locs=name_locs,
    )


def _parse_ultimatum(
    m: YMap,
    ctx: Context,
    data: str | None,
    utilities: tuple[tuple[str, LinearFormula], ...],
    name_locs: tuple[tuple[str, Location], ...],
    factors: tuple[str, ...],
) -> EstimationSpec:
    for key in ("outcome", "actions"):
        if key in m:
            raise m.key_node(key).error(
                f"estimation: {key} belongs to tree models; the ultimatum model reads offer: "
                "and accept:"
            )
    if "offer" not in m or "max_offer" not in m or "reservation" not in m:
        missing = [k for k in ("offer", "max_offer", "reservation") if k not in m]
        raise m.error(f"estimation: model: ultimatum needs {', '.join(missing)}")
    for key in ("error", "link"):
        node = m.get(key)
        fixed = {"error": "private", "link": "logit"}[key]
        if node is not None and expect_text(node, f"estimation: {key}") != fixed:
            raise node.error(
                f"estimation: the ultimatum model has {key} {fixed} (logistic reservation "
                "values known to their owner)"
            )
    lo = expect_number(m.get("min_offer"), "estimation: min_offer") if "min_offer" in m else 0.0  # type: ignore[arg-type]
    hi = expect_number(m.get("max_offer"), "estimation: max_offer")  # type: ignore[arg-type]
    if hi <= lo:
        raise m.get("max_offer").error(  # type: ignore[union-attr]
            f"estimation: max_offer must exceed min_offer ({lo:g}), found {hi:g}"
        )
    rnode = expect_map(m.get("reservation"), "estimation: reservation")  # type: ignore[arg-type]
    reservation = []
    for who, value in rnode.items:
        player = _player(who, ctx, "reservation")
        reservation.append((player, expect_text(value, "estimation: reservation parameter")))
    if len(reservation) != 2:
        raise rnode.error(
            "estimation: reservation names the proposer's and the responder's reservation "
            f"parameters (two players), found {len(reservation)}"
        )
    params = {p for _, p in reservation}
    for name, f in utilities:
        if name not in params:
            raise f.loc.error(  # type: ignore[union-attr]
                f"estimation: utilities: {name!r} is not a reservation parameter; the ultimatum "
                f"model estimates {', '.join(sorted(params))}"
            )
    default_scale = tuple((p, ScaleSpec(1.0, parse_linear_formula("1"))) for p, _ in reservation)
    scale = _parse_scale(m.get("scale"), ctx) if "scale" in m else default_scale  # type: ignore[arg-type]
    named = dict(scale)
    if set(named) != {p for p, _ in reservation}:
        where = m.get("scale") or m
        raise where.error(
            "estimation: the ultimatum model has one scale per player: scale: {PROPOSER: "
            "estimated or a number, RESPONDER: estimated or a number}"
        )
    for p, s in scale:
        if s.formula is not None and (s.formula.columns or not s.formula.intercept):
            raise s.loc.error(  # type: ignore[union-attr]
                f"estimation: the scale of {p} in the ultimatum model is a number or 'estimated'"
            )
    return EstimationSpec(
        model="ultimatum",
        data=data,
        utilities=utilities,
        error="private",
        link="logit",
        scale=tuple((p, named[p]) for p, _ in reservation),
        factors=factors,
        offer=_column(m, "offer"),
        accept=_column(m, "accept"),
        min_offer=lo,
        max_offer=hi,
        reservation=tuple(reservation),
        loc=location(m),
        name_locs=name_locs,
    )


def estimation_spec(scenario: Scenario) -> EstimationSpec | None:
    """The scenario's ``estimation:`` section, or ``None`` when it has none.

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> estimation_spec(load_scenario("iig")) is None
    True
    """
    spec = scenario.extra.get("estimation")
    return spec if isinstance(spec, EstimationSpec) else None


register_section(SectionHook("estimation", parse_estimation, order=5))
