"""Leaked processes: ``explore --workers N`` killed with SIGTERM or SIGKILL takes its workers along.

Ctrl-C reaches the whole process group, so the workers stop with the
command; a SIGTERM or SIGKILL sent to the command alone gives it no chance
to stop them, and a worker busy with a chunk computed on, orphaned. Each
worker now exits when its parent dies. Linux only: the test reads the
process tree from /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc (Linux)"
)


def children(pid: int) -> set[int]:
    """The processes ``pid`` started (from /proc/PID/task/*/children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie has exited: only its entry is left)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_exit_when_explore_is_killed(tmp_path, sig):
    cmd = [
        sys.executable,
        "-m",
        "escalade",
        "explore",
        "korea-2017",
        "--samples",
        "3000",
        "--replications",
        "8",
        "--chunk-size",
        "40",
        "--seed",
        "1",
        "--workers",
        "2",
        "--out",
        str(tmp_path / "run"),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            workers = children(proc.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.05)
        assert len(workers) >= 2, "the worker processes should have started"
        assert proc.poll() is None, "the run should still be going when it is killed"
        time.sleep(0.5)  # let the workers take their first chunks
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(running(w) for w in workers):
            time.sleep(0.1)
        left = [w for w in workers if running(w)]
        assert not left, f"worker processes {left} outlived the killed command"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
        # never leave a worker behind, even when the test fails; a forked worker has the
        # command line of its parent, whose run folder is this test's own
        for w in workers:
            if running(w) and _command_line(w).count(str(tmp_path)):
                with contextlib.suppress(OSError):
                    os.kill(w, signal.SIGKILL)


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return ""
