"""The ``parameters:`` section: nominal values, distributions and categories.

Each parameter is a number (fixed), or a mapping with a nominal ``value``
and a distribution (``dist:`` with its own keys, ``low``/``high`` alone
meaning uniform), or a categorical parameter with ``choices:`` and
optional ``weights:``. A key that belongs to another distribution is
reported with the distributions that use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    expect_map,
    expect_number,
    expect_text,
    location,
    opt_text,
    req,
    suggest,
)
from escalade.scenario._distributions import (
    Beta,
    CategoricalDist,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from escalade.scenario._params import Location, Parameter, ParameterSpace
from escalade.scenario._yaml import YMap, YNode, YScalar, YSeq

__all__ = ["parse_parameters"]

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
                f"unknown distribution {dist_name!r}{suggest(dist_name, options)}; "
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
    if kind == "fixed":
        return None
    make = _DIST_MAKERS.get(kind)
    if make is None:  # pragma: no cover
        raise _DistError("dist", f"unknown distribution {kind!r}")
    return make(_DistKeys(kind, node, num, value))


class _DistKeys:
    """A distribution's keys, read as numbers: required, optional, or checked in order."""

    def __init__(self, kind: str, node: YMap, num: Callable[[str], float], value: float) -> None:
        self.kind = kind
        self.node = node
        self.num = num
        self.value = value  # the parameter's nominal value, a default for some keys

    def need(self, k: str) -> float:
        if k not in self.node:
            raise _DistError("dist", f"dist: {self.kind} needs {k!r}")
        return self.num(k)

    def get(self, k: str, default: float) -> float:
        return self.num(k) if k in self.node else default

    @staticmethod
    def ordered(lo: float, hi: float) -> None:
        if not lo < hi:
            raise _DistError("high", f"low must be below high, found low={lo:g}, high={hi:g}")

    @staticmethod
    def positive(k: str, x: float) -> None:
        if x <= 0:
            raise _DistError(k, f"{k} must be positive, found {x:g}")


def _uniform(keys: _DistKeys) -> Distribution:
    lo, hi = keys.need("low"), keys.need("high")
    keys.ordered(lo, hi)
    return Uniform(lo, hi)


def _beta(keys: _DistKeys) -> Distribution:
    a, b = keys.need("a"), keys.need("b")
    if a <= 0 or b <= 0:
        raise _DistError(
            "a" if a <= 0 else "b", f"beta needs a > 0 and b > 0, found a={a:g}, b={b:g}"
        )
    lo, hi = keys.get("low", 0.0), keys.get("high", 1.0)
    keys.ordered(lo, hi)
    return Beta(a, b, lo, hi)


def _normal(keys: _DistKeys) -> Distribution:
    sd = keys.need("sd")
    keys.positive("sd", sd)
    mean = keys.get("mean", keys.value)
    lo, hi = keys.get("low", -math.inf), keys.get("high", math.inf)
    keys.ordered(lo, hi)
    return Normal(mean, sd, lo, hi)


def _lognormal(keys: _DistKeys) -> Distribution:
    sigma = keys.need("sigma")
    median = keys.get("median", keys.value)
    keys.positive("sigma", sigma)
    keys.positive("median", median)
    return LogNormal(median, sigma)


def _triangular(keys: _DistKeys) -> Distribution:
    lo, hi = keys.need("low"), keys.need("high")
    mode = keys.get("mode", keys.value)
    keys.ordered(lo, hi)
    if not lo <= mode <= hi:
        raise _DistError("mode", f"mode {mode:g} must lie in [{lo:g}, {hi:g}]")
    return Triangular(lo, mode, hi)


_DIST_MAKERS: dict[str, Callable[[_DistKeys], Distribution]] = {
    "uniform": _uniform,
    "beta": _beta,
    "normal": _normal,
    "lognormal": _lognormal,
    "triangular": _triangular,
}


def _parse_categorical(
    name: str, node: YMap, claims: tuple[str, ...], note: str, label: str, loc: Location
) -> Parameter:
    for k in node:
        if k in _DIST_PARAM_KEYS - {"weights"} or k == "dist":
            raise node.key_node(k).error(
                f"{k!r} does not apply to categorical parameter {name} (it has choices:)"
            )
    choices = _choices(name, node)
    weights = _weights(name, node, choices)
    nominal = _nominal_choice(name, node, choices)
    uncertain = len(choices) > 1 and sum(w > 0 for w in weights) > 1
    dist = CategoricalDist(tuple(choices), tuple(weights)) if uncertain else None
    return Parameter(
        name, float(choices.index(nominal)), dist, tuple(choices), claims, note, label, loc
    )


def _choices(name: str, node: YMap) -> list[str]:
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
    return choices


def _weights(name: str, node: YMap, choices: list[str]) -> list[float]:
    weights_node = node.get("weights")
    if weights_node is None:
        return [1.0 / len(choices)] * len(choices)
    if not isinstance(weights_node, YSeq) or len(weights_node.items) != len(choices):
        raise weights_node.error(
            f"weights of parameter {name} must be a list of {len(choices)} numbers, one per choice"
        )
    weights = [expect_number(w, "weight") for w in weights_node.items]
    for w, wn in zip(weights, weights_node.items, strict=True):
        if w < 0:
            raise wn.error(f"weights of parameter {name} must be 0 or more, found {w:g}")
    if abs(sum(weights) - 1.0) > 1e-6:
        raise weights_node.error(
            f"weights of parameter {name} must sum to 1, found a sum of {sum(weights):.6g}"
        )
    return weights


def _nominal_choice(name: str, node: YMap, choices: list[str]) -> str:
    value_node = node.get("value")
    if value_node is None:
        return choices[0]
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
    return nominal


def parse_parameters(node: YNode, ctx: Context) -> ParameterSpace:
    """The ``parameters:`` section, in file order; declares each name in ``ctx``."""
    m = expect_map(node, "parameters")
    params = []
    for key, value in m.items:
        name = check_name(key, "parameter name", reserved=True)
        p = _parse_parameter(name, key, value, ctx)
        params.append(p)
        ctx.kinds[name] = p.kind
        ctx.defined_at[name] = key.line
    return ParameterSpace(tuple(params))
