"""Scenarios shipped with escalade, found by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from escalade.errors import ScenarioError
from escalade.scenario._load import load_scenario_text, read_file
from escalade.scenario._scenario import Scenario

__all__ = ["bundled_path", "bundled_scenarios", "load_scenario"]

_SUFFIXES = (".yaml", ".yml")


def bundled_scenarios() -> list[str]:
    """Names of the bundled scenarios, sorted.

    Examples
    --------
    >>> "iig" in bundled_scenarios()
    True
    """
    folder = resources.files("escalade.scenario") / "scenarios"
    return sorted(
        entry.name.rsplit(".", 1)[0] for entry in folder.iterdir() if entry.name.endswith(_SUFFIXES)
    )


def bundled_path(name: str) -> Path | None:
    """Path of a bundled scenario's file, or ``None`` if there is none by that name."""
    folder = resources.files("escalade.scenario") / "scenarios"
    for suffix in _SUFFIXES:
        entry = folder / f"{name}{suffix}"
        if entry.is_file():
            return Path(str(entry))
    return None


def load_scenario(source: str | Path) -> Scenario:
    """Load a scenario from a YAML file or by bundled name.

    Parameters
    ----------
    source : str or Path
        A path to a ``.yaml``/``.yml`` file, or the name of a bundled
        scenario (see :func:`bundled_scenarios`).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the file is missing or wrong, at its ``file:line:col``.

    Examples
    --------
    >>> load_scenario("iig").title
    'International Interaction Game'
    """
    text = str(source)
    path = Path(text)
    looks_like_file = isinstance(source, Path) or "/" in text or text.endswith(_SUFFIXES)
    if not looks_like_file or (not path.exists() and bundled_path(text) is not None):
        found = bundled_path(text)
        if found is not None:
            return load_scenario_text(found.read_bytes(), f"{text}.yaml")
        if not path.exists():
            raise ScenarioError(
                f"no such file, and no bundled scenario called {text!r}; bundled: "
                + ", ".join(bundled_scenarios()),
                file=text,
            )
    return load_scenario_text(read_file(path, text), text)
