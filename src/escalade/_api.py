"""The short way in: load a scenario or Gambit file, solve it.

These functions accept names, paths, scenarios and games alike, so a
notebook or script can go from a file to numbers in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from escalade._deprecation import renamed_keyword
from escalade._io import check_folder
from escalade._parallel import default_cluster
from escalade.errors import ScenarioError
from escalade.game import Game, build_game, check_draws_memory, read_efg, read_nfg
from escalade.scenario import Draws, Scenario, Seed, load_scenario
from escalade.solvers import Solution, solve_game

if TYPE_CHECKING:
    from escalade.analysis import PolicyComparison
    from escalade.exploration import ExplorationResult
    from escalade.simulation import SimulationResult

__all__ = [
    "CheckReport",
    "analyze",
    "as_game",
    "check",
    "claims",
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
            raise ScenarioError(f"{game.name} has no parameters to set", arguments=("overrides",))
        game = replace(game, parameters=game.parameters.fixed(overrides))
    return game


@renamed_keyword("set", "overrides")
def solve(  # noqa: PLR0913 - keyword options, see docstring
    source: Source,
    *,
    method: str = "qre",
    lam: float | None = None,
    draws: Draws | int | None = None,
    seed: Seed = None,
    overrides: Mapping[str, str | float] | None = None,
    keep_strategies: bool = True,
    algorithm: str = "auto",
    fixed: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
) -> Solution | list[Solution]:
    """Solve a scenario or game (one keyword per option of ``escalade solve``).

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
    seed : int, Generator or None
        Seed for the draws.
    overrides : mapping, optional
        Parameters fixed at given values before drawing (``set=``, its old
        name, still works with a DeprecationWarning).
    keep_strategies : bool
        Keep per-draw strategies (means are always kept).
    algorithm : str
        Nash algorithm: ``auto``, ``lcp``, ``enumpoly`` or ``lp`` (another than
        ``auto`` is refused with other methods).
    fixed : mapping, optional
        ``{infoset: {action: probability}}`` fixed in advance; the other
        players respond (not for ``nash``).
    progress : callable, optional
        ``progress(done, total)`` after each chunk of draws; for ``nash``,
        seconds waited for Gambit and the time limit, about twice a second.
    timeout : float, optional
        Seconds Gambit may take for ``nash`` (default 60; ``inf`` for no
        limit); it is then stopped with a :class:`SolveError`.

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
    game = as_game(source, overrides)
    if isinstance(draws, int) and not isinstance(draws, bool) and draws > 0:
        check_draws_memory(game, draws)
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
        timeout=timeout,
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


def check(source: Source, *, draws: int = 1000, seed: Seed = 0) -> CheckReport:
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
    loaded = load(source) if isinstance(source, str | Path) else source
    game = as_game(loaded)
    tried = 0
    if game.parameters.uncertain_names and draws > 0:
        check_draws_memory(game, draws)
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

    scenario = _scenario(source, overrides)
    return _simulate(
        scenario, policy, runs=runs, seed=seed, lam=lam, periods=periods, progress=progress
    )


@renamed_keyword("set", "overrides")
def analyze(
    source: str | Path | Scenario,
    *,
    runs: int = 100_000,
    seed: Seed = 1,
    policies: list[str] | None = None,
    overrides: Mapping[str, str | float] | None = None,
    out: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
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
    baseline = question.baseline if question is not None else None
    cmp = compare_policies(
        scenario,
        runs=runs,
        seed=seed,
        policies=policies,
        actor=question.actor if question is not None else None,
        baseline=baseline if baseline and (policies is None or baseline in policies) else None,
        progress=progress,
    )
    if out is not None:
        verification = verify_comparison(cmp.results, scenario) if scenario.expectations else None
        write_analysis(cmp, out, verification)
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

    cluster = default_cluster(workers, cluster)
    return _resume(path, workers=workers, cluster=cluster, progress=progress)


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
