"""``analyze`` across worlds: the nominal comparison and an exploration, in one report.

:func:`analyze_across_worlds` compares every policy at the nominal values
(:func:`escalade.analyze`), explores them in sampled worlds
(:func:`escalade.explore`, stored in ``OUT/worlds``), evaluates the
scenario's expectations in both, and writes one ``results.json`` and one
``report.html``. It is what ``escalade analyze --samples N`` runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from escalade.scenario import Seed

if TYPE_CHECKING:
    from escalade._api import Source
    from escalade.analysis import PolicyComparison
    from escalade.exploration import ExplorationAnalyses

__all__ = ["analyze_across_worlds"]


def analyze_across_worlds(  # noqa: PLR0913 - keyword options, one per option of analyze
    source: Source,
    *,
    out: str | Path,
    samples: int,
    runs: int = 100_000,
    seed: Seed = 1,
    replications: int = 4,
    foresight: str | None = None,
    worlds_foresight: str | None = None,
    policies: list[str] | None = None,
    workers: int | None = None,
    overrides: Mapping[str, str | float] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[PolicyComparison, ExplorationAnalyses]:
    """Compare the policies at the nominal values and across ``samples`` worlds.

    ``foresight`` is the actors' foresight in the nominal comparison and
    ``worlds_foresight`` in the worlds (both default to the scenario's);
    the report says which was used where. ``workers`` processes run both
    (default: one per core, or for the worlds the Dask cluster that
    ``DASK_SCHEDULER_ADDRESS`` names). The exploration is stored in
    ``out/worlds`` (a run folder ``escalade report`` can read); an
    existing one is replaced.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     cmp, worlds = analyze_across_worlds(
    ...         "korea-2017", out=tmp, samples=20, runs=200, policies=["talks", "invasion"],
    ...         worlds_foresight="myopic")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['report.html', 'results.json', 'worlds']
    >>> worlds.robustness.n_worlds
    20
    """
    import shutil

    from escalade._api import _scenario
    from escalade._api_runs import analyze, explore
    from escalade.auditing import verify_comparison, verify_exploration
    from escalade.report import write_analysis

    scenario = _scenario(source, overrides)
    cmp = analyze(
        scenario,
        runs=runs,
        seed=seed,
        policies=policies,
        foresight=foresight,
        workers=workers,
        progress=progress,
    )
    folder = Path(out) / "worlds"
    if folder.exists():
        shutil.rmtree(folder)
    if workers is None and not os.environ.get("DASK_SCHEDULER_ADDRESS"):
        workers = os.cpu_count() or 1  # as the nominal comparison: one process per core
    run = explore(
        scenario,
        samples=samples,
        out=folder,
        seed=seed,
        policies=policies,
        replications=replications,
        workers=workers,
        overrides=overrides,
        foresight=worlds_foresight,
        progress=None if progress is None else _worlds_progress(progress),
    )
    worlds = run.analyses()
    checks = bool(scenario.expectations)
    write_analysis(
        cmp,
        out,
        verify_comparison(cmp.results, scenario) if checks else None,
        worlds=worlds,
        worlds_verification=(
            verify_exploration(run.to_frame(), scenario, replications=replications)
            if checks
            else None
        ),
    )
    return cmp, worlds


def _worlds_progress(progress: Callable[[str, int, int], None]) -> Callable[[int, int], None]:
    """The exploration's ``progress(rows, total)`` as one more bar of ``progress``."""

    def report(done: int, total: int) -> None:
        progress("worlds x policies", done, total)

    return report
