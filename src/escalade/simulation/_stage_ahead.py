"""Stage games one at a time, as actors who look ahead play them.

A simulation needs only the outcome probabilities of its stage games; a
what-if view or a wargame turn shows one stage game whole (strategies,
each action's value, a choice's cost), and so needs the payoffs the
actors play it with: each outcome's payoff plus what follows it (see
:mod:`escalade.simulation._foresight`). :func:`lookahead` computes the
continuation values of one world once and keeps them (a server asks for
the same ones on every request); :func:`ahead_payoffs` reads, for the
runs of a chunk in some period, the payoffs their actors weigh.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError
from escalade.expr import compile_expression
from escalade.game import Game, GameValues
from escalade.scenario import FORESIGHT, Draws, Formula, Policy, Scenario
from escalade.simulation._chunk import Chunk, Plan, Stage
from escalade.simulation._engine import _VALUES_KEY as VALUES_KEY
from escalade.simulation._foresight import Foresight, Values, compute_values, reprice
from escalade.simulation._transition import Transition

__all__ = ["ahead_payoffs", "cache_key", "foresight_of", "lookahead", "start_ahead"]

FloatArray = NDArray[np.float64]

#: Continuation values kept per process (most recently used first out last).
KEEP = 16

_kept: OrderedDict[Hashable, tuple[Values | None, Foresight]] = OrderedDict()
# exact values with their steps, per plan and values of the names the transition reads
_shapes: OrderedDict[Hashable, Values] = OrderedDict()
_lock = threading.Lock()


def cache_key(*parts: object) -> str:
    """A key for :func:`lookahead` from plain values (mappings sorted).

    Examples
    --------
    >>> cache_key("korea-2017", {"b": 1, "a": 2}, None)
    '["korea-2017", {"a": 2, "b": 1}, null]'
    """
    return json.dumps(parts, sort_keys=True, default=str)


def lookahead(
    plan: Plan,
    world: Draws,
    mode: str,
    *,
    seed: int | np.random.SeedSequence = 0,
    key: Hashable | None = None,
    shape: Hashable | None = None,
) -> tuple[Values | None, Foresight]:
    """Continuation values of one world under ``plan``, kept under ``key`` when given.

    Parameters
    ----------
    plan : Plan
    world : Draws
        One row: the parameter values.
    mode : {"full", "myopic", "exact", "approximate"}
    seed : int or SeedSequence
        For the states fitted values are fitted on: an int as
        :func:`~escalade.simulation.simulate` with that seed takes it.
    key : hashable, optional
        What identifies ``plan`` and ``world`` (the scenario's text, the
        settings): the values are computed once per key and process.
    shape : hashable, optional
        What identifies ``plan`` and the values in ``world`` of the names
        the transition reads (:attr:`Transition.reads`): exact values are
        kept per shape with their steps, and a world of the same shape
        (another point of a what-if slider over a parameter that only the
        stage games read) is valued on the same states, without
        enumerating them again (:func:`reprice`).

    Returns
    -------
    (Values or None, Foresight)
        As :func:`~escalade.simulation._foresight.compute_values`.

    Examples
    --------
    >>> import escalade
    >>> from escalade.game import build_game
    >>> from escalade.scenario import Policy
    >>> sc = escalade.load("korea-2017")
    >>> plan = Plan(sc, build_game(sc), sc.dynamics, Policy("free"), None, 3, None, "qre")
    >>> values, info = lookahead(plan, sc.parameters.nominal(), "exact", key="doc")
    >>> info.method, lookahead(plan, sc.parameters.nominal(), "exact", key="doc")[0] is values
    ('exact', True)
    """
    if key is not None:
        with _lock:
            if key in _kept:
                _kept.move_to_end(key)
                return _kept[key]
    found: tuple[Values | None, Foresight] | None = None
    if shape is not None and mode in ("full", "exact"):
        with _lock:
            base = _shapes.get(shape)
        found = None if base is None else reprice(base, plan, world, mode)
    if found is None:
        if not isinstance(seed, np.random.SeedSequence):
            seed = np.random.SeedSequence(seed, spawn_key=(VALUES_KEY,))
        found = compute_values(plan, world, mode=mode, seed=seed, keep_steps=shape is not None)
        values = found[0]
        if shape is not None and values is not None:
            with _lock:
                _shapes[shape] = values
                while len(_shapes) > KEEP:
                    _shapes.popitem(last=False)
    if key is not None:
        with _lock:
            _kept[key] = found
            while len(_kept) > KEEP:
                _kept.popitem(last=False)
    return found


def ahead_payoffs(values: Values | None, chunk: Chunk, stage: Stage) -> FloatArray:
    """The payoffs the live runs' actors play ``stage`` with, shape (n_live, n_outcomes,
    n_players): the stage payoffs for myopic actors (``values`` None), else each outcome's
    payoff plus what follows it, as the simulation values it.

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("korea-2017")
    >>> game, world = escalade.game.build_game(sc), sc.parameters.nominal()
    >>> free = escalade.scenario.Policy("free")
    >>> plan = Plan(sc, game, sc.dynamics, free, None, 3, None, "qre")
    >>> values, _ = lookahead(plan, world, "exact")
    >>> chunk = Chunk(plan, world, np.random.default_rng(0), values=values)
    >>> stage = chunk.stage(1)
    >>> bool(np.allclose(ahead_payoffs(values, chunk, stage), values.first.values))
    True
    >>> bool(np.array_equal(ahead_payoffs(None, chunk, stage), stage.values.payoffs))
    True
    """
    if values is None:
        return stage.values.payoffs
    return values.stage_payoffs(chunk, stage)


def foresight_of(scenario: Scenario, foresight: str | None = None) -> str:
    """How actors of ``scenario`` look ahead: ``foresight`` checked, default the scenario's.

    A one-shot scenario (no dynamics) has nothing to look ahead to: ``myopic``.

    Examples
    --------
    >>> import escalade
    >>> foresight_of(escalade.load("korea-2017")), foresight_of(escalade.load("iig"), "full")
    ('full', 'myopic')
    """
    if foresight is not None and foresight not in FORESIGHT:
        raise ParameterError(
            f"foresight must be one of {', '.join(FORESIGHT)}, found {foresight!r}",
            arguments=("foresight",),
        )
    if scenario.dynamics is None:
        return "myopic"
    return foresight or scenario.dynamics.foresight


def start_ahead(  # noqa: PLR0913 - the point, as stage_game has it
    scenario: Scenario,
    game: Game,
    policy: Policy,
    fixed: FloatArray | None,
    state: Mapping[str, float] | None,
    lam: float | None,
    method: str,
    mode: str,
) -> tuple[GameValues, str]:
    """The first period's payoffs with what follows, from ``state`` (initial values
    replaced), and how they were computed (``exact`` or ``approximate``).

    Examples
    --------
    >>> import escalade
    >>> from escalade.game import build_game
    >>> sc = escalade.load("korea-2017")
    >>> pay, how = start_ahead(sc, build_game(sc), Policy("free"), None, {}, None, "qre", "full")
    >>> pay.payoffs.shape, how
    ((1, 21, 5), 'exact')
    """
    dyn = scenario.dynamics
    if dyn is None:  # stage_game checks it: only scenarios with dynamics look ahead
        raise RuntimeError(f"{scenario.name}: looking ahead needs dynamics:, found none")
    if state:
        dyn = replace(dyn, state=tuple(_starting(v, state) for v in dyn.state))
        scenario = replace(scenario, dynamics=dyn)
    plan = Plan(scenario, game, dyn, policy, fixed, dyn.periods, lam, method)
    world = scenario.parameters.nominal()
    key = shape = None
    if scenario.text_hash:
        draws = {k: float(np.asarray(world[k]).ravel()[0]) for k in world}
        settings = (policy.name, dict(policy.levers), dict(state or {}), lam, method, mode)
        key = cache_key(scenario.name, scenario.text_hash, draws, *settings)
        reads = Transition(plan).reads
        read = {k: v for k, v in draws.items() if k in reads}
        shape = cache_key("shape", scenario.name, scenario.text_hash, read, *settings)
    values, info = lookahead(plan, world, mode, key=key, shape=shape)
    if values is None:  # stage_game calls this for forward-looking actors only
        raise RuntimeError(f"foresight {mode!r} computed no values to look ahead with")
    first = values.first
    return GameValues(first.values[:1], first.chance[:1]), info.method


def _starting(var: Any, state: Mapping[str, float]) -> Any:
    """State variable ``var`` starting at ``state``'s value, when it gives one."""
    if var.name not in state:
        return var
    value = float(var.clip(np.array([float(state[var.name])]))[0])
    formula = Formula(compile_expression(value), var.initial.loc, var.initial.what)
    return replace(var, initial=formula)
