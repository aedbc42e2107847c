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

Every box of PRIM's peeling and pasting trajectory is kept: the
coverage-density trade-off. The box chosen by default is the first (the
one with the most coverage) whose density reaches ``threshold``; if none
reaches it while still covering ``min_coverage`` of the worlds of
interest, the densest box that does. Each restriction of the chosen box
gets a quasi-p-value (Bryant and Lempert 2010): the one-sided binomial
probability of finding at least the box's count of worlds of interest if
the restriction were dropped (the density of the box without it); a
large value marks a restriction that may be chance.

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from escalade.errors import ParameterError
from escalade.exploration._prim import PrimBox, PrimResult, prim
from escalade.exploration._robustness import explored_policy, output_table
from escalade.solvers import Summary, Table

if TYPE_CHECKING:
    from escalade.exploration._result import ExplorationResult

__all__ = ["DiscoveryResult", "discover", "parse_condition"]

_CONDITION = re.compile(
    r"^\s*(?P<output>[A-Za-z_][\w]*:[\w]+)\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$"
)
_BEST = re.compile(r"^\s*(?P<neg>not\s+)?best:(?P<policy>\w+)\s*$")
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


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
class DiscoveryResult:
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
        ``quasi_p`` (see the module docstring), ``claims``.
        """
        return self.restrictions.copy()

    def to_frame(self) -> pd.DataFrame:
        """The trajectory (see :meth:`trajectory`)."""
        return self.trajectory()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
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
            restr[str(name)] = item
        b = self.box
        return {
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

    def summary(self) -> Summary:
        """The chosen box: coverage, density, and its restrictions."""
        b = self.box
        rows = []
        for name, r in self.restrictions.iterrows():
            rows.append(
                (
                    str(name),
                    describe_range(r),
                    describe_full(r),
                    f"{r['quasi_p']:.3g}",
                    ", ".join(r["claims"]) or "-",
                )
            )
        notes = (
            f"{self.description}: in {int(self.interest.sum()):,} of {self.n_worlds:,} worlds "
            f"({100 * self.share:.1f}%).",
            f"Box {b.index} of {len(self.prim)}: coverage {b.coverage:.3f}, density "
            f"{b.density:.3f}, mass {b.mass:.3f} ({b.n} worlds).",
            *self.notes,
        )
        table = Table(
            "Restrictions of the chosen box",
            ("parameter", "in the box", "over all worlds", "quasi-p", "claims"),
            tuple(rows),
            "lllrl",
        )
        return Summary(f"Scenario discovery: {self.condition}", notes, (table,))

    def _repr_html_(self) -> str:
        return self.summary().html()


def describe_range(r: pd.Series) -> str:
    """A restriction in words: ``0.2 to 0.5`` or ``{a, b}``."""
    if isinstance(r["categories"], tuple):
        return "{" + ", ".join(map(str, r["categories"])) + "}"
    return f"{r['min']:.4g} to {r['max']:.4g}"


def describe_full(r: pd.Series) -> str:
    """The parameter's range over all worlds, in words."""
    if isinstance(r["all_categories"], tuple):
        return "{" + ", ".join(map(str, r["all_categories"])) + "}"
    return f"{r['low']:.4g} to {r['high']:.4g}"


def _inside(x: pd.DataFrame, limits: pd.DataFrame, skip: str | None = None) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for name, r in limits.iterrows():
        if name == skip:
            continue
        col = x[str(name)]
        cats = r.get("categories")
        if isinstance(cats, tuple):
            mask &= col.isin(cats).to_numpy()
        else:
            v = col.to_numpy(dtype=float)
            mask &= (v >= r["min"]) & (v <= r["max"])
    return mask


def _quasi_p(x: pd.DataFrame, y: np.ndarray, box: PrimBox) -> dict[str, float]:
    from scipy.stats import binomtest

    out = {}
    for name in box.restricted:
        wider = _inside(x, box.limits, skip=name)
        n, k = int(wider.sum()), int(y[wider].sum())
        p = k / n if n else 0.0
        out[name] = float(binomtest(box.k, box.n, p, alternative="greater").pvalue)
    return out


def screen(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """P-values of a difference in each column between rows with ``y`` true and false.

    Two-sample Kolmogorov-Smirnov test for numeric columns, chi-squared test
    of independence for the others; sorted, smallest first.
    """
    from scipy.stats import chi2_contingency, ks_2samp

    out = {}
    for name in x.columns:
        col = x[name]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            v = col.to_numpy(dtype=float)
            out[str(name)] = float(ks_2samp(v[y], v[~y]).pvalue)
        else:
            counts = pd.crosstab(col.to_numpy(), y)
            if counts.shape[0] < 2 or counts.shape[1] < 2:
                out[str(name)] = 1.0
            else:
                out[str(name)] = float(chi2_contingency(counts.to_numpy()).pvalue)
    return pd.Series(out, name="p").sort_values(kind="stable")


def _choose(traj: pd.DataFrame, threshold: float, min_coverage: float) -> int:
    ok = traj[traj["coverage"] >= min_coverage - 1e-12]
    reach = ok[ok["density"] >= threshold]
    if len(reach):
        # the first box reaching the threshold covers the most
        return int(reach.index[0])
    top = ok["density"].max()
    return int(ok.index[ok["density"] >= top - 1e-12][0])


def discover(
    result: ExplorationResult,
    condition: str,
    *,
    policy: str | None = None,
    actor: str | None = None,
    threshold: float = 0.8,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    objective: str = "lenient1",
    columns: list[str] | str | None = None,
    screen_p: float = 0.01,
    max_columns: int = 8,
    box: int | None = None,
) -> DiscoveryResult:
    """Find the box of parameters where a condition holds (PRIM).

    Parameters
    ----------
    result : ExplorationResult
    condition : str
        ``"best:<policy>"`` (the policy gives ``actor`` the highest utility
        among the explored policies), ``"not best:<policy>"``, or
        ``"<output> <op> <number>"`` evaluated for ``policy``, where output is
        ``utility:<actor>``, ``P:<indicator>`` or ``regret:<actor>``, op one of
        ``< <= > >=`` (``"P:major_war > 0.05"``).
    policy : str, optional
        For a threshold condition (default: the question's policy).
    actor : str, optional
        For ``best:`` (default: the question's actor).
    threshold : float
        Density a box must reach to be chosen (see the module docstring).
    min_coverage : float
        Coverage the chosen box must keep when no box reaches ``threshold``.
    peel_alpha, paste_alpha, mass_min, objective
        PRIM's options (see :func:`escalade.exploration._prim.prim`);
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

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=60, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "sanctions_default"])
    ...     found = discover(res, "best:sanctions_default")
    >>> found.box.coverage >= 0.5
    True
    """
    spec = parse_condition(condition)
    if not 0 <= min_coverage <= 1:
        raise ParameterError(f"min_coverage must be in [0, 1], found {min_coverage}")
    if spec["kind"] == "best":
        if policy is not None:
            raise ParameterError("a best: condition names its policy; drop policy=")
        name = spec["policy"]
        if name not in result.policies:
            raise ParameterError(
                f"unknown policy {name!r} in {condition!r}; explored policies: "
                + ", ".join(result.policies)
            )
        who = actor or result.actor
        util = output_table(result, f"utility:{who}")
        best = util.to_numpy().argmax(axis=1) == list(util.columns).index(name)
        y = pd.Series(~best if spec["negate"] else best, index=util.index)
        description = (
            f"{name} is {'not ' if spec['negate'] else ''}{who}'s best of "
            f"{len(util.columns)} policies"
        )
        chosen_policy = None
    else:
        chosen_policy = explored_policy(result, policy or result.focus_policy)
        values = output_table(result, spec["output"])[chosen_policy]
        op, v = spec["op"], spec["value"]
        y = pd.Series(_COMPARE[op](values.to_numpy(dtype=float), v), index=values.index)
        description = f"{spec['output']} {op} {v:g} under {chosen_policy}"
    k = int(y.sum())
    if k == 0:
        raise ParameterError(
            f"{description}: in none of the {len(y):,} worlds; there is nothing to discover"
        )
    worlds = result.worlds().loc[y.index]
    notes = []
    yv = y.to_numpy()
    pvalues = screen(worlds, yv) if 0 < k < len(yv) else pd.Series(1.0, index=worlds.columns)
    if columns is None:
        searched = [str(c) for i, (c, p) in enumerate(pvalues.items()) if i < 2 or p < screen_p][
            : max(2, max_columns)
        ]
        notes.append(
            f"PRIM searched the {len(searched)} parameters most different where the condition "
            f"holds (of {worlds.shape[1]}; screen at p < {screen_p:g})."
        )
    elif isinstance(columns, str):
        if columns != "all":
            raise ParameterError(
                f"columns must be a list of parameters or 'all', found {columns!r}"
            )
        searched = list(worlds.columns)
    else:
        unknown = [c for c in columns if c not in worlds.columns]
        if unknown or not columns:
            named = ", ".join(unknown) or "(none given)"
            raise ParameterError(f"columns must name explored parameters; unknown: {named}")
        searched = list(dict.fromkeys(columns))
    screening = pd.DataFrame({"p": pvalues, "searched": [c in searched for c in pvalues.index]})
    screening.index.name = "parameter"
    worlds = worlds[searched]
    res = prim(
        worlds,
        y.to_numpy(),
        threshold=threshold,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
        objective=objective,  # type: ignore[arg-type]
    )
    traj = res.to_frame()
    if box is None:
        chosen = _choose(traj, threshold, min_coverage)
    else:
        size = len(res)
        if isinstance(box, bool) or not -size <= box < size:
            raise ParameterError(f"box must be from {-size} to {size - 1}, found {box}")
        chosen = box % size
    if k == len(y):
        notes.append("The condition holds in every world: no restriction is needed.")
    elif chosen == 0:
        notes.append(
            "No box improves on the whole space: the condition is not concentrated in a "
            "region of the explored parameters."
        )
    elif float(traj["density"].iloc[chosen]) < threshold:
        notes.append(
            f"No box reaches a density of {threshold:g} while covering {min_coverage:.0%} of "
            "the worlds of interest; the densest such box is shown."
        )
    the_box = res.box(chosen)
    qp = _quasi_p(worlds, y.to_numpy(), the_box)
    space = result.scenario.parameters
    rows = []
    for name, r in the_box.limits.iterrows():
        col = worlds[str(name)]
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
                "quasi_p": qp[str(name)],
                "claims": tuple(space[str(name)].claims),
            }
        )
    columns = [
        "parameter",
        "min",
        "max",
        "categories",
        "low",
        "high",
        "all_categories",
        "quasi_p",
        "claims",
    ]
    restrictions = pd.DataFrame(rows, columns=columns).set_index("parameter")
    return DiscoveryResult(
        condition=condition.strip(),
        description=description,
        policy=chosen_policy,
        interest=y,
        prim=res,
        chosen=chosen,
        restrictions=restrictions,
        screening=screening,
        notes=tuple(notes),
    )
