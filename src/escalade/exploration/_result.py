"""The result of an exploration: the experiments table and what can be learnt from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from escalade.errors import ParameterError
from escalade.exploration._compute import explored_scenario
from escalade.exploration._discovery import DiscoveryResult
from escalade.exploration._discovery import discover as _discover
from escalade.exploration._robustness import DEFAULT_RISK, RobustnessResult
from escalade.exploration._robustness import lever_effects as _lever_effects
from escalade.exploration._robustness import robustness as _robustness
from escalade.exploration._sensitivity import SensitivityResult
from escalade.exploration._sensitivity import sensitivity as _sensitivity
from escalade.exploration._store import RunStore
from escalade.scenario import Scenario, headline_indicators
from escalade.solvers import Summary, Table

__all__ = ["ExplorationResult"]


@dataclass
class ExplorationResult:
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

    path: Path
    store: RunStore
    scenario: Scenario
    diagnostics: dict[str, Any] = field(default_factory=dict)
    # Tables read from the chunks, by what was read and the chunks done then: every
    # analysis starts from the same few tables, so the Parquet files are read once.
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def open(cls, path: str | Path) -> ExplorationResult:
        """Open a run folder (complete or not)."""
        store = RunStore.open(path)
        scenario = explored_scenario(
            store.scenario_text(), store.scenario_file, store.manifest.overrides
        )
        return cls(Path(path), store, scenario)

    # ------------------------------------------------------------- facts
    @property
    def policies(self) -> tuple[str, ...]:
        """The policies explored."""
        return self.store.manifest.policies

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameters explored (columns of the design)."""
        return self.store.manifest.design.parameters

    @property
    def outputs(self) -> tuple[str, ...]:
        """The outcome columns."""
        return self.store.manifest.outputs

    @property
    def actor(self) -> str:
        """The actor whose utility ranks policies (the question's, or the first player)."""
        q = self.scenario.question
        return q.actor if q is not None else self.scenario.player_names[0]

    @property
    def focus_policy(self) -> str:
        """The policy analyses look at by default: the question's, or the first explored."""
        q = self.scenario.question
        return q.policy if q is not None and q.policy in self.policies else self.policies[0]

    @property
    def baseline_policy(self) -> str | None:
        """The question's baseline policy, if it was explored."""
        q = self.scenario.question
        base = q.baseline if q is not None else None
        return base if base in self.policies else None

    @property
    def complete(self) -> bool:
        """Whether every chunk is computed."""
        return self.store.manifest.complete

    # ------------------------------------------------------------ tables
    def to_frame(self, columns: list[str] | None = None) -> Any:
        """The experiments as a pandas DataFrame (one row per world and policy).

        Parameters
        ----------
        columns : list of str, optional
            Only these columns (``sample`` and ``policy`` are always read).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        paths = list(self.store.chunk_paths())
        if not paths:
            raise ParameterError(f"{self.path}: no chunk has been computed yet")
        wanted = (
            None
            if columns is None
            else ["sample", "policy", *[c for c in columns if c not in ("sample", "policy")]]
        )
        tables = [pq.read_table(p, columns=wanted) for p in paths]
        frame = pa.concat_tables(tables).to_pandas()
        return frame.sort_values(["policy", "sample"], kind="stable").reset_index(drop=True)

    def _cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        key = (*key, tuple(self.store.manifest.done_chunks()))
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key].copy()

    def pivot(self, output: str) -> Any:
        """One output as a table of worlds (rows) by policies (columns)."""
        if output not in self.outputs:
            raise ParameterError(f"unknown output {output!r}; outputs: {', '.join(self.outputs)}")

        def read() -> Any:
            frame = self.to_frame([output])
            table = frame.pivot(index="sample", columns="policy", values=output)
            return table[[p for p in self.policies if p in table.columns]]

        return self._cached(("pivot", output), read)

    def worlds(self) -> Any:
        """The sampled worlds: one row per sample, one column per explored parameter."""

        def read() -> Any:
            frame = self.to_frame(list(self.parameters))
            first = self.policies[0]
            return frame[frame["policy"] == first].set_index("sample")[list(self.parameters)]

        return self._cached(("worlds",), read)

    # ----------------------------------------------------------- analyses
    def best_policy_shares(self, actor: str | None = None) -> dict[str, float]:
        """In what share of worlds each policy gives ``actor`` the highest utility."""
        util = self.pivot(f"utility:{actor or self.actor}")
        best = util.to_numpy().argmax(axis=1)
        counts = np.bincount(best, minlength=util.shape[1]) / max(len(util), 1)
        return {p: float(c) for p, c in zip(util.columns, counts, strict=True)}

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
        :func:`escalade.exploration._sensitivity.sensitivity`.

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
        return _sensitivity(
            self,
            output,
            policy=policy,
            contrast=contrast,
            method=method,
            slides=slides,
            resamples=resamples,
        )

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

    def discover(
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
        objective: str = "lenient1",
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
            See :func:`escalade.exploration._discovery.discover`.
        columns, screen_p, max_columns, box
            See :func:`escalade.exploration._discovery.discover`.

        Returns
        -------
        DiscoveryResult

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
        return _discover(
            self,
            condition,
            policy=policy,
            actor=actor,
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
        return _robustness(self, actor=actor, tolerance=tolerance, risk=risk, risk_max=risk_max)

    def lever_effects(self, *, actor: str | None = None) -> Any:
        """What turning levers on changes, world by world, for policies differing only by levers.

        Returns
        -------
        pandas.DataFrame
            One row per pair; see :func:`escalade.exploration._robustness.lever_effects`.

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=5, seed=1, out=tmp + "/r",
        ...                   replications=2, policies=["sanctions_default", "four_steps_only"])
        ...     res.lever_effects()["levers"].tolist()
        ['step1, step2, step3, step4']
        """
        return _lever_effects(self, actor=actor)

    def summary(self) -> Summary:
        """Per policy: share of worlds where it is best, mean utility, mean probabilities."""
        m = self.store.manifest
        utility = self.pivot(f"utility:{self.actor}")
        shares = self.best_policy_shares()
        indicators = [o for o in self.outputs if o.startswith("P:")]
        shown = [f"P:{k}" for k in headline_indicators(self.scenario) if f"P:{k}" in indicators][:3]
        probs = {o: self.pivot(o) for o in shown}
        rows = []
        for p in sorted(self.policies, key=lambda q: -shares.get(q, 0.0)):
            rows.append(
                (
                    p,
                    f"{100 * shares.get(p, 0.0):.1f}%",
                    f"{utility[p].mean():.2f}",
                    *(f"{100 * probs[o][p].mean():.1f}%" for o in shown),
                )
            )
        table = Table(
            f"Policies across {len(utility):,} sampled worlds",
            (
                "policy",
                f"best for {self.actor}",
                f"mean {self.actor} utility",
                *(f"mean {o[2:]}" for o in shown),
            ),
            tuple(rows),
        )
        notes = (
            f"Design {m.design.kind}, {m.design.samples:,} worlds x {len(m.policies)} policies "
            f"x {m.replications} replications, seed {m.design.seed}"
            + ("" if self.complete else " (incomplete: resume to finish)")
            + ".",
        )
        return Summary(f"Exploration of {m.scenario}", notes, (table,))

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        m = self.store.manifest
        return (
            f"<ExplorationResult {m.scenario!r}: {m.design.samples} worlds x "
            f"{len(m.policies)} policies, {'complete' if self.complete else 'incomplete'}>"
        )
