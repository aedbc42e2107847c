"""PRIM's peeling and pasting loops, over columns prepared as arrays.

The engine behind :func:`escalade.exploration._prim.prim` (see that
module for the method, its objectives and how it follows EMA Workbench
2.5.3's ``Prim.find_box``): the input checks that turn ``x`` and ``y``
into arrays, the quantile rule of the cuts, the scores of candidate
boxes, and the loops that peel and then paste one box at a time,
vectorised over the candidates of a step.

References
----------
Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in high-dimensional
data. Statistics and Computing, 9(2), 123-143.

Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. Environmental
Modelling & Software, 96, 239-250.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from escalade.errors import ParameterError

__all__ = ["BoolArray", "FloatArray", "IntArray"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

_FLOAT, _INT, _CAT = "float", "int", "category"


@dataclass(frozen=True)
class _Data:
    """The columns of ``x`` as arrays: numbers, or codes of categories."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    values: FloatArray  # (n_cases, n_columns); codes for categorical columns
    categories: dict[int, tuple[Any, ...]]
    order: IntArray  # candidate order: float, then integer, then categorical columns

    def of_kind(self, kind: str) -> IntArray:
        return np.array([j for j in self.order if self.kinds[j] == kind], dtype=np.intp)


@dataclass(frozen=True)
class _Step:
    """One box of the trajectory: limits and counts."""

    phase: str
    lower: FloatArray  # NaN for categorical columns
    upper: FloatArray
    allowed: dict[int, BoolArray]  # per categorical column, which categories are inside
    n: int
    k: int


def _quantile(s: FloatArray, q: float) -> FloatArray:
    """Column-wise quantile of sorted columns ``s``, EMA Workbench's rule.

    With ``p = (m - 1) q``: for ``q <= 0.5`` the midpoint between the value at
    ``floor(p)`` and the first larger value at or after ``ceil(p)``; for
    ``q > 0.5`` the midpoint between the value at ``ceil(p)`` and the last
    smaller value at or before ``floor(p)``. A cut there falls between two
    distinct values, so it never splits cases that share a value.
    """
    m = s.shape[0]
    pos = (m - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    cols = np.arange(s.shape[1])
    if q > 0.5:
        below = (s < s[hi]).sum(axis=0) - 1  # last position of a smaller value
        lo_idx = np.maximum(np.minimum(lo, below), 0)
        return np.asarray((s[lo_idx, cols] + s[hi]) / 2, dtype=np.float64)
    upto = (s <= s[lo]).sum(axis=0)  # first position of a larger value
    hi_idx = np.minimum(np.maximum(hi, upto), m - 1)
    return np.asarray((s[lo] + s[hi_idx, cols]) / 2, dtype=np.float64)


def _objective(kind: str, n0: int, k0: int, n: IntArray, k: IntArray) -> FloatArray:
    """Score of candidate boxes with ``n`` cases, ``k`` of interest."""
    d = np.divide(k, n, out=np.zeros(n.shape), where=n > 0)
    if kind == "original":
        return np.where(n > 0, d, -1.0)
    d0 = k0 / n0
    change = np.abs(n0 - n)
    gain = d - d0 if kind == "lenient1" else n * (d - d0)
    score = np.divide(gain, change, out=np.zeros(n.shape), where=change > 0)
    return np.where(d != d0, score, 0.0)


def _best(score: FloatArray, n_res: IntArray) -> int:
    """Highest score, then fewest restricted columns, then the first."""
    top = np.flatnonzero(score == score.max())
    return int(top[np.argmin(n_res[top])])


def _interleave(a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
    """``a[0], b[0], a[1], b[1], ...``: per column, the high cut then the low cut."""
    return np.column_stack((a, b)).ravel()


# A set of candidate boxes, one entry per candidate: the column changed, how
# (0 = new low limit, 1 = new high limit, 2 = new set of categories), the new limit
# (a code for categories), cases and cases of interest inside, and whether the
# column is restricted in the candidate.
_Candidates = tuple[IntArray, IntArray, FloatArray, IntArray, IntArray, BoolArray]


class _Prim:
    """The peeling and pasting loops over prepared data (one box, as ``find_box``)."""

    def __init__(self, data: _Data, coi: BoolArray, opts: dict[str, Any]) -> None:
        self.d, self.y, self.o = data, coi, opts
        self.n_all = data.values.shape[0]
        numeric = np.array([kind != _CAT for kind in data.kinds])
        self.numeric = numeric
        self.init_lower = np.where(numeric, data.values.min(axis=0), np.nan)
        self.init_upper = np.where(numeric, data.values.max(axis=0), np.nan)

    def restricted(self, box: _Step) -> BoolArray:
        res: BoolArray = self.numeric & (
            (box.lower != self.init_lower) | (box.upper != self.init_upper)
        )
        for j, allowed in box.allowed.items():
            res[j] = not allowed.all()
        return res

    def inside(self, box: _Step) -> BoolArray:
        v, num = self.d.values, self.numeric
        mask = ((v[:, num] >= box.lower[num]) & (v[:, num] <= box.upper[num])).all(axis=1)
        for j, allowed in box.allowed.items():
            mask &= allowed[v[:, j].astype(np.intp)]
        return np.asarray(mask, dtype=bool)

    def run(self) -> list[_Step]:
        allowed = {j: np.ones(len(c), dtype=bool) for j, c in self.d.categories.items()}
        start = _Step(
            "start", self.init_lower, self.init_upper, allowed, self.n_all, int(self.y.sum())
        )
        steps, rows = [start], np.arange(self.n_all)
        while (peeled := self.peel(steps[-1], rows)) is not None:
            steps.append(peeled[0])
            rows = peeled[1]
        while (pasted := self.paste(steps[-1])) is not None:
            steps.append(pasted)
        return steps

    def _numeric_peels(self, kind: str, cols: IntArray, box: _Step, rows: IntArray) -> _Candidates:
        alpha, y = self.o["peel_alpha"], self.y[rows, None]
        x = self.d.values[np.ix_(rows, cols)]
        s = np.sort(x, axis=0)
        lo, hi = box.lower[cols], box.upper[cols]
        lo0, hi0 = self.init_lower[cols], self.init_upper[cols]
        q_hi, q_lo = _quantile(s, 1 - alpha), _quantile(s, alpha)
        if kind == _FLOAT:
            keep_hi, keep_lo = x <= q_hi, x >= q_lo
            new_hi, new_lo = q_hi, q_lo
        else:
            # Whole numbers: a cut that lands on the current limit drops that value, and
            # the new limit is the value next to the cut.
            q_hi, q_lo = np.trunc(q_hi), np.trunc(q_lo)
            keep_hi = np.where(q_hi == hi, x < hi, x <= q_hi) & (x >= lo)
            keep_lo = np.where(q_lo == lo, x > lo, x >= q_lo) & (x <= hi)
            new_hi = np.where(
                keep_hi.any(axis=0), np.where(keep_hi, x, -np.inf).max(axis=0), x.max(axis=0)
            )
            new_lo = np.where(
                keep_lo.any(axis=0), np.where(keep_lo, x, np.inf).min(axis=0), x.min(axis=0)
            )
        return (
            _interleave(cols, cols),
            _interleave(np.ones_like(cols), np.zeros_like(cols)),
            _interleave(new_hi, new_lo),
            _interleave(keep_hi.sum(axis=0), keep_lo.sum(axis=0)),
            _interleave((keep_hi & y).sum(axis=0), (keep_lo & y).sum(axis=0)),
            _interleave((new_hi != hi0) | (lo != lo0), (new_lo != lo0) | (hi != hi0)),
        )

    def _category_peels(self, j: int, box: _Step, rows: IntArray) -> _Candidates:
        allowed, y = box.allowed[j], self.y[rows]
        codes = self.d.values[rows, j].astype(np.intp)
        n_c = np.bincount(codes, minlength=allowed.size)
        k_c = np.bincount(codes[y], minlength=allowed.size)
        inside = np.flatnonzero(allowed)
        return (
            np.full(inside.size, j),
            np.full(inside.size, 2),
            inside.astype(np.float64),
            rows.size - n_c[inside],
            int(y.sum()) - k_c[inside],
            np.ones(inside.size, dtype=bool),
        )

    def peel(self, box: _Step, rows: IntArray) -> tuple[_Step, IntArray] | None:
        d = self.d
        parts = [
            self._numeric_peels(kind, cols, box, rows)
            for kind in (_FLOAT, _INT)
            if (cols := d.of_kind(kind)).size
        ]
        parts += [
            self._category_peels(int(j), box, rows)
            for j in d.of_kind(_CAT)
            if box.allowed[int(j)].sum() > 1
        ]
        if not parts:
            return None
        col, side, limit, n, k, after = (np.concatenate(p) for p in zip(*parts, strict=True))
        res = self.restricted(box)
        score = _objective(self.o["objective"], box.n, box.k, n, k)
        i = _best(score, res.sum() - res[col] + after)
        if not (n[i] / self.n_all >= self.o["mass_min"] and n[i] < box.n and score[i] > 0):
            return None
        j, value = int(col[i]), d.values[rows, int(col[i])]
        lower, upper, allowed = box.lower.copy(), box.upper.copy(), dict(box.allowed)
        if side[i] == 1:
            upper[j], keep = limit[i], value <= limit[i]
        elif side[i] == 0:
            lower[j], keep = limit[i], value >= limit[i]
        else:
            allowed[j] = allowed[j].copy()
            allowed[j][int(limit[i])] = False
            keep = value != limit[i]
        return _Step("peel", lower, upper, allowed, int(n[i]), int(k[i])), rows[keep]

    def paste(self, box: _Step) -> _Step | None:
        d, alpha, v = self.d, self.o["paste_alpha"], self.d.values
        res = self.restricted(box)
        cols = [int(j) for j in d.order if res[j]]
        if not cols:
            return None
        within = np.empty((self.n_all, len(cols)), dtype=bool)
        for c, j in enumerate(cols):
            if d.kinds[j] == _CAT:
                within[:, c] = box.allowed[j][v[:, j].astype(np.intp)]
            else:
                within[:, c] = (v[:, j] >= box.lower[j]) & (v[:, j] <= box.upper[j])
        n_out = (~within).sum(axis=1)
        # Each candidate: column, side (as in _Candidates), new limit, cases inside,
        # whether the column stays restricted.
        found: list[tuple[int, int, Any, BoolArray, bool]] = []
        for c, j in enumerate(cols):
            others = n_out - ~within[:, c] == 0  # inside on every other restricted column
            xj = v[:, j]
            if d.kinds[j] == _CAT:
                for code in np.flatnonzero(~box.allowed[j]):
                    wider = box.allowed[j].copy()
                    wider[code] = True
                    inside = others & wider[xj.astype(np.intp)]
                    found.append((j, 2, wider, inside, not wider.all()))
                continue
            lo, hi, lo0, hi0 = box.lower[j], box.upper[j], self.init_lower[j], self.init_upper[j]
            # Widen towards the cases just outside: the quantile of the slab between
            # the current limit and the edge of the data.
            below = np.sort(xj[others & (xj >= lo0) & (xj <= lo)])
            above = np.sort(xj[others & (xj >= hi) & (xj <= hi0)])
            low = _quantile(below[:, None], 1 - alpha)[0] if below.size else lo0
            high = _quantile(above[:, None], alpha)[0] if above.size else hi0
            if d.kinds[j] == _INT:  # whole-number limits keep the same cases inside
                low, high = float(math.ceil(low)), float(math.floor(high))
            found.append((j, 0, low, others & (xj >= low) & (xj <= hi), low != lo0 or hi != hi0))
            found.append((j, 1, high, others & (xj >= lo) & (xj <= high), lo != lo0 or high != hi0))
        masks = np.array([f[3] for f in found])
        n, k = masks.sum(axis=1), (masks & self.y).sum(axis=1)
        score = _objective(self.o["objective"], box.n, box.k, n, k)
        i = _best(score, np.array([res.sum() - 1 + f[4] for f in found]))
        if not (n[i] / self.n_all >= self.o["mass_min"] and n[i] > box.n and score[i] > 0):
            return None
        if not k[i] / n[i] > box.k / box.n:  # pasting must raise the density
            return None
        j, side, new = found[i][0], found[i][1], found[i][2]
        lower, upper, allowed = box.lower.copy(), box.upper.copy(), dict(box.allowed)
        if side == 0:
            lower[j] = new
        elif side == 1:
            upper[j] = new
        else:
            allowed[j] = new
        return _Step("paste", lower, upper, allowed, int(n[i]), int(k[i]))


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON knows."""
    return value.item() if isinstance(value, np.generic) else value


def _prepare_x(x: pd.DataFrame | ArrayLike) -> _Data:
    if not isinstance(x, pd.DataFrame):
        arr = np.asarray(x)
        if arr.ndim != 2:
            raise ParameterError(
                f"expected x as a DataFrame or a 2-d array of shape (n_cases, n_columns), "
                f"found an array of shape {arr.shape}"
            )
        x = pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ParameterError(f"expected cases and columns in x, found shape {x.shape}")
    names = tuple(str(c) for c in x.columns)
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ParameterError(f"expected distinct column names in x, found {twice} twice")
    kinds, columns, categories = [], [], {}
    for j, name in enumerate(names):
        col = x.iloc[:, j]
        dtype = col.dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            if col.isna().any():
                row = int(np.flatnonzero(col.isna().to_numpy())[0])
                raise ParameterError(
                    f"column {name!r} of x: expected a category, found a missing value in row {row}"
                )
            try:
                codes, uniques = pd.factorize(col, sort=True)
            except TypeError:  # categories of mixed types do not sort
                codes, uniques = pd.factorize(col)
            kinds.append(_CAT)
            categories[j] = tuple(_plain(u) for u in uniques)
            columns.append(codes.astype(np.float64))
            continue
        if pd.api.types.is_complex_dtype(dtype):
            raise ParameterError(f"column {name!r} of x: expected real numbers, found {dtype}")
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ParameterError(
                f"column {name!r} of x: expected finite numbers, found "
                f"{values[bad[0]]} in row {int(bad[0])}"
            )
        kinds.append(_INT if pd.api.types.is_integer_dtype(dtype) else _FLOAT)
        columns.append(values)
    rank = {_FLOAT: 0, _INT: 1, _CAT: 2}
    order = np.array(sorted(range(len(names)), key=lambda j: rank[kinds[j]]), dtype=np.intp)
    return _Data(names, tuple(kinds), np.column_stack(columns), categories, order)


def _prepare_y(y: ArrayLike, n: int, y_threshold: float | None, threshold_type: str) -> BoolArray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ParameterError(
            f"expected y of shape ({n},), one value per row of x, found shape {arr.shape}"
        )
    if threshold_type not in ("above", "below"):
        raise ParameterError(
            f"expected threshold_type 'above' or 'below', found {threshold_type!r}"
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ParameterError(f"expected y of booleans or numbers, found dtype {arr.dtype}")
    values = arr.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ParameterError(f"expected finite values in y, found {values[bad[0]]} at {bad[0]}")
    if y_threshold is None:
        if threshold_type != "above":
            raise ParameterError(
                "threshold_type applies to a numeric y with y_threshold; found no y_threshold"
            )
        binary = (values == 0.0) | (values == 1.0)
        if not binary.all():
            raise ParameterError(
                "expected y as booleans (or 0/1) marking the cases of interest, or y_threshold "
                f"to classify a numeric y; found the value {values[~binary][0]}"
            )
        coi = values == 1.0
    elif arr.dtype == bool:
        raise ParameterError(
            f"y_threshold classifies a numeric y; found y_threshold={y_threshold} with a boolean y"
        )
    elif not math.isfinite(y_threshold):
        raise ParameterError(f"expected a finite y_threshold, found {y_threshold}")
    else:
        coi = values >= y_threshold if threshold_type == "above" else values <= y_threshold
    if not coi.any():
        raise ParameterError("expected at least one case of interest in y, found none")
    return np.asarray(coi, dtype=bool)
