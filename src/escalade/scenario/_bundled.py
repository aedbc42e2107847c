"""Scenarios shipped with escalade, found by name.

Listing them (names and titles) parses no more than the top of each file
and imports neither numpy nor the loader: ``escalade list`` stays instant.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from escalade.errors import ScenarioError

if TYPE_CHECKING:
    from escalade.scenario._scenario import Scenario

__all__ = ["bundled_path", "bundled_scenarios", "bundled_titles", "load_scenario"]

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


def bundled_titles() -> dict[str, str]:
    """The title of every bundled scenario, by name, sorted by name.

    Only each file's top-level ``title:`` is read (``""`` when it has
    none); the files are not checked, which their tests do.

    Examples
    --------
    >>> bundled_titles()["iig"]
    'International Interaction Game'
    """
    titles: dict[str, str] = {}
    for name in bundled_scenarios():
        path = bundled_path(name)
        titles[name] = _title(path.read_text(encoding="utf-8")) if path is not None else ""
    return titles


def _title(text: str) -> str:
    """The top-level ``title:`` of YAML scenario text, parsed up to that key only."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth, key = 0, None  # key: the top-level key whose value comes next
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            key = None  # back at the top level, a nested value has ended
        elif depth == 1 and isinstance(event, yaml.ScalarEvent):
            if key is None:
                key = event.value
            elif key == "title":
                return str(event.value)
            else:
                key = None
    return ""


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
    from escalade.scenario._load import load_scenario_text, read_file

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
