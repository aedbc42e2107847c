"""Build a model from a scenario's ``estimation:`` section and a data table.

This is where the scenario meets the data: the game's tree becomes a
:class:`~escalade.estimation._tree.TreeShape`; each estimated parameter's
equation becomes a design matrix; the payoffs, which may be any
expressions of the parameters, are checked to be affine in the estimated
ones (then ``payoff = const + coef @ parameters`` exactly); the observed
outcomes or moves become, for each row, the set of terminal nodes they
are consistent with; and the identification rule of Lewis and Schultz
(2003) that ``games`` enforces is applied to any tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import DataError, EstimationError, ScenarioError
from escalade.estimation._data import DataTable, Frame, design, make_frame
from escalade.estimation._model import Equation, PredictorModel
from escalade.estimation._tree import Scale, TreeModel
from escalade.estimation._tree_data import (
    check_private,
    identification,
    observed_terminals,
    tree_shape,
    warn_separation,
)
from escalade.estimation._ultimatum import UltimatumModel
from escalade.game import Game, build_game
from escalade.scenario import Draws, EstimationSpec, LinearFormula, ScaleSpec, Scenario

__all__ = ["Built", "build_model"]

FloatArray = NDArray[np.float64]


@dataclass
class Built:
    """A model ready to fit, with what is needed to explain and reuse it.

    Attributes
    ----------
    model : PredictorModel
    frame : Frame
        The rows used, typed.
    spec : EstimationSpec
        The section, with ``error``/``link`` as used.
    scenario : Scenario
    game : Game or None
    utility_params : tuple of str
        Estimated parameters, one per utility equation.
    zero_params : tuple of str
        Parameters whose equation is ``0``.
    outcome_names : tuple of str
    terminal_outcomes : tuple of str
        The outcome of each terminal node (tree models).
    response : ndarray
        Observed outcome index per row (tree models, -1 where only a set
        of outcomes is known), or the offers (ultimatum).
    accept : ndarray or None
        Ultimatum: acceptance per row.
    """

    model: PredictorModel
    frame: Frame
    spec: EstimationSpec
    scenario: Scenario
    game: Game | None
    utility_params: tuple[str, ...]
    zero_params: tuple[str, ...]
    outcome_names: tuple[str, ...] = ()
    terminal_outcomes: tuple[str, ...] = ()
    response: NDArray[Any] = field(default_factory=lambda: np.zeros(0))
    accept: FloatArray | None = None
    overrides: dict[str, str] = field(default_factory=dict)


def build_model(
    scenario: Scenario,
    spec: EstimationSpec,
    table: DataTable,
    *,
    overrides: Mapping[str, str | float] | None = None,
    levels: dict[str, tuple[str, ...]] | None = None,
) -> Built:
    """The model of ``scenario`` on ``table``, checked.

    Parameters
    ----------
    scenario : Scenario
    spec : EstimationSpec
        The scenario's section, possibly with ``error``/``link`` changed.
    table : DataTable
    overrides : mapping, optional
        Fixed parameters set to other values (``--set``).
    levels : dict, optional
        Factor levels to impose (predictions on new data).

    Raises
    ------
    ScenarioError, DataError, EstimationError
    """
    fixed = {k: str(v) for k, v in (overrides or {}).items()}
    _check_parameters(scenario, spec, fixed)
    needed: list[tuple[str, str]] = []
    raw: list[str] = []
    if spec.model == "ultimatum":
        for col, what in ((spec.offer, "the offers"), (spec.accept, "acceptance")):
            if col:
                needed.append((col, what))
    elif spec.outcome is not None:
        needed.append((spec.outcome, "the outcome"))
        raw.append(spec.outcome)
    else:
        for col, action in spec.actions:
            needed.append((col, f"whether {action} was chosen"))
            raw.append(col)
    for name, f in spec.utilities:
        needed += [(c, f"a regressor of {name}") for c in f.columns]
    for player, s in spec.scale:
        if s.formula is not None:
            needed += [
                (c, f"a regressor of the scale{' of ' + player if player else ''}")
                for c in s.formula.columns
            ]
    frame = make_frame(table, needed, factors=spec.factors, levels=levels, raw=raw)
    if spec.model == "ultimatum":
        return _build_ultimatum(scenario, spec, frame, fixed)
    return _build_tree(scenario, spec, frame, fixed)


def _check_parameters(scenario: Scenario, spec: EstimationSpec, fixed: dict[str, str]) -> None:
    locs = dict(spec.name_locs)
    space = scenario.parameters
    derived = {d.name for d in scenario.derived}
    for name, _ in spec.utilities:
        loc = locs.get(name)
        if name not in space:
            what = "a derived value" if name in derived else "not a parameter of the scenario"
            message = (
                f"estimation: utilities: {name!r} is {what}; an estimated utility must be a "
                f"parameter (parameters: {', '.join(space.names) or 'none'})"
            )
            raise loc.error(message) if loc else ScenarioError(message)
        if space[name].choices is not None:
            message = f"estimation: utilities: {name!r} is categorical; expected a number"
            raise loc.error(message) if loc else ScenarioError(message)
        if name in fixed:
            raise EstimationError(
                f"{name} is estimated (it has an equation under estimation: utilities:), so it "
                "cannot also be set to a value"
            )
    for _, p in spec.reservation:
        if p not in space:
            raise ScenarioError(
                f"estimation: reservation: {p!r} is not a parameter of the scenario "
                f"(parameters: {', '.join(space.names) or 'none'})",
                file=scenario.source,
            )


def _equations(
    spec: EstimationSpec, frame: Frame, players: tuple[str, ...]
) -> tuple[list[Equation], list[str], list[str], list[Scale]]:
    equations: list[Equation] = []
    estimated: list[str] = []
    zero: list[str] = []
    for name, f in spec.utilities:
        if f.is_zero:
            zero.append(name)
            continue
        X, terms = design(f.columns, f.intercept, frame)
        _check_rank(X, terms, name, frame)
        equations.append(Equation(name, X, terms))
        estimated.append(name)
    scales: list[Scale] = [Scale() for _ in players]
    named = dict(spec.scale)
    for k, player in enumerate(players):
        s: ScaleSpec | None = named.get(player, named.get(""))
        if s is None:
            continue
        if s.formula is None:
            scales[k] = Scale(s.value)
            continue
        # one equation shared by every player, or one per player
        label = "log_scale" if not spec.by_player else f"log_scale_{player}"
        existing = next((j for j, e in enumerate(equations) if e.name == label), None)
        if existing is None:
            X, terms = design(s.formula.columns, s.formula.intercept, frame)
            _check_rank(X, terms, label, frame)
            equations.append(
                Equation(label, X, terms, kind="scale", player="" if not spec.by_player else player)
            )
            existing = len(equations) - 1
        scales[k] = Scale(1.0, existing)
    return equations, estimated, zero, scales


def _check_rank(X: FloatArray, terms: tuple[str, ...], name: str, frame: Frame) -> None:
    if not X.shape[1]:
        return
    # rank from the Gram matrix of the columns scaled to unit length: k x k, whatever the
    # number of rows; the first term that adds nothing is looked for only when one does
    gram = X.T @ X
    scale = np.sqrt(np.diag(gram))
    unit = np.where(scale > 0, scale, 1.0)
    gram = gram / np.outer(unit, unit)
    lam = np.linalg.eigvalsh(gram)
    if scale.all() and lam[0] >= 1e-10 * max(1.0, lam[-1]):
        return
    for k in range(1, X.shape[1] + 1):
        lam = np.linalg.eigvalsh(gram[:k, :k])
        if scale[k - 1] == 0 or lam[0] < 1e-10 * max(1.0, lam[-1]):
            # the first term that adds nothing to the ones before it
            raise EstimationError(
                f"the equation of {name} cannot be estimated: its term {terms[k - 1]!r} is "
                f"constant or a combination of the terms before it in the {frame.n} rows "
                "used; drop it"
            )


def _payoff_map(
    game: Game, params: list[str], zero: list[str], n_pred: int
) -> tuple[FloatArray, FloatArray]:
    """``const`` (n_players, n_outcomes) and ``coef`` (n_players, n_outcomes, n_pred)."""
    space = game.parameters
    k = len(params)
    rng = np.random.default_rng(12345)
    probe = rng.uniform(0.3, 1.7, size=(2, k))
    n = 1 + k + 2
    values = {p.name: np.full(n, p.nominal) for p in space}
    for name in params + zero:
        values[name] = np.zeros(n)
    for j, name in enumerate(params):
        values[name][1 + j] = 1.0
        values[name][1 + k :] = probe[:, j] * np.array([1.0, -2.5])
    pay = game.evaluate(Draws(values, n, space)).payoffs  # (n, n_outcomes, n_players)
    const = pay[0].T
    coef = np.zeros((game.n_players, game.n_outcomes, n_pred))
    for j in range(k):
        coef[:, :, j] = (pay[1 + j] - pay[0]).T
    for r in range(2):
        point = probe[r] * (1.0 if r == 0 else -2.5)
        expected = const + coef[:, :, :k] @ point
        got = pay[1 + k + r].T
        bad = ~np.isclose(got, expected, rtol=1e-8, atol=1e-8 * (1 + np.abs(expected)))
        if bad.any():
            i, o = (int(x) for x in np.argwhere(bad)[0])
            raise EstimationError(
                f"the payoff of {game.players[i]} at {game.outcomes[o]} is not linear in the "
                f"estimated parameters ({', '.join(params)}); write payoffs as sums of "
                "estimated parameters times constants"
            )
    return const, coef


def _build_tree(
    scenario: Scenario, spec: EstimationSpec, frame: Frame, fixed: dict[str, str]
) -> Built:
    game = build_game(scenario)
    if fixed:
        game = replace(game, parameters=game.parameters.fixed(fixed))
    if not game.is_perfect_information:
        raise EstimationError(
            f"{scenario.name} has information sets with several nodes; statistical backward "
            "induction needs perfect information (fit an imperfect-information game's "
            "precision with escalade.estimation.fit_qre)"
        )
    shape = tree_shape(game)
    equations, params, zero, scales = _equations(spec, frame, game.players)
    n_util = len(params)
    const, coef = _payoff_map(game, params, zero, len(equations))
    identification(game, shape, coef, equations, n_util)
    if spec.error == "private":
        check_private(game, shape)
    observed, codes = observed_terminals(spec, frame, game, shape)
    model = TreeModel(
        tuple(equations),
        shape,
        const,
        coef,
        tuple(scales),
        spec.error,
        spec.link,
        observed,
    )
    warn_separation(model, frame, game, codes)
    terminal_outcomes = tuple(game.outcomes[int(shape.outcome[t])] for t in model.terminals)
    return Built(
        model=model,
        frame=frame,
        spec=spec,
        scenario=scenario,
        game=game,
        utility_params=tuple(params),
        zero_params=tuple(zero),
        outcome_names=game.outcomes,
        terminal_outcomes=terminal_outcomes,
        response=codes,
        overrides=fixed,
    )


def _build_ultimatum(
    scenario: Scenario, spec: EstimationSpec, frame: Frame, fixed: dict[str, str]
) -> Built:
    table, rows = frame.table, frame.rows
    if spec.offer is None:
        raise EstimationError(
            "the ultimatum model needs offer: the column of the offers; found none"
        )
    offers = frame.columns[spec.offer].values if spec.offer in frame.columns else None
    if offers is None or frame.columns[spec.offer].is_factor:
        raise DataError(f"{table.name}: column {spec.offer}: expected numeric offers")
    for r, y in enumerate(offers):
        if y > spec.max_offer + 1e-8 or y < spec.min_offer - 1e-8:
            raise DataError(
                f"{table.name}: {table.where[rows[r]]}, column {spec.offer}: the offer {y:g} is "
                f"outside [min_offer, max_offer] = [{spec.min_offer:g}, {spec.max_offer:g}]"
            )
    accept = None
    if spec.accept:
        acc = frame.columns[spec.accept].values
        bad = ~np.isin(acc, (0.0, 1.0))
        if bad.any():
            r = int(np.argmax(bad))
            raise DataError(
                f"{table.name}: {table.where[rows[r]]}, column {spec.accept}: expected 0 or 1 "
                f"(whether the offer was accepted), found {acc[r]:g}"
            )
        accept = acc
    space = scenario.parameters
    equations: list[Equation] = []
    params: list[str] = []
    zero: list[str] = []
    formulas = dict(spec.utilities)
    reservation_values: list[float] = []
    for _, pname in spec.reservation:
        f: LinearFormula | None = formulas.get(pname)
        if f is None or f.is_zero:
            (zero if f is not None else []).append(pname)
            reservation_values.append(0.0 if f is not None else float(space[pname].nominal))
            continue
        X, terms = design(f.columns, f.intercept, frame)
        _check_rank(X, terms, pname, frame)
        equations.append(Equation(pname, X, terms))
        params.append(pname)
        reservation_values.append(float("nan"))
    scales = []
    for player, s in spec.scale:
        if s.formula is None:
            scales.append(Scale(s.value))
        else:
            equations.append(
                Equation(
                    f"log_scale_{player}", np.ones((frame.n, 1)), ("(Intercept)",), "scale", player
                )
            )
            scales.append(Scale(1.0, len(equations) - 1))
    model = UltimatumModel(
        tuple(equations),
        offers,
        accept,
        spec.min_offer,
        spec.max_offer,
        tuple(scales),
        tuple(reservation_values),
        tuple(params),
        tuple(p for _, p in spec.reservation),
    )
    return Built(
        model=model,
        frame=frame,
        spec=spec,
        scenario=scenario,
        game=None,
        utility_params=tuple(params),
        zero_params=tuple(zero),
        response=offers,
        accept=accept,
        overrides=fixed,
    )
