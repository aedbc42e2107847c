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

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import ParameterError
from escalade.exploration._peeling import (
    _CAT,
    BoolArray,
    _plain,
    _prepare_x,
    _prepare_y,
    _Prim,
    _Step,
)

__all__ = ["PrimBox", "PrimResult", "prim"]

Objective = Literal["original", "lenient1", "lenient2"]
_OBJECTIVES = ("original", "lenient1", "lenient2")


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


class PrimResult(ResultMixin):
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
        data = {
            "method": "prim",
            "options": dict(self.options),
            "n_cases": self.n_cases,
            "n_of_interest": self.n_of_interest,
            "meets_threshold": self.meets_threshold,
            "chosen_index": self.chosen_index,
            "chosen": self.chosen.to_dict(),
            "trajectory": self.trajectory.to_dict(orient="records"),
        }
        return json_dict(data)

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """Text (``str()``) and HTML summary of the chosen box (``max_rows`` limits shown).

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
        table = Table(
            "Limits of the chosen box", ("column", "limits"), clip_rows(rows, max_rows), "ll"
        )
        return Summary(heading, tuple(notes), (table,))


def prim(  # noqa: PLR0913 - keyword options, see Notes
    x: pd.DataFrame | ArrayLike,
    y: ArrayLike,
    *,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    objective: Objective = "lenient1",
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
    objective : {"original", "lenient1", "lenient2"}, default "lenient1"
        How candidate boxes are scored (see the module's notes).
        ``"original"`` is Friedman & Fisher's; ``"lenient1"`` is EMA Workbench's default.
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

    Notes
    -----
    The options are flat keywords under the names EMA Workbench's ``Prim``
    gives them, so a call carries over from there.

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

    Friedman & Fisher's original objective peels on to ``mass_min``, trading
    coverage for density; every box on the way is kept:

    >>> result = prim(x, y, objective="original")
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
