"""The analyses an exploration's report shows, computed once from a run.

Robustness of every policy, what the levers change, which parameters
(and claims) the focus policy's regret hinges on, and two scenario
discoveries: where the focus policy is the actor's best, and where its
risk indicator crosses the question's limit. A report renders these; it
computes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from escalade._results import ResultMixin, Summary, Table, json_dict
from escalade.errors import ParameterError
from escalade.exploration._discovery import DiscoveryResult
from escalade.exploration._robustness import RobustnessResult
from escalade.exploration._sensitivity import SensitivityResult

if TYPE_CHECKING:
    from escalade.exploration._result import ExplorationResult

__all__ = ["ExplorationAnalyses", "run_analyses"]


@dataclass
class ExplorationAnalyses(ResultMixin):
    """Every analysis of an exploration run that its report shows.

    Get one from :meth:`ExplorationResult.analyses`.

    Attributes
    ----------
    result : ExplorationResult
    robustness : RobustnessResult
    levers : pandas.DataFrame
        :meth:`ExplorationResult.lever_effects`.
    sensitivity : SensitivityResult or None
        Of the focus policy's regret (None when it cannot be computed).
    where_best : DiscoveryResult or None
        Where the focus policy is the actor's best.
    where_risk : DiscoveryResult or None
        Where the focus policy's risk indicator exceeds (or, when that is
        most worlds, stays under) ``risk_max``.
    notes : tuple of str
        Analyses that could not be made, and why.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=30, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["sanctions_default", "talks"])
    ...     analyses = res.analyses()
    >>> analyses.robustness.risk, analyses.robustness.ranking()[0]
    ('P:major_war', 'sanctions_default')
    >>> sorted(analyses.to_dict())[:3]
    ['lever_effects', 'notes', 'robustness']
    """

    result: ExplorationResult
    robustness: RobustnessResult
    levers: pd.DataFrame
    sensitivity: SensitivityResult | None
    where_best: DiscoveryResult | None
    where_risk: DiscoveryResult | None
    notes: tuple[str, ...] = ()

    def _parts(self) -> list[Any]:
        found = [self.robustness, self.sensitivity, self.where_best, self.where_risk]
        return [part for part in found if part is not None]

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """The summaries of every analysis, one after the other.

        Parameters
        ----------
        max_rows : int or None
            Rows shown of each table (default: all).
        """
        notes = list(self.notes)
        tables: list[Table] = []
        for part in self._parts():
            sub = part.summary(max_rows=max_rows)
            notes.extend(f"{sub.heading}: {n}" for n in sub.notes)
            tables.extend(
                Table(f"{sub.heading}: {t.title}", t.header, t.rows, t.align) for t in sub.tables
            )
        heading = f"Analyses of the exploration of {self.result.store.manifest.scenario}"
        return Summary(heading, tuple(notes), tuple(tables))

    def to_frame(self) -> pd.DataFrame:
        """One row per policy: the robustness table (see :meth:`RobustnessResult.to_frame`)."""
        return self.robustness.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """JSON form: each analysis's ``to_dict()`` (``None`` when not made), and the notes."""

        def part(x: Any) -> Any:
            return None if x is None else x.to_dict()

        data = {
            "scenario": self.result.store.manifest.scenario,
            "robustness": self.robustness.to_dict(),
            "lever_effects": self.levers.to_dict(orient="records"),
            "sensitivity": part(self.sensitivity),
            "where_best": part(self.where_best),
            "where_risk": part(self.where_risk),
            "notes": list(self.notes),
        }
        return json_dict(data)


def _risk_condition(rob: RobustnessResult, focus: str) -> str:
    """The side of the risk limit that holds in fewer worlds under ``focus``."""
    table: Any = rob.table
    over = 1.0 - float(table.at[focus, "share_safe"])
    limit = rob.risk_max
    return f"{rob.risk} > {limit:g}" if over <= 0.5 else f"{rob.risk} <= {limit:g}"


def run_analyses(result: ExplorationResult, *, tolerance: float = 1.0) -> ExplorationAnalyses:
    """Run every analysis the report shows (see :class:`ExplorationAnalyses`).

    Analyses that cannot be made on this run (too few worlds, a condition
    that never holds) are left out with a note saying why.
    """
    result.store.check_complete()
    rob = result.robustness(tolerance=tolerance)
    levers = result.lever_effects()
    focus = result.focus_policy
    notes: list[str] = []
    sens = None
    try:
        sens = result.sensitivity(f"regret:{rob.actor}", policy=focus)
    except ParameterError as exc:
        notes.append(f"Sensitivity: {exc}")
    where_best = None
    if len(result.policies) > 1:
        try:
            where_best = result.discover(f"best:{focus}")
        except ParameterError as exc:
            notes.append(f"Where {focus} is best: {exc}")
    where_risk = None
    if rob.risk is not None:
        cond = _risk_condition(rob, focus)
        try:
            where_risk = result.discover(cond, policy=focus)
        except ParameterError as exc:
            notes.append(f"Where {cond}: {exc}")
    return ExplorationAnalyses(result, rob, levers, sens, where_best, where_risk, tuple(notes))
