"""Sizes and addresses a user can get wrong: refused up front with exit 1, nothing allocated.

Numbers of draws, runs, periods, samples and replications come from the
user; too large, they once ended in internal errors (numpy's "maximum
allowed dimension", an overflow) or in the operating system killing the
process. Memory is now estimated before it is allocated, and one request
may simulate at most ``MAX_RUN_PERIODS`` crisis-periods. The Dask
scheduler address is checked for its form before a run folder is made.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import escalade._limits as limits
from _cli import run
from escalade.simulation import MAX_RUN_PERIODS

STANDOFF = str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "standoff.yaml")
HUGE = str(10**30)


def refused(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 1, (out, err)
    assert out == ""
    assert err.startswith("escalade: ")
    assert err.count("\n") == 1
    assert "internal error" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("check", "iig", "--draws", HUGE), "expected a smaller --draws"),
        (("solve", "iig", "--draws", HUGE), "expected a smaller --draws"),
        (("simulate", STANDOFF, "--runs", HUGE), "expected a smaller --runs"),
        (("simulate", STANDOFF, "--periods", HUGE), "expected a smaller --runs or --periods"),
        (("simulate", STANDOFF, "--runs", str(10**12)), "expected a smaller --runs"),
    ],
)
def test_sizes_beyond_any_machine_are_refused_before_allocating(capsys, argv, said):
    assert said in refused(capsys, *argv)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("analyze", STANDOFF, "--runs", HUGE), "expected a smaller --runs"),
        (
            ("explore", STANDOFF, "--samples", HUGE),
            "expected a smaller --samples or --replications",
        ),
        (
            ("explore", STANDOFF, "--samples", "10", "--replications", HUGE),
            "expected a smaller --samples or --replications",
        ),
        (
            ("explore", STANDOFF, "--samples", str(10**12)),
            "expected a smaller --samples or --replications",
        ),
    ],
)
def test_sizes_of_commands_that_write_a_folder_are_refused_before_it_is_made(
    capsys, tmp_path, argv, said
):
    out = tmp_path / "out"
    err = refused(capsys, *argv, "--out", str(out))
    assert said in err
    assert "simulated crisis-periods are more than one request may take (1e+10" in err
    assert not out.exists()


def test_the_work_limit_is_what_the_docs_say():
    assert MAX_RUN_PERIODS == 10**10


def test_memory_is_estimated_and_the_figures_are_given(capsys, monkeypatch):
    # a machine with 1 MB free: 100,000 draws of iig (about 44 MB) do not fit
    monkeypatch.setattr(limits, "available_memory", lambda: 10**6)
    err = refused(capsys, "solve", "iig", "--draws", "100000")
    assert err == (
        "escalade: 100,000 parameter sets of iig would need about 0.044 GB of memory, and "
        "0.001 GB is available; expected a smaller --draws\n"
    )
    err = refused(capsys, "simulate", STANDOFF, "--runs", "100000")
    assert err.startswith("escalade: simulating 100,000 crises over 8 steps would need about ")
    assert err.endswith(" GB of memory, and 0.001 GB is available; expected a smaller --runs\n")


def test_memory_that_fits_is_not_refused(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: None)  # the system does not say
    limits.check_memory(1e30, "anything", "draws")
    monkeypatch.setattr(limits, "available_memory", lambda: 10**9)
    limits.check_memory(10**8, "100 MB", "draws")


def test_analyze_with_one_run_is_refused_and_leaves_no_folder(capsys, tmp_path):
    out = tmp_path / "out"
    err = refused(capsys, "analyze", STANDOFF, "--runs", "1", "--out", str(out))
    assert err == (
        "escalade: --runs must be a whole number of at least 2 to compare policies "
        "(a standard error needs two), found 1\n"
    )
    assert not out.exists()


# ----------------------------------------------------------------- cluster addresses


@pytest.mark.parametrize(
    ("source", "address"),
    [
        *(("--cluster", a) for a in ("foo bar", "::::", "tcp://host:99999", "tcp://", "h:port")),
        ("DASK_SCHEDULER_ADDRESS", "::::"),
    ],
)
def test_a_malformed_scheduler_address_is_refused_before_the_folder_is_made(
    capsys, tmp_path, monkeypatch, source, address
):
    out = tmp_path / "run"
    argv = ["explore", STANDOFF, "--samples", "4", "--out", str(out)]
    if source == "--cluster":
        argv += ["--cluster", address]
    else:
        monkeypatch.setenv(source, address)
    assert refused(capsys, *argv) == (
        f"escalade: expected {source} to be a Dask scheduler address such as "
        f"tcp://host:8786, found {address!r}\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("option", [("--cluster", "foo bar"), ("--workers", "100000")])
def test_resume_checks_the_executor_before_it_touches_the_run(capsys, tmp_path, option):
    out = tmp_path / "run"
    assert (
        run(
            capsys, "explore", STANDOFF, "--samples", "4", "--replications", "1", "--out", str(out)
        )[0]
        == 0
    )
    (out / "experiments" / "chunk-00000.parquet").unlink()
    before = (out / "manifest.json").read_bytes()
    err = refused(capsys, "explore", "--resume", str(out), *option)
    assert option[0] in err
    assert (out / "manifest.json").read_bytes() == before


def test_workers_are_checked_before_the_folder_is_made(capsys, tmp_path):
    out = tmp_path / "run"
    argv = ("explore", STANDOFF, "--samples", "4", "--out", str(out), "--workers", "100000")
    cpus = os.cpu_count() or 1
    assert refused(capsys, *argv) == (
        f"escalade: expected --workers to be at most {8 * cpus} (8 per CPU, {cpus} CPUs), "
        "found 100000\n"
    )
    assert not out.exists()
