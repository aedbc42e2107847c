"""Policies simulated side by side, on the executors explorations use.

A comparison simulates every policy with the same seed; the policies are
independent of each other, so they can run in local worker processes (or
on a Dask cluster) as well as in this one, with the same numbers: each
task is one policy, computed from plain data (the scenario's text, its
parameters' values, the policy's name, the runs and the seed), and its
result comes back as plain arrays that are put back together with the
scenario and game of this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from escalade._parallel import run_tasks
from escalade.errors import ParameterError
from escalade.game import Game
from escalade.scenario import Scenario, load_scenario_text
from escalade.simulation import Foresight, SimulationResult, simulate
from escalade.solvers import Solution

__all__ = ["PARALLEL_WORK", "PolicyTask", "simulate_policies", "simulate_policy"]

#: Run-periods (runs x periods x policies) below which ``workers=None`` simulates in this
#: process: starting worker processes would cost more than it saves.
PARALLEL_WORK = 500_000


@dataclass(frozen=True)
class PolicyTask:
    """Everything a worker needs to simulate one policy, picklable.

    ``values`` holds every parameter's value (comparisons run at the
    nominal values, overrides included), as the scenario's file writes it.
    """

    scenario_text: bytes
    scenario_file: str
    values: tuple[tuple[str, str | float], ...]
    policy: str
    runs: int
    seed: int
    foresight: str | None


def simulate_policies(  # noqa: PLR0913 - keyword options
    scenario: Scenario,
    game: Game,
    policies: Sequence[str],
    *,
    runs: int,
    seed: int,
    foresight: str | None,
    workers: int | None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, SimulationResult]:
    """Every policy simulated with the same seed: here, or on ``workers`` processes.

    ``workers=None`` uses every core (at most one process per policy) when
    there is enough work (:data:`PARALLEL_WORK`) and the scenario has its
    text; ``1`` simulates here, one policy after the other.
    """
    if workers is None:
        work = runs * len(policies) * scenario.require_dynamics().periods
        enough = work >= PARALLEL_WORK and bool(scenario.text)
        workers = min(os.cpu_count() or 1, len(policies)) if enough else 1
    if workers < 1:
        raise ParameterError(f"workers must be at least 1, found {workers}", arguments=("workers",))
    if workers == 1 or len(policies) == 1:
        results = {}
        for name in policies:

            def step(done: int, total: int, _name: str = name) -> None:
                if progress is not None:
                    progress(_name, done, total)

            results[name] = simulate(
                scenario, name, runs=runs, seed=seed, game=game, progress=step, foresight=foresight
            )
        return results
    if not scenario.text:
        raise ParameterError(
            "simulating policies in worker processes needs a scenario read from a file "
            "(its text); use workers=1 for one built in Python",
            arguments=("workers",),
        )
    values = tuple(
        (p.name, p.choices[int(p.nominal)] if p.choices else p.nominal) for p in scenario.parameters
    )
    tasks = [
        PolicyTask(scenario.text, scenario.source, values, name, runs, seed, foresight)
        for name in policies
    ]
    found: dict[str, SimulationResult] = {}

    def finished(i: int, payload: dict[str, Any]) -> None:
        found[tasks[i].policy] = _restore(payload, scenario, game)
        if progress is not None:
            progress(tasks[i].policy, runs, runs)

    run_tasks(simulate_policy, enumerate(tasks), finished, workers=workers)
    return {name: found[name] for name in policies}


def simulate_policy(task: PolicyTask) -> dict[str, Any]:
    """Simulate one policy of a task (in a worker); the result as plain data."""
    scenario = load_scenario_text(task.scenario_text, task.scenario_file)
    scenario = replace(scenario, parameters=scenario.parameters.fixed(dict(task.values)))
    res = simulate(scenario, task.policy, runs=task.runs, seed=task.seed, foresight=task.foresight)
    return _portable(res)


def _portable(res: SimulationResult) -> dict[str, Any]:
    """A result's fields without the scenario and game (which do not pickle)."""
    data = {f.name: getattr(res, f.name) for f in fields(res)}
    del data["scenario"], data["game"]
    info = res.foresight
    if info is not None:
        start = info.start
        data["foresight"] = replace(info, start=None)
        data["start"] = (
            None
            if start is None
            else {f.name: getattr(start, f.name) for f in fields(start) if f.name != "game"}
        )
    return data


def _restore(data: dict[str, Any], scenario: Scenario, game: Game) -> SimulationResult:
    """A result from :func:`_portable`'s data, with this process's scenario and game."""
    data = dict(data)
    start = data.pop("start", None)
    info: Foresight | None = data.get("foresight")
    if info is not None and start is not None:
        data["foresight"] = replace(info, start=Solution(game=game, **start))
    return SimulationResult(scenario=scenario, game=game, **data)
