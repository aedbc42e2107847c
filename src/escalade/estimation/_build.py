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

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import DataError, EstimationError, EstimationWarning, ScenarioError
from escalade.estimation._data import DataTable, Frame, _number, design, make_frame, numbers
from escalade.estimation._model import Equation, PredictorModel
from escalade.estimation._tree import Scale, TreeModel, TreeShape
from escalade.estimation._ultimatum import UltimatumModel
from escalade.game import CHANCE, DECISION, Game, build_game
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
    # rank from the Gram matrix: k x k, whatever the number of rows
    scale = np.sqrt((X * X).sum(axis=0))
    Z = X / np.where(scale > 0, scale, 1.0)
    gram = Z.T @ Z
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


def _shape(game: Game) -> TreeShape:
    first, count = game.first_child, game.n_children
    children = tuple(
        tuple(range(int(first[n]), int(first[n] + count[n]))) if count[n] else ()
        for n in range(game.n_nodes)
    )
    chance_vals = game.evaluate(game.parameters.nominal()).chance[0]
    chance = {
        n: np.array([chance_vals[game.edge_chance[c]] for c in children[n]])
        for n in range(game.n_nodes)
        if game.kind[n] == CHANCE
    }
    actions = tuple(
        tuple(
            game.action_names[game.edge_action[c]]
            if game.edge_action[c] >= 0
            else (game.chance_names[game.edge_chance[c]] if game.chance_names else str(k))
            for k, c in enumerate(children[n])
        )
        for n in range(game.n_nodes)
    )
    names = (
        tuple(p or "root" for p in game.node_paths)
        if game.node_paths
        else tuple(str(n) for n in range(game.n_nodes))
    )
    return TreeShape(
        children=children,
        player=np.where(game.kind == DECISION, game.player, -1).astype(np.int64),
        chance=chance,
        outcome=np.where(game.kind == 0, game.outcome, -1).astype(np.int64),
        names=names,
        actions=actions,
    )


def _identification(
    game: Game, shape: TreeShape, coef: FloatArray, equations: list[Equation], n_util: int
) -> None:
    below = shape.subtree_terminals()
    for n in range(shape.n_nodes):
        if shape.player[n] < 0:
            continue
        i = int(shape.player[n])
        outcomes = sorted({int(shape.outcome[t]) for t in below[n]})
        if len(outcomes) < 2:
            continue
        term_sets = []
        for o in outcomes:
            terms: set[str] = set()
            for j in range(n_util):
                if coef[i, o, j] != 0:
                    terms |= set(equations[j].terms)
            term_sets.append(terms)
        common = set.intersection(*term_sets)
        if common:
            shown = ", ".join(sorted(common))
            where = "the root" if n == 0 else shape.names[n]
            raise EstimationError(
                f"identification problem: {shown} appears in every utility of "
                f"{game.players[i]} for the outcomes that can follow its move at {where} "
                f"({', '.join(game.outcomes[o] for o in outcomes)}); adding the same amount to "
                "all of them changes no choice (Lewis and Schultz 2003). Drop it from one "
                "of these equations"
            )


def _observed(
    spec: EstimationSpec, frame: Frame, game: Game, shape: TreeShape
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    terminals = [n for n in range(shape.n_nodes) if not shape.children[n]]
    term_outcome = np.array([int(shape.outcome[t]) for t in terminals])
    table = frame.table
    rows = frame.rows
    if spec.outcome is not None:
        codes = _outcome_codes(spec, table, rows, game)
        return term_outcome[None, :] == codes[:, None], codes
    # moves recorded by 0/1 columns: walk down the tree for each row
    by_node: dict[int, tuple[str, int]] = {}
    for col, action in spec.actions:
        for n in range(shape.n_nodes):
            if shape.player[n] >= 0 and action in shape.actions[n]:
                by_node[n] = (col, shape.actions[n].index(action))
    values: dict[str, NDArray[np.int64]] = {}
    for col, _ in spec.actions:
        cells = table.cells[col][rows]
        out = np.empty(len(cells), dtype=np.int64)
        for r, x in enumerate(cells):
            v = _number(x)
            if v not in (0.0, 1.0):
                raise DataError(
                    f"{table.name}: {table.where[rows[r]]}, column {col}: expected 0 or 1 "
                    f"(whether the action was chosen), found {str(x)!r}"
                )
            out[r] = int(v or 0.0)
        values[col] = out
    term_pos = {t: k for k, t in enumerate(terminals)}
    observed = np.zeros((frame.n, len(terminals)), dtype=bool)
    for r in range(frame.n):
        stack = [0]
        while stack:
            n = stack.pop()
            kids = shape.children[n]
            if not kids:
                observed[r, term_pos[n]] = True
            elif n in by_node:
                col, k = by_node[n]
                stack.append(kids[k] if values[col][r] == 1 else kids[1 - k])
            else:
                stack.extend(kids)
    hit = observed.sum(axis=1) == 1
    codes = np.where(hit, term_outcome[observed.argmax(axis=1)], -1)
    return observed, codes


def _outcome_codes(
    spec: EstimationSpec, table: DataTable, rows: NDArray[np.int64], game: Game
) -> NDArray[np.int64]:
    col = spec.outcome
    assert col is not None
    names = game.outcomes
    mapping = dict(spec.outcome_values)
    index = {o: k for k, o in enumerate(names)}
    cells = table.cells[col][rows]
    import pandas as pd

    stripped = pd.Series(cells, dtype=object).astype(str).str.strip().to_numpy(dtype=str)
    distinct, inverse = np.unique(stripped, return_inverse=True)
    values = numbers(distinct.astype(object))
    # numeric codes, as R reads them: 1..K, or else the K distinct values in increasing order
    by_number: dict[float, str] = {}
    if not mapping and not np.isnan(values).any() and not any(t in index for t in distinct):
        ordered = sorted(set(values.tolist()))
        if all(v.is_integer() and 1 <= v <= len(names) for v in ordered):
            by_number = {v: names[int(v) - 1] for v in ordered}
        elif len(ordered) == len(names):
            by_number = dict(zip(ordered, names, strict=True))
    codes = np.empty(len(distinct), dtype=np.int64)
    for k, found in enumerate(distinct):
        text = str(found)
        number = None if np.isnan(values[k]) else float(values[k])
        if mapping:
            hit = mapping.get(text)
            if hit is None and number is not None:
                hit = next((o for key, o in mapping.items() if _number(key) == number), None)
        elif text in index:
            hit = text
        elif number is not None and number in by_number:
            hit = by_number[number]
        else:
            hit = None
        if hit is None:
            known = (
                ", ".join(mapping)
                if mapping
                else (
                    f"{', '.join(names)} (or numeric codes: 1 to {len(names)}, or {len(names)} "
                    "distinct numbers taken in increasing order)"
                )
            )
            r = int(np.argmax(inverse == k))
            raise DataError(
                f"{table.name}: {table.where[rows[r]]}, column {col}: the outcome {text!r} is not "
                f"an outcome of the tree; expected one of {known}"
            )
        codes[k] = index[hit]
    return codes[inverse]


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
    shape = _shape(game)
    equations, params, zero, scales = _equations(spec, frame, game.players)
    n_util = len(params)
    const, coef = _payoff_map(game, params, zero, len(equations))
    _identification(game, shape, coef, equations, n_util)
    if spec.error == "private":
        _check_private(game, shape)
    observed, codes = _observed(spec, frame, game, shape)
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
    _warn_separation(model, frame, game, codes)
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


def _check_private(game: Game, shape: TreeShape) -> None:
    below = shape.subtree_terminals()
    # nodes at or below a decision: the weights of a mover's shocks are computed there
    under = [False] * shape.n_nodes
    for n in reversed(shape.bottom_up()):
        for c in shape.children[n]:
            under[c] = under[n] or shape.player[n] >= 0
    for n in range(shape.n_nodes):
        kids = shape.children[n]
        if not kids or not (under[n] or shape.player[n] >= 0):
            continue
        sets = [{int(shape.outcome[t]) for t in below[c]} for c in kids]
        for a in range(len(sets)):
            for b in range(a + 1, len(sets)):
                if sets[a] & sets[b]:
                    raise EstimationError(
                        f"the private-information model needs different actions to lead to "
                        f"different outcomes; at {shape.names[n]} the outcome "
                        f"{game.outcomes[min(sets[a] & sets[b])]} follows two actions (use "
                        "error: agent)"
                    )
        i = int(shape.player[n])
        if i < 0:
            continue
        stack = list(kids)
        while stack:
            m = stack.pop()
            if shape.player[m] == i:
                raise EstimationError(
                    f"the private-information model assumes no player moves twice on a path; "
                    f"{game.players[i]} moves at {shape.names[n]} and again at "
                    f"{shape.names[m]} (use error: agent)"
                )
            stack.extend(shape.children[m])


def _warn_separation(model: TreeModel, frame: Frame, game: Game, codes: NDArray[np.int64]) -> None:
    seen = set(np.unique(codes[codes >= 0]).tolist())
    never = [
        game.outcomes[o]
        for o in sorted({int(model.shape.outcome[t]) for t in model.terminals})
        if o not in seen
    ]
    if never and (codes >= 0).all():
        warnings.warn(
            f"the outcome(s) {', '.join(never)} never occur in the {frame.n} rows: utilities "
            "that only matter for them are not identified and may run off to infinity; fix "
            "them (leave them out of utilities:) or use more data",
            EstimationWarning,
            stacklevel=4,
        )
    for n, took in model.took.items():
        if model.shape.player[n] < 0 or len(took) != 2:
            continue
        through = (took[0] + took[1]) > 0
        if not through.any():
            continue
        for eq in model.equations:
            if eq.kind != "utility":
                continue
            binary = ((eq.X == 0.0) | (eq.X == 1.0)).all(axis=0)
            for k, term in enumerate(eq.terms):
                x = eq.X[:, k]
                if term == "(Intercept)" or not binary[k]:
                    continue
                for level in (0.0, 1.0):
                    cell = through & (x == level)
                    if cell.sum() >= 1 and (took[0][cell].all() or took[1][cell].all()):
                        chosen = model.shape.actions[n][0 if took[0][cell].all() else 1]
                        warnings.warn(
                            f"separation: every one of the {int(cell.sum())} rows with "
                            f"{term} = {level:g} that reached {model.shape.names[n]} chose "
                            f"{chosen!r}; the coefficient of {term} in {eq.name} may run off to "
                            "infinity: merge categories, drop the term, or fix the utility",
                            EstimationWarning,
                            stacklevel=4,
                        )
                        return


def _build_ultimatum(
    scenario: Scenario, spec: EstimationSpec, frame: Frame, fixed: dict[str, str]
) -> Built:
    table, rows = frame.table, frame.rows
    assert spec.offer is not None
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
