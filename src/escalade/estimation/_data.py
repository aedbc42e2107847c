"""Data for estimation: a table of cells, checked and typed, and its design matrices.

The table comes from a CSV file or a DataFrame (:mod:`._csv`).

Columns are typed as R's ``read.csv`` and ``model.frame`` would type them:
a column whose values are all numbers is numeric, a column of text is a
*factor* whose levels are its distinct values, sorted (or a pandas
categorical's own order). In a formula a factor becomes indicator columns,
one per level except the first (R's treatment contrasts); in a formula
without a constant, the first factor keeps all its levels. Rows with a
missing value in any column the model reads are dropped, and the result
says how many (R's ``na.omit``).

Every mistake is a :class:`~escalade.errors.DataError` naming the file,
the column, the row (the file's line for CSV files), what was expected and
what was found.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import DataError

__all__ = ["DataTable", "Frame", "RowLabels", "design", "numbers"]

FloatArray = NDArray[np.float64]

#: Texts read as a missing value (R's default "NA", empty fields, and the usual others).
MISSING = frozenset({"", "NA", "NaN", "nan", "N/A", "NULL", "null", "."})
#: The delimiters a CSV file may use.
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class RowLabels:
    """Where each row came from, ``"line 7"`` or ``"row 5"``: written only for a message.

    Examples
    --------
    >>> RowLabels("line", (2, 3, 5))[2]
    'line 5'
    """

    kind: str
    labels: Sequence[Any]

    def __getitem__(self, i: int) -> str:
        return f"{self.kind} {self.labels[i]}"

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class DataTable:
    """A table as read: raw cells per column, and where each row came from.

    Attributes
    ----------
    name : str
        The file name as given, or ``"<DataFrame>"``.
    columns : tuple of str
        Column names in order.
    cells : dict of str to ndarray of shape (n_rows,)
        Text cells (CSV) or the DataFrame's values.
    where : RowLabels
        ``"line 7"`` (CSV) or ``"row 5"`` (DataFrame index) for each row.
    levels : dict of str to tuple of str
        Category order of pandas categorical columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalade.estimation import read_data
    >>> t = read_data(pd.DataFrame({"y": ["sq", "war"]}))
    >>> t.name, t.where[1], len(t.where)
    ('<DataFrame>', 'row 1', 2)
    """

    name: str
    columns: tuple[str, ...]
    cells: dict[str, NDArray[Any]]
    where: RowLabels
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.where)

    def need(self, column: str, what: str) -> NDArray[Any]:
        """The cells of ``column``, or a :class:`DataError` naming the columns there are."""
        if column not in self.cells:
            import difflib

            close = difflib.get_close_matches(column, self.columns, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            shown = ", ".join(self.columns[:20]) + (" ..." if len(self.columns) > 20 else "")
            extra = ""
            if len(self.columns) == 1 and any(d in self.columns[0] for d in DELIMITERS):
                extra = "; the header has one column: is the delimiter right?"
            raise DataError(
                f"{self.name}: no column {column!r} ({what}){hint}; columns: {shown}{extra}"
            )
        return self.cells[column]


@dataclass(frozen=True)
class Column:
    """A typed column: numbers (``levels`` empty) or a factor's codes into ``levels``."""

    name: str
    values: FloatArray
    levels: tuple[str, ...] = ()

    @property
    def is_factor(self) -> bool:
        """True for a factor."""
        return bool(self.levels)


def _number(text: Any) -> float | None:
    if isinstance(text, int | float | np.floating | np.integer):
        return float(text)
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, float | np.floating):
        return bool(math.isnan(x))
    return isinstance(x, str) and x.strip() in MISSING


def missing_mask(table: DataTable, column: str, what: str) -> NDArray[np.bool_]:
    """True where ``column`` has no value."""
    cells = table.need(column, what)
    if cells.dtype == np.float64:
        nan: NDArray[np.bool_] = np.isnan(cells)
        return nan
    import pandas as pd

    series = pd.Series(cells, dtype=object)
    return np.asarray(series.isna() | series.isin(MISSING), dtype=bool)


def numbers(cells: NDArray[Any]) -> FloatArray:
    """Each cell as a number, NaN where it is not one (vectorised)."""
    if cells.dtype == np.float64:
        return cells.astype(np.float64)
    import pandas as pd

    out = np.array(pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce"), dtype=np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


def typed_column(
    table: DataTable,
    column: str,
    rows: NDArray[np.int64],
    *,
    factor: bool = False,
    levels: Sequence[str] | None = None,
) -> Column:
    """Column ``column`` at ``rows`` (none missing), as numbers or as a factor.

    ``levels`` imposes a factor's levels (for predictions on new data).
    """
    cells = table.cells[column][rows]
    if levels is not None:
        if not levels:
            return _numeric(table, column, rows, cells)
        lookup = {lv: i for i, lv in enumerate(levels)}
        codes = np.empty(len(cells))
        for i, x in enumerate(cells):
            key = _level_text(x)
            if key not in lookup:
                raise DataError(
                    f"{table.name}: {table.where[rows[i]]}, column {column}: the value {key!r} "
                    f"is not a level the model was fitted with ({', '.join(levels)})"
                )
            codes[i] = lookup[key]
        return Column(column, codes, tuple(levels))
    if cells.dtype == np.float64 and not factor:
        return Column(column, cells.astype(np.float64))
    parsed = numbers(cells)
    is_num = ~np.isnan(parsed)
    n_num = int(is_num.sum())
    if not factor and column not in table.levels and n_num == len(cells):
        return Column(column, parsed)
    if not factor and column not in table.levels and n_num * 2 >= len(cells):
        bad = int(np.argmin(is_num))
        raise DataError(
            f"{table.name}: {table.where[rows[bad]]}, column {column}: expected a number "
            f"(the column's other values are numbers), found {str(cells[bad])!r}"
        )
    distinct, inverse = np.unique(cells.astype(str), return_inverse=True)
    texts = [_level_text(x) for x in distinct]
    present = set(texts)
    if column in table.levels:
        order = [lv for lv in table.levels[column] if lv in present]
    elif n_num == len(cells):
        order = sorted(present, key=lambda t: float(t))
    else:
        order = sorted(present)
    lookup = {lv: i for i, lv in enumerate(order)}
    codes = np.array([lookup[t] for t in texts], dtype=np.float64)[inverse]
    return Column(column, codes, tuple(order))


def _level_text(x: Any) -> str:
    if isinstance(x, float | np.floating) and float(x).is_integer():
        return str(int(x))
    text = str(x).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return text


def _numeric(table: DataTable, column: str, rows: NDArray[np.int64], cells: NDArray[Any]) -> Column:
    out = numbers(cells)
    bad = np.isnan(out)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{table.name}: {table.where[rows[i]]}, column {column}: expected a number, "
            f"found {str(cells[i])!r}"
        )
    return Column(column, out)


@dataclass(frozen=True)
class Frame:
    """The rows a model uses: typed columns, after dropping rows with missing values.

    Attributes
    ----------
    table : DataTable
    rows : ndarray of int
        Positions in ``table`` of the rows kept.
    columns : dict of str to Column
    dropped : dict of str to int
        Rows dropped for a missing value, counted by the first column missing.
    """

    table: DataTable
    rows: NDArray[np.int64]
    columns: dict[str, Column]
    dropped: dict[str, int]

    @property
    def n(self) -> int:
        """Number of rows used."""
        return len(self.rows)

    @property
    def n_dropped(self) -> int:
        """Number of rows dropped for missing values."""
        return sum(self.dropped.values())

    def levels(self) -> dict[str, tuple[str, ...]]:
        """Levels of each factor column (empty tuple for numeric columns)."""
        return {name: c.levels for name, c in self.columns.items()}


def make_frame(
    table: DataTable,
    needed: Iterable[tuple[str, str]],
    *,
    factors: Iterable[str] = (),
    levels: dict[str, tuple[str, ...]] | None = None,
    raw: Iterable[str] = (),
) -> Frame:
    """Check the columns a model reads, drop rows with missing values, type the rest.

    Parameters
    ----------
    table : DataTable
    needed : iterable of (column, what it is for)
    factors : iterable of str
        Columns to treat as factors even when numeric.
    levels : dict, optional
        Levels (``()`` for numeric) to impose, for predictions on new data.
    raw : iterable of str
        Columns kept untyped (outcome columns, typed by the model).
    """
    needed = list(dict.fromkeys(needed))
    keep = np.ones(table.n_rows, dtype=bool)
    dropped: dict[str, int] = {}
    for column, what in needed:
        miss = missing_mask(table, column, what)
        newly = int((miss & keep).sum())
        if newly:
            dropped[column] = newly
        keep &= ~miss
    rows = np.flatnonzero(keep)
    if not len(rows):
        detail = ", ".join(f"{c}: {k}" for c, k in dropped.items())
        raise DataError(
            f"{table.name}: no rows left after dropping the {table.n_rows} rows with a missing "
            f"value in a column the model reads ({detail or 'the table has no rows'})"
        )
    factor_set, raw_set = set(factors), set(raw)
    columns: dict[str, Column] = {}
    for column, _ in needed:
        if column in raw_set or column in columns:
            continue
        imposed = None if levels is None else levels.get(column)
        columns[column] = typed_column(
            table, column, rows, factor=column in factor_set, levels=imposed
        )
    return Frame(table, rows, columns, dropped)


def design(
    columns: Sequence[str], intercept: bool, frame: Frame
) -> tuple[FloatArray, tuple[str, ...]]:
    """The design matrix of a linear formula, with R's column names and coding.

    Returns
    -------
    X : ndarray of shape (n_rows, n_terms)
    names : tuple of str
        ``(Intercept)``, numeric column names, and ``column[level]`` for
        each indicator of a factor.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalade.estimation import read_data
    >>> t = read_data(pd.DataFrame({"x": [0.5, 1.5, 2.0], "g": ["b", "a", "c"]}))
    >>> fr = make_frame(t, [("x", "regressor"), ("g", "regressor")])
    >>> X, names = design(["x", "g"], True, fr)
    >>> names
    ('(Intercept)', 'x', 'g[b]', 'g[c]')
    >>> X[0].tolist()
    [1.0, 0.5, 1.0, 0.0]
    """
    parts: list[FloatArray] = []
    names: list[str] = []
    n = frame.n
    if intercept:
        parts.append(np.ones((n, 1)))
        names.append("(Intercept)")
    full_first = not intercept
    for name in columns:
        col = frame.columns[name]
        if not col.is_factor:
            parts.append(col.values[:, None])
            names.append(name)
            continue
        start = 0 if full_first else 1
        full_first = False
        for k in range(start, len(col.levels)):
            parts.append((col.values == k).astype(np.float64)[:, None])
            names.append(f"{name}[{col.levels[k]}]")
    if not parts:
        return np.zeros((n, 0)), ()
    return np.hstack(parts), tuple(names)
