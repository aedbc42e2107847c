"""What a simulation gives: per-period distributions and per-run results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade._text import noun
from escalade.game import Game
from escalade.scenario import Dynamics, Policy, Scenario
from escalade.simulation._foresight import Foresight

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SimulationResult"]

FloatArray = NDArray[np.float64]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


@dataclass
class SimulationResult(ResultMixin):
    """Many simulated crises under one policy.

    Attributes
    ----------
    scenario : Scenario
    game : Game
        The stage game.
    policy : Policy
    runs, periods : int
    seed : int or None
    alive : ndarray of shape (n_periods,)
        Share of runs not yet ended after each period.
    cum_outcomes : ndarray of shape (n_periods, n_outcomes)
        Probability that each stage outcome has happened at least once by
        the end of each period.
    ended_in : ndarray of shape (n_periods, n_outcomes)
        Probability that the run has ended in each outcome by each period.
    cum_events : ndarray of shape (n_periods, n_events)
        Probability that each event has fired by each period.
    cum_indicators : ndarray of shape (n_periods, n_indicators)
        The scenario's indicators by period (``at_end`` ones at the last period only).
    state_mean : ndarray of shape (n_periods + 1, n_state)
        Mean of each state variable at the start (row 0) and after each period.
    state_quantiles : ndarray of shape (n_periods + 1, n_state, 3)
        5%, 50% and 95% quantiles of each state variable.
    utility_by_period : ndarray of shape (n_periods, n_players)
        Mean discounted utility accumulated through each period.
    utility_mean, utility_se : ndarray of shape (n_players,)
        Mean discounted utility over the horizon and its standard error.
    run_utility : ndarray of shape (n_runs, n_players) or None
        Discounted utility of each run.
    run_flags : ndarray of shape (n_runs, n_indicators) or None
        Whether each indicator happened in each run.
    foresight : Foresight or None
        How the actors looked ahead (``myopic``, ``exact`` or
        ``approximate`` values, with their diagnostics), and the first
        period's stage game at the start with each actor's value of the
        whole game.
    """

    scenario: Scenario
    game: Game
    policy: Policy
    runs: int
    periods: int
    seed: int | None
    alive: FloatArray
    cum_outcomes: FloatArray
    ended_in: FloatArray
    cum_events: FloatArray
    cum_indicators: FloatArray
    state_mean: FloatArray
    state_quantiles: FloatArray
    utility_by_period: FloatArray
    utility_mean: FloatArray
    utility_se: FloatArray
    run_utility: FloatArray | None = None
    run_flags: NDArray[np.bool_] | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    foresight: Foresight | None = None

    # -------------------------------------------------------------- names
    @property
    def dynamics(self) -> Dynamics:
        """The scenario's dynamics."""
        return self.scenario.require_dynamics()

    @property
    def players(self) -> tuple[str, ...]:
        """Player names."""
        return self.game.players

    @property
    def indicator_names(self) -> tuple[str, ...]:
        """The scenario's indicators, in file order."""
        return tuple(i.name for i in self.dynamics.indicators)

    @property
    def event_names(self) -> tuple[str, ...]:
        """The scenario's events, in file order."""
        return tuple(e.name for e in self.dynamics.events)

    @property
    def state_names(self) -> tuple[str, ...]:
        """The scenario's state variables, in file order."""
        return tuple(v.name for v in self.dynamics.state)

    def period_labels(self) -> list[str]:
        """Labels of the periods (years when the scenario gives a start)."""
        return [self.dynamics.period_label(t) for t in range(1, self.periods + 1)]

    # ------------------------------------------------------------ lookups
    def probability(self, name: str) -> float:
        """Probability over the horizon of an indicator, outcome or event (by name).

        Examples
        --------
        >>> import escalade
        >>> res = escalade.simulate("korea-2017", "talks", runs=500, seed=1)
        >>> 0.0 <= res.probability("settlement") <= 1.0
        True
        """
        if name in self.indicator_names:
            return float(self.cum_indicators[-1, self.indicator_names.index(name)])
        if name in self.game.outcomes:
            return float(self.cum_outcomes[-1, self.game.outcomes.index(name)])
        if name in self.event_names:
            return float(self.cum_events[-1, self.event_names.index(name)])
        known = [*self.indicator_names, *self.game.outcomes, *self.event_names]
        raise KeyError(f"no indicator, outcome or event {name!r}; known: {', '.join(known)}")

    def utility(self, player: str) -> float:
        """Mean discounted utility of a player over the horizon."""
        return float(self.utility_mean[self.players.index(player)])

    # ------------------------------------------------------------ exports
    def to_dict(self) -> dict[str, Any]:
        """JSON form: probabilities over the horizon, utilities, per-period curves.

        ``foresight`` says how the actors looked ahead; ``start`` holds the
        first period's strategies at the initial state and each actor's
        value of the whole game there (``null`` when the runs do not share
        one world; the value is ``null`` for myopic actors).
        """
        labels = self.period_labels()
        info = self.foresight
        data = {
            "scenario": self.scenario.name,
            "policy": self.policy.name,
            "runs": self.runs,
            "periods": self.periods,
            "seed": self.seed,
            "foresight": info.to_dict() if info is not None else None,
            "start": info.start_dict() if info is not None else None,
            "outcomes": {n: self.probability(n) for n in self.indicator_names},
            "stage_outcomes": {
                o: float(self.cum_outcomes[-1, k]) for k, o in enumerate(self.game.outcomes)
            },
            "events": {e: float(self.cum_events[-1, k]) for k, e in enumerate(self.event_names)},
            "utility": {p: float(u) for p, u in zip(self.players, self.utility_mean, strict=True)},
            "utility_se": {p: float(u) for p, u in zip(self.players, self.utility_se, strict=True)},
            "by_period": {
                "period": labels,
                "still_going": [float(a) for a in self.alive],
                "indicators": {
                    n: [float(x) for x in self.cum_indicators[:, j]]
                    for j, n in enumerate(self.indicator_names)
                    if self.dynamics.indicators[j].at_end is None
                },
                "state_mean": {
                    v: [float(x) for x in self.state_mean[1:, j]]
                    for j, v in enumerate(self.state_names)
                },
            },
        }
        return json_dict(data)

    def to_frame(self) -> pd.DataFrame:
        """One row per period: share still going, indicators, state means, utilities."""
        import pandas as pd

        frame = pd.DataFrame({"period": self.period_labels(), "still_going": self.alive})
        for j, n in enumerate(self.indicator_names):
            if self.dynamics.indicators[j].at_end is None:
                frame[f"P:{n}"] = self.cum_indicators[:, j]
        for j, e in enumerate(self.event_names):
            frame[f"event:{e}"] = self.cum_events[:, j]
        for j, v in enumerate(self.state_names):
            frame[f"mean:{v}"] = self.state_mean[1:, j]
        for j, p in enumerate(self.players):
            frame[f"utility:{p}"] = self.utility_by_period[:, j]
        return frame

    def runs_frame(self) -> pd.DataFrame:
        """One row per run: discounted utility of each player and indicator flags."""
        import pandas as pd

        if self.run_utility is None or self.run_flags is None:
            raise ValueError("per-run results were not kept (simulate(..., keep_runs=True))")
        frame = pd.DataFrame(self.run_utility, columns=[f"utility:{p}" for p in self.players])
        for j, n in enumerate(self.indicator_names):
            frame[n] = self.run_flags[:, j]
        return frame

    # ------------------------------------------------------------ summary
    def summary(self, *, max_rows: int | None = None) -> Summary:
        """Tables: indicators over the horizon, utilities, the state at the end.

        Parameters
        ----------
        max_rows : int or None
            Rows shown of the events and state tables (default: all).

        Examples
        --------
        >>> import escalade
        >>> res = escalade.simulate("korea-2017", "talks", runs=200, seed=1)
        >>> res.summary(max_rows=3).tables[0].rows[-1]
        ('...', '16 more')
        """
        dyn = self.dynamics
        heading = (
            f"{self.scenario.title or self.scenario.name}: policy "
            f"{self.policy.label or self.policy.name}"
        )
        notes: tuple[str, ...] = (
            f"{self.runs:,} {noun(self.runs, 'run')} over {self.periods} "
            f"{noun(self.periods, dyn.unit)}"
            + (f" ({self.period_labels()[0]}-{self.period_labels()[-1]})" if dyn.start else "")
            + (f", seed {self.seed}" if self.seed is not None else "")
            + f"; {_pct(float(self.alive[-1]))} of runs still going at the end.",
        )
        if self.foresight is not None:
            notes += (f"Foresight: {self.foresight.describe()}.",)
        ind_rows = [
            (ind.label or ind.name, _pct(float(self.cum_indicators[-1, j])))
            for j, ind in enumerate(dyn.indicators)
        ]
        ev_rows = [
            (e.label or e.name, _pct(float(self.cum_events[-1, j])))
            for j, e in enumerate(dyn.events)
        ]
        utility_rows = tuple(
            (p, f"{u:.3f}", f"{se:.3f}")
            for p, u, se in zip(self.players, self.utility_mean, self.utility_se, strict=True)
        )
        tables: tuple[Table, ...] = (
            Table(
                f"Probability within {self.periods} {noun(self.periods, dyn.unit)}",
                ("event", "probability"),
                clip_rows(ind_rows + ev_rows, max_rows),
            ),
            Table(
                "Discounted utility over the horizon", ("actor", "mean", "std. error"), utility_rows
            ),
            Table(
                "State",
                ("variable", "start", "end (mean)", "end 5%", "end 95%"),
                clip_rows(self._state_rows(), max_rows),
            ),
        )
        if self.foresight is not None and self.foresight.start is not None:
            tables += self.foresight.start_tables()
        return Summary(heading, notes, tables)

    def _state_rows(self) -> list[tuple[str, ...]]:
        """Each state variable at the start, and its mean and spread at the end."""
        return [
            (
                v.label or v.name,
                f"{self.state_mean[0, j]:.3g}",
                f"{self.state_mean[-1, j]:.3g}",
                f"{self.state_quantiles[-1, j, 0]:.3g}",
                f"{self.state_quantiles[-1, j, 2]:.3g}",
            )
            for j, v in enumerate(self.dynamics.state)
        ]

    def __repr__(self) -> str:
        return (
            f"<SimulationResult {self.scenario.name!r} policy={self.policy.name!r}, "
            f"{self.runs} {noun(self.runs, 'run')} x {self.periods} "
            f"{noun(self.periods, 'period')}>"
        )
