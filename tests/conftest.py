"""Shared fixtures: pygambit (when installed) and a CLI runner."""

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
