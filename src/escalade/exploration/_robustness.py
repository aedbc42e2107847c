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

Policies that differ only by levers (one extends another by turning
levers on) are also compared world by world: what the levers change.

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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from escalade.errors import ParameterError
from escalade.solvers import Summary, Table

if TYPE_CHECKING:
    from escalade.exploration._result import ExplorationResult

__all__ = ["RobustnessResult", "explored_policy", "lever_effects", "output_table", "robustness"]

#: ``risk=`` value meaning "the indicator the scenario's ``question: risk:`` names, if any".
DEFAULT_RISK = "auto"


def _actor(result: ExplorationResult, actor: str | None) -> str:
    actor = actor or result.actor
    if f"utility:{actor}" not in result.outputs:
        players = [o.split(":", 1)[1] for o in result.outputs if o.startswith("utility:")]
        raise ParameterError(f"unknown actor {actor!r}; actors: {', '.join(players)}")
    return actor


def explored_policy(result: ExplorationResult, name: str) -> str:
    """``name``, checked to be one of the run's explored policies."""
    if name not in result.policies:
        raise ParameterError(
            f"unknown policy {name!r}; explored policies: {', '.join(result.policies)}"
        )
    return name


def output_table(result: ExplorationResult, output: str) -> pd.DataFrame:
    """One output as worlds (rows, by sample) by policies (columns).

    ``output`` is a stored column (``utility:<actor>``, ``P:<indicator>``)
    or ``regret:<actor>``: the best utility among the explored policies in
    the world minus the policy's.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=5, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     regret = output_table(res, "regret:USA")
    >>> regret.shape, bool((regret.min(axis=1) == 0).all())
    ((5, 2), True)
    """
    if output.startswith("regret:"):
        util = result.pivot(f"utility:{_actor(result, output.split(':', 1)[1])}")
        return (util.max(axis=1).to_numpy()[:, None] - util).astype(float)
    if output not in result.outputs:
        raise ParameterError(
            f"unknown output {output!r}; expected one of {', '.join(result.outputs)} "
            "or regret:<actor>"
        )
    return result.pivot(output).astype(float)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


@dataclass
class RobustnessResult:
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

        Columns: ``share_best``, ``mean_utility``, ``p5_utility``,
        ``median_utility``, ``p95_utility``, ``mean_regret``,
        ``median_regret``, ``p90_regret``, ``max_regret``,
        ``share_satisficing`` (regret within ``tolerance``) and, with a
        risk indicator, ``mean_risk``, ``share_safe`` (risk at most
        ``risk_max``) and ``share_robust`` (both at once); then
        ``mean:P:<indicator>``, the mean over worlds of every indicator.
        """
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "actor": self.actor,
            "tolerance": self.tolerance,
            "risk": self.risk,
            "risk_max": self.risk_max,
            "worlds": self.n_worlds,
            "policies": {
                str(p): {str(k): float(v) for k, v in row.items()}
                for p, row in self.table.iterrows()
            },
        }

    def summary(self) -> Summary:
        """Per policy: share best, regret percentiles, satisficing shares."""
        t: Any = self.table
        risky = self.risk is not None
        rows = []
        for p in self.ranking("share_satisficing"):
            r: Any = t.loc[p]
            rows.append(
                (
                    str(p),
                    _pct(r["share_best"]),
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
            "median regret",
            "90% regret",
            "max regret",
            f"within {self.tolerance:g}",
            *((f"{risk_name} <= {self.risk_max:g}", "both") if risky else ()),
        )
        notes = (
            f"Regret of {self.actor}'s utility over {self.n_worlds:,} worlds: the best policy's "
            "utility in each world minus the policy's.",
        )
        return Summary(
            "Robustness of policies across worlds",
            notes,
            (Table("Regret and satisficing by policy", header, tuple(rows)),),
        )

    def _repr_html_(self) -> str:
        return self.summary().html()


def robustness(
    result: ExplorationResult,
    *,
    actor: str | None = None,
    tolerance: float = 1.0,
    risk: str | None = DEFAULT_RISK,
    risk_max: float = 0.05,
) -> RobustnessResult:
    """Regret and satisficing shares of every policy (see the module docstring).

    ``risk`` defaults to the indicator the scenario's ``question:`` names
    as its ``risk`` (korea-2017: ``P:major_war``), and to none when it names
    none; pass ``risk=None`` to skip it.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=6, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     rob = robustness(res)
    >>> float(rob.to_frame().loc["talks", "max_regret"]) >= 0
    True
    """
    actor = _actor(result, actor)
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ParameterError(f"tolerance must be a non-negative number, found {tolerance}")
    if not 0 <= risk_max <= 1:
        raise ParameterError(f"risk_max must be a probability in [0, 1], found {risk_max}")
    if risk == DEFAULT_RISK:
        question = result.scenario.question
        named = f"P:{question.risk}" if question is not None and question.risk else None
        risk = named if named in result.outputs else None
    if risk is not None and risk not in result.outputs:
        indicators = [o for o in result.outputs if o.startswith("P:")]
        raise ParameterError(f"unknown risk {risk!r}; indicators: {', '.join(indicators)}")
    util = output_table(result, f"utility:{actor}")
    u = util.to_numpy()
    best = u.max(axis=1, keepdims=True)
    regret = pd.DataFrame(best - u, index=util.index, columns=util.columns)
    winner = np.bincount(u.argmax(axis=1), minlength=u.shape[1]) / max(u.shape[0], 1)
    r = regret.to_numpy()
    table = pd.DataFrame(
        {
            "share_best": winner,
            "mean_utility": u.mean(axis=0),
            "p5_utility": np.percentile(u, 5, axis=0),
            "median_utility": np.median(u, axis=0),
            "p95_utility": np.percentile(u, 95, axis=0),
            "mean_regret": r.mean(axis=0),
            "median_regret": np.median(r, axis=0),
            "p90_regret": np.percentile(r, 90, axis=0),
            "max_regret": r.max(axis=0),
            "share_satisficing": (r <= tolerance).mean(axis=0),
        },
        index=pd.Index(util.columns, name="policy"),
    )
    risk_values = None
    if risk is not None:
        risk_values = output_table(result, risk)[list(util.columns)]
        rv = risk_values.to_numpy()
        safe = rv <= risk_max
        table["mean_risk"] = rv.mean(axis=0)
        table["share_safe"] = safe.mean(axis=0)
        table["share_robust"] = (safe & (r <= tolerance)).mean(axis=0)
    for o in (o for o in result.outputs if o.startswith("P:")):
        table[f"mean:{o}"] = output_table(result, o)[list(util.columns)].mean(axis=0).to_numpy()
    return RobustnessResult(
        actor, float(tolerance), risk, float(risk_max), util, regret, risk_values, table
    )


def lever_pairs(result: ExplorationResult) -> list[tuple[str, str, tuple[str, ...]]]:
    """Explored policies that extend another one by turning levers on.

    Returns ``(with, without, levers)`` triples: ``with`` forces the same
    choices as ``without`` and sets every lever at least as high, some higher.
    """
    pols = {p.name: p for p in result.scenario.policies}
    explored = [p for p in result.policies if p in pols]
    pairs = []
    for name in explored:
        pol = pols[name]
        for base_name in explored:
            base = pols[base_name]
            if base_name == name or dict(base.force) != dict(pol.force):
                continue
            up = sorted(k for k, v in pol.levers.items() if v > base.levers.get(k, 0))
            down = [k for k, v in base.levers.items() if v > pol.levers.get(k, 0)]
            if up and not down:
                pairs.append((name, base_name, tuple(up)))
    return pairs


def lever_effects(result: ExplorationResult, *, actor: str | None = None) -> pd.DataFrame:
    """What turning levers on changes, world by world, for every lever pair of policies.

    Returns
    -------
    pandas.DataFrame
        One row per pair (see :func:`lever_pairs`): ``with``, ``without``,
        ``levers`` (comma-separated), ``share_better`` (worlds where the
        actor's utility is higher with the levers), ``mean_change``,
        ``p5_change`` and ``p95_change`` of the utility, ``share_best_with``
        and ``share_best_without`` (share of worlds where each is the best
        explored policy), and ``without:P:<x>`` / ``with:P:<x>``: the mean
        probability of every indicator across worlds.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=5, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["sanctions_default", "four_steps_only"])
    ...     effects = lever_effects(res)
    >>> effects[["with", "without"]].values.tolist()
    [['four_steps_only', 'sanctions_default']]
    """
    actor = _actor(result, actor)
    pairs = lever_pairs(result)
    indicators = [o for o in result.outputs if o.startswith("P:")]
    columns = [
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
    if not pairs:
        return pd.DataFrame(columns=columns)
    util = output_table(result, f"utility:{actor}")
    best = util.to_numpy().argmax(axis=1)
    probs = {o: output_table(result, o) for o in indicators}
    rows = []
    for w, wo, levers in pairs:
        d = (util[w] - util[wo]).to_numpy()
        row: dict[str, Any] = {
            "with": w,
            "without": wo,
            "levers": ", ".join(levers),
            "share_better": float((d > 0).mean()),
            "mean_change": float(d.mean()),
            "p5_change": float(np.percentile(d, 5)),
            "p95_change": float(np.percentile(d, 95)),
            "share_best_with": float((best == list(util.columns).index(w)).mean()),
            "share_best_without": float((best == list(util.columns).index(wo)).mean()),
        }
        for o in indicators:
            row[f"without:{o}"] = float(probs[o][wo].mean())
            row[f"with:{o}"] = float(probs[o][w].mean())
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
