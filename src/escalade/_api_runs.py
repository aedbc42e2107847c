"""The public functions that run a scenario over time: simulate, analyze, explore.

Re-exported by :mod:`escalade` (see :mod:`escalade._lazy`); :mod:`escalade._api`
holds loading, solving and checking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from escalade._api import _scenario
from escalade._deprecation import renamed_keyword
from escalade._io import check_folder
from escalade._parallel import default_cluster
from escalade.game import Game
from escalade.scenario import Scenario, Seed

if TYPE_CHECKING:
    from escalade.analysis import PolicyComparison
    from escalade.exploration import ExplorationResult
    from escalade.simulation import SimulationResult

__all__ = ["analyze", "explore", "open_run", "resume", "simulate", "unroll"]


@renamed_keyword("set", "overrides")
def simulate(  # noqa: PLR0913 - keyword options, see docstring
    source: str | Path | Scenario,
    policy: str | None = None,
    *,
    runs: int = 10_000,
    seed: Seed = None,
    lam: float | None = None,
    periods: int | None = None,
    overrides: Mapping[str, str | float] | None = None,
    progress: Callable[[int, int], None] | None = None,
    foresight: str | None = None,
) -> SimulationResult:
    """Simulate a scenario under one of its policies (keywords as ``escalade simulate``'s options).

    Parameters
    ----------
    source : str, Path or Scenario
        A bundled scenario's name, a file, or a loaded scenario.
    policy : str, optional
        One of the scenario's policies; ``None`` is free play (no lever on,
        nothing forced).
    runs : int
        Number of simulated crises.
    seed : int, Generator or None
        Same seed, same numbers.
    lam : float, optional
        Overrides the scenario's rationality (QRE precision).
    periods : int, optional
        Overrides the horizon.
    overrides : mapping, optional
        Parameters fixed at given values (``set=``, its old name, still works
        with a DeprecationWarning).
    progress : callable, optional
        ``progress(done_runs, total_runs)``.
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How actors look ahead (default: the scenario's ``foresight:``,
        ``full`` unless it says otherwise).

    Returns
    -------
    SimulationResult
        Its ``foresight`` says which values were used, with their
        diagnostics, and holds the first period at the start.

    Examples
    --------
    >>> import escalade
    >>> res = escalade.simulate("korea-2017", "sanctions_default", runs=500, seed=1)
    >>> 0 < res.probability("rok_leaves_npt") <= 1
    True
    >>> res.foresight.method, round(float(res.foresight.start_value[0]), 2)
    ('exact', -14.45)
    """
    from escalade.simulation import simulate as _simulate

    scenario = _scenario(source, overrides)
    return _simulate(
        scenario,
        policy,
        runs=runs,
        seed=seed,
        lam=lam,
        periods=periods,
        progress=progress,
        foresight=foresight,
    )


@renamed_keyword("set", "overrides")
def analyze(  # noqa: PLR0913 - keyword options
    source: str | Path | Scenario,
    *,
    runs: int = 100_000,
    seed: Seed = 1,
    policies: list[str] | None = None,
    overrides: Mapping[str, str | float] | None = None,
    out: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    foresight: str | None = None,
    workers: int | None = None,
) -> PolicyComparison:
    """Simulate every policy of a scenario and compare them; optionally write the report.

    Parameters
    ----------
    source : str, Path or Scenario
    runs : int
        Runs per policy.
    seed : int, Generator or None
        One seed for all policies (common random numbers).
    policies : list of str, optional
        A subset of the scenario's policies.
    overrides : mapping, optional
        Parameters fixed at given values (``set=``, its old name, still works
        with a DeprecationWarning).
    out : str or Path, optional
        Folder to write ``results.json`` and ``report.html`` into.
    progress : callable, optional
        ``progress(policy, done_runs, total_runs)``.
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How actors look ahead (default: the scenario's ``foresight:``).
    workers : int, optional
        Processes the policies are spread over (default: one per core, at
        most one per policy; 1 runs them here). Same numbers either way.

    Returns
    -------
    PolicyComparison

    Examples
    --------
    >>> import escalade
    >>> cmp = escalade.analyze("korea-2017", runs=300, policies=["talks", "invasion"])
    >>> cmp.ranking()
    ['talks', 'invasion']
    """
    from escalade.analysis import compare_policies
    from escalade.auditing import verify_comparison
    from escalade.report import write_analysis

    if out is not None:  # before hours of simulation, not after
        check_folder(out)
    scenario = _scenario(source, overrides)
    question = scenario.question
    cmp = compare_policies(
        scenario,
        runs=runs,
        seed=seed,
        policies=policies,
        actor=question.actor if question is not None else None,
        baseline=(
            question.baseline
            if question is not None
            and question.baseline
            and (policies is None or question.baseline in policies)
            else None
        ),
        progress=progress,
        foresight=foresight,
        workers=workers,
    )
    if out is not None:
        verification = verify_comparison(cmp.results, scenario) if scenario.expectations else None
        write_analysis(cmp, out, verification)
    return cmp


def unroll(
    source: str | Path | Scenario,
    policy: str | None = None,
    *,
    periods: int | None = None,
    overrides: Mapping[str, str | float] | None = None,
) -> Game:
    """The whole multi-period game as one extensive-form game, at the nominal values.

    See :func:`escalade.simulation.unroll`; a policy's forced choices become
    chance nodes. Write it with :func:`escalade.write_efg` for Gambit.

    Examples
    --------
    >>> import escalade
    >>> escalade.unroll("docs/examples/standoff.yaml", periods=2).n_nodes
    49
    """
    from escalade.simulation import FREE_PLAY
    from escalade.simulation import unroll as _unroll

    scenario = _scenario(source, overrides)
    chosen = None
    if policy is not None and policy != FREE_PLAY:
        chosen = {p.name: p for p in scenario.policies}.get(policy)
        if chosen is None:
            from escalade.simulation import chosen_policies

            chosen_policies(scenario, [policy], purpose="to unroll a policy")
    return _unroll(scenario, chosen, periods=periods)


@renamed_keyword("set", "overrides")
def explore(  # noqa: PLR0913 - keyword options, see docstring
    source: str | Path | Scenario,
    *,
    samples: int,
    out: str | Path,
    seed: Seed = None,
    design: str = "lhs",
    policies: list[str] | None = None,
    replications: int = 16,
    chunk_size: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    overrides: Mapping[str, str | float] | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    foresight: str | None = None,
) -> ExplorationResult:
    """Explore a scenario: every policy in ``samples`` sampled worlds, stored in ``out``.

    Options are flat keywords, one per option of ``escalade explore``; see
    :func:`escalade.exploration.explore` for them.
    ``overrides`` fixes parameters (they are then not explored; ``set=``,
    its old name, still works with a DeprecationWarning). A Dask scheduler named
    by the ``DASK_SCHEDULER_ADDRESS`` environment variable is used when
    neither ``workers`` nor ``cluster`` is given.

    Examples
    --------
    >>> import tempfile, escalade
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = escalade.explore("korea-2017", samples=4, seed=1, out=tmp + "/r",
    ...                            replications=2, policies=["talks"])
    ...     res.to_frame().shape[0]
    4
    """
    from escalade.exploration import explore as _explore

    scenario = _scenario(source, None)
    return _explore(
        scenario,
        samples=samples,
        out=out,
        seed=seed,
        design=design,
        policies=policies,
        replications=replications,
        chunk_size=chunk_size,
        workers=workers,
        cluster=default_cluster(workers, cluster),
        overrides={k: str(v) for k, v in (overrides or {}).items()},
        force=force,
        progress=progress,
        foresight=foresight,
    )


def resume(
    path: str | Path,
    *,
    workers: int | None = None,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExplorationResult:
    """Finish an interrupted exploration (only missing chunks are computed).

    Examples
    --------
    >>> import tempfile, escalade
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = escalade.explore("korea-2017", samples=4, seed=1, out=tmp + "/r",
    ...                          replications=2, policies=["talks"])
    ...     escalade.resume(tmp + "/r").complete
    True
    """
    from escalade.exploration import resume as _resume

    return _resume(
        path, workers=workers, cluster=default_cluster(workers, cluster), progress=progress
    )


def open_run(path: str | Path) -> ExplorationResult:
    """Open an exploration run folder.

    Examples
    --------
    >>> import tempfile, escalade
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = escalade.explore("korea-2017", samples=2, seed=1, out=tmp + "/r",
    ...                          replications=2, policies=["talks"])
    ...     escalade.open_run(tmp + "/r").policies
    ('talks',)
    """
    from escalade.exploration import ExplorationResult

    return ExplorationResult.open(path)
