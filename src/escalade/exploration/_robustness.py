"""Robustness of policies across sampled worlds: regret and satisficing.

A policy that is best in the nominal world may be poor in many plausible
ones. Two measures from decision making under deep uncertainty say how a
policy fares across the worlds of an exploration, without weighting them
by anything but the design's sampling:

- *regret* (Savage 1951): in each world, the best utility any explored
  policy gives the actor minus the utility this policy gives; 0 where the
  policy is best. Its distribution across worlds (median, 90th
  percentile, maximum) says how much the actor can lose by committing to
  the policy before knowing which world is true.
- *satisficing* (Simon 1955; Lempert and Collins 2007): the share of
  worlds where the policy is good enough: within ``tolerance`` of the
  best policy's utility, and (when a risk indicator is given) keeping its
  probability at or under ``risk_max``.

"Which policy is best" counts ties explicitly. Policies are simulated
with common random numbers, so two policies that play the same way in a
world give exactly the same utility there, and such ties are common (a
lever that changes nothing where no accident happens). A world where
``k`` policies tie for the best utility counts ``1/k`` for each of them
(``share_best``, which sums to 1 over the policies), never wholly for the
one listed first; ``share_best_alone`` counts the worlds where a policy
is the only best one and ``share_tied`` those where it ties for best
(:func:`best_shares`).

Policies that differ only by levers (one extends another by turning
levers on) are also compared world by world: what the levers change.

Both take plain tables of worlds (rows) by policies (columns);
``ExplorationResult.robustness`` and ``ExplorationResult.lever_effects``
read them from a run.

References
----------
Savage, L. J. (1951). The theory of statistical decision. Journal of the
American Statistical Association 46, 55-67.
Simon, H. A. (1955). A behavioral model of rational choice. The Quarterly
Journal of Economics 69, 99-118.
Lempert, R. J. and Collins, M. T. (2007). Managing the risk of uncertain
threshold responses: comparison of robust, optimum, and precautionary
approaches. Risk Analysis 27, 1009-1026.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import ParameterError
from escalade.scenario import Policy

__all__ = [
    "TIES_NOTE",
    "LeverPair",
    "RobustnessResult",
    "best_shares",
    "lever_effects",
    "lever_pairs",
    "robustness",
]

#: How shares of "best" count ties, for summaries that show a ``tied`` column.
TIES_NOTE = (
    "Ties: a world where k policies give the same highest utility counts 1/k for each; "
    "'tied' is the share of worlds where the policy ties for best."
)

#: A policy that extends another by turning levers on: ``(with, without, levers)``.
LeverPair = tuple[str, str, tuple[str, ...]]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _best_masks(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which policies give the highest utility in each world, and how many do."""
    best = u == u.max(axis=1, keepdims=True) if u.size else np.zeros(u.shape, dtype=bool)
    return best, best.sum(axis=1)


def best_shares(utility: pd.DataFrame) -> pd.DataFrame:
    """In what share of worlds each policy gives the highest utility, ties counted explicitly.

    Parameters
    ----------
    utility : pandas.DataFrame
        The actor's utility, worlds (rows) by policies (columns).

    Returns
    -------
    pandas.DataFrame
        One row per policy (index ``policy``): ``share_best``, where a
        world in which ``k`` policies tie for the highest utility counts
        ``1/k`` for each (the shares sum to 1); ``share_best_alone``, the
        worlds where the policy alone is best; ``share_tied``, the worlds
        where it ties for best with at least one other policy.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"a": [1.0, 2.0, 0.0, 5.0], "b": [1.0, 1.0, 3.0, 5.0],
    ...                   "c": [0.0, 0.0, 0.0, 5.0]})
    >>> print(best_shares(u).round(3).to_string(index_names=False))
       share_best  share_best_alone  share_tied
    a       0.458              0.25        0.50
    b       0.458              0.25        0.50
    c       0.083              0.00        0.25
    """
    u = utility.to_numpy(dtype=float)
    best, k = _best_masks(u)
    n = max(u.shape[0], 1)
    shared = (best / np.maximum(k, 1)[:, None]).sum(axis=0) / n
    alone = (best & (k == 1)[:, None]).sum(axis=0) / n
    tied = (best & (k > 1)[:, None]).sum(axis=0) / n
    return pd.DataFrame(
        {"share_best": shared, "share_best_alone": alone, "share_tied": tied},
        index=pd.Index(utility.columns, name="policy"),
    )


@dataclass
class RobustnessResult(ResultMixin):
    """Regret and satisficing of every policy across the sampled worlds.

    Attributes
    ----------
    actor : str
        Whose utility defines regret.
    tolerance : float
        A policy satisfices in a world when its regret is at most this (in
        the actor's utility units).
    risk : str or None
        The indicator whose probability must stay at or under ``risk_max``.
    risk_max : float
    utility, regret : pandas.DataFrame
        Worlds (rows, by sample) by policies.
    risk_values : pandas.DataFrame or None
        The risk indicator, worlds by policies.
    table : pandas.DataFrame
        One row per policy (see :meth:`to_frame`).
    """

    actor: str
    tolerance: float
    risk: str | None
    risk_max: float
    utility: pd.DataFrame
    regret: pd.DataFrame
    risk_values: pd.DataFrame | None
    table: pd.DataFrame

    @property
    def n_worlds(self) -> int:
        """Number of worlds."""
        return int(self.utility.shape[0])

    def ranking(self, by: str = "share_satisficing") -> list[str]:
        """Policies from most to least robust by a column of :meth:`to_frame`.

        Shares and utilities rank high first; regrets rank low first.
        """
        if by not in self.table.columns:
            raise ParameterError(
                f"cannot rank by {by!r}; columns: {', '.join(map(str, self.table.columns))}"
            )
        ascending = "regret" in by
        return list(self.table[by].sort_values(ascending=ascending, kind="stable").index)

    def compare(self, policy: str, other: str) -> dict[str, float]:
        """How ``policy`` fares against ``other``, world by world, in the actor's utility.

        Returns
        -------
        dict
            ``share_better`` (worlds where ``policy`` gives more), ``mean``,
            ``p5`` and ``p95`` of the difference ``policy - other``.
        """
        for p in (policy, other):
            if p not in self.utility.columns:
                raise ParameterError(
                    f"unknown policy {p!r}; policies: {', '.join(map(str, self.utility.columns))}"
                )
        d = (self.utility[policy] - self.utility[other]).to_numpy()
        return {
            "share_better": float((d > 0).mean()),
            "mean": float(d.mean()),
            "p5": float(np.percentile(d, 5)),
            "p95": float(np.percentile(d, 95)),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per policy.

        Columns: ``share_best`` (a world where ``k`` policies tie for best
        counts ``1/k`` for each), ``share_best_alone``, ``share_tied`` (see
        :func:`best_shares`), ``mean_utility``, ``p5_utility``,
        ``median_utility``, ``p95_utility``, ``mean_regret``,
        ``median_regret``, ``p90_regret``, ``max_regret``,
        ``share_satisficing`` (regret within ``tolerance``) and, with a
        risk indicator, ``mean_risk``, ``share_safe`` (risk at most
        ``risk_max``) and ``share_robust`` (both at once); then
        ``mean:P:<indicator>``, the mean over worlds of every indicator.
        """
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the options, and the columns of :meth:`to_frame` per policy."""
        data = {
            "actor": self.actor,
            "tolerance": self.tolerance,
            "risk": self.risk,
            "risk_max": self.risk_max,
            "worlds": self.n_worlds,
            "policies": {
                p: {k: float(v) for k, v in row.items()} for p, row in self.table.iterrows()
            },
        }
        return json_dict(data)

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """Per policy, most robust first: share best, regret percentiles, satisficing shares.

        Parameters
        ----------
        max_rows : int or None
            Policies shown (default: all).
        """
        t: Any = self.table
        risky = self.risk is not None
        ties = bool((t["share_tied"] > 0).any())
        rows = []
        for p in self.ranking("share_satisficing"):
            r: Any = t.loc[p]
            rows.append(
                (
                    str(p),
                    _pct(r["share_best"]),
                    *((_pct(r["share_tied"]),) if ties else ()),
                    f"{r['median_regret']:.2f}",
                    f"{r['p90_regret']:.2f}",
                    f"{r['max_regret']:.2f}",
                    _pct(r["share_satisficing"]),
                    *((_pct(r["share_safe"]), _pct(r["share_robust"])) if risky else ()),
                )
            )
        risk_name = (self.risk or "")[2:]
        header = (
            "policy",
            "best",
            *(("tied",) if ties else ()),
            "median regret",
            "90% regret",
            "max regret",
            f"within {self.tolerance:g}",
            *((f"{risk_name} <= {self.risk_max:g}", "both") if risky else ()),
        )
        notes = (
            f"Regret of {self.actor}'s utility over {self.n_worlds:,} worlds: the best policy's "
            "utility in each world minus the policy's.",
            *((TIES_NOTE,) if ties else ()),
        )
        return Summary(
            "Robustness of policies across worlds",
            notes,
            (Table("Regret and satisficing by policy", header, clip_rows(rows, max_rows)),),
        )


def _check_options(
    indicators: Mapping[str, pd.DataFrame], tolerance: float, risk: str | None, risk_max: float
) -> None:
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ParameterError(f"tolerance must be a non-negative number, found {tolerance}")
    if not 0 <= risk_max <= 1:
        raise ParameterError(f"risk_max must be a probability in [0, 1], found {risk_max}")
    if risk is not None and risk not in indicators:
        raise ParameterError(f"unknown risk {risk!r}; indicators: {', '.join(indicators)}")


def _policy_table(utility: pd.DataFrame, r: np.ndarray, tolerance: float) -> dict[str, np.ndarray]:
    """Shares best, utility and regret percentiles per policy (columns of ``utility``, ``r``)."""
    u = utility.to_numpy(dtype=float)
    shares = best_shares(utility)
    return {
        **{c: shares[c].to_numpy() for c in shares.columns},
        "mean_utility": u.mean(axis=0),
        "p5_utility": np.percentile(u, 5, axis=0),
        "median_utility": np.median(u, axis=0),
        "p95_utility": np.percentile(u, 95, axis=0),
        "mean_regret": r.mean(axis=0),
        "median_regret": np.median(r, axis=0),
        "p90_regret": np.percentile(r, 90, axis=0),
        "max_regret": r.max(axis=0),
        "share_satisficing": (r <= tolerance).mean(axis=0),
    }


def robustness(
    utility: pd.DataFrame,
    indicators: Mapping[str, pd.DataFrame] | None = None,
    *,
    actor: str = "the actor",
    tolerance: float = 1.0,
    risk: str | None = None,
    risk_max: float = 0.05,
) -> RobustnessResult:
    """Regret and satisficing shares of every policy (see the module docstring).

    Parameters
    ----------
    utility : pandas.DataFrame
        The actor's utility, worlds (rows) by policies (columns).
    indicators : mapping of str to pandas.DataFrame, optional
        Probabilities of indicators (``"P:war"``), each worlds by policies;
        their means over worlds join the table.
    actor : str
        Whose utility it is, for the summary.
    tolerance : float
        A policy satisfices in a world when its regret is at most this.
    risk : str, optional
        An indicator whose probability must stay at or under ``risk_max``.
    risk_max : float

    Returns
    -------
    RobustnessResult

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"hold": [1.0, 0.0, 2.0], "strike": [0.0, 3.0, 1.5]})
    >>> war = pd.DataFrame({"hold": [0.0, 0.0, 0.0], "strike": [0.1, 0.0, 0.2]})
    >>> rob = robustness(u, {"P:war": war}, tolerance=0.5, risk="P:war")
    >>> rob.regret["hold"].tolist()
    [0.0, 3.0, 0.0]
    >>> rob.to_frame().loc["strike", ["share_best", "share_satisficing", "share_robust"]].round(3)
    share_best           0.333
    share_satisficing    0.667
    share_robust         0.333
    Name: strike, dtype: float64
    """
    indicators = dict(indicators or {})
    _check_options(indicators, tolerance, risk, risk_max)
    u = utility.to_numpy(dtype=float)
    best = u.max(axis=1, keepdims=True)
    regret = pd.DataFrame(best - u, index=utility.index, columns=utility.columns)
    r = regret.to_numpy()
    columns = list(utility.columns)
    table = pd.DataFrame(
        _policy_table(utility, r, tolerance), index=pd.Index(utility.columns, name="policy")
    )
    risk_values = None
    if risk is not None:
        risk_values = indicators[risk][columns]
        rv = risk_values.to_numpy()
        safe = rv <= risk_max
        table["mean_risk"] = rv.mean(axis=0)
        table["share_safe"] = safe.mean(axis=0)
        table["share_robust"] = (safe & (r <= tolerance)).mean(axis=0)
    for name, values in indicators.items():
        table[f"mean:{name}"] = values[columns].mean(axis=0).to_numpy()
    return RobustnessResult(
        actor, float(tolerance), risk, float(risk_max), utility, regret, risk_values, table
    )


def lever_pairs(policies: Iterable[Policy], explored: Sequence[str]) -> list[LeverPair]:
    """Explored policies that extend another one by turning levers on.

    Returns ``(with, without, levers)`` triples: ``with`` forces the same
    choices as ``without`` and sets every lever at least as high, some higher.

    Examples
    --------
    >>> talk = Policy("talk", levers={"hotline": 0.0})
    >>> talk_plus = Policy("talk_plus", levers={"hotline": 1.0})
    >>> strike = Policy("strike", force={"D": {"strike": 1.0}})
    >>> lever_pairs([talk, talk_plus, strike], ["talk", "talk_plus", "strike"])
    [('talk_plus', 'talk', ('hotline',))]
    """
    pols = {p.name: p for p in policies}
    chosen = [p for p in explored if p in pols]
    pairs = []
    for name in chosen:
        pol = pols[name]
        for base_name in chosen:
            base = pols[base_name]
            if base_name == name or dict(base.force) != dict(pol.force):
                continue
            up = sorted(k for k, v in pol.levers.items() if v > base.levers.get(k, 0))
            down = [k for k, v in base.levers.items() if v > pol.levers.get(k, 0)]
            if up and not down:
                pairs.append((name, base_name, tuple(up)))
    return pairs


def _lever_columns(indicators: Iterable[str]) -> list[str]:
    return [
        "with",
        "without",
        "levers",
        "share_better",
        "mean_change",
        "p5_change",
        "p95_change",
        "share_best_with",
        "share_best_without",
        *(f"{side}:{o}" for o in indicators for side in ("without", "with")),
    ]


def lever_effects(
    utility: pd.DataFrame,
    indicators: Mapping[str, pd.DataFrame] | None,
    pairs: Sequence[LeverPair],
) -> pd.DataFrame:
    """What turning levers on changes, world by world, for every lever pair of policies.

    Parameters
    ----------
    utility : pandas.DataFrame
        The actor's utility, worlds (rows) by policies (columns).
    indicators : mapping of str to pandas.DataFrame, optional
        Probabilities of indicators, each worlds by policies.
    pairs : sequence of (str, str, tuple of str)
        ``(with, without, levers)``, as :func:`lever_pairs` finds them.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``with``, ``without``, ``levers``
        (comma-separated), ``share_better`` (worlds where the actor's
        utility is higher with the levers), ``mean_change``, ``p5_change``
        and ``p95_change`` of the utility, ``share_best_with`` and
        ``share_best_without`` (share of worlds where each is the best
        policy, ties split evenly as in :func:`best_shares`), and
        ``without:P:<x>`` / ``with:P:<x>``: the mean probability of every
        indicator across worlds.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"talk": [1.0, 2.0], "talk_plus": [1.5, 1.0]})
    >>> effects = lever_effects(u, None, [("talk_plus", "talk", ("hotline",))])
    >>> effects[["with", "without", "levers"]].to_numpy().tolist()
    [['talk_plus', 'talk', 'hotline']]
    >>> effects[["share_better", "mean_change"]].to_numpy().tolist()
    [[0.5, -0.25]]
    """
    indicators = dict(indicators or {})
    columns = _lever_columns(indicators)
    if not pairs:
        return pd.DataFrame(columns=columns)
    shares = best_shares(utility)["share_best"]
    rows = []
    for w, wo, levers in pairs:
        d = (utility[w] - utility[wo]).to_numpy()
        row: dict[str, Any] = {
            "with": w,
            "without": wo,
            "levers": ", ".join(levers),
            "share_better": float((d > 0).mean()),
            "mean_change": float(d.mean()),
            "p5_change": float(np.percentile(d, 5)),
            "p95_change": float(np.percentile(d, 95)),
            "share_best_with": float(shares[w]),
            "share_best_without": float(shares[wo]),
        }
        for o, values in indicators.items():
            row[f"without:{o}"] = float(values[wo].mean())
            row[f"with:{o}"] = float(values[w].mean())
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
