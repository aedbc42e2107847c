"""Scenario discovery: in which worlds does something happen?

Given a condition on the worlds of an exploration (a policy is the
actor's best; a policy's probability of war exceeds 5%), PRIM (see
:mod:`escalade.exploration._prim`) searches the explored parameters for a
box, a few ranges (or sets of categories), inside which the condition
holds in most worlds (*density*) while the box still holds most of the
worlds where it holds (*coverage*). Bryant and Lempert (2010) call such
boxes scenarios: they name, in the model's own terms, the assumptions
under which a policy succeeds or fails.

With many parameters and few worlds, PRIM finds spurious restrictions
(every parameter offers a cut that raises the density by chance). So by
default the parameters are screened first: PRIM searches only those
whose distribution differs between the worlds where the condition holds
and the others (two-sample Kolmogorov-Smirnov test for numbers, a
chi-squared test of independence for categories) at ``screen_p``, the
``max_columns`` most different at most and the two most different at
least; ``columns=`` names the parameters to search instead.

:func:`discover` takes plain data (the parameters' values in each world
and whether the condition holds there) and runs the steps in order:
check the cases, screen the parameters, run PRIM, choose a box, and
describe its restrictions. ``ExplorationResult.discover`` reads a
condition (:func:`parse_condition`) and evaluates it on a run first.

Every box of PRIM's peeling and pasting trajectory is kept: the
coverage-density trade-off. The box chosen by default is the first (the
one with the most coverage) whose density reaches ``threshold``; if none
reaches it while still covering ``min_coverage`` of the worlds of
interest, the densest box that does. Each cut of the chosen box gets a
quasi-p-value (Bryant and Lempert 2010): the one-sided binomial
probability of finding at least the box's count of worlds of interest if
the cut were dropped (the density of the box without it); a large value
marks a cut that may be chance. A range cut at both ends is two cuts,
each tested alone, as EMA Workbench does: a cut that is chance cannot
hide behind a real one at the other end.

References
----------
Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting and Social Change 77, 34-49.
Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in
high-dimensional data. Statistics and Computing 9, 123-143.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade._text import noun
from escalade.errors import ParameterError
from escalade.exploration._describe import (
    describe_full,
    describe_quasi_p,
    describe_range,
    or_none,
)
from escalade.exploration._prim import Objective, PrimBox, PrimResult, prim
from escalade.exploration._problem import Problem
from escalade.exploration._screen import quasi_p, screen

__all__ = [
    "COMPARE",
    "DiscoveryResult",
    "describe_full",
    "describe_quasi_p",
    "describe_range",
    "discover",
    "parse_condition",
]

_CONDITION = re.compile(
    r"^\s*(?P<output>[A-Za-z_][\w]*:[\w]+)\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$"
)
_BEST = re.compile(r"^\s*(?P<neg>not\s+)?best:(?P<policy>\w+)\s*$")
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def parse_condition(condition: str) -> dict[str, Any]:
    """Read a condition: ``best:<policy>``, ``not best:<policy>``, or ``<output> <op> <number>``.

    Examples
    --------
    >>> parse_condition("P:major_war > 0.05")
    {'kind': 'threshold', 'output': 'P:major_war', 'op': '>', 'value': 0.05}
    >>> parse_condition("best:talks")
    {'kind': 'best', 'policy': 'talks', 'negate': False}
    """
    m = _BEST.match(condition)
    if m:
        return {"kind": "best", "policy": m["policy"], "negate": bool(m["neg"])}
    m = _CONDITION.match(condition)
    if m:
        return {
            "kind": "threshold",
            "output": m["output"],
            "op": m["op"],
            "value": float(m["value"]),
        }
    raise ParameterError(
        f"cannot read the condition {condition!r}; expected 'best:<policy>', "
        "'not best:<policy>' or '<output> <op> <number>' such as 'P:major_war > 0.05' "
        "(op one of < <= > >=)"
    )


@dataclass
class DiscoveryResult(ResultMixin):
    """Where in the explored parameters a condition holds: PRIM's boxes and the chosen one.

    Attributes
    ----------
    condition : str
    description : str
        The condition in words, with the policy it applies to.
    policy : str or None
        The policy a threshold condition is evaluated for.
    interest : pandas.Series
        Whether the condition holds, per world (index ``sample``).
    prim : PrimResult
        The full peeling and pasting trajectory.
    chosen : int
        Index of the chosen box in the trajectory.
    restrictions : pandas.DataFrame
        See :meth:`restrictions_frame`.
    screening : pandas.DataFrame
        Every explored parameter's p-value for a difference between the
        worlds where the condition holds and the others (``p``), and
        whether PRIM searched it (``searched``), most different first.
    notes : tuple of str
    """

    condition: str
    description: str
    policy: str | None
    interest: pd.Series
    prim: PrimResult
    chosen: int
    restrictions: pd.DataFrame
    screening: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def box(self) -> PrimBox:
        """The chosen box."""
        return self.prim.box(self.chosen)

    @property
    def n_worlds(self) -> int:
        """Number of worlds."""
        return int(self.interest.shape[0])

    @property
    def share(self) -> float:
        """Share of all worlds where the condition holds."""
        return float(self.interest.mean())

    def trajectory(self) -> pd.DataFrame:
        """The coverage-density trade-off: one row per box, ``chosen`` marking the chosen one."""
        t = self.prim.to_frame()
        t["chosen"] = t.index == self.chosen
        return t

    def restrictions_frame(self) -> pd.DataFrame:
        """The chosen box's restrictions, one row per restricted parameter.

        Columns: ``min`` and ``max`` (inclusive) or ``categories`` (the
        categories kept), ``low`` and ``high`` (the range over all worlds),
        ``quasi_p_low`` and ``quasi_p_high`` (the quasi-p-value of the cut
        at each end of a range, see the module docstring; NaN for an end
        not cut, and for categories), ``quasi_p`` (the largest of the
        restriction's values: a restriction is no more certain than its
        least certain cut), ``claims``.
        """
        return self.restrictions.copy()

    def to_frame(self) -> pd.DataFrame:
        """The trajectory (see :meth:`trajectory`)."""
        return self.trajectory()

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the condition, the chosen box, its restrictions and the trajectory."""
        restr: dict[str, Any] = {}
        for name, r in self.restrictions.iterrows():
            item: dict[str, Any] = {
                "quasi_p": float(r["quasi_p"]),
                "claims": list(r["claims"]),
            }
            if isinstance(r["categories"], tuple):
                item["categories"] = list(r["categories"])
            else:
                item["min"], item["max"] = float(r["min"]), float(r["max"])
                item["quasi_p_low"] = or_none(r["quasi_p_low"])
                item["quasi_p_high"] = or_none(r["quasi_p_high"])
            restr[str(name)] = item
        b = self.box
        data = {
            "condition": self.condition,
            "description": self.description,
            "policy": self.policy,
            "worlds": self.n_worlds,
            "worlds_of_interest": int(self.interest.sum()),
            "chosen": self.chosen,
            "box": {"coverage": b.coverage, "density": b.density, "mass": b.mass, "n": b.n},
            "restrictions": restr,
            "trajectory": self.prim.to_dict()["trajectory"],
        }
        return json_dict(data)

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """The chosen box: coverage, density, and its restrictions.

        Parameters
        ----------
        max_rows : int or None
            Restrictions shown (default: all).
        """
        b = self.box
        rows = []
        for name, r in self.restrictions.iterrows():
            rows.append(
                (
                    str(name),
                    describe_range(r),
                    describe_full(r),
                    describe_quasi_p(r),
                    ", ".join(r["claims"]) or "-",
                )
            )
        notes = (
            f"{self.description}: in {int(self.interest.sum()):,} of {self.n_worlds:,} worlds "
            f"({100 * self.share:.1f}%).",
            f"Box {b.index} of {len(self.prim)}: coverage {b.coverage:.3f}, density "
            f"{b.density:.3f}, mass {b.mass:.3f} ({b.n} {noun(b.n, 'world')}).",
            *self.notes,
        )
        table = Table(
            "Restrictions of the chosen box",
            ("parameter", "in the box", "over all worlds", "quasi-p", "claims"),
            clip_rows(rows, max_rows),
            "lllrl",
        )
        return Summary(f"Scenario discovery: {self.condition}", notes, (table,))


def _cases(
    problem: Problem, x: pd.DataFrame | ArrayLike, y: ArrayLike, description: str
) -> tuple[pd.DataFrame, pd.Series]:
    """Step 1: the worlds' parameter values, and where the condition holds (checked)."""
    names = list(problem.names)
    if isinstance(x, pd.DataFrame):
        missing = [n for n in names if n not in x.columns]
        if missing:
            raise ParameterError(f"x has no column for {', '.join(missing)}")
        frame = x[names]
    else:
        frame = pd.DataFrame(np.asarray(x), columns=names)
    flags = np.asarray(y)
    if flags.shape != (len(frame),):
        raise ParameterError(f"y must have one value per world ({len(frame)}), found {flags.shape}")
    if flags.dtype != bool and not np.isin(flags, (0, 1)).all():
        raise ParameterError("y must say, per world, whether the condition holds (booleans or 0/1)")
    interest = pd.Series(flags.astype(bool), index=frame.index)
    if not interest.any():
        raise ParameterError(
            f"{description}: in none of the {len(interest):,} worlds; there is nothing to discover"
        )
    return frame, interest


def _screened(
    x: pd.DataFrame,
    interest: pd.Series,
    columns: Sequence[str] | str | None,
    screen_p: float,
    max_columns: int,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Step 2: each parameter's screening p-value, the parameters PRIM searches, a note."""
    y = interest.to_numpy()
    k = int(y.sum())
    pvalues = screen(x, y) if 0 < k < len(y) else pd.Series(1.0, index=x.columns)
    notes = []
    if columns is None:
        searched = [str(c) for i, (c, p) in enumerate(pvalues.items()) if i < 2 or p < screen_p][
            : max(2, max_columns)
        ]
        notes.append(
            f"PRIM searched the {len(searched)} parameters most different where the condition "
            f"holds (of {x.shape[1]}; screen at p < {screen_p:g})."
        )
    elif isinstance(columns, str):
        if columns != "all":
            raise ParameterError(
                f"columns must be a list of parameters or 'all', found {columns!r}"
            )
        searched = list(x.columns)
    else:
        unknown = [c for c in columns if c not in x.columns]
        if unknown or not columns:
            named = ", ".join(unknown) or "(none given)"
            raise ParameterError(f"columns must name explored parameters; unknown: {named}")
        searched = list(dict.fromkeys(columns))
    screening = pd.DataFrame({"p": pvalues, "searched": [c in searched for c in pvalues.index]})
    screening.index.name = "parameter"
    return screening, searched, notes


def _chosen_box(found: PrimResult, threshold: float, min_coverage: float, box: int | None) -> int:
    """Step 4: the box of the trajectory to show (see the module docstring)."""
    if box is not None:
        size = len(found)
        if isinstance(box, bool) or not -size <= box < size:
            raise ParameterError(f"box must be from {-size} to {size - 1}, found {box}")
        return box % size
    traj = found.trajectory
    ok = traj[traj["coverage"] >= min_coverage - 1e-12]
    reach = ok[ok["density"] >= threshold]
    if len(reach):
        # the first box reaching the threshold covers the most
        return int(reach.index[0])
    top = ok["density"].max()
    return int(ok.index[ok["density"] >= top - 1e-12][0])


def _choice_notes(
    found: PrimResult, chosen: int, interest: pd.Series, threshold: float, min_coverage: float
) -> list[str]:
    """Step 5: what the chosen box means when it is not a box that reaches the threshold."""
    if interest.all():
        return ["The condition holds in every world: no restriction is needed."]
    if chosen == 0:
        return [
            "No box improves on the whole space: the condition is not concentrated in a "
            "region of the explored parameters."
        ]
    if float(found.trajectory["density"].iloc[chosen]) < threshold:
        return [
            f"No box reaches a density of {threshold:g} while covering {min_coverage:.0%} of "
            "the worlds of interest; the densest such box is shown."
        ]
    return []


_RESTRICTION_COLUMNS = [
    "parameter",
    "min",
    "max",
    "categories",
    "low",
    "high",
    "all_categories",
    "quasi_p_low",
    "quasi_p_high",
    "quasi_p",
    "claims",
]


def _restrictions(
    x: pd.DataFrame, interest: pd.Series, box: PrimBox, problem: Problem
) -> pd.DataFrame:
    """Step 6: the box's restrictions, the full ranges, quasi-p-values and claims."""
    qp = quasi_p(x, interest.to_numpy(), box).to_dict(orient="index")
    rows = []
    for name, r in box.limits.iterrows():
        col = x[str(name)]
        cats = r.get("categories")
        categorical = isinstance(cats, tuple)
        rows.append(
            {
                "parameter": str(name),
                "min": np.nan if categorical else float(r["min"]),
                "max": np.nan if categorical else float(r["max"]),
                "categories": cats if categorical else None,
                "low": np.nan if categorical else float(col.min()),
                "high": np.nan if categorical else float(col.max()),
                "all_categories": tuple(sorted(col.unique())) if categorical else None,
                **{k: float(v) for k, v in qp[str(name)].items()},
                "claims": problem.claims_of(str(name)),
            }
        )
    return pd.DataFrame(rows, columns=_RESTRICTION_COLUMNS).set_index("parameter")


def discover(  # noqa: PLR0913 - keyword options, see Notes
    problem: Problem,
    x: pd.DataFrame | ArrayLike,
    y: ArrayLike,
    *,
    description: str = "the condition",
    threshold: float = 0.8,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    objective: Objective = "lenient1",
    columns: Sequence[str] | str | None = None,
    screen_p: float = 0.01,
    max_columns: int = 8,
    box: int | None = None,
) -> DiscoveryResult:
    """Find the box of parameters where a condition holds (PRIM), in the module's steps.

    Parameters
    ----------
    problem : Problem
        The parameters (``x``'s columns) and the claims they cite.
    x : pandas.DataFrame or array of shape (n_worlds, n_parameters)
        The parameters' values in each world (categories as labels).
    y : array of shape (n_worlds,)
        Whether the condition holds in each world (booleans or 0/1).
    description : str
        The condition in words, for messages and the summary.
    threshold : float
        Density a box must reach to be chosen (see the module docstring).
    min_coverage : float
        Coverage the chosen box must keep when no box reaches ``threshold``.
    peel_alpha, paste_alpha, mass_min, objective
        PRIM's options (see :func:`escalade.exploration.prim`);
        ``"lenient1"`` is EMA Workbench's default objective.
    columns : list of str or "all", optional
        The parameters PRIM searches (default: screened, see the module
        docstring).
    screen_p, max_columns
        The screen's significance level and largest number of parameters.
    box : int, optional
        Choose this box of the trajectory instead.

    Returns
    -------
    DiscoveryResult

    Notes
    -----
    PRIM's options are flat keywords under the names EMA Workbench's
    ``Prim`` gives them, so a call carries over from there; the screen's
    options sit beside them. Every one has a default.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = pd.DataFrame(rng.random((400, 3)), columns=["cost", "resolve", "noise"])
    >>> y = (x["cost"] < 0.3).to_numpy()
    >>> found = discover(Problem(("cost", "resolve", "noise")), x, y, description="war")
    >>> found.restrictions.index.tolist(), round(found.box.density, 2), found.box.coverage
    (['cost'], 0.82, 1.0)
    """
    if not 0 <= min_coverage <= 1:
        raise ParameterError(f"min_coverage must be in [0, 1], found {min_coverage}")
    worlds, interest = _cases(problem, x, y, description)
    screening, searched, notes = _screened(worlds, interest, columns, screen_p, max_columns)
    worlds = worlds[searched]
    found = prim(
        worlds,
        interest.to_numpy(),
        threshold=threshold,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
        objective=objective,
    )
    chosen = _chosen_box(found, threshold, min_coverage, box)
    notes += _choice_notes(found, chosen, interest, threshold, min_coverage)
    return DiscoveryResult(
        condition=description,
        description=description,
        policy=None,
        interest=interest,
        prim=found,
        chosen=chosen,
        restrictions=_restrictions(worlds, interest, found.box(chosen), problem),
        screening=screening,
        notes=tuple(notes),
    )
