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
from escalade._text import noun
from escalade.errors import ScenarioError
from escalade.game import Game, build_game, check_draws_memory, read_efg, read_nfg
from escalade.scenario import Draws, Scenario, Seed, load_scenario
from escalade.solvers import Solution, solve_game

if TYPE_CHECKING:
    pass

__all__ = [
    "CheckReport",
    "as_game",
    "check",
    "claims",
    "load",
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
        n = self.n_parameters
        params = f", {n} {noun(n, 'parameter')} ({self.n_uncertain} uncertain)" if n else ""
        tried = (
            f"; {self.n_draws_checked:,} random draws evaluated without error"
            if self.n_draws_checked
            else ""
        )
        return (
            f"{self.name}: OK ({self.kind}) - {self.n_players} players, {self.n_nodes} nodes, "
            f"{self.n_infosets} {noun(self.n_infosets, 'information set')}, "
            f"{self.n_outcomes} {noun(self.n_outcomes, 'outcome')}{params}{tried}"
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
