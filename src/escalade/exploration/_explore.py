"""Explore a scenario over its uncertainties: every policy in thousands of worlds.

An exploration samples the scenario's uncertain parameters (each sample
is a plausible *world*), simulates every policy in every world with a few
replications, and stores one row per world and policy in a run folder, a
chunk at a time. It can be interrupted and resumed at any point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from escalade.errors import ParameterError, ScenarioError
from escalade.exploration._compute import ChunkTask, output_columns
from escalade.exploration._design import Design
from escalade.exploration._executors import check_executor, run_tasks
from escalade.exploration._result import ExplorationResult
from escalade.exploration._store import Manifest, RunStore
from escalade.scenario import (
    FORESIGHT,
    Scenario,
    Seed,
    bundled_path,
    resolve_seed,
)
from escalade.simulation import check_size, chosen_policies, exact_at_nominal

__all__ = ["DEFAULT_REPLICATIONS", "explore", "resume"]

#: Runs simulated per world and policy.
DEFAULT_REPLICATIONS = 16

Progress = Callable[[int, int], None]


#: Most worlds per chunk when actors look ahead with exact values (see :func:`_default_chunk`).
FORESIGHT_CHUNK = 50


def _default_chunk(n_policies: int, replications: int, exact: bool) -> int:
    """About 50,000 simulated runs per chunk: big enough to batch well, small enough to
    stream (and to lose little if a run is killed). With exact values each world costs
    every state it reaches (korea-2017: about 0.4 s of CPU for eight policies), far more
    than its runs: then at most :data:`FORESIGHT_CHUNK` worlds, so that progress is shown,
    a killed run loses little and the workers share the chunks. Fitted values keep the
    large chunks: they pool a chunk's worlds into one regression."""
    size = max(1, 50_000 // max(1, n_policies * replications))
    return min(size, FORESIGHT_CHUNK) if exact else size


def explore(  # noqa: PLR0913 - keyword options, see Notes
    scenario: Scenario,
    *,
    samples: int,
    out: str | Path,
    seed: Seed = None,
    design: str = "lhs",
    policies: Sequence[str] | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    chunk_size: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    overrides: dict[str, str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    foresight: str | None = None,
) -> ExplorationResult:
    """Sample the uncertain parameters and simulate every policy in every sampled world.

    Parameters
    ----------
    scenario : Scenario
        Needs ``dynamics:`` and ``policies:``.
    samples : int
        Number of worlds (Sobol and Morris designs round it down to a
        multiple of the number of parameters plus 2 or 1).
    out : str or Path
        The run folder to create: a new or empty folder (a run is never
        mixed with what a folder holds).
    seed : int, Generator or None
        Decides every random number; turned into one integer, recorded in
        the run folder (drawn afresh when ``None``).
    design : {"lhs", "sobol", "mc", "morris"}
        How worlds are sampled (see :class:`Design`).
    policies : sequence of str, optional
        Policies to cross with the worlds (default: all).
    replications : int
        Simulated runs per world and policy (outcomes are their means).
    chunk_size : int, optional
        Worlds per chunk (default: about 50,000 runs per chunk, and at most
        50 worlds when actors look ahead with exact values).
    workers : int, optional
        Local worker processes.
    cluster : str, optional
        Dask scheduler address.
    overrides : dict, optional
        Parameters fixed at given values (no longer explored).
    force : bool
        Replace the run already in ``out`` (complete, interrupted or
        damaged); a folder holding anything but an escalade run is never
        replaced.
    progress : callable, optional
        ``progress(done_rows, total_rows)`` after each chunk.
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How actors look ahead (default: the scenario's ``foresight:``),
        recorded in the run folder; each world gets its own continuation
        values, computed for all the worlds of a chunk at once.

    Returns
    -------
    ExplorationResult

    Notes
    -----
    The options are keyword-only and flat, one per option of ``escalade
    explore`` (:func:`escalade.explore` passes them through).

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=8, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     res.to_frame().shape[0]
    16
    """
    chosen = chosen_policies(scenario, policies, purpose="to explore")
    mode = foresight or scenario.require_dynamics().foresight
    if mode not in FORESIGHT:
        raise ParameterError(
            f"foresight must be one of {', '.join(FORESIGHT)}, found {mode!r}",
            arguments=("foresight",),
        )
    check_executor(workers=workers, cluster=cluster)
    if isinstance(replications, bool) or replications < 1:
        raise ParameterError(f"replications must be at least 1, found {replications}")
    seed = resolve_seed(seed)
    fixed = {k: str(v) for k, v in (overrides or {}).items()}
    space = scenario.parameters.fixed(fixed) if fixed else scenario.parameters
    exact = mode == "exact" or (
        mode == "full" and chunk_size is None and exact_at_nominal(scenario, chosen)
    )
    size = chunk_size or _default_chunk(len(chosen), replications, exact)
    if isinstance(samples, int) and isinstance(size, int) and samples > 0 and size > 0:
        # every chunk simulates each policy once: refuse work or chunks too large up front
        check_size(
            scenario,
            min(size, samples) * replications,
            scenario.require_dynamics().periods,
            total=samples * replications * len(chosen),
            shrink=("samples", "replications"),
            shrink_memory="replications" if chunk_size is None else "chunk_size",
        )
    the_design = Design.create(design, samples, seed, size, tuple(space.uncertain_names))
    text = scenario.text
    if not text:
        found = bundled_path(scenario.name)
        text = found.read_bytes() if found is not None else b""
    if not text:
        raise ScenarioError(
            f"{scenario.name}: the scenario's text is not available to store "
            "in the run folder; load it from a file"
        )
    explored = replace(scenario, parameters=space)
    plan = Manifest(
        scenario=scenario.name,
        design=the_design,
        policies=chosen,
        replications=replications,
        source=scenario.source,
        outputs=output_columns(explored),
        overrides=fixed,
        foresight=mode,
    )
    store = RunStore.create(out, text, plan, force=force)
    return _run(store, workers=workers, cluster=cluster, progress=progress)


def resume(
    path: str | Path,
    *,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Progress | None = None,
) -> ExplorationResult:
    """Finish an interrupted exploration: compute only the chunks that are missing.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore, resume
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = explore(escalade.load("korea-2017"), samples=4, seed=2, out=tmp + "/r",
    ...                 replications=2, policies=["talks"])
    ...     resume(tmp + "/r").to_frame().shape[0]
    4
    """
    check_executor(workers=workers, cluster=cluster)  # before the folder is touched
    return _run(RunStore.open(path), workers=workers, cluster=cluster, progress=progress)


def _run(
    store: RunStore, *, workers: int | None, cluster: str | None, progress: Progress | None
) -> ExplorationResult:
    m = store.manifest
    text, file = store.scenario_text(), store.scenario_file
    # parse and check once here, so a damaged or edited folder fails before any worker starts
    store.explored_scenario()
    pending = store.pending()
    per_chunk = {k: m.expected_rows(k) for k in range(m.design.n_chunks)}
    total = sum(per_chunk.values())
    done_rows = total - sum(per_chunk[k] for k in pending)
    if progress is not None:
        progress(done_rows, total)
    overrides = tuple(sorted(m.overrides.items()))
    tasks = [
        ChunkTask(text, file, overrides, m.design, m.policies, m.replications, k, m.foresight)
        for k in pending
    ]
    started = time.perf_counter()

    def finished(chunk: int, table: object) -> None:
        nonlocal done_rows
        store.write_chunk(chunk, table)
        done_rows += per_chunk[chunk]
        if progress is not None:
            progress(done_rows, total)

    run_tasks(tasks, finished, workers=workers, cluster=cluster)
    result = ExplorationResult.open(store.path)
    result.diagnostics["seconds"] = time.perf_counter() - started
    result.diagnostics["chunks_computed"] = len(pending)
    return result
