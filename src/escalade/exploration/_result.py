"""The result of an exploration: the experiments table and what can be learnt from it.

The analyses (sensitivity, scenario discovery, robustness, lever effects)
are functions of plain arrays and tables; the methods here read those
from the run (:class:`ExplorationRun`) and call them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade._text import noun
from escalade.exploration import _worlds as worlds_of
from escalade.exploration._analyses import ExplorationAnalyses, run_analyses
from escalade.exploration._discovery import DiscoveryResult
from escalade.exploration._discovery import discover as _discover
from escalade.exploration._prim import Objective
from escalade.exploration._robustness import TIES_NOTE, RobustnessResult, best_shares, lever_pairs
from escalade.exploration._robustness import lever_effects as _lever_effects
from escalade.exploration._robustness import robustness as _robustness
from escalade.exploration._run import ExplorationRun
from escalade.exploration._sensitivity import SensitivityResult, resolve_method
from escalade.exploration._sensitivity import sensitivity as _sensitivity
from escalade.exploration._worlds import DEFAULT_RISK
from escalade.scenario import headline_indicators

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ExplorationResult"]


@dataclass
class ExplorationResult(ExplorationRun, ResultMixin):
    """An exploration run: its design, its experiments, and analyses of them.

    Open one with :meth:`open` (or get it from :func:`explore`). The
    experiments table has one row per sampled world and policy: ``sample``,
    ``policy``, every explored parameter, then ``utility:<actor>`` (mean
    discounted utility over the replications) and ``P:<indicator>``
    (share of replications in which the indicator happened).

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=6, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     sorted(res.best_policy_shares())
    ['invasion', 'talks']
    """

    def sensitivity(
        self,
        output: str | None = None,
        *,
        policy: str | None = None,
        contrast: tuple[str, str] | None = None,
        method: str = "auto",
        slides: int | None = None,
        resamples: int = 100,
    ) -> SensitivityResult:
        """Which parameters, and which claims, drive an output across the worlds.

        Sobol' indices for a sobol design, Morris effects for a morris
        design, PAWN otherwise (or ``method="delta"``); see
        :func:`escalade.exploration.sensitivity`.

        Parameters
        ----------
        output : str, optional
            ``utility:<actor>``, ``P:<indicator>`` or ``regret:<actor>``
            (default: the question actor's utility).
        policy : str, optional
            Whose output (default: the question's policy).
        contrast : (str, str), optional
            Analyse ``output[a] - output[b]`` instead.
        method : {"auto", "sobol", "morris", "pawn", "delta"}
        slides : int, optional
            PAWN's conditioning intervals.
        resamples : int
            Bootstrap resamples for confidence intervals.

        Returns
        -------
        SensitivityResult

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=40, seed=2, out=tmp + "/r",
        ...                   replications=2, policies=["talks", "sanctions_default"])
        ...     sens = res.sensitivity("P:settlement", policy="talks")
        >>> sens.measure
        'median'
        """
        output = output or f"utility:{self.actor}"
        method = resolve_method(method, self.store.manifest.design.kind)
        y, description = worlds_of.target(self, output, policy=policy, contrast=contrast)
        y = y.sort_index()
        if method in ("sobol", "morris"):
            worlds_of.require_whole_design(self, y, method)
        result = _sensitivity(
            self.problem(),
            None if method == "sobol" else self.unit_sample().loc[y.index],
            y.to_numpy(dtype=float),
            method=method,
            slides=slides,
            resamples=resamples,
            seed=self.store.manifest.design.seed,
            description=description,
        )
        focus = None if contrast is not None else (policy or self.focus_policy)
        pair = (contrast[0], contrast[1]) if contrast is not None else None
        return replace(result, output=output, policy=focus, contrast=pair)

    def claim_influence(
        self,
        output: str | None = None,
        *,
        policy: str | None = None,
        contrast: tuple[str, str] | None = None,
        method: str = "auto",
    ) -> Any:
        """Claims ranked by the influence of the parameters citing them on an output.

        A claim counts as much as its most influential parameter (see
        :meth:`sensitivity` for the arguments).

        Returns
        -------
        pandas.DataFrame
            Index ``claim``; columns ``influence``, ``total``, ``parameters``,
            ``above_noise``, ``quote``.

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=40, seed=2, out=tmp + "/r",
        ...                   replications=2, policies=["talks", "sanctions_default"])
        ...     claims = res.claim_influence(policy="talks")
        >>> list(claims.columns)
        ['influence', 'total', 'parameters', 'above_noise', 'quote']
        """
        return self.sensitivity(output, policy=policy, contrast=contrast, method=method).claims()

    def discover(  # noqa: PLR0913 - keyword options, see Notes
        self,
        condition: str,
        *,
        policy: str | None = None,
        actor: str | None = None,
        threshold: float = 0.8,
        min_coverage: float = 0.5,
        peel_alpha: float = 0.05,
        paste_alpha: float = 0.05,
        mass_min: float = 0.05,
        objective: Objective = "lenient1",
        columns: list[str] | str | None = None,
        screen_p: float = 0.01,
        max_columns: int = 8,
        box: int | None = None,
    ) -> DiscoveryResult:
        """Scenario discovery: the box of parameters where a condition holds (PRIM).

        Parameters
        ----------
        condition : str
            ``"best:<policy>"``, ``"not best:<policy>"``, or ``"<output> <op>
            <number>"`` for ``policy`` (``"P:major_war > 0.05"``).
        policy, actor, threshold, min_coverage, peel_alpha, paste_alpha, mass_min, objective
            See :func:`escalade.exploration.discover`.
        columns, screen_p, max_columns, box
            See :func:`escalade.exploration.discover`.

        Returns
        -------
        DiscoveryResult

        Notes
        -----
        The options are those of :func:`escalade.exploration.discover`, flat
        and keyword-only as there.

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=40, seed=2, out=tmp + "/r",
        ...                   replications=2, policies=["talks", "sanctions_default"])
        ...     found = res.discover("P:settlement > 0", policy="talks")
        >>> 0 < found.share <= 1
        True
        """
        y, description, chosen = worlds_of.condition_interest(
            self, condition, policy=policy, actor=actor
        )
        found = _discover(
            self.problem(),
            self.worlds().loc[y.index],
            y,
            description=description,
            threshold=threshold,
            min_coverage=min_coverage,
            peel_alpha=peel_alpha,
            paste_alpha=paste_alpha,
            mass_min=mass_min,
            objective=objective,
            columns=columns,
            screen_p=screen_p,
            max_columns=max_columns,
            box=box,
        )
        return replace(found, condition=condition.strip(), policy=chosen)

    def robustness(
        self,
        *,
        actor: str | None = None,
        tolerance: float = 1.0,
        risk: str | None = DEFAULT_RISK,
        risk_max: float = 0.05,
    ) -> RobustnessResult:
        """Regret and satisficing shares of every policy across the worlds.

        Parameters
        ----------
        actor : str, optional
            Whose utility (default: the question's actor).
        tolerance : float
            A policy satisfices in a world when its regret is at most this.
        risk : str or None
            An indicator (``"P:<name>"``) that must stay at or under
            ``risk_max``; by default the one the scenario's ``question:``
            names as its ``risk``, if any.
        risk_max : float

        Returns
        -------
        RobustnessResult

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=10, seed=2, out=tmp + "/r",
        ...                   replications=2, policies=["talks", "invasion"])
        ...     rob = res.robustness()
        >>> rob.ranking()[0]
        'talks'
        """
        actor = worlds_of.checked_actor(self, actor)
        return _robustness(
            worlds_of.output_table(self, f"utility:{actor}"),
            worlds_of.indicator_tables(self),
            actor=actor,
            tolerance=tolerance,
            risk=worlds_of.default_risk(self, risk),
            risk_max=risk_max,
        )

    def lever_effects(self, *, actor: str | None = None) -> pd.DataFrame:
        """What turning levers on changes, world by world, for policies differing only by levers.

        Returns
        -------
        pandas.DataFrame
            One row per pair; see :func:`escalade.exploration.lever_effects`.

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=5, seed=1, out=tmp + "/r",
        ...                   replications=2, policies=["talks", "four_steps_with_talks"])
        ...     res.lever_effects()["levers"].tolist()
        ['step1, step2, step3, step4']
        """
        actor = worlds_of.checked_actor(self, actor)
        pairs = lever_pairs(self.scenario.policies, self.policies)
        utility = worlds_of.output_table(self, f"utility:{actor}")
        return _lever_effects(utility, worlds_of.indicator_tables(self), pairs)

    def analyses(self, *, tolerance: float = 1.0) -> ExplorationAnalyses:
        """Every analysis the run's report shows, computed once (the run must be complete).

        Robustness (regret within ``tolerance``), lever effects, the
        sensitivity of the focus policy's regret, and where the focus
        policy is best and where its risk crosses the question's limit;
        see :class:`~escalade.exploration.ExplorationAnalyses`.
        """
        return run_analyses(self, tolerance=tolerance)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``escalade explore --json``): the run, and each policy across worlds.

        Keys: ``scenario``, ``path``, ``complete``, ``design`` (kind,
        samples, seed, chunk size, parameters), ``replications``,
        ``overrides``, ``actor``, ``worlds`` (computed so far) and
        ``policies``: per policy, ``share_best`` (worlds where it gives the
        actor the highest utility; a world where ``k`` policies tie counts
        ``1/k`` for each), ``share_tied`` (worlds where it ties for best)
        and ``mean``, the mean of every output over the worlds.

        Examples
        --------
        >>> import json, tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=4, seed=1, out=tmp + "/r",
        ...                   replications=1, policies=["talks", "invasion"])
        ...     data = json.loads(json.dumps(res.to_dict(), allow_nan=False))
        >>> data["worlds"], sorted(data["policies"]["talks"])
        (4, ['mean', 'share_best', 'share_tied'])
        """
        m = self.store.manifest
        shares = best_shares(self.pivot(f"utility:{self.actor}"))
        means = {o: self.pivot(o).mean(axis=0) for o in self.outputs}
        data = {
            "scenario": m.scenario,
            "path": str(self.path),
            "complete": self.complete,
            "design": m.design.to_dict(),
            "replications": m.replications,
            "overrides": dict(m.overrides),
            "actor": self.actor,
            "worlds": len(self.worlds()),
            "policies": {
                p: {
                    "share_best": shares.at[p, "share_best"],
                    "share_tied": shares.at[p, "share_tied"],
                    "mean": {o: means[o][p] for o in self.outputs},
                }
                for p in self.policies
            },
        }
        return json_dict(data)

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """Per policy: share of worlds where it is best, mean utility, mean probabilities.

        Parameters
        ----------
        max_rows : int or None
            Policies shown, most often best first (default: all).
        """
        m = self.store.manifest
        utility = self.pivot(f"utility:{self.actor}")
        best = best_shares(utility)
        shares, tied = best["share_best"].to_dict(), best["share_tied"]
        ties = bool((tied > 0).any())
        indicators = [o for o in self.outputs if o.startswith("P:")]
        shown = [f"P:{k}" for k in headline_indicators(self.scenario) if f"P:{k}" in indicators][:3]
        probs = {o: self.pivot(o) for o in shown}
        rows = []
        for p in sorted(self.policies, key=lambda q: -shares.get(q, 0.0)):
            rows.append(
                (
                    p,
                    f"{100 * shares.get(p, 0.0):.1f}%",
                    *((f"{100 * tied[p]:.1f}%",) if ties else ()),
                    f"{utility[p].mean():.2f}",
                    *(f"{100 * probs[o][p].mean():.1f}%" for o in shown),
                )
            )
        table = Table(
            f"Policies across {len(utility):,} sampled worlds",
            (
                "policy",
                f"best for {self.actor}",
                *(("tied",) if ties else ()),
                f"mean {self.actor} utility",
                *(f"mean {o[2:]}" for o in shown),
            ),
            clip_rows(rows, max_rows),
        )
        notes = (
            f"Design {m.design.kind}, {m.design.samples:,} {noun(m.design.samples, 'world')} x "
            f"{len(m.policies)} {noun(len(m.policies), 'policy', 'policies')} x "
            f"{m.replications} {noun(m.replications, 'replication')}, seed {m.design.seed}"
            + ("" if self.complete else " (incomplete: resume to finish)")
            + ".",
            *((TIES_NOTE,) if ties else ()),
        )
        return Summary(f"Exploration of {m.scenario}", notes, (table,))

    def __repr__(self) -> str:
        m = self.store.manifest
        return (
            f"<ExplorationResult {m.scenario!r}: {m.design.samples} "
            f"{noun(m.design.samples, 'world')} x {len(m.policies)} "
            f"{noun(len(m.policies), 'policy', 'policies')}, "
            f"{'complete' if self.complete else 'incomplete'}>"
        )
