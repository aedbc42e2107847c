"""One chunk of an exploration: every policy in every world of the chunk, batched.

A chunk is computed from plain data (the scenario's text, the design,
the chunk number), so any process or cluster worker can compute it and
get the same numbers: the design points come from the design's seed and
the chunk number, and the simulation of every policy uses the chunk's
own child seed (the same for every policy: common random numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from escalade.errors import ParameterError
from escalade.exploration._design import Design, chunk_seed
from escalade.game import Game, build_game
from escalade.scenario import Scenario, load_scenario_text

__all__ = ["ChunkTask", "compute_chunk", "explored_scenario", "output_columns"]


@dataclass(frozen=True)
class ChunkTask:
    """Everything needed to compute one chunk, picklable."""

    scenario_text: bytes
    scenario_file: str
    overrides: tuple[tuple[str, str], ...]
    design: Design
    policies: tuple[str, ...]
    replications: int
    chunk: int
    foresight: str = "full"


def explored_scenario(text: bytes, file: str, overrides: Mapping[str, str]) -> Scenario:
    """The scenario as a run explores it: its text, with the overridden parameters fixed."""
    scenario = load_scenario_text(text, file)
    if overrides:
        scenario = replace(scenario, parameters=scenario.parameters.fixed(dict(overrides)))
    return scenario


@lru_cache(maxsize=4)
def _load(text: bytes, file: str, overrides: tuple[tuple[str, str], ...]) -> tuple[Scenario, Game]:
    scenario = explored_scenario(text, file, dict(overrides))
    return scenario, build_game(scenario)


def output_columns(scenario: Scenario) -> tuple[str, ...]:
    """Names of the outcome columns an exploration writes for a scenario."""
    dyn = scenario.require_dynamics()
    return (
        *(f"utility:{p}" for p in scenario.player_names),
        *(f"P:{i.name}" for i in dyn.indicators),
    )


def compute_chunk(task: ChunkTask) -> Any:
    """Simulate every policy in every world of one chunk.

    Returns
    -------
    pyarrow.Table
        One row per world and policy: ``sample``, ``policy``, every
        uncertain parameter, then the outcome columns (mean discounted
        utility of each actor and probability of each indicator over the
        ``replications`` runs of that world).
    """
    import pyarrow as pa

    from escalade.simulation import simulate

    scenario, game = _load(task.scenario_text, task.scenario_file, task.overrides)
    space = scenario.parameters
    design = task.design
    if tuple(space.uncertain_names) != design.parameters:
        raise ParameterError(
            "the scenario's uncertain parameters differ from the design's; "
            "the run folder does not belong to this scenario"
        )
    rows = design.chunk_rows(task.chunk)
    n = len(rows)
    r = task.replications
    worlds = space.from_unit(design.unit_points(task.chunk))
    expanded = worlds.take(np.repeat(np.arange(n), r))
    seed = chunk_seed(design.seed, task.chunk, 2)
    # Rows of one Sobol' block (or Morris trajectory) are compared with each other: give
    # them the same random numbers, so replication noise cancels out of their
    # differences instead of inflating every index.
    block = design.block
    world_stream = (np.arange(rows.start, rows.stop) // block) - rows.start // block
    streams = (np.repeat(world_stream, r) * r + np.tile(np.arange(r), n)).astype(np.int64)
    outcomes = []
    for policy in task.policies:
        res = simulate(
            scenario,
            policy,
            runs=n * r,
            seed=seed,
            draws=expanded,
            game=game,
            chunk_size=n * r,
            keep_runs=True,
            streams=streams,
            foresight=task.foresight,
        )
        if res.run_utility is None or res.run_flags is None:  # pragma: no cover
            raise ParameterError("simulation kept no per-run results")
        runs = np.concatenate([res.run_utility, res.run_flags], axis=1)
        outcomes.append(runs.reshape(n, r, -1).mean(axis=1))
    n_policies = len(task.policies)
    arrays = [
        pa.array(np.tile(np.arange(rows.start, rows.stop, dtype=np.int64), n_policies)),
        pa.array(np.repeat(np.array(task.policies, dtype=object), n), pa.string()),
    ]
    for name in design.parameters:
        values = np.tile(worlds[name], n_policies)
        choices = space[name].choices
        if choices is not None:
            labels = np.array(choices, dtype=object)[values.astype(np.int64)]
            arrays.append(pa.array(labels, pa.string()))
        else:
            arrays.append(pa.array(values, pa.float64()))
    stacked = np.concatenate(outcomes, axis=0)
    arrays += [pa.array(column, pa.float64()) for column in stacked.T]
    names = ["sample", "policy", *design.parameters, *output_columns(scenario)]
    return pa.Table.from_arrays(arrays, names=names)
