"""Scenario language: ``levers``, the policy instruments.

A lever is a named instrument whose effects replace parameters or derived
values. Its name is usable in every expression: 0 off, 1 on, or an
intensity in between. With the lever at setting ``s``, an effect's target
becomes ``old + s * (new - old)``: fully replaced when the lever is on,
untouched when it is off.

Lever names are declared right after ``parameters:`` (so ``derived:`` can
use them); the levers themselves are read once ``derived:`` is known,
since an effect may replace a derived value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalade.errors import ParameterError
from escalade.expr import Categorical
from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    claims_note,
    expect_map,
    location,
    req,
    suggest,
)
from escalade.scenario._params import Formula, Location
from escalade.scenario._yaml import YMap

__all__ = [
    "Lever",
    "LeverEffects",
    "declare_levers",
    "lever_settings",
    "parse_levers",
]


@dataclass(frozen=True)
class Lever:
    """A policy instrument: on/off or an intensity in [0, 1], with effects.

    ``effects`` pairs each target (a parameter or derived value) with the
    expression giving its value when the lever is fully on; ``kind`` is
    ``"switch"`` (0 or 1 only) or ``"intensity"``.
    """

    name: str
    effects: tuple[tuple[str, Formula], ...]
    kind: str = "switch"
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


def declare_levers(node: YMap, ctx: Context) -> None:
    """Declare the lever names (usable in expressions from ``derived:`` on)."""
    if not node.items:
        raise node.error(
            "levers is empty; expected at least one lever (leave the section out when "
            "there is none)"
        )
    for key, _ in node.items:
        name = check_name(key, "lever name", reserved=True)
        if name in ctx.kinds:
            raise key.error(
                f"lever {name!r} is already defined (as a parameter or state "
                "variable); levers need names of their own"
            )
        ctx.kinds[name] = "number"
        ctx.defined_at[name] = key.line
    ctx.lever_names = tuple(k.raw for k, _ in node.items)


def parse_levers(node: YMap, ctx: Context) -> tuple[Lever, ...]:
    """The ``levers:`` section, read once ``derived:`` is known."""
    out = []
    derived_or_params = {n for n, k in ctx.kinds.items() if k == "number"}
    for key, spec in node.items:
        name = key.raw
        what = f"lever {name}"
        lm = expect_map(spec, what)
        check_keys(
            lm, ("kind", "effects", "label", "claim", "claims", "note"), what, required=("effects",)
        )
        kind = "switch"
        if "kind" in lm:
            kind = check_name(req(lm, "kind"), "kind")
            if kind not in ("switch", "intensity"):
                raise req(lm, "kind").error(
                    f"kind of {what} must be switch or intensity, found {kind!r}"
                )
        effects = []
        for tkey, value in expect_map(req(lm, "effects"), f"effects of {what}").items:
            target = check_name(tkey, "effect target")
            if (
                target not in derived_or_params
                or target in ctx.state_names
                or target in ctx.lever_names
                or target == "period"
            ):
                raise tkey.error(
                    f"{what}: an effect replaces a parameter or a derived value; "
                    f"{_what_name_is(target, ctx, derived_or_params)}"
                )
            effects.append((target, ctx.formula(value, f"{what}: effect on {target}")))
        claims, note, label = claims_note(lm, ctx)
        out.append(Lever(name, tuple(effects), kind, label, claims, note, location(key)))
    return tuple(out)


def _what_name_is(name: str, ctx: Context, targets: set[str]) -> str:
    """Why ``name`` cannot be a lever's target, for the message."""
    if name in ctx.state_names:
        return f"{name!r} is a state variable (dynamics change it, not levers)"
    if name in ctx.lever_names:
        return f"{name!r} is a lever"
    if name == "period":
        return "'period' is the period number"
    if isinstance(ctx.kinds.get(name), Categorical):
        return f"{name!r} is a categorical parameter (an effect gives a number)"
    usable = sorted(targets - set(ctx.state_names) - set(ctx.lever_names) - {"period"})
    return f"{name!r} is neither{suggest(name, usable)}"


def lever_settings(levers: tuple[Lever, ...], settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every lever's setting: the one given, else 0 (off).

    Raises
    ------
    ParameterError
        When ``settings`` names a lever the scenario does not have.
    """
    given = dict(settings or {})
    unknown = set(given) - {lv.name for lv in levers}
    if unknown:
        raise ParameterError(
            f"unknown lever {sorted(unknown)[0]!r}; levers: "
            f"{', '.join(lv.name for lv in levers) or 'none'}"
        )
    return {lever.name: given.get(lever.name, 0.0) for lever in levers}


class LeverEffects:
    """The levers' effects indexed by the name they replace."""

    def __init__(self, levers: tuple[Lever, ...]) -> None:
        self.targets: dict[str, list[tuple[Lever, Formula]]] = {}
        for lever in levers:
            for target, formula in lever.effects:
                self.targets.setdefault(target, []).append((lever, formula))

    def apply(self, name: str, env: dict[str, Any], n: int) -> None:
        """Blend the effects of the levers that are on into ``env[name]``, just computed."""
        for lever, formula in self.targets.get(name, ()):
            setting = env[lever.name]
            if np.all(np.asarray(setting) == 0):
                continue
            old = np.asarray(env[name], dtype=np.float64)
            new = formula.evaluate(env, n_draws=n)
            env[name] = old + np.asarray(setting) * (new - old)
