"""Predictions of a fitted model: per row of data, and along one covariate.

:func:`predict` gives each row's outcome probabilities (or each move's
probability) under the fitted coefficients. :func:`predict_grid` varies
one column over a grid with every other column held at a typical value
(mean of numbers, median of 0/1 columns, most frequent level of factors,
as ``games::predProbs`` does) and adds confidence bands from the
bootstrap estimates, or else from draws of the coefficients' normal
sampling distribution.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import DataError, ParameterError
from escalade.estimation._csv import read_data
from escalade.estimation._data import Column, DataTable, design, make_frame
from escalade.estimation._model import Equation, PredictorModel
from escalade.estimation._tree import TreeModel
from escalade.estimation._ultimatum import UltimatumModel
from escalade.scenario import Seed, as_generator

if TYPE_CHECKING:
    import pandas as pd

    from escalade.estimation._result import EstimationResult

__all__ = ["predict", "predict_grid", "typical_row"]

#: Draws of the coefficients for confidence bands when there are no bootstrap estimates.
_BAND_DRAWS = 1000

FloatArray = NDArray[np.float64]


def _regressors(result: EstimationResult) -> list[str]:
    cols: list[str] = []
    for _, f in result.spec.utilities:
        cols += f.columns
    for _, s in result.spec.scale:
        if s.formula is not None:
            cols += s.formula.columns
    return list(dict.fromkeys(cols))


def model_on(result: EstimationResult, table: DataTable) -> PredictorModel:
    """The fitted model's likelihood with its regressors taken from ``table``."""
    columns = _regressors(result)
    levels = result.built.frame.levels()
    frame = make_frame(table, [(c, "a regressor") for c in columns], levels=levels)
    if frame.n != table.n_rows:
        raise DataError(
            f"{table.name}: {table.n_rows - frame.n} rows have missing regressors; predictions "
            "need every regressor"
        )
    old = result.model
    formulas = dict(result.spec.utilities)
    scale_formulas = {p: s.formula for p, s in result.spec.scale}
    equations = []
    X: FloatArray
    terms: tuple[str, ...]
    for eq in old.equations:
        f = formulas.get(eq.name) if eq.kind == "utility" else scale_formulas.get(eq.player)
        if f is None:  # a constant (ultimatum scales)
            X, terms = np.ones((frame.n, 1)), ("(Intercept)",)
        else:
            X, terms = design(f.columns, f.intercept, frame)
        if terms != eq.terms:
            raise DataError(
                f"{table.name}: the regressors of {eq.name} give the terms {', '.join(terms)}; the "
                f"model was fitted with {', '.join(eq.terms)}"
            )
        equations.append(Equation(eq.name, X, terms, eq.kind, eq.player))
    model = copy.copy(old)
    PredictorModel.__init__(model, tuple(equations))
    if isinstance(model, TreeModel):
        model.set_observed(np.zeros((frame.n, len(model.terminals)), dtype=bool))
    return model


def _tree(model: PredictorModel) -> TreeModel:
    """The model as a tree model: the one kind besides the ultimatum model."""
    if not isinstance(model, TreeModel):
        raise RuntimeError(f"expected a tree model, found {type(model).__name__}")
    return model


def _outcome_table(
    result: EstimationResult, model: PredictorModel, theta: FloatArray
) -> FloatArray:
    """Outcome probabilities, shape (n_fits, n_obs, n_columns)."""
    if isinstance(model, UltimatumModel):
        return np.stack([np.column_stack(model.predict(t[None])) for t in theta])
    terminal, _ = _tree(model).outcome_probabilities(theta)
    names = result.built.outcome_names
    out = np.zeros((*terminal.shape[:2], len(names)))
    for k, o in enumerate(result.built.terminal_outcomes):
        out[..., names.index(o)] += terminal[..., k]
    return out


def _table(
    result: EstimationResult, model: PredictorModel, theta: FloatArray, kind: str
) -> FloatArray:
    """What ``kind`` asks for, shape (n_fits, n_obs, n_columns), columns as :func:`_columns`."""
    if kind == "outcome" or isinstance(model, UltimatumModel):
        return _outcome_table(result, model, theta)
    tree = _tree(model)
    _, moves = tree.outcome_probabilities(theta)
    return np.concatenate([moves[n] for n in sorted(tree.took)], axis=-1)


def _columns(result: EstimationResult, kind: str) -> list[str]:
    if result.spec.model == "ultimatum":
        return ["E(offer)", "P(accept)"]
    if kind == "outcome":
        return [f"P({o})" for o in result.built.outcome_names]
    model = _tree(result.model)
    shape = model.shape
    return [f"P({a} at {shape.names[n]})" for n in sorted(model.took) for a in shape.actions[n]]


def predict(result: EstimationResult, data: Any = None, *, kind: str = "outcome") -> Any:
    """Predicted probabilities for each row of ``data`` (default: the rows fitted).

    Parameters
    ----------
    result : EstimationResult
    data : str, Path, pandas.DataFrame or DataTable, optional
        Needs the regressor columns only.
    kind : {"outcome", "action"}
        Outcome probabilities, or each move's probability at each decision
        node (given that the node is reached). The ultimatum model gives
        the expected offer and the probability of acceptance.

    Returns
    -------
    pandas.DataFrame
        One row per data row.

    Examples
    --------
    >>> import escalade
    >>> p = escalade.estimate("egame12").predict()
    >>> p.columns.tolist(), p.shape[0]
    (['P(sq)', 'P(capit)', 'P(war)'], 282)
    """
    import pandas as pd

    if kind not in ("outcome", "action"):
        raise ParameterError(
            f"kind must be 'outcome' or 'action', found {kind!r}", arguments=("kind",)
        )
    if data is None:
        model = result.model
    else:
        table = data if isinstance(data, DataTable) else read_data(data)
        model = model_on(result, table)
    theta = result.coef[None]
    values = _table(result, model, theta, kind)[0]
    return pd.DataFrame(values, columns=_columns(result, kind))


def typical_row(result: EstimationResult, at: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A typical observation: mean of numbers, median of 0/1 columns, mode of factors.

    Examples
    --------
    >>> import escalade
    >>> row = escalade.estimate("egame12").typical_row()
    >>> row["regime1"], row["revis1"]
    ('mixed', 1.0)
    """
    frame = result.built.frame
    row: dict[str, Any] = {}
    for name in _regressors(result):
        col = frame.columns[name]
        if col.is_factor:
            counts = np.bincount(col.values.astype(np.int64), minlength=len(col.levels))
            row[name] = col.levels[int(np.argmax(counts))]
        elif np.isin(col.values, (0.0, 1.0)).all():
            row[name] = float(np.median(col.values))
        else:
            row[name] = float(np.mean(col.values))
    for key, value in (at or {}).items():
        if key not in row:
            raise ParameterError(
                f"unknown regressor {key!r} in at; the model's regressors: {', '.join(row)}",
                arguments=("at",),
            )
        row[key] = value
    return row


def _grid_values(col: Column, values: Sequence[Any] | int) -> list[Any]:
    """The values a grid takes: as given, or chosen from the column."""
    if not isinstance(values, int):
        return list(values)
    if isinstance(values, bool) or values < 2:
        raise ParameterError(
            f"values must be a sequence or a whole number >= 2, found {values!r}",
            arguments=("values",),
        )
    if col.is_factor:
        return list(col.levels)
    if np.isin(col.values, (0.0, 1.0)).all():
        return [0.0, 1.0]
    return list(np.linspace(col.values.min(), col.values.max(), values))


def predict_grid(
    result: EstimationResult,
    column: str,
    *,
    values: Sequence[Any] | int = 50,
    at: Mapping[str, Any] | None = None,
    kind: str = "outcome",
    ci: float = 0.95,
    seed: Seed = 0,
) -> pd.DataFrame:
    """Predicted probabilities as ``column`` varies, the other regressors held typical.

    Parameters
    ----------
    result : EstimationResult
    column : str
        A regressor.
    values : sequence or int
        Its values; or, for a column of numbers other than 0 and 1, how many
        points from its minimum to its maximum (the levels of a factor, and
        0 and 1 for a 0/1 column).
    at : mapping, optional
        Values of other regressors (default: :func:`typical_row`).
    kind : {"outcome", "action"}
    ci : float
        Width of the confidence bands (0 for none): quantiles over the
        bootstrap estimates, or else over 1,000 draws of the coefficients
        from their normal sampling distribution.
    seed : int, Generator or None
        Seed of those draws.

    Returns
    -------
    pandas.DataFrame
        ``column``, then each probability with ``:low`` and ``:high`` bands.

    Examples
    --------
    >>> import escalade
    >>> g = escalade.estimate("egame12").predict_grid("balanc", values=3)
    >>> g.columns.tolist()[:3], g.shape
    (['balanc', 'P(sq)', 'P(sq):low'], (3, 10))
    """
    import pandas as pd

    row = typical_row(result, at)
    if column not in row:
        raise ParameterError(
            f"unknown regressor {column!r}; the model's regressors: {', '.join(row)}",
            arguments=("column",),
        )
    values = _grid_values(result.built.frame.columns[column], values)
    grid = {k: [v] * len(values) for k, v in row.items()}
    grid[column] = list(values)
    frame = pd.DataFrame(grid)
    for name in grid:
        if result.built.frame.columns[name].is_factor:
            frame[name] = frame[name].astype(str)
    model = model_on(result, read_data(frame))
    names = _columns(result, kind)

    point = _table(result, model, result.coef[None], kind)[0]
    out = pd.DataFrame({column: list(values)})
    spread = None
    if ci > 0:
        if result.boot is not None:
            thetas = result.boot
        else:
            rng = as_generator(seed)
            thetas = rng.multivariate_normal(result.coef, result.cov("hessian"), size=_BAND_DRAWS)
        sims = _table(result, model, thetas, kind)
        q = (1.0 - ci) / 2.0
        spread = (np.quantile(sims, q, axis=0), np.quantile(sims, 1.0 - q, axis=0))
    for k, name in enumerate(names):
        out[name] = point[:, k]
        if spread is not None:
            out[f"{name}:low"] = spread[0][:, k]
            out[f"{name}:high"] = spread[1][:, k]
    return out
