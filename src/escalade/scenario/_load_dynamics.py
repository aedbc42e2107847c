"""Read the ``dynamics:`` section of a scenario file.

State variables and ``period`` (1, 2, ...) are usable in every
expression: :func:`declare_dynamics` declares them right after
``parameters:``; :func:`parse_dynamics` reads the section once the
outcomes and the tree are known (events and indicators name outcomes).
"""

from __future__ import annotations

import re

import numpy as np

from escalade.expr import Categorical, compile_expression
from escalade.scenario._checks import (
    Context,
    bool_or_formula,
    check_keys,
    check_name,
    claims_note,
    error_at,
    expect_map,
    expect_number,
    location,
    opt_text,
    parse_assignments,
    req,
)
from escalade.scenario._dynamics import FORESIGHT, Dynamics, Event, Indicator, StateVar
from escalade.scenario._params import Formula, Location
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq

__all__ = ["declare_dynamics", "parse_dynamics"]

_MAX_PERIODS = 1000
_DYNAMICS_KEYS = (
    "periods",
    "unit",
    "start",
    "discount",
    "rationality",
    "foresight",
    "state",
    "update",
    "events",
    "indicators",
)


def declare_dynamics(m: YMap, ctx: Context) -> None:
    """Declare the state variables and ``period``: runs after ``parameters:``, so
    ``derived:`` and every expression after it can use them."""
    # Keys first: outcomes (read next) may assign state variables, and a misspelt
    # state: key should be reported as such, not as an unknown state variable.
    check_keys(m, _DYNAMICS_KEYS, "dynamics", required=("periods", "state"))
    state = expect_map(req(m, "state"), "dynamics: state")
    if not state.items:
        raise state.error(
            "dynamics: state must declare at least one variable, found an empty mapping"
        )
    for key, spec in state.items:
        name = check_name(key, "state variable", reserved=True)
        if name in ctx.kinds or name == "period":
            raise key.error(
                f"state variable {name!r} is already defined (as a parameter or "
                "another name); state variables need names of their own"
            )
        kind: str | Categorical = "number"
        if isinstance(spec, YMap) and "choices" in spec:
            choices = spec.get("choices")
            if not isinstance(choices, YSeq) or not choices.items:
                raise (choices or spec).error(
                    f"choices of state variable {name} must be a non-empty list of names"
                )
            names: list[str] = []
            for c in choices.items:
                choice = check_name(c, "choice")
                if choice in names:
                    raise c.error(
                        f"duplicate choice {choice!r} of state variable {name}; "
                        "expected each choice once"
                    )
                names.append(choice)
            kind = Categorical(tuple(names))
        ctx.kinds[name] = kind
        ctx.state_names[name] = key.line
        ctx.defined_at[name] = key.line
    ctx.kinds["period"] = "number"


def _parse_state_var(key: YScalar, spec: YNode, ctx: Context) -> StateVar:
    name = key.raw
    what = f"state variable {name}"
    if not isinstance(spec, YMap):
        return StateVar(
            name,
            "number",
            bool_or_formula(spec, ctx, f"initial value of {name}"),
            loc=location(key),
        )
    check_keys(
        spec,
        ("initial", "low", "high", "choices", "claim", "claims", "note", "label"),
        what,
        required=("initial",),
    )
    claims, note, label = claims_note(spec, ctx)
    init_node = req(spec, "initial")
    if "choices" in spec:
        for bound in ("low", "high"):
            if bound in spec:
                raise spec.key_node(bound).error(
                    f"{bound!r} does not apply to {what}, a category (it has choices:)"
                )
        kind = ctx.kinds[name]
        if not isinstance(kind, Categorical):  # pragma: no cover - set by declare
            raise key.error(f"{what}: choices expected")
        choice = check_name(init_node, f"initial value of {name}")
        if choice not in kind.choices:
            raise init_node.error(
                f"initial value {choice!r} of {name} is not one of its choices {list(kind.choices)}"
            )
        initial = Formula(compile_expression(float(kind.code(choice))), location(init_node), what)
        return StateVar(
            name, "category", initial, None, None, kind.choices, claims, note, label, location(key)
        )
    is_bool = isinstance(init_node, YScalar) and isinstance(init_node.value, bool)
    initial = bool_or_formula(init_node, ctx, f"initial value of {name}")
    low = expect_number(req(spec, "low"), f"low of {name}") if "low" in spec else None
    high = expect_number(req(spec, "high"), f"high of {name}") if "high" in spec else None
    if low is not None and high is not None and not low < high:
        raise spec.key_node("high").error(
            f"{what}: low must be below high, found low={low:g}, high={high:g}"
        )
    if is_bool and (low is not None or high is not None):
        raise spec.key_node("low" if low is not None else "high").error(
            f"{what} is true/false and takes no bounds"
        )
    var = StateVar(
        name,
        "bool" if is_bool else "number",
        initial,
        low,
        high,
        None,
        claims,
        note,
        label,
        location(key),
    )
    value = _constant(initial)
    if value is not None and var.outside(np.array([value]))[0]:
        # Clipping would silently start the crisis somewhere else than written.
        raise error_at(
            initial.loc,
            f"initial value of {name}: found {value:g}; expected {var.describe_range()}",
        )
    return var


def _constant(formula: Formula) -> float | None:
    """The value of an expression that uses no name, else None."""
    if formula.expr.names:
        return None
    return float(formula.evaluate({}, n_draws=1)[0])


def _non_empty(node: YNode, what: str, element: str) -> YMap:
    """A mapping with at least one entry (an empty one is a section left unfinished)."""
    m = expect_map(node, what)
    if not m.items:
        raise m.error(
            f"{what} is empty; expected at least one {element} (leave the key out when "
            "there is none)"
        )
    return m


def _name_at(node: YNode, formula: Formula, name: str) -> Location | None:
    """Where ``name`` is written inside the expression of ``node``."""
    if not isinstance(node, YScalar):  # pragma: no cover - formulas come from scalars
        return formula.loc
    found = re.search(rf"\b{re.escape(name)}\b", formula.text)
    line, col = node.text_position(found.start() if found else 0)
    return Location(node.file, line, col)


def _check_assignments(
    assignments: tuple[tuple[str, Formula], ...], dyn_state: dict[str, StateVar]
) -> None:
    """Constant new values must be values the variable can take."""
    for target, formula in assignments:
        var = dyn_state[target]
        value = _constant(formula)
        if value is not None and var.outside(np.array([value]))[0]:
            raise error_at(
                formula.loc,
                f"{formula.what}: found {value:g}; expected {var.describe_range()}",
            )


def parse_dynamics(m: YMap, ctx: Context) -> Dynamics:
    """The ``dynamics:`` section, read once the outcomes and the tree are known."""
    check_keys(m, _DYNAMICS_KEYS, "dynamics", required=("periods", "state"))
    periods, unit, start = _parse_horizon(m)
    discount = _parse_discount(m, ctx)
    rationality = Formula(compile_expression(1.0), location(m), "rationality (lambda)")
    if "rationality" in m:
        rationality = ctx.formula(req(m, "rationality"), "rationality (lambda)")
        value = _constant(rationality)
        if value is not None and value < 0:
            raise error_at(
                rationality.loc, f"rationality (lambda) must be 0 or more, found {value:g}"
            )
    foresight = "full"
    if "foresight" in m:
        node = req(m, "foresight")
        foresight = check_name(node, "foresight")
        if foresight not in FORESIGHT:
            raise node.error(
                f"foresight must be one of {', '.join(FORESIGHT)}, found {foresight!r}"
            )
    state = tuple(
        _parse_state_var(key, spec, ctx)
        for key, spec in expect_map(req(m, "state"), "dynamics: state").items
    )
    update: tuple[tuple[str, Formula], ...] = ()
    if "update" in m:
        node = _non_empty(req(m, "update"), "dynamics: update", "{variable: expression}")
        update = parse_assignments(node, ctx, "dynamics: update")
    events: tuple[Event, ...] = ()
    if "events" in m:
        events = tuple(
            _parse_event(key, spec, ctx)
            for key, spec in _non_empty(req(m, "events"), "dynamics: events", "event").items
        )
    indicators: tuple[Indicator, ...] = ()
    if "indicators" in m:
        known = [*ctx.outcomes, *(e.name for e in events)]
        indicators = tuple(
            _parse_indicator(key, spec, ctx, known)
            for key, spec in _non_empty(
                req(m, "indicators"), "dynamics: indicators", "indicator"
            ).items
        )
    by_name = {v.name: v for v in state}
    for outcome in ctx.outcomes.values():
        _check_assignments(outcome.then, by_name)
    _check_assignments(update, by_name)
    for event in events:
        _check_assignments(event.then, by_name)
    return Dynamics(
        int(periods),
        discount,
        rationality,
        state,
        update,
        events,
        indicators,
        unit,
        start,
        location(m),
        foresight,
    )


def _parse_horizon(m: YMap) -> tuple[int, str, int | None]:
    """``periods``, ``unit`` and ``start`` (the first period's label, e.g. a year)."""
    periods_node = req(m, "periods")
    periods = expect_number(periods_node, "periods")
    if periods != int(periods) or not 1 <= periods <= _MAX_PERIODS:
        raise periods_node.error(
            f"periods must be a whole number from 1 to {_MAX_PERIODS}, found {periods:g}"
        )
    unit = opt_text(m, "unit") or "period"
    start = None
    if "start" in m:
        start_value = expect_number(req(m, "start"), "start")
        if start_value != int(start_value):
            raise req(m, "start").error(
                f"start must be a whole number (e.g. a year), found {start_value:g}"
            )
        start = int(start_value)
    return int(periods), unit, start


def _parse_discount(m: YMap, ctx: Context) -> Formula:
    if "discount" not in m:
        return Formula(compile_expression(1.0), location(m), "discount")
    node = req(m, "discount")
    discount = ctx.formula(node, "discount")
    # The discount factor is computed once per run, before period 1: a state
    # variable or period in it would be frozen at its starting value.
    frozen = sorted(n for n in discount.expr.names if n in ctx.state_names or n == "period")
    if frozen:
        raise error_at(
            _name_at(node, discount, frozen[0]),
            f"discount is computed once per run, before period 1, so it cannot use "
            f"{frozen[0]!r} (a state variable or period); expected an expression of "
            f"parameters and levers, found {discount.text!r}",
        )
    value = _constant(discount)
    if value is not None and not 0.0 < value <= 1.0:
        raise error_at(discount.loc, f"discount must lie in (0, 1], found {value:g}")
    return discount


def _parse_event(key: YScalar, spec: YNode, ctx: Context) -> Event:
    name = check_name(key, "event name")
    if name in ctx.outcomes:
        raise key.error(
            f"event {name!r} has the name of an outcome; events and "
            "outcomes are reported together, so their names must differ"
        )
    what = f"event {name}"
    em = expect_map(spec, what)
    check_keys(
        em,
        ("probability", "when", "then", "end", "label", "claim", "claims", "note"),
        what,
        required=("probability",),
    )
    end = None
    if "end" in em:
        end_node = req(em, "end")
        end = check_name(end_node, f"end: of {what}")
        if end not in ctx.outcomes:
            raise end_node.error(
                f"{what}: end: names the outcome the run ends in; unknown outcome "
                f"{end!r}; outcomes: {', '.join(ctx.outcomes)}"
            )
    claims, note, label = claims_note(em, ctx)
    probability = ctx.formula(req(em, "probability"), f"probability of {what}")
    value = _constant(probability)
    if value is not None and not 0.0 <= value <= 1.0:
        raise error_at(
            probability.loc, f"probability of {what} must lie in [0, 1], found {value:g}"
        )
    return Event(
        name,
        probability,
        ctx.formula(req(em, "when"), f"condition of {what}") if "when" in em else None,
        parse_assignments(req(em, "then"), ctx, what) if "then" in em else (),
        end,
        label,
        claims,
        note,
        location(key),
    )


def _parse_indicator(key: YScalar, spec: YNode, ctx: Context, known: list[str]) -> Indicator:
    """An indicator; ``known`` names the outcomes and events ``any_of:`` may list."""
    name = check_name(key, "indicator name")
    what = f"indicator {name}"
    im = expect_map(spec, what)
    check_keys(im, ("any_of", "at_end", "label", "claim", "claims", "note"), what)
    if ("any_of" in im) == ("at_end" in im):
        raise im.error(
            f"{what} needs exactly one of any_of: (outcomes and events) or "
            "at_end: (an expression over the final state)"
        )
    any_of: tuple[str, ...] = ()
    at_end = None
    if "any_of" in im:
        items = req(im, "any_of")
        if not isinstance(items, YSeq) or not items.items:
            raise items.error(
                f"any_of: of {what} must be a non-empty list of outcome and event names"
            )
        names = []
        for item in items.items:
            ref = check_name(item, "outcome or event")
            if ref not in known:
                raise item.error(
                    f"{what}: unknown outcome or event {ref!r}; known: {', '.join(known)}"
                )
            names.append(ref)
        any_of = tuple(names)
    else:
        saved = dict(ctx.kinds)
        ctx.kinds["alive"] = "number"
        try:
            at_end = ctx.formula(req(im, "at_end"), f"{what} (at the end)")
        finally:
            ctx.kinds.clear()
            ctx.kinds.update(saved)
    claims, note, label = claims_note(im, ctx)
    return Indicator(name, any_of, at_end, label, claims, note, location(key))
