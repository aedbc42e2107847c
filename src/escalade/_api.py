"""The short way in: load a scenario or Gambit file, solve it.

These functions accept names, paths, scenarios and games alike, so a
notebook or script can go from a file to numbers in one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from escalade.errors import ScenarioError
from escalade.game import Game, build_game, read_efg, read_nfg
from escalade.scenario import Draws, Scenario, Seed, load_scenario
from escalade.solvers import Solution, solve_game

if TYPE_CHECKING:
    from escalade.analysis import PolicyComparison
    from escalade.estimation import EstimationResult
    from escalade.exploration import ExplorationResult
    from escalade.simulation import SimulationResult

__all__ = [
    "CheckReport",
    "analyze",
    "as_game",
    "check",
    "claims",
    "estimate",
    "explore",
    "load",
    "open_run",
    "resume",
    "simulate",
    "solve",
]

Source = str | Path | Scenario | Game


def load(source: str | Path) -> Scenario | Game:
    """Load a scenario (``.yaml``/``.yml`` or a bundled name) or a Gambit file.

    Parameters
    ----------
    source : str or Path
        A path to a ``.yaml``, ``.yml``, ``.efg`` or ``.nfg`` file, or the
        name of a bundled scenario.

    Returns
    -------
    Scenario for scenario files, Game for Gambit files.

    Raises
    ------
    ScenarioError
        For a missing or wrong file, at ``file:line:col``.

    Examples
    --------
    >>> import escalade
    >>> escalade.load("iig").name
    'iig'
    """
    text = str(source)
    lower = text.lower()
    if lower.endswith(".efg"):
        return read_efg(text)
    if lower.endswith(".nfg"):
        return read_nfg(text)
    return load_scenario(source)


def as_game(source: Source, overrides: Mapping[str, str | float] | None = None) -> Game:
    """A :class:`Game` from any source, with parameters optionally fixed.

    Parameters
    ----------
    source : str, Path, Scenario or Game
    overrides : mapping of parameter name to value, optional
        Fixes these parameters (as ``--set NAME=VALUE`` does).

    Examples
    --------
    >>> import escalade
    >>> g = escalade.as_game("iig", {"PA": 0.8})
    >>> g.parameters["PA"].nominal
    0.8
    """
    if isinstance(source, Game):
        game = source
    else:
        loaded = load(source) if isinstance(source, str | Path) else source
        game = loaded if isinstance(loaded, Game) else build_game(loaded)
    if overrides:
        if not len(game.parameters):
            raise ScenarioError(f"{game.name} has no parameters to set")
        game = replace(game, parameters=game.parameters.fixed(overrides))
    return game


def solve(
    source: Source,
    *,
    method: str = "qre",
    lam: float | None = None,
    draws: Draws | int | None = None,
    seed: Seed = None,
    set: Mapping[str, str | float] | None = None,
    keep_strategies: bool = True,
    algorithm: str = "auto",
    fixed: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Solution | list[Solution]:
    """Solve a scenario or game.

    Parameters
    ----------
    source : str, Path, Scenario or Game
        A bundled scenario's name, a file path, or a loaded object.
    method : {"qre", "spe", "nash"}
        Logit QRE (default), subgame-perfect equilibrium, or exact Nash
        equilibria through pygambit.
    lam : float, optional
        QRE precision (default 1.0; ``float("inf")`` for the limit).
    draws : int or Draws, optional
        Solve this many draws of the parameters' distributions in one
        batch (default: the nominal values only).
    seed : int, optional
        Seed for the draws.
    set : mapping, optional
        Parameters fixed at given values before drawing.
    keep_strategies : bool
        Keep per-draw strategies (means are always kept).
    algorithm : str
        Nash algorithm: ``auto``, ``lcp``, ``enumpoly`` or ``lp``.
    fixed : mapping, optional
        ``{infoset: {action: probability}}`` fixed in advance; the other
        players respond (not for ``nash``).
    progress : callable, optional
        ``progress(done, total)`` after each chunk of draws.

    Returns
    -------
    Solution, or a list of Solution (one per equilibrium) for ``nash``.

    Examples
    --------
    >>> import escalade
    >>> sol = escalade.solve("iig", method="qre", lam=0.0)
    >>> round(sol.outcome_probability("SQ"), 4)
    0.25
    >>> sol = escalade.solve("iig", method="qre", lam=2.0, draws=500, seed=1)
    >>> sol.n_draws
    500
    """
    game = as_game(source, set)
    return solve_game(
        game,
        draws,
        method=method,
        lam=lam,
        seed=seed,
        keep_strategies=keep_strategies,
        algorithm=algorithm,
        fixed=fixed,
        progress=progress,
    )


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check` found: the loaded game's size and how many draws were tried."""

    name: str
    kind: str
    n_players: int
    n_nodes: int
    n_infosets: int
    n_outcomes: int
    n_parameters: int
    n_uncertain: int
    n_draws_checked: int

    def __str__(self) -> str:
        params = (
            f", {self.n_parameters} parameters ({self.n_uncertain} uncertain)"
            if self.n_parameters
            else ""
        )
        tried = (
            f"; {self.n_draws_checked:,} random draws evaluated without error"
            if self.n_draws_checked
            else ""
        )
        return (
            f"{self.name}: OK ({self.kind}) - {self.n_players} players, {self.n_nodes} nodes, "
            f"{self.n_infosets} information sets, {self.n_outcomes} outcomes{params}{tried}"
        )


def check(source: str | Path, *, draws: int = 1000, seed: int = 0) -> CheckReport:
    """Validate a scenario or Gambit file, including its expressions over random draws.

    Loading checks the file and evaluates every expression at the nominal
    values; this also draws ``draws`` parameter sets from the declared
    distributions and evaluates payoffs and chance probabilities for all
    of them, so a division by zero or a probability above 1 somewhere in
    the ranges is found now rather than in the middle of a long run.

    Raises
    ------
    ScenarioError
        At the ``file:line:col`` of the first mistake.

    Examples
    --------
    >>> import escalade
    >>> print(escalade.check("iig", draws=100))  # doctest: +ELLIPSIS
    iig: OK (scenario) - 2 players, 25 nodes, 12 information sets, 8 outcomes, ...
    """
    loaded = load(source)
    game = as_game(loaded)
    tried = 0
    if game.parameters.uncertain_names and draws > 0:
        game.evaluate(game.parameters.sample(draws, seed))
        tried = draws
    return CheckReport(
        name=game.name,
        kind="scenario" if isinstance(loaded, Scenario) else "Gambit file",
        n_players=game.n_players,
        n_nodes=game.n_nodes,
        n_infosets=game.n_infosets,
        n_outcomes=game.n_outcomes,
        n_parameters=len(game.parameters),
        n_uncertain=len(game.parameters.uncertain_names),
        n_draws_checked=tried,
    )


def _scenario(source: Source, overrides: Mapping[str, str | float] | None) -> Scenario:
    loaded = load(source) if isinstance(source, str | Path) else source
    if isinstance(loaded, Game):
        raise ScenarioError(
            f"{loaded.name} is a Gambit game; simulation and analysis need a scenario file "
            "with dynamics: and policies:"
        )
    if overrides:
        loaded = replace(loaded, parameters=loaded.parameters.fixed(overrides))
    return loaded


def simulate(
    source: str | Path | Scenario,
    policy: str | None = None,
    *,
    runs: int = 10_000,
    seed: Seed = None,
    lam: float | None = None,
    periods: int | None = None,
    set: Mapping[str, str | float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate a scenario with dynamics under one of its policies.

    Parameters
    ----------
    source : str, Path or Scenario
        A bundled scenario's name, a file, or a loaded scenario.
    policy : str, optional
        One of the scenario's policies; ``None`` is free play (no lever on,
        nothing forced).
    runs : int
        Number of simulated crises.
    seed : int, optional
        Same seed, same numbers.
    lam : float, optional
        Overrides the scenario's rationality (QRE precision).
    periods : int, optional
        Overrides the horizon.
    set : mapping, optional
        Parameters fixed at given values.
    progress : callable, optional
        ``progress(done_runs, total_runs)``.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> import escalade
    >>> res = escalade.simulate("korea-2017", "sanctions_default", runs=500, seed=1)
    >>> 0 < res.probability("rok_leaves_npt") <= 1
    True
    """
    from escalade.simulation import simulate as _simulate

    scenario = _scenario(source, set)
    return _simulate(
        scenario, policy, runs=runs, seed=seed, lam=lam, periods=periods, progress=progress
    )


def analyze(
    source: str | Path | Scenario,
    *,
    runs: int = 100_000,
    seed: Seed = 1,
    policies: list[str] | None = None,
    set: Mapping[str, str | float] | None = None,
    out: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> PolicyComparison:
    """Simulate every policy of a scenario and compare them; optionally write the report.

    Parameters
    ----------
    source : str, Path or Scenario
    runs : int
        Runs per policy.
    seed : int
        One seed for all policies.
    policies : list of str, optional
        A subset of the scenario's policies.
    set : mapping, optional
        Parameters fixed at given values.
    out : str or Path, optional
        Folder to write ``results.json`` and ``report.html`` into.
    progress : callable, optional
        ``progress(policy, done_runs, total_runs)``.

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
    from escalade.report import write_analysis

    scenario = _scenario(source, set)
    question = scenario.extra.get("question")
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
    )
    if out is not None:
        write_analysis(cmp, out)
    return cmp


def claims(source: Source) -> dict[str, list[str]]:
    """Each claim of a scenario and the model elements that cite it.

    Returns
    -------
    dict of claim id to a list like ``["parameter:p_detect", "node:..."]``

    Examples
    --------
    >>> import escalade
    >>> "parameter:p_detect" in escalade.claims("korea-2017")["C16"]
    True
    """
    return _scenario(source, None).citations()


def explore(
    source: str | Path | Scenario,
    *,
    samples: int,
    out: str | Path,
    seed: int | None = None,
    design: str = "lhs",
    policies: list[str] | None = None,
    replications: int = 16,
    chunk_size: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    set: Mapping[str, str | float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExplorationResult:
    """Explore a scenario: every policy in ``samples`` sampled worlds, stored in ``out``.

    See :func:`escalade.exploration.explore` for the parameters; ``set``
    fixes parameters (they are then not explored). A Dask scheduler named
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
        cluster=_cluster(workers, cluster),
        overrides={k: str(v) for k, v in (set or {}).items()},
        progress=progress,
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

    return _resume(path, workers=workers, cluster=_cluster(workers, cluster), progress=progress)


def _cluster(workers: int | None, cluster: str | None) -> str | None:
    """The Dask scheduler to use: the one given, else ``DASK_SCHEDULER_ADDRESS`` when no
    executor is chosen at all."""
    if cluster is None and workers is None:
        return os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return cluster


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


def estimate(
    source: str | Path | Scenario,
    data: object = None,
    *,
    error: str | None = None,
    link: str | None = None,
    set: Mapping[str, str | float] | None = None,
    start: object = None,
    starts: int = 1,
    seed: Seed = None,
    bootstrap: int = 0,
    workers: int | None = None,
    cluster: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EstimationResult:
    """Fit a scenario's payoffs to observed crises by maximum likelihood.

    The scenario's ``estimation:`` section says which parameters are linear
    in which data columns and which column(s) record the outcome; see
    ``docs/estimation.md``. The fit reproduces Kenkel and Signorino's R
    package ``games`` on its models.

    Parameters
    ----------
    source : str, Path or Scenario
        A scenario with an ``estimation:`` section (a file or a bundled name).
    data : str, Path or pandas.DataFrame, optional
        The observations (default: the section's ``data:`` file).
    error : {"agent", "private"}, optional
        Overrides the section's error structure.
    link : {"probit", "logit"}, optional
        Overrides the section's link.
    set : mapping, optional
        Fixed parameters set to other values.
    start : array or mapping of coefficient to value, optional
        Starting values (default: statistical backward induction), e.g. a
        profile's ``best``.
    starts : int
        Also try this many random starts in all and keep the best fit.
    seed : int, optional
        Seed of the random starts and of the bootstrap.
    bootstrap : int
        Bootstrap replicates (0: none); standard errors then come from them.
    workers, cluster : optional
        Where the bootstrap runs: local worker processes or a Dask scheduler
        (``DASK_SCHEDULER_ADDRESS`` when neither is given).
    encoding, delimiter : str, optional
        How to read a CSV file (default: UTF-8, delimiter detected).
    progress : callable, optional
        ``progress(done, total)`` during the bootstrap.

    Returns
    -------
    EstimationResult

    Examples
    --------
    >>> import escalade
    >>> res = escalade.estimate("egame12")
    >>> round(res.loglik, 4), res.n_obs, res.n_coef
    (-286.1238, 282, 10)
    >>> escalade.estimate("egame12", link="logit").spec.link
    'logit'
    """
    from escalade.estimation import fit

    loaded = load(source) if isinstance(source, str | Path) else source
    if isinstance(loaded, Game):
        raise ScenarioError(
            f"{loaded.name} is a Gambit game; estimation needs a scenario file with an "
            "estimation: section"
        )
    result = fit(
        loaded,
        data,
        error=error,
        link=link,
        overrides=set,
        start=start,  # type: ignore[arg-type]
        starts=starts,
        seed=seed,
        encoding=encoding,
        delimiter=delimiter,
    )
    if bootstrap:
        result = result.bootstrap(
            bootstrap,
            seed=seed,
            workers=workers,
            cluster=_cluster(workers, cluster),
            progress=progress,
        )
    return result
