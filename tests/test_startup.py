"""The quick commands stay quick: what they import, checked in fresh interpreters.

Not timed (``benchmarks/bench_startup.py`` measures the times): these
tests check which heavy dependencies are loaded, which is what the times
depend on, so a module-level ``import pandas`` in the wrong place fails
here instead of slowing every ``escalade`` command unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import escalade
from _cli import run
from escalade.cli._common import default_of
from escalade.scenario import bundled_titles, load_scenario

HEAVY = {"numpy", "scipy", "pandas", "matplotlib", "duckdb", "pyarrow", "SALib", "yaml", "rich"}

_LOADED = """
import json, sys
{code}
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def heavy_loaded(code: str) -> set[str]:
    """The heavy top-level packages loaded once ``code`` has run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED.format(code=code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return HEAVY & set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["escalade", "escalade.cli", "escalade.errors"])
def test_importing_loads_no_heavy_dependency(module):
    assert heavy_loaded(f"import {module}") == set()


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["--version"], set()),
        (["--help"], set()),
        (["list"], {"yaml"}),
        # a scenario with uniform ranges only: drawing them needs no scipy
        (["check", "iig"], {"numpy", "yaml"}),
    ],
)
def test_quick_commands_load_only_what_they_use(argv, allowed):
    code = f"from escalade.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    assert heavy_loaded(code) <= allowed


def test_bundled_titles_are_the_titles_the_loader_reads():
    titles = bundled_titles()
    assert titles, "no bundled scenario"
    for name, title in titles.items():
        assert title == load_scenario(name).title, name


def test_lazy_names_are_the_objects_of_their_modules():
    from escalade import _api

    assert escalade.solve is _api.solve
    assert "solve" in dir(escalade)
    with pytest.raises(AttributeError, match="no attribute 'solved'"):
        _ = escalade.solved


def test_help_shows_the_library_defaults(capsys):
    # the option's default is None (not given); its help reads the library's default
    code, out, _ = run(capsys, "simulate", "--help")
    assert code == 0
    assert f"(default {default_of(escalade.simulate, 'runs')})" in " ".join(out.split())
    code, out, _ = run(capsys, "explore", "--help")
    words = " ".join(out.split())
    assert f"(default {default_of(escalade.explore, 'replications')})" in words
    assert f"(default {default_of(escalade.explore, 'design')})" in words


def test_library_messages_name_the_flags(capsys, monkeypatch):
    from escalade.errors import ParameterError

    def check(*args, **kwargs):
        raise ParameterError(
            "expected draws <= 10, found draws=20 for source", arguments=("draws", "source")
        )

    monkeypatch.setattr(escalade, "check", check)
    code, _, err = run(capsys, "check", "iig", "--draws", "20")
    assert (code, err) == (1, "escalade: expected --draws <= 10, found --draws 20 for SCENARIO\n")
