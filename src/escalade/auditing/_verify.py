"""``verify``: does the model show what the scenario expects of it?

Each expectation of a scenario's ``expectations:`` section is evaluated
at the parameters' nominal values and in sampled worlds (each world's
numbers the mean of a few runs), from the results of the policies it is
about; all policies of one evaluation share their random numbers (common
random numbers), so comparisons between them are paired. An expectation
that fails is a finding about the model, not a bug: it shows where the
model and the claims it was built from part ways.

The same evaluation reads the results an analysis or an exploration has
already computed (:func:`verify_comparison`, :func:`verify_exploration`),
for the claims table of their reports.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.auditing._audit import scenario_of, whole
from escalade.auditing._verification import Check, VerificationResult
from escalade.errors import ParameterError, ScenarioError
from escalade.scenario import Expectation, Scenario, Seed, as_generator, resolve_seed
from escalade.simulation import SimulationResult, simulate

__all__ = [
    "DEFAULT_VERIFY_REPLICATIONS",
    "DEFAULT_VERIFY_RUNS",
    "DEFAULT_VERIFY_SAMPLES",
    "verify",
    "verify_comparison",
    "verify_exploration",
]

FloatArray = NDArray[np.float64]

#: Sampled worlds ``verify`` evaluates every expectation in, by default.
DEFAULT_VERIFY_SAMPLES = 200
#: Runs per sampled world, and per policy at the nominal values, by default.
DEFAULT_VERIFY_REPLICATIONS, DEFAULT_VERIFY_RUNS = 16, 10_000


# ---------------------------------------------------------------------------
# the numbers an expectation reads


@dataclass
class _Numbers:
    """Results of policies in ``worlds`` worlds (1 at the nominal values).

    ``utility[policy]`` has shape (worlds, n_players) (over the horizon);
    ``indicators[(policy, by)]`` maps an indicator to shape (worlds,), ``by``
    being the period counted to (``None``: the horizon); ``pairs`` gives the
    standard error of a utility difference between two policies, when runs
    are kept.
    """

    scenario: Scenario
    worlds: int
    utility: dict[str, FloatArray] = field(default_factory=dict)
    indicators: dict[tuple[str, int | None], dict[str, FloatArray]] = field(default_factory=dict)
    pair_se: Callable[[str, str, int], float] | None = None
    missing: dict[tuple[str, int | None], str] = field(default_factory=dict)
    replications: int | None = None  # runs per world, when known

    @property
    def indicator_names(self) -> set[str]:
        return {i.name for i in self.scenario.require_dynamics().indicators}


def _evaluate(
    e: Expectation, nums: _Numbers
) -> tuple[NDArray[np.bool_] | None, str, dict[str, Any], str]:
    """Whether ``e`` holds in each world, the numbers found (of world 0 when there is
    one world, else their means), and why it cannot be evaluated."""
    sc = nums.scenario
    players = sc.player_names
    one = nums.worlds == 1
    if e.form in ("is", "beats"):
        j = players.index(str(e.actor))
        names = [p.name for p in sc.policies] if e.form == "is" else list(e.policies)
        absent = [p for p in names if p not in nums.utility]
        if absent:
            return None, "", {}, f"no results for {', '.join(absent)}"
        u = np.stack([nums.utility[p][:, j] for p in names], axis=1)
        k = names.index(e.policy)
        if e.form == "is":
            target = u.max(axis=1) if e.rank == "best" else u.min(axis=1)
            ok = u[:, k] == target
            order = np.argsort(-u.mean(axis=0))
            position = int(np.flatnonzero(order == k)[0]) + 1
            mean = u.mean(axis=0)
            other = [i for i in order if i != k]
            nearest = other[0] if e.rank == "best" else other[-1]
            found = (
                f"{e.policy}: {e.actor}'s utility {mean[k]:.2f}, rank {position} of {len(names)}"
                f" ({e.rank} of the others: {names[nearest]} {mean[nearest]:.2f})"
            )
            return (
                ok,
                found,
                {"utility": {n: float(mean[i]) for i, n in enumerate(names)}, "rank": position},
                "",
            )
        diff = u[:, 0] - u[:, 1]
        d = float(diff.mean())
        se = (
            nums.pair_se(e.policy, str(e.than), j) if one and nums.pair_se is not None else math.nan
        )
        spread = f" (± {2 * se:.2f})" if math.isfinite(se) else ""
        found = f"{e.actor}'s utility {d:+.2f}{spread} under {e.policy} against {e.than}"
        values: dict[str, Any] = {"difference": d}
        if math.isfinite(se):
            values["se"] = se
        return diff > 0, found, values, ""
    if e.holds is None:
        message = (
            f"expectation {e.name}: expected exactly one of is:, beats: or holds:, "
            f"found form {e.form!r} and no condition"
        )
        raise e.loc.error(message) if e.loc is not None else ScenarioError(message)
    key = (e.policy, e.by)
    if key not in nums.indicators:
        return None, "", {}, nums.missing.get(key, f"no results for {e.policy}")
    env: dict[str, Any] = dict(nums.indicators[key])
    if e.policy in nums.utility:
        env.update({p: nums.utility[e.policy][:, i] for i, p in enumerate(players)})
    used = sorted(e.holds.expr.names)
    absent = [n for n in used if n not in env]
    if absent:
        return None, "", {}, f"no result for {', '.join(absent)}"
    ok = e.holds.evaluate(env, n_draws=nums.worlds) != 0
    shown = {n: float(np.mean(env[n])) for n in used}
    word = "" if one else "mean "
    found = ", ".join(f"{word}{n} = {_number(v)}" for n, v in shown.items())
    return ok, found + _rare(nums, shown, one), shown, ""


def _rare(nums: _Numbers, shown: dict[str, float], one: bool) -> str:
    """A caveat when an indicator is so rare that most worlds' few runs never see it:
    a condition on it is then judged on zeros, and its share of worlds is not a fair
    reading (the pooled mean is)."""
    r = nums.replications
    if one or r is None:
        return ""
    rare = [n for n, v in shown.items() if n in nums.indicator_names and 0 < v * r < 1]
    if not rare:
        return ""
    return (
        f" (rare: {', '.join(rare)} in fewer than one of the {r} runs per world on average, "
        "so most worlds are judged on zeros; read the means, not the share of worlds)"
    )


def _number(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 1000 else f"{x:.4g}"


def _checks(
    scenario: Scenario,
    nominal: _Numbers | None,
    worlds: _Numbers | None,
    elsewhere: str = "run escalade verify",
) -> tuple[Check, ...]:
    out = []
    for e in scenario.expectations:
        at = _evaluate(e, nominal) if nominal is not None else (None, "", {}, "no nominal run")
        across = _evaluate(e, worlds) if worlds is not None else (None, "", {}, "")
        nominal_ok = None if at[0] is None else bool(at[0][0])
        share = None if across[0] is None else float(np.mean(across[0]))
        n_worlds = worlds.worlds if worlds is not None and across[0] is not None else 0
        if e.in_worlds is not None:
            holds = None if share is None else share >= e.in_worlds - 1e-12
        else:
            holds = nominal_ok
        found = at[1] or (f"across the worlds, {across[1]}" if across[1] else "")
        if holds is not None:
            missing = ""
        elif e.in_worlds is not None and worlds is None:
            missing = f"it is judged by the share of sampled worlds: {elsewhere}"
        elif e.in_worlds is None and nominal is None and share is not None:
            missing = f"it is judged at the nominal values: {elsewhere}"
        else:
            missing = at[3] or across[3] or "no results"
        values = {"nominal": at[2], **({"worlds": across[2]} if across[2] else {})}
        out.append(Check(e, holds, nominal_ok, share, n_worlds, found, values, missing))
    return tuple(out)


# ---------------------------------------------------------------------------
# from fresh simulations


def _needs(scenario: Scenario) -> dict[int | None, set[str]]:
    """Policies to simulate for each horizon (``None``: the scenario's)."""
    needs: dict[int | None, set[str]] = {}
    every = {p.name for p in scenario.policies}
    for e in scenario.expectations:
        if e.form == "holds":
            needs.setdefault(e.by, set()).add(e.policy)
            if e.holds is not None and e.holds.expr.names & set(scenario.player_names):
                needs.setdefault(None, set()).add(e.policy)
        else:
            needs.setdefault(None, set()).update(every if e.form == "is" else e.policies)
    return needs


def _fresh(seed: np.random.SeedSequence) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)


def verify(
    source: str | Path | Scenario,
    *,
    samples: int = DEFAULT_VERIFY_SAMPLES,
    replications: int = DEFAULT_VERIFY_REPLICATIONS,
    runs: int = DEFAULT_VERIFY_RUNS,
    seed: Seed = 1,
    progress: Callable[[str], None] | None = None,
) -> VerificationResult:
    """Evaluate every expectation at the nominal values and in sampled worlds.

    Each expectation (``expectations:``) states what the model's results
    should show, tied to claims: a policy's rank, one policy beating
    another, a condition on indicator probabilities (``docs/audit.md``).

    Parameters
    ----------
    source : str, Path or Scenario
        A loaded scenario, a scenario file or a bundled scenario's name;
        it needs an ``expectations:`` section.
    samples : int
        Worlds sampled from the parameters' distributions (0: nominal only).
    replications : int
        Runs per world (a world's numbers are their means).
    runs : int
        Runs per policy at the nominal values.
    seed : int, Generator or None
        Same seed, same numbers (``None``: a fresh seed, reported in ``settings``).
    progress : callable, optional
        ``progress(message)`` from step to step.

    Returns
    -------
    VerificationResult

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("docs/examples/standoff.yaml")
    >>> result = verify(sc, samples=0, runs=2000)
    >>> result.checks[0].found
    "Defender's utility +8.43 (± 0.03) under push_back against hold"
    """
    scenario = scenario_of(source)
    if not scenario.expectations:
        raise ParameterError(
            f"{scenario.name} has no expectations: section, so there is nothing to verify; "
            "add one (see docs/audit.md)"
        )
    samples = whole(samples, "samples", 0)
    replications = whole(replications, "replications")
    runs = whole(runs, "runs")
    seed = resolve_seed(seed)
    say = progress or (lambda message: None)
    started = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn(3)
    dyn = scenario.require_dynamics()
    needs = _needs(scenario)
    nominal = _Numbers(scenario, 1)
    kept: dict[str, SimulationResult] = {}
    for by, policies in needs.items():
        for policy in sorted(policies, key=[p.name for p in scenario.policies].index):
            say(f"simulating {policy} at the nominal values")
            res = simulate(scenario, policy, runs=runs, seed=_fresh(seeds[0]), periods=by)
            _store(nominal, policy, by, res.utility_mean[None, :], res.run_flags, dyn)
            if by is None:
                kept[policy] = res
    nominal.pair_se = _pair_se(kept)
    worlds = None
    if samples:
        worlds = _Numbers(scenario, samples, replications=replications)
        draws = scenario.parameters.sample(samples, as_generator(seeds[1]))
        expanded = draws.take(np.repeat(np.arange(samples), replications))
        n = samples * replications
        streams = np.arange(n, dtype=np.int64)
        for by, policies in needs.items():
            for policy in sorted(policies, key=[p.name for p in scenario.policies].index):
                say(f"simulating {policy} in {samples} sampled worlds")
                res = simulate(
                    scenario,
                    policy,
                    runs=n,
                    seed=_fresh(seeds[2]),
                    draws=expanded,
                    periods=by,
                    chunk_size=n,
                    streams=streams,
                )
                run_utility, run_flags = _kept(res)
                utility = run_utility.reshape(samples, replications, -1).mean(axis=1)
                flags = run_flags.reshape(samples, replications, -1).mean(axis=1)
                _store(worlds, policy, by, utility, flags, dyn, per_world=True)
    settings = {
        "source": "verify",
        "runs": runs,
        "samples": samples,
        "replications": replications,
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 3),
    }
    checks = _checks(scenario, nominal, worlds, "none were sampled (--samples 0)")
    return VerificationResult(scenario, checks, settings)


def _store(
    nums: _Numbers,
    policy: str,
    by: int | None,
    utility: FloatArray,
    flags: Any,
    dyn: Any,
    per_world: bool = False,
) -> None:
    if by is None:
        nums.utility[policy] = np.asarray(utility, dtype=np.float64)
    values = np.asarray(flags, dtype=np.float64)
    if not per_world:
        values = values.mean(axis=0, keepdims=True)
    nums.indicators[(policy, by)] = {ind.name: values[:, j] for j, ind in enumerate(dyn.indicators)}


def _kept(res: SimulationResult) -> tuple[FloatArray, NDArray[np.bool_]]:
    if res.run_utility is None or res.run_flags is None:  # pragma: no cover - keep_runs
        raise RuntimeError("the simulation kept no per-run results")
    return res.run_utility, res.run_flags


def _pair_se(results: dict[str, SimulationResult]) -> Callable[[str, str, int], float]:
    def se(a: str, b: str, j: int) -> float:
        ra, rb = results[a].run_utility, results[b].run_utility
        if ra is None or rb is None or ra.shape[0] < 2:
            return math.nan
        diff = ra[:, j] - rb[:, j]
        return float(diff.std(ddof=1) / math.sqrt(diff.size))

    return se


# ---------------------------------------------------------------------------
# from results already computed


def verify_comparison(
    results: dict[str, SimulationResult], scenario: Scenario
) -> VerificationResult:
    """Evaluate the expectations at the nominal values from an analysis' simulations.

    ``results`` maps each policy to its simulation over the whole horizon
    (what :func:`escalade.analyze` computes); indicators by an earlier
    period are read from the simulations' per-period curves (an
    ``at_end:`` indicator only exists at the end, so an expectation about
    it by an earlier period is not evaluated here).

    Examples
    --------
    >>> import escalade
    >>> cmp = escalade.analyze("docs/examples/standoff.yaml", runs=2000, seed=1)
    >>> verify_comparison(cmp.results, cmp.scenario).checks[1].nominal
    True
    """
    dyn = scenario.require_dynamics()
    nums = _Numbers(scenario, 1)
    for policy, res in results.items():
        nums.utility[policy] = res.utility_mean[None, :]
        for e in scenario.expectations:
            if e.form != "holds" or e.policy != policy:
                continue
            by = e.by
            t = res.periods if by is None else by
            values = {}
            for j, ind in enumerate(dyn.indicators):
                if ind.at_end is not None and t != res.periods:
                    continue
                values[ind.name] = np.array([res.cum_indicators[t - 1, j]])
            nums.indicators[(policy, by)] = values
    nums.pair_se = _pair_se(results)
    settings = {"source": "analysis", "runs": next(iter(results.values())).runs if results else 0}
    return VerificationResult(scenario, _checks(scenario, nums, None), settings)


def verify_exploration(
    frame: Any, scenario: Scenario, *, replications: int | None = None
) -> VerificationResult:
    """Evaluate the expectations in the worlds of an exploration.

    ``frame`` has one row per world and policy, with columns ``sample``,
    ``policy``, ``utility:ACTOR`` and ``P:INDICATOR`` (each a world's mean
    over its runs, within the horizon), as
    :meth:`escalade.exploration.ExplorationResult.to_frame` gives. An
    exploration keeps no nominal run and no per-period numbers: an
    expectation judged at the nominal values is given as a share of worlds
    only, and one about an earlier period is not evaluated. With
    ``replications`` (runs per world), a condition on an indicator rarer
    than one run per world says that its share of worlds is judged on
    zeros.

    Examples
    --------
    >>> import pandas as pd
    >>> import escalade
    >>> sc = escalade.load("docs/examples/standoff.yaml")
    >>> rows = [{"sample": 0, "policy": p, "utility:Challenger": 0.0, "utility:Defender": u,
    ...          "P:war": w, "P:probed": 1.0}
    ...         for p, u, w in [("hold", -8.0, 0.0), ("push_back", -1.0, 0.05),
    ...                         ("push_back_with_hotline", -2.0, 0.09)]]
    >>> verify_exploration(pd.DataFrame(rows), sc).checks[0].share
    1.0
    """
    players = scenario.player_names
    dyn = scenario.require_dynamics()
    samples = sorted(set(frame["sample"]))
    nums = _Numbers(scenario, len(samples), replications=replications)
    for policy, rows in frame.groupby("policy", sort=False):
        rows = rows.set_index("sample").reindex(samples)
        if rows.isna().all(axis=None):
            continue
        nums.utility[str(policy)] = rows[[f"utility:{p}" for p in players]].to_numpy(
            dtype=np.float64
        )
        values = {
            i.name: rows[f"P:{i.name}"].to_numpy(dtype=np.float64)
            for i in dyn.indicators
            if f"P:{i.name}" in rows
        }
        nums.indicators[(str(policy), None)] = values
    nums.missing[("", None)] = "an exploration has no run at the nominal values"
    for e in scenario.expectations:
        if e.form == "holds" and e.by is not None and e.by != dyn.periods:
            nums.missing[(e.policy, e.by)] = (
                f"an exploration keeps results over the whole horizon only; run "
                f"`escalade verify {scenario.name}` for {e.by_label}"
            )
    result = VerificationResult(scenario, _checks(scenario, None, nums), {"source": "exploration"})
    result.settings["samples"] = len(samples)
    return result
