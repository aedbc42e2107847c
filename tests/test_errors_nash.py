"""Exact Nash equilibria that cannot be computed: exit 1 with a message that names the
algorithm and says what to use instead; never a crash, a hang or a leftover process.

Gambit runs in a child process; its crashes are simulated by a child that kills
itself with SIGSEGV (pygambit 16.7's enumpoly does so on the catalog's gilboa1997/fig2,
which escalade no longer hands it: that game has imperfect recall).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("pygambit")

import escalade
import escalade.solvers._gambit_process as gambit_process
from _cli import run
from _gambit import catalog_names, catalog_path, load_pair

pytestmark = pytest.mark.gambit

#: A 2x2x4 table with a continuum of equilibria: Gambit's enumpoly runs for minutes.
SLOW = "journals/ijgt/nau2004/sec6"


def input_error(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 1, (out, err)
    assert err.startswith("escalade: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "internal error" not in err
    return err


IMPERFECT_RECALL = [name for name in catalog_names() if not load_pair(name)[0].is_perfect_recall]


def test_the_catalog_has_imperfect_recall_games_of_one_and_two_players():
    assert len(IMPERFECT_RECALL) == 5
    assert {len(load_pair(n)[0].players) for n in IMPERFECT_RECALL} == {1, 2}


@pytest.mark.parametrize("name", IMPERFECT_RECALL)
def test_imperfect_recall_names_the_reason_and_what_can_solve_it(capsys, name):
    # before: "Gambit's enumpoly failed ...: map::at", or a segmentation fault (exit 139)
    err = input_error(capsys, "solve", str(catalog_path(name)), "--method", "nash")
    assert "is a game of imperfect recall" in err
    assert "need perfect recall" in err
    assert "--method qre" in err


def test_time_limit_stops_gambit_and_suggests_another_way(capsys):
    err = input_error(
        capsys, "solve", str(catalog_path(SLOW)), "--method", "nash", "--timeout", "1"
    )
    assert "Gambit's enumpoly found no answer for sec6 within 1 s and was stopped" in err
    assert "(--method qre, --lam inf)" in err
    assert "--timeout SECONDS" in err


def test_progress_is_reported_while_waiting_and_the_child_is_ended():
    _, eg = load_pair(SLOW)
    calls: list[tuple[int, int]] = []
    with pytest.raises(escalade.SolveError, match=r"within 1\.5 s"):
        escalade.nash(eg, timeout=1.5, progress=lambda done, total: calls.append((done, total)))
    assert calls
    assert {total for _, total in calls} == {2}
    assert all(0 <= done <= 2 for done, _ in calls)
    assert gambit_process._worker is None  # ended; the next request starts a new one
    (eq,) = escalade.nash(load_pair("journals/ijgt/selten1975/fig2")[1])
    assert eq.converged.all()


@pytest.fixture
def crashing_gambit(monkeypatch):
    """A Gambit child that reads a request and dies of a segmentation fault."""
    crash = "import os, signal, sys; sys.stdin.readline(); os.kill(os.getpid(), signal.SIGSEGV)"
    monkeypatch.setattr(gambit_process, "WORKER_COMMAND", [sys.executable, "-c", crash])
    monkeypatch.setattr(gambit_process, "_worker", None)


def test_a_crash_inside_gambit_is_an_error_naming_the_algorithm(capsys, crashing_gambit):
    err = input_error(capsys, "solve", "beer-quiche", "--method", "nash")
    assert "Gambit's lcp crashed on beer-quiche (killed by signal SIGSEGV" in err
    assert "try --algorithm enumpoly" in err


def test_a_crash_of_enumpoly_on_two_players_suggests_lcp(crashing_gambit):
    with pytest.raises(escalade.SolveError, match=r"enumpoly crashed .* try algorithm=.lcp."):
        escalade.solve("beer-quiche", method="nash", algorithm="enumpoly")


def test_nash_on_a_tree_without_decisions(capsys, tmp_path):
    path = tmp_path / "lottery.efg"
    path.write_text(
        'EFG 2 R "lottery" { "A" "B" } ""\n'
        'c "" 1 "" { "h" 1/2 "t" 1/2 } 0\nt "" 1 "x" { 1, 0 }\nt "" 2 "y" { 0, 1 }\n'
    )
    err = input_error(capsys, "solve", str(path), "--method", "nash")
    assert "lottery has no decision node" in err


def test_lp_on_a_game_that_is_not_constant_sum(capsys):
    err = input_error(capsys, "solve", "beer-quiche", "--method", "nash", "--algorithm", "lp")
    assert err == "escalade: lp needs a constant-sum game, and beer-quiche is not; use lcp\n"


def test_the_child_dies_with_its_parent(tmp_path):
    # A parent killed while Gambit works (SIGKILL: no clean-up runs) leaves no process.
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, threading, time\n"
        "import escalade\n"
        "import escalade.solvers._gambit_process as gp\n"
        f"game = escalade.load({str(catalog_path(SLOW))!r})\n"
        "threading.Thread(target=lambda: escalade.nash(game, timeout=float('inf')),"
        " daemon=True).start()\n"
        "while gp._worker is None:\n"
        "    time.sleep(0.05)\n"
        "print(gp._worker.proc.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert _running(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(child)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # pragma: no cover - not Linux
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
