"""Scenario language: ``dynamics``, the multi-period crisis around the stage game.

``dynamics`` turns the game into the stage game of a multi-period crisis:
state variables with initial values and bounds, per-period updates,
random events, and indicators to report; outcomes of the stage game may
change the state (``then:``) or end the run (``end: true``).

This module holds what the section means (its dataclasses and the
initial state); ``_load_dynamics`` reads it from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalade.scenario._checks import error_at
from escalade.scenario._params import Formula, Location

__all__ = ["FORESIGHT", "Dynamics", "Event", "Indicator", "StateVar", "fill_initial_state"]

#: How actors look ahead (``dynamics: foresight:``): ``myopic`` values an outcome at
#: this period's payoff; ``full`` adds the discounted value of what follows, computed
#: exactly when the reachable states are few and approximately otherwise; ``exact``
#: and ``approximate`` ask for one of the two computations.
FORESIGHT = ("full", "myopic", "exact", "approximate")


@dataclass(frozen=True)
class StateVar:
    """A state variable: a number, a bool (0/1) or a category (codes)."""

    name: str
    kind: str  # "number", "bool" or "category"
    initial: Formula
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    claims: tuple[str, ...] = ()
    note: str = ""
    label: str = ""
    loc: Location | None = None

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Values kept within the variable's bounds (and 0/1 for bools)."""
        clipped: np.ndarray
        if self.kind == "bool":
            clipped = np.where(values != 0, 1.0, 0.0)
            return clipped
        if self.kind == "category":
            clipped = np.clip(np.rint(values), 0, len(self.choices or ()) - 1)
            return clipped
        if self.low is not None or self.high is not None:
            clipped = np.clip(values, self.low, self.high)
            return clipped
        return values

    def describe_range(self) -> str:
        """The values the variable takes, for messages (``[0, 1]``, ``true or false``)."""
        if self.kind == "bool":
            return "true or false (1 or 0)"
        if self.kind == "category":
            choices = self.choices or ()
            return f"one of its choices {list(choices)} (or their codes 0 to {len(choices) - 1})"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"a value within its bounds [{low}, {high}]"

    def outside(self, values: np.ndarray) -> np.ndarray:
        """Which ``values`` the variable cannot take (before any clipping)."""
        values = np.asarray(values, dtype=np.float64)
        bad: np.ndarray
        if self.kind == "bool":
            bad = (values != 0) & (values != 1)
            return bad
        if self.kind == "category":
            n = len(self.choices or ())
            bad = (values != np.rint(values)) | (values < 0) | (values > n - 1)
            return bad
        bad = np.zeros(values.shape, dtype=bool)
        if self.low is not None:
            bad |= values < self.low
        if self.high is not None:
            bad |= values > self.high
        return bad


@dataclass(frozen=True)
class Event:
    """A random event checked every period after the stage game."""

    name: str
    probability: Formula
    when: Formula | None = None
    then: tuple[tuple[str, Formula], ...] = ()
    end: str | None = None
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class Indicator:
    """A reported quantity: "ever happened" over stage outcomes and events,
    or an expression evaluated at the end of the horizon."""

    name: str
    any_of: tuple[str, ...] = ()
    at_end: Formula | None = None
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class Dynamics:
    """The ``dynamics:`` section: periods, state, updates, events, indicators.

    ``foresight`` is one of :data:`FORESIGHT` (default ``full``).
    """

    periods: int
    discount: Formula
    rationality: Formula
    state: tuple[StateVar, ...]
    update: tuple[tuple[str, Formula], ...] = ()
    events: tuple[Event, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    unit: str = "period"
    start: int | None = None
    loc: Location | None = None
    foresight: str = "full"

    def state_var(self, name: str) -> StateVar:
        """The state variable called ``name``."""
        for v in self.state:
            if v.name == name:
                return v
        raise KeyError(name)

    def period_label(self, t: int) -> str:
        """Display label of period ``t`` (1-based): a year if ``start`` is set."""
        return str(self.start + t - 1) if self.start is not None else str(t)


def fill_initial_state(
    dynamics: Dynamics, env: dict[str, Any], n: int, given: Mapping[str, Any]
) -> None:
    """Put ``period`` (1 unless already there) and the initial value of every state
    variable not in ``given`` into ``env``.

    Initial values are computed in declaration order from what ``env``
    holds (parameters, levers, ``period`` and the state variables before),
    ahead of derived values and of lever effects, so every policy starts
    from the same world.
    """
    env.setdefault("period", 1.0)
    for var in dynamics.state:
        if var.name not in given:
            env[var.name] = var.clip(_initial_value(var, env, n))


def _initial_value(var: StateVar, env: Mapping[str, Any], n: int) -> np.ndarray:
    """A state variable's initial values, which must be values it can take."""
    f = var.initial
    unknown = sorted(f.expr.names - env.keys())
    if unknown:
        raise error_at(
            f.loc,
            f"initial value of {var.name}: {unknown[0]!r} has no value yet in {f.text!r}; "
            "initial values are computed in order from parameters, levers, period and the "
            "state variables declared before, ahead of derived values",
        )
    values = f.evaluate(env, n_draws=n)
    bad = var.outside(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = ", ".join(f"{name}={_at(env[name], i):g}" for name in sorted(f.expr.names))
        raise error_at(
            f.loc,
            f"initial value of {var.name}: {f.text!r} gives {float(values[i]):g} in draw {i}"
            + (f" where {where}" if where else "")
            + f" ({int(bad.sum())} of {n} draws affected); expected {var.describe_range()}",
        )
    return values


def _at(value: Any, i: int) -> float:
    """Entry ``i`` of a value of the environment (scalars are the same in every draw)."""
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    return float(arr[i] if arr.size > i else arr[0])
