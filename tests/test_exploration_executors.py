"""Every executor, and a run killed and resumed, give the identical experiments table.

Policies are compared with common random numbers: two policies that are
the same by construction give identical rows in every world, whatever
the executor.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escalade
from escalade.exploration import ExplorationResult, RunStore, explore, resume
from escalade.simulation import simulate

POLICIES = ["sanctions_default", "strategic_impatience"]
# four chunks of three worlds (each chunk solves its worlds' foresight, most of the cost):
# enough to kill a run between chunks, and to damage one chunk and lose another
ARGS = {"samples": 12, "seed": 17, "replications": 2, "chunk_size": 3, "policies": POLICIES}
CHUNKS = 4


@pytest.fixture(scope="module")
def scenario():
    return escalade.load("korea-2017")


@pytest.fixture(scope="module")
def reference_run(scenario, tmp_path_factory):
    """The in-process run; tests that change a run folder change a copy of its folder."""
    return explore(scenario, out=tmp_path_factory.mktemp("ref") / "run", **ARGS)


@pytest.fixture(scope="module")
def reference(reference_run):
    return reference_run.to_frame()


def test_in_process_run_is_complete_and_ordered(reference_run, reference):
    assert reference_run.store.manifest.design.n_chunks == CHUNKS
    assert len(reference) == 12 * len(POLICIES)
    assert list(reference["sample"][:3]) == [0, 1, 2]
    assert set(reference["policy"]) == set(POLICIES)


def test_local_worker_processes_give_the_identical_table(scenario, reference, tmp_path):
    table = explore(scenario, out=tmp_path / "run", workers=2, **ARGS).to_frame()
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


@pytest.fixture(scope="module")
def dask_address():
    """A local Dask cluster of two worker processes, shared by the tests of this module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_a_dask_cluster_gives_the_identical_table(scenario, reference, tmp_path, dask_address):
    table = explore(scenario, out=tmp_path / "run", cluster=dask_address, **ARGS).to_frame()
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


# The standoff of the docs with one more policy: push_back plus a lever whose only effect
# adds 0 to a parameter. Every random number the simulation draws is drawn for both.
INERT = {
    "levers:\n  hotline:": (
        "levers:\n  flag:\n    label: A lever that changes nothing\n"
        '    effects:\n      gain: "gain + 0 * flag"\n  hotline:'
    ),
    "  push_back_with_hotline:": (
        "  push_back_flag:\n    extends: push_back\n    levers: {flag: 1}\n"
        "  push_back_with_hotline:"
    ),
}


@pytest.fixture(scope="module")
def inert(tmp_path_factory):
    text = (Path(__file__).resolve().parents[1] / "docs" / "examples" / "standoff.yaml").read_text()
    for old, new in INERT.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path_factory.mktemp("inert") / "standoff.yaml"
    path.write_text(text)
    return escalade.load(str(path))


# Myopic actors: with foresight, pushing back is nearly certain to pay in every world, so
# the check that the rows differ from world to world (not a vacuous equality) would not bite.
CRN_ARGS = {
    "samples": 12,
    "seed": 5,
    "replications": 3,
    "chunk_size": 4,
    "foresight": "myopic",
}
CRN_POLICIES = ["push_back", "push_back_flag", "push_back_with_hotline"]


@pytest.fixture(scope="module")
def inert_serial(inert, tmp_path_factory):
    out = tmp_path_factory.mktemp("crn") / "run"
    return explore(inert, out=out, policies=CRN_POLICIES, **CRN_ARGS).to_frame()


@pytest.mark.parametrize("executor", ["serial", "processes", "dask"])
def test_policies_equal_by_construction_give_identical_rows_in_every_world(
    inert, inert_serial, executor, tmp_path, request
):
    if executor == "serial":
        table = inert_serial
    else:
        where = (
            {"workers": 2}
            if executor == "processes"
            else {"cluster": request.getfixturevalue("dask_address")}
        )
        res = explore(inert, out=tmp_path / "run", policies=CRN_POLICIES, **CRN_ARGS, **where)
        table = res.to_frame()
        pd.testing.assert_frame_equal(table, inert_serial, check_exact=True)
    outputs = [c for c in table.columns if c.startswith(("utility:", "P:"))]
    same = table[table["policy"] == "push_back"].set_index("sample")[outputs]
    flag = table[table["policy"] == "push_back_flag"].set_index("sample")[outputs]
    np.testing.assert_array_equal(same.to_numpy(), flag.to_numpy())
    # not a vacuous check: the worlds differ, and the replications are random
    assert same["utility:Defender"].nunique() > 3
    hotline = table[table["policy"] == "push_back_with_hotline"].set_index("sample")[outputs]
    assert not np.array_equal(same.to_numpy(), hotline.to_numpy())


def test_simulate_does_not_advance_a_seed_sequence(inert):
    # The exploration seeds every policy of a chunk with one SeedSequence: simulating must
    # not change it (spawn() would), or the next policy gets other random numbers.
    seq = np.random.SeedSequence(11, spawn_key=(3, 2))
    a = simulate(inert, "push_back", runs=40, seed=seq)
    b = simulate(inert, "push_back", runs=40, seed=seq)
    assert seq.n_children_spawned == 0
    np.testing.assert_array_equal(a.run_utility, b.run_utility)


def test_a_run_killed_with_sigkill_then_resumed_gives_the_identical_table(reference, tmp_path):
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "escalade",
        "explore",
        "korea-2017",
        "--samples",
        str(ARGS["samples"]),
        "--seed",
        str(ARGS["seed"]),
        "--replications",
        str(ARGS["replications"]),
        "--chunk-size",
        str(ARGS["chunk_size"]),
        "--out",
        str(out),
        *[arg for p in POLICIES for arg in ("--policy", p)],
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "manifest.json"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if manifest.exists():
                try:
                    chunks = json.loads(manifest.read_text())["chunks"]
                except (ValueError, KeyError):
                    chunks = {}
                if sum(v.get("status") == "done" for v in chunks.values()) >= 2:
                    break
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    store = RunStore.open(out)
    left = store.pending()
    if killed:
        assert 0 < len(left) < CHUNKS, "the kill should land mid-run"
    assert not list((out / "experiments").glob(".*.tmp"))
    table = resume(out).to_frame()
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


def test_resume_recomputes_a_damaged_chunk(reference_run, reference, tmp_path):
    out = shutil.copytree(reference_run.store.path, tmp_path / "run")
    damaged = out / "experiments" / "chunk-00001.parquet"
    damaged.write_bytes(damaged.read_bytes()[:100])
    missing = out / "experiments" / "chunk-00003.parquet"
    missing.unlink()
    store = RunStore.open(out)
    assert store.pending() == [1, 3]
    result = resume(out)
    assert result.diagnostics["chunks_computed"] == 2
    pd.testing.assert_frame_equal(result.to_frame(), reference, check_exact=True)


def test_an_existing_run_is_never_overwritten(scenario, reference_run, tmp_path):
    out = shutil.copytree(reference_run.store.path, tmp_path / "run")
    with pytest.raises(escalade.OutputError, match="already holds a run"):
        explore(scenario, out=out, **ARGS)


def test_an_unwritable_folder_is_a_clear_error(scenario, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(escalade.OutputError, match="cannot create the run folder"):
        explore(scenario, out=blocker / "run", **ARGS)


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_chunk(scenario, tmp_path, monkeypatch):
    import errno

    import escalade._io as io_module
    import escalade.exploration._store as store_module

    out = tmp_path / "run"
    real_fsync = os.fsync
    writes = {"parquet": 0}
    real_write = store_module.RunStore.write_chunk

    def write_chunk(self, k, table):
        writes["parquet"] += 1
        if writes["parquet"] == 2:
            # the disk fills up while the second chunk is being written
            def full(fd):
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(io_module.os, "fsync", full)
        try:
            return real_write(self, k, table)
        finally:
            monkeypatch.setattr(io_module.os, "fsync", real_fsync)

    monkeypatch.setattr(store_module.RunStore, "write_chunk", write_chunk)
    with pytest.raises(escalade.OutputError, match="the disk is full"):
        explore(scenario, out=out, **ARGS)
    monkeypatch.undo()
    assert sorted(p.name for p in (out / "experiments").iterdir()) == ["chunk-00000.parquet"]
    assert resume(out).complete


def test_open_run_reads_what_explore_wrote(reference_run, reference):
    again = ExplorationResult.open(reference_run.store.path)
    pd.testing.assert_frame_equal(again.to_frame(), reference, check_exact=True)
    assert again.store.manifest.design.seed == 17


def test_exact_foresight_keeps_chunks_small_enough_to_share_and_resume():
    """With exact values a world costs every state it reaches (far more than its runs), so
    the default chunk holds at most 50 worlds; fitted values (pooled over a chunk's worlds)
    and myopic actors keep about 50,000 runs per chunk. Whether values will be exact is
    probed on the nominal world."""
    from escalade.exploration._explore import FORESIGHT_CHUNK, _default_chunk
    from escalade.simulation import exact_at_nominal

    assert _default_chunk(8, 4, exact=False) == 50_000 // 32
    assert _default_chunk(8, 4, exact=True) == FORESIGHT_CHUNK
    assert _default_chunk(8, 2_000, exact=True) == 3  # runs still bound it
    korea = escalade.load("korea-2017")
    assert exact_at_nominal(korea, ["invasion", "talks"])
    # the standoff's hold reaches few states, push_back more than 20,000 (docs/dynamics.md):
    # with push_back among the policies, worlds are worth pooling into large chunks
    standoff = escalade.load(str(Path(__file__).parent.parent / "docs/examples/standoff.yaml"))
    assert exact_at_nominal(standoff, ["hold"])
    assert not exact_at_nominal(standoff, ["hold", "push_back"])
