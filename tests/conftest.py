"""Shared fixtures: the Gambit catalog (when pygambit is installed) and CLI runners."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def gambit():
    """The pygambit module, or skip (it is an optional extra)."""
    return pytest.importorskip("pygambit")


@pytest.fixture(scope="session")
def catalog_dir(gambit) -> Path:
    """Folder of the .efg/.nfg files shipped in pygambit's catalog."""
    return Path(gambit.__file__).parent / "catalog_data"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m escalade ARGS`` in a subprocess, as a user would."""
    env = dict(os.environ)
    env.pop("ESCALADE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "escalade", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.fixture
def cli():
    """Fixture form of :func:`run_cli`."""
    return run_cli
