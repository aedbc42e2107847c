"""PRIM: find a box of input space where the cases of interest concentrate.

Scenario discovery asks which combinations of uncertain inputs lead to an
outcome of interest. The patient rule induction method (PRIM) answers
with a box, a set of limits on a few inputs, inside which the share of
cases of interest (the box's *density*) is high while it still holds a
large share of all cases of interest (its *coverage*).

PRIM starts from the box holding all cases and *peels*: each step tries
to cut off a fraction ``peel_alpha`` of the box's cases at the low or the
high end of one numeric column (at that quantile of the cases in the box)
or, for a categorical column, one category; it keeps the cut that scores
best and stops when no cut scores above zero or the box would fall below
``mass_min`` of all cases. It then *pastes*: it tries to widen one limit
by a fraction ``paste_alpha`` of the cases just outside it, keeping a
widening only while it raises the density. Every box on the way forms the
peeling trajectory, a trade-off between coverage and density. The box
chosen at the end is the last one if its density reaches ``threshold``,
else the box of all cases (no box found).

The steps follow EMA Workbench 2.5.3's ``ema_workbench.analysis.prim.Prim``
and its ``find_box`` (one box), so that on the same numeric data both give
the same trajectory and the same limits: the same quantile rule (a
midpoint between neighbouring distinct values), the same objectives, the
same tie-break (the best score, then the fewest restricted columns, then
the first candidate with columns in the order float, integer,
categorical, the high side before the low one when peeling and after it
when pasting). Differences, each where EMA 2.5.3 cannot be run or errs:

- Pasting considers every restricted column; EMA pastes nothing when no
  float column is restricted.
- Limits of integer columns after pasting are rounded inwards to whole
  numbers (the same cases stay inside); EMA keeps the midpoint.
- Categories are tried in sorted order; EMA tries them in set order.

Objectives (the score of a candidate box with ``n`` cases and density
``d``, the current box having ``n0`` cases and density ``d0``):
``"original"`` is ``d`` (Friedman & Fisher's), ``"lenient1"`` is
``(d - d0) / |n0 - n|`` (EMA Workbench's default) and ``"lenient2"`` is
``n (d - d0) / |n0 - n|``.

References
----------
Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in high-dimensional
data. Statistics and Computing, 9(2), 123-143.

Bryant, B. P., & Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting and Social Change, 77(1), 34-49.

Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. Environmental
Modelling & Software, 96, 239-250.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from escalade.errors import ParameterError
from escalade.solvers import Summary, Table

__all__ = ["PrimBox", "PrimResult", "prim"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

Objective = Literal["original", "lenient1", "lenient2"]
_OBJECTIVES = ("original", "lenient1", "lenient2")
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

    The value at position ``(m - 1) q`` is replaced by the midpoint between
    the two neighbouring distinct values around it, so that a cut there
    separates cases instead of landing on a value several cases share.
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
        res = self.numeric & ((box.lower != self.init_lower) | (box.upper != self.init_upper))
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


@dataclass(frozen=True)
class PrimBox:
    """One box of a PRIM trajectory.

    Attributes
    ----------
    index : int
        Position of the box in the trajectory (0 is the box of all cases).
    phase : str
        ``"start"``, ``"peel"`` or ``"paste"``: the step that made the box.
    coverage : float
        Share of all cases of interest that lie in the box.
    density : float
        Share of the cases in the box that are of interest.
    mass : float
        Share of all cases that lie in the box.
    n, k : int
        Cases in the box, and cases of interest among them.
    restricted : tuple of str
        Columns whose limits are narrower than the data's, in ``x``'s order.
    limits : pandas.DataFrame
        One row per restricted column: ``min`` and ``max`` (a case is in the box
        when ``min <= value <= max``), and, when ``x`` has categorical columns, a
        column ``categories`` with the tuple of categories inside (NaN limits).
    mask : ndarray of shape (n_cases,), bool
        Whether each row of ``x`` lies in the box.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> x = pd.DataFrame({"a": np.linspace(0, 1, 200), "b": np.tile([0.0, 1.0], 100)})
    >>> box = prim(x, (x["a"] > 0.7).to_numpy(), objective="lenient1").chosen
    >>> box.restricted, box.density, round(box.coverage, 3), box.n, box.k
    (('a',), 1.0, 0.967, 58, 58)
    >>> box.to_dict()["limits"]
    {'a': {'min': 0.7110552763819096, 'max': 1.0}}
    """

    index: int
    phase: str
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    restricted: tuple[str, ...]
    limits: pd.DataFrame
    mask: BoolArray

    @property
    def res_dim(self) -> int:
        """Number of restricted columns."""
        return len(self.restricted)

    def to_dict(self) -> dict[str, Any]:
        """The box as plain Python values, ready for :func:`json.dumps`.

        Returns
        -------
        dict
            ``index``, ``phase``, ``coverage``, ``density``, ``mass``, ``n``,
            ``k``, ``restricted`` and ``limits`` (per restricted column,
            ``{"min", "max"}`` or ``{"categories": [...]}``).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> x = pd.DataFrame({"a": np.linspace(0, 1, 100)})
        >>> sorted(prim(x, (x["a"] < 0.5).to_numpy()).chosen.to_dict())
        ['coverage', 'density', 'index', 'k', 'limits', 'mass', 'n', 'phase', 'restricted']
        """
        limits: dict[str, Any] = {}
        for name, row in self.limits.iterrows():
            cats = row.get("categories")
            if isinstance(cats, tuple):
                limits[str(name)] = {"categories": [_plain(c) for c in cats]}
            else:
                limits[str(name)] = {"min": float(row["min"]), "max": float(row["max"])}
        return {
            "index": self.index,
            "phase": self.phase,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "n": self.n,
            "k": self.k,
            "restricted": list(self.restricted),
            "limits": limits,
        }


class PrimResult:
    """A PRIM run: the peeling and pasting trajectory and the chosen box.

    Attributes
    ----------
    trajectory : pandas.DataFrame
        One row per box, in the order found: ``phase``, ``coverage``,
        ``density``, ``mass``, ``res_dim`` (restricted columns), ``n`` (cases
        in the box) and ``k`` (cases of interest in it).
    chosen_index : int
        Index of the box :attr:`chosen`: the last one if it meets the
        threshold, else 0 (the box of all cases).
    meets_threshold : bool
        Whether the last box's density reaches the threshold.
    options : dict
        The options of the run.
    n_cases, n_of_interest : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> x = pd.DataFrame(rng.uniform(size=(500, 3)), columns=["a", "b", "c"])
    >>> y = (x["a"] > 0.5).to_numpy() & (x["b"] > 0.5).to_numpy()
    >>> result = prim(x, y, objective="lenient1")
    >>> result.trajectory.columns.tolist()
    ['phase', 'coverage', 'density', 'mass', 'res_dim', 'n', 'k']
    >>> result.chosen.restricted, result.meets_threshold
    (('a', 'b'), True)
    """

    def __init__(self, engine: _Prim, steps: list[_Step], options: dict[str, Any]) -> None:
        self._engine, self._steps = engine, steps
        self.options = options
        self.n_cases = engine.n_all
        self.n_of_interest = steps[0].k
        rows = []
        for step in steps:
            rows.append(
                {
                    "phase": step.phase,
                    "coverage": step.k / self.n_of_interest,
                    "density": step.k / step.n,
                    "mass": step.n / self.n_cases,
                    "res_dim": int(engine.restricted(step).sum()),
                    "n": step.n,
                    "k": step.k,
                }
            )
        self.trajectory = pd.DataFrame(rows)
        self.meets_threshold = bool(self.trajectory["density"].iloc[-1] >= options["threshold"])
        self.chosen_index = len(steps) - 1 if self.meets_threshold else 0

    def __len__(self) -> int:
        return len(self._steps)

    def __repr__(self) -> str:
        c = self.chosen
        return (
            f"<PrimResult: {len(self)} boxes, chosen {c.index} with coverage "
            f"{c.coverage:.3f}, density {c.density:.3f} on {c.res_dim} columns>"
        )

    @property
    def chosen(self) -> PrimBox:
        """The box EMA Workbench's ``find_box`` returns (see :attr:`chosen_index`)."""
        return self.box(self.chosen_index)

    def box(self, i: int) -> PrimBox:
        """The ``i``-th box of the trajectory (negative counts from the end).

        Parameters
        ----------
        i : int

        Returns
        -------
        PrimBox

        Raises
        ------
        ParameterError
            If there is no box ``i``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> x = pd.DataFrame({"a": np.linspace(0, 1, 100)})
        >>> result = prim(x, (x["a"] < 0.3).to_numpy())
        >>> result.box(0).mass, result.box(-1).density
        (1.0, 1.0)
        """
        size = len(self._steps)
        if not -size <= i < size:
            raise ParameterError(f"expected a box index from {-size} to {size - 1}, found {i}")
        i %= size
        step, eng, d = self._steps[i], self._engine, self._engine.d
        cols = [int(j) for j in np.flatnonzero(eng.restricted(step))]
        cats = {
            j: tuple(c for c, a in zip(d.categories[j], step.allowed[j], strict=True) if a)
            for j in cols
            if d.kinds[j] == _CAT
        }
        table: dict[str, list[Any]] = {
            "min": [np.nan if j in cats else float(step.lower[j]) for j in cols],
            "max": [np.nan if j in cats else float(step.upper[j]) for j in cols],
        }
        if d.categories:
            table["categories"] = [cats.get(j) for j in cols]
        names = tuple(d.names[j] for j in cols)
        limits = pd.DataFrame(table, index=pd.Index(names, name="column"))
        row = self.trajectory.iloc[i]
        return PrimBox(
            index=i,
            phase=step.phase,
            coverage=float(row["coverage"]),
            density=float(row["density"]),
            mass=float(row["mass"]),
            n=step.n,
            k=step.k,
            restricted=names,
            limits=limits,
            mask=eng.inside(step),
        )

    def to_frame(self) -> pd.DataFrame:
        """The trajectory, one row per box (a copy of :attr:`trajectory`).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> x = pd.DataFrame({"a": np.linspace(0, 1, 100)})
        >>> prim(x, (x["a"] < 0.3).to_numpy()).to_frame()["phase"].iloc[0]
        'start'
        """
        return self.trajectory.copy()

    def to_dict(self) -> dict[str, Any]:
        """The run as plain Python values, ready for :func:`json.dumps`.

        Examples
        --------
        >>> import json, numpy as np, pandas as pd
        >>> x = pd.DataFrame({"a": np.linspace(0, 1, 100)})
        >>> out = prim(x, (x["a"] < 0.3).to_numpy()).to_dict()
        >>> out["chosen"]["restricted"], len(json.dumps(out)) > 0
        (['a'], True)
        """
        return {
            "method": "prim",
            "options": dict(self.options),
            "n_cases": self.n_cases,
            "n_of_interest": self.n_of_interest,
            "meets_threshold": self.meets_threshold,
            "chosen_index": self.chosen_index,
            "chosen": self.chosen.to_dict(),
            "trajectory": [
                {k: _plain(v) for k, v in row.items()}
                for row in self.trajectory.to_dict(orient="records")
            ],
        }

    def summary(self) -> Summary:
        """Text (``str()``) and HTML summary of the chosen box.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> x = pd.DataFrame({"a": np.linspace(0, 1, 100)})
        >>> print(prim(x, (x["a"] < 0.3).to_numpy(), objective="lenient1").summary())
        PRIM: box 21 (peel) of 22: coverage 0.967, density 1.000, mass 0.290
        30 of 100 cases are of interest.
        <BLANKLINE>
        Limits of the chosen box
        column  limits
        ------  -------------
        a       0 to 0.287879
        <BLANKLINE>
        """
        c = self.chosen
        notes = [f"{self.n_of_interest} of {self.n_cases} cases are of interest."]
        if not self.meets_threshold:
            last = self.trajectory["density"].iloc[-1]
            notes.append(
                f"No box found: the last box's density {last:.3f} is below the threshold "
                f"{self.options['threshold']}, so the box of all cases is shown."
            )
        rows = []
        for name, row in c.limits.iterrows():
            cats = row.get("categories")
            shown = (
                "{" + ", ".join(map(str, cats)) + "}"
                if isinstance(cats, tuple)
                else f"{row['min']:.6g} to {row['max']:.6g}"
            )
            rows.append((str(name), shown))
        heading = (
            f"PRIM: box {c.index} ({c.phase}) of {len(self)}: coverage {c.coverage:.3f}, "
            f"density {c.density:.3f}, mass {c.mass:.3f}"
        )
        table = Table("Limits of the chosen box", ("column", "limits"), tuple(rows), "ll")
        return Summary(heading, tuple(notes), (table,))

    def _repr_html_(self) -> str:
        return self.summary().html()


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


def prim(
    x: pd.DataFrame | ArrayLike,
    y: ArrayLike,
    *,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    objective: Objective = "original",
    y_threshold: float | None = None,
    threshold_type: Literal["above", "below"] = "above",
) -> PrimResult:
    """Find a box of inputs where the cases of interest concentrate (PRIM).

    Parameters
    ----------
    x : pandas.DataFrame or ndarray of shape (n_cases, n_columns)
        The inputs of each case. Float columns are cut at quantiles, integer
        columns at whole numbers, and boolean, string, object and categorical
        columns one category at a time. An array gets column names ``x0``,
        ``x1``, ...
    y : ndarray of shape (n_cases,)
        Booleans (or 0/1) marking the cases of interest, or numbers classified
        with ``y_threshold``.
    threshold : float, default 0.8
        Density the last box must reach to be chosen; otherwise the box of all
        cases is chosen (no box found).
    peel_alpha : float, default 0.05
        Share of the box's cases each peel tries to cut off, in (0, 0.5).
    paste_alpha : float, default 0.05
        Share of the cases just outside a limit each paste tries to add, in
        (0, 0.5).
    mass_min : float, default 0.05
        Smallest share of all cases a box may hold, in [0, 1].
    objective : {"original", "lenient1", "lenient2"}, default "original"
        How candidate boxes are scored (see the module's notes).
        ``"original"`` is Friedman & Fisher's; EMA Workbench uses ``"lenient1"``.
    y_threshold : float, optional
        For a numeric ``y``: the cases of interest are those with
        ``y >= y_threshold`` (or ``<=``, see ``threshold_type``).
    threshold_type : {"above", "below"}, default "above"
        Which side of ``y_threshold`` is of interest.

    Returns
    -------
    PrimResult
        The trajectory of boxes and the chosen one.

    Raises
    ------
    ParameterError
        If ``x`` is empty or has non-finite or missing values, ``y`` has the
        wrong length, non-finite values or no case of interest, or an option
        is out of range.

    References
    ----------
    Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in high-dimensional
    data. Statistics and Computing, 9(2), 123-143.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame(rng.uniform(size=(2000, 4)), columns=["a", "b", "c", "d"])
    >>> y = (x["a"] > 0.6).to_numpy() & (x["b"] < 0.5).to_numpy()
    >>> result = prim(x, y, objective="lenient1")
    >>> box = result.chosen
    >>> box.restricted
    ('a', 'b')
    >>> box.limits.round(2).to_dict(orient="index")
    {'a': {'min': 0.61, 'max': 1.0}, 'b': {'min': 0.0, 'max': 0.48}}
    >>> round(box.coverage, 3), round(box.density, 3), round(box.mass, 3)
    (0.941, 1.0, 0.2)

    Friedman & Fisher's objective peels on to ``mass_min``, trading coverage
    for density; every box on the way is kept:

    >>> result = prim(x, y)
    >>> result.chosen.mass, round(result.chosen.coverage, 3)
    (0.052, 0.245)
    >>> result.trajectory.loc[[20, 31, 40], ["coverage", "density", "mass"]].round(3)
        coverage  density   mass
    20     1.000    0.598  0.356
    31     0.941    1.000  0.200
    40     0.584    1.000  0.124
    """
    for name, value, low, high, closed in (
        ("threshold", threshold, 0.0, 1.0, True),
        ("peel_alpha", peel_alpha, 0.0, 0.5, False),
        ("paste_alpha", paste_alpha, 0.0, 0.5, False),
        ("mass_min", mass_min, 0.0, 1.0, True),
    ):
        ok = low <= value <= high if closed else low < value < high
        if not ok:
            bounds = f"[{low}, {high}]" if closed else f"({low}, {high})"
            raise ParameterError(f"expected {name} in {bounds}, found {value}")
    if objective not in _OBJECTIVES:
        raise ParameterError(f"expected objective one of {_OBJECTIVES}, found {objective!r}")
    data = _prepare_x(x)
    coi = _prepare_y(y, data.values.shape[0], y_threshold, threshold_type)
    options: dict[str, Any] = {
        "threshold": float(threshold),
        "peel_alpha": float(peel_alpha),
        "paste_alpha": float(paste_alpha),
        "mass_min": float(mass_min),
        "objective": objective,
        "y_threshold": None if y_threshold is None else float(y_threshold),
        "threshold_type": threshold_type,
    }
    engine = _Prim(data, coi, options)
    return PrimResult(engine, engine.run(), options)
