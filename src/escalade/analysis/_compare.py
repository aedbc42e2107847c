"""Compare a scenario's policies: simulate each, rank them, explain the difference.

The comparison answers the question "which policy serves this actor best,
and what does each do to the odds of the outcomes that matter?" for one
world (the parameters' nominal values): every policy is simulated with
the same seed, so all policies face the same luck run by run and their
differences are measured with paired standard errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade._text import noun
from escalade.analysis._parallel import simulate_policies
from escalade.errors import ParameterError
from escalade.game import Game, build_game
from escalade.scenario import Policy, Scenario, Seed, resolve_seed
from escalade.simulation import SimulationResult, check_size, chosen_policies
from escalade.solvers import Solution

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PolicyComparison", "StageView", "compare_policies"]

FloatArray = NDArray[np.float64]


@dataclass
class StageView:
    """The stage game in its first period under one policy, for drawing.

    Attributes
    ----------
    policy : str
    solution : Solution
        Logit QRE of the stage game at the initial state.
    edge : ndarray of shape (n_nodes,)
        Probability of the edge leading to each node (1 at the root).
    reach : ndarray of shape (n_nodes,)
        Probability of reaching each node.
    forced : ndarray of shape (n_nodes,), bool
        Whether the edge into each node is a choice fixed by the policy.
    """

    policy: str
    solution: Solution
    edge: FloatArray
    reach: FloatArray
    forced: NDArray[np.bool_]


@dataclass
class PolicyComparison(ResultMixin):
    """Every policy of a scenario simulated under the same seed.

    Attributes
    ----------
    scenario : Scenario
    results : dict of str to SimulationResult
        One per policy, in the scenario's order.
    actor : str
        The actor whose discounted utility ranks the policies.
    baseline : str
        The policy differences are measured against.
    stage : dict of str to StageView
        The first-period stage game under each policy.
    """

    scenario: Scenario
    results: dict[str, SimulationResult]
    actor: str
    baseline: str
    runs: int
    seed: int | None
    stage: dict[str, StageView] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def policies(self) -> list[str]:
        """Policy names in the scenario's order."""
        return list(self.results)

    def utility(self, policy: str, actor: str | None = None) -> float:
        """Mean discounted utility of an actor (default: the ranking actor)."""
        return self.results[policy].utility(actor or self.actor)

    def ranking(self) -> list[str]:
        """Policies from best to worst for the ranking actor."""
        return sorted(self.policies, key=lambda p: -self.utility(p))

    def difference(self, policy: str, other: str | None = None) -> tuple[float, float]:
        """Mean difference in the actor's utility, ``policy - other``, and its standard error.

        Runs are paired (same seed, common random numbers), so the error is
        that of the per-run differences.
        """
        other = other or self.baseline
        a = self.results[policy].run_utility
        b = self.results[other].run_utility
        j = self.results[policy].players.index(self.actor)
        if a is None or b is None:
            d = self.utility(policy) - self.utility(other)
            se_a = float(self.results[policy].utility_se[j])
            se_b = float(self.results[other].utility_se[j])
            return d, float(np.hypot(se_a, se_b))
        diff = a[:, j] - b[:, j]
        return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(diff.size))

    def probability(self, policy: str, indicator: str) -> float:
        """Probability over the horizon of an indicator under a policy."""
        return self.results[policy].probability(indicator)

    def verdict(self) -> dict[str, Any]:
        """The facts a short answer is written from (all computed, none assumed).

        Keys: ``best`` (policy), ``ranking``, ``utility`` (per policy),
        ``vs_baseline`` (difference and standard error per policy),
        ``indicators`` (per policy), and ``steps`` (what adding the levers
        changes) when the scenario has policies that differ only by levers.
        """
        ranking = self.ranking()
        facts: dict[str, Any] = {
            "actor": self.actor,
            "baseline": self.baseline,
            "best": ranking[0],
            "ranking": ranking,
            "utility": {p: self.utility(p) for p in self.policies},
            "vs_baseline": {p: self.difference(p) for p in self.policies},
            "indicators": {
                p: {n: self.probability(p, n) for n in self.results[p].indicator_names}
                for p in self.policies
            },
        }
        facts["lever_pairs"] = self._lever_pairs()
        return facts

    def _lever_pairs(self) -> list[dict[str, Any]]:
        """Policies that extend another one by turning levers on: what the levers change."""
        pols = {p.name: p for p in self.scenario.policies}
        pairs = []
        for name, pol in pols.items():
            if name not in self.results:
                continue
            for base_name, base in pols.items():
                if base_name == name or base_name not in self.results:
                    continue
                if (
                    dict(base.force) == dict(pol.force)
                    and any(pol.levers.get(k, 0) > base.levers.get(k, 0) for k in pol.levers)
                    and not any(base.levers.get(k, 0) > pol.levers.get(k, 0) for k in base.levers)
                ):
                    d, se = self.difference(name, base_name)
                    pairs.append(
                        {
                            "with": name,
                            "without": base_name,
                            "levers": sorted(
                                k for k, v in pol.levers.items() if v > base.levers.get(k, 0)
                            ),
                            "utility_change": d,
                            "utility_change_se": se,
                            "indicator_change": {
                                n: self.probability(name, n) - self.probability(base_name, n)
                                for n in self.results[name].indicator_names
                            },
                        }
                    )
        return pairs

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the content of ``results.json``)."""
        data = {
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "runs": self.runs,
            "seed": self.seed,
            "periods": next(iter(self.results.values())).periods if self.results else 0,
            "actor": self.actor,
            "baseline": self.baseline,
            "ranking": self.ranking(),
            "policies": {
                name: {
                    "label": res.policy.label or name,
                    **{
                        k: v
                        for k, v in res.to_dict().items()
                        if k not in ("scenario", "policy", "runs", "periods", "seed")
                    },
                    "difference_vs_baseline": dict(
                        zip(("mean", "se"), self.difference(name), strict=True)
                    ),
                }
                for name, res in self.results.items()
            },
            "lever_effects": self._lever_pairs(),
        }
        return json_dict(data)

    def to_frame(self) -> pd.DataFrame:
        """One row per policy, in the scenario's order.

        Columns: ``label``, ``rank`` (by the ranking actor's utility, 1 the
        best), ``utility:<player>`` for every player, ``difference`` and
        ``difference_se`` (the ranking actor's utility against the
        baseline, paired runs), then ``P:<indicator>``, each indicator's
        probability over the horizon.

        Examples
        --------
        >>> import escalade
        >>> cmp = compare_policies(escalade.load("korea-2017"), runs=200, seed=1,
        ...                        policies=["sanctions_default", "talks"])
        >>> frame = cmp.to_frame()
        >>> frame.loc["sanctions_default", ["difference", "difference_se"]].tolist()
        [0.0, 0.0]
        >>> frame.columns[:3].tolist()
        ['label', 'rank', 'utility:USA']
        """
        import pandas as pd

        ranks = {p: i for i, p in enumerate(self.ranking(), start=1)}
        rows = []
        for name, res in self.results.items():
            d, se = self.difference(name)
            rows.append(
                {
                    "policy": name,
                    "label": res.policy.label or name,
                    "rank": ranks[name],
                    **{f"utility:{p}": res.utility(p) for p in res.players},
                    "difference": d,
                    "difference_se": se,
                    **{f"P:{n}": res.probability(n) for n in res.indicator_names},
                }
            )
        return pd.DataFrame(rows).set_index("policy")

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """A table of policies: the actor's utility and each indicator's probability.

        Parameters
        ----------
        max_rows : int or None
            Policies shown, best first (default: all).
        """
        first = next(iter(self.results.values()))
        names = first.indicator_names
        labels = [i.label or i.name for i in first.dynamics.indicators]
        rows = []
        for p in self.ranking():
            res = self.results[p]
            d, se = self.difference(p)
            rows.append(
                (
                    res.policy.label or p,
                    f"{self.utility(p):.2f}",
                    "-" if p == self.baseline else f"{d:+.2f} ± {1.96 * se:.2f}",
                    *(f"{100 * res.probability(n):.1f}%" for n in names),
                )
            )
        table = Table(
            f"Policies ranked by {self.actor}'s discounted utility",
            ("policy", f"{self.actor} utility", f"vs {self.baseline} (95%)", *labels),
            clip_rows(rows, max_rows),
        )
        heading = f"{self.scenario.title or self.scenario.name}: policy comparison"
        notes = (
            f"{self.runs:,} {noun(self.runs, 'run')} per policy over {first.periods} "
            f"{noun(first.periods, first.dynamics.unit)}, "
            f"seed {self.seed}, nominal parameter values.",
            *self.foresight_notes(),
        )
        return Summary(heading, notes, (table,))

    def foresight_notes(self) -> tuple[str, ...]:
        """How the actors looked ahead: one line, or one per policy when they differ.

        Examples
        --------
        >>> import escalade
        >>> cmp = compare_policies(escalade.load("docs/examples/standoff.yaml"), runs=50,
        ...                        seed=1, foresight="myopic")
        >>> cmp.foresight_notes()
        ('Foresight: myopic, each stage game played with its own payoffs.',)
        """
        said = {
            name: res.foresight.describe()
            for name, res in self.results.items()
            if res.foresight is not None
        }
        if len(set(said.values())) == 1:
            return (f"Foresight: {next(iter(said.values()))}.",)
        return tuple(
            f"Foresight under {self.results[name].policy.label or name}: {text}."
            for name, text in said.items()
        )


def _stage_view(game: Game, policy: Policy, result: SimulationResult) -> StageView:
    """The first period's stage game as the policy's simulation played it at the start."""
    if result.foresight is None or result.foresight.start is None:  # pragma: no cover
        raise ParameterError("a comparison's simulations run at one world, which has a start")
    sol = result.foresight.start
    g = game.with_context(extra={"period": 1.0}, levers=dict(policy.levers))
    values = g.evaluate(g.parameters.nominal())
    edge = np.ones(game.n_nodes)
    dec = np.flatnonzero(game.edge_action >= 0)
    edge[dec] = sol.strategy_mean[game.edge_action[dec]]
    ch = np.flatnonzero(game.edge_chance >= 0)
    edge[ch] = values.chance[0, game.edge_chance[ch]]
    reach = game.node_reach(edge)
    forced = np.zeros(game.n_nodes, dtype=bool)
    fixed_names = set(policy.force)
    for node in dec:
        h = game.infoset[game.parent[node]]
        forced[node] = game.infoset_names[h] in fixed_names
    return StageView(policy.name, sol, edge, reach, forced)


def compare_policies(  # noqa: PLR0913 - keyword options
    scenario: Scenario,
    *,
    runs: int = 100_000,
    seed: Seed = 1,
    policies: Sequence[str] | None = None,
    actor: str | None = None,
    baseline: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    foresight: str | None = None,
    workers: int | None = None,
) -> PolicyComparison:
    """Simulate every policy (or the chosen ones) with the same seed and compare them.

    Parameters
    ----------
    scenario : Scenario
        Needs ``dynamics:`` and ``policies:``.
    runs : int
        Runs per policy.
    seed : int, Generator or None
        Turned into one integer seed, used by every policy (common random
        numbers) and kept as ``seed`` on the result.
    policies : sequence of str, optional
        Which policies (default: all, in the file's order).
    actor : str, optional
        Whose utility ranks the policies (default: the first player).
    baseline : str, optional
        The policy differences are measured against (default: the first policy).
    progress : callable, optional
        ``progress(policy, done_runs, total_runs)`` (with several workers,
        once per policy, when it is done).
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How actors look ahead (default: the scenario's ``foresight:``); the
        values are computed once per policy.
    workers : int, optional
        Processes the policies are spread over (default: one per core, at
        most one per policy, when runs x periods x policies reach 500,000;
        1 simulates them here, one after the other). The numbers do not
        depend on it.

    Returns
    -------
    PolicyComparison

    Examples
    --------
    >>> import escalade
    >>> cmp = compare_policies(escalade.load("korea-2017"), runs=300, seed=1,
    ...                        policies=["sanctions_default", "talks"])
    >>> sorted(cmp.results)
    ['sanctions_default', 'talks']
    """
    chosen = chosen_policies(scenario, policies, purpose="to compare policies")
    dyn = scenario.require_dynamics()
    actor = actor or scenario.player_names[0]
    if actor not in scenario.player_names:
        raise ParameterError(
            f"unknown actor {actor!r}; players: " + ", ".join(scenario.player_names)
        )
    baseline = baseline or chosen[0]
    if baseline not in chosen:
        raise ParameterError(f"baseline {baseline!r} is not among the compared policies")
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 2:
        raise ParameterError(
            f"runs must be a whole number of at least 2 to compare policies (a standard "
            f"error needs two), found {runs!r}",
            arguments=("runs",),
        )
    game = build_game(scenario)
    check_size(scenario, runs, dyn.periods, game=game, total=runs * len(chosen))
    seed = resolve_seed(seed)
    started = time.perf_counter()
    results = simulate_policies(
        scenario,
        game,
        chosen,
        runs=runs,
        seed=seed,
        foresight=foresight,
        workers=workers,
        progress=progress,
    )
    by_name = {p.name: p for p in scenario.policies}
    stage = {name: _stage_view(game, by_name[name], results[name]) for name in chosen}
    return PolicyComparison(
        scenario=scenario,
        results=results,
        actor=actor,
        baseline=baseline,
        runs=runs,
        seed=seed,
        stage=stage,
        diagnostics={"seconds": time.perf_counter() - started},
    )
