"""What a perfect-information tree can learn from its data.

The tree's shape as the likelihood walks it, which terminal nodes each
row's outcome (or observed moves) is consistent with, and the checks made
before a fit: regressors that cannot be identified, games that private
information cannot handle, and outcomes never or always observed in a
cell (separation).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from escalade.errors import DataError, EstimationError, EstimationWarning
from escalade.estimation._data import DataTable, Frame, _number, numbers
from escalade.estimation._model import Equation
from escalade.estimation._tree import TreeModel, TreeShape
from escalade.game import CHANCE, DECISION, Game
from escalade.scenario import EstimationSpec

__all__ = [
    "check_private",
    "identification",
    "observed_terminals",
    "outcome_codes",
    "tree_shape",
    "warn_separation",
]

FloatArray = NDArray[np.float64]


def tree_shape(game: Game) -> TreeShape:
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


def identification(
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


def observed_terminals(
    spec: EstimationSpec, frame: Frame, game: Game, shape: TreeShape
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    terminals = [n for n in range(shape.n_nodes) if not shape.children[n]]
    term_outcome = np.array([int(shape.outcome[t]) for t in terminals])
    table = frame.table
    rows = frame.rows
    if spec.outcome is not None:
        codes = outcome_codes(spec, spec.outcome, table, rows, game)
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


def outcome_codes(
    spec: EstimationSpec, col: str, table: DataTable, rows: NDArray[np.int64], game: Game
) -> NDArray[np.int64]:
    names = game.outcomes
    mapping = dict(spec.outcome_values)
    index = {o: k for k, o in enumerate(names)}
    import pandas as pd

    # the distinct cells by hashing, then their texts: as many strip() calls as values
    first, uniques = pd.factorize(table.cells[col][rows])
    texts = np.array([str(u).strip() for u in np.asarray(uniques).tolist()], dtype=str)
    distinct, back = np.unique(texts, return_inverse=True)
    inverse = back[first]
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


def check_private(game: Game, shape: TreeShape) -> None:
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


def warn_separation(model: TreeModel, frame: Frame, game: Game, codes: NDArray[np.int64]) -> None:
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
    binary = [
        ((eq.X == 0.0) | (eq.X == 1.0)).all(axis=0) if eq.kind == "utility" else None
        for eq in model.equations
    ]
    for n, took in model.took.items():
        if model.shape.player[n] < 0 or len(took) != 2:
            continue
        through = (took[0] + took[1]) > 0
        if not through.any():
            continue
        for eq, is_binary in zip(model.equations, binary, strict=True):
            if is_binary is None:
                continue
            for k, term in enumerate(eq.terms):
                x = eq.X[:, k]
                if term == "(Intercept)" or not is_binary[k]:
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
