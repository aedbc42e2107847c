"""Run folders: never mixed, damage named (and repaired by --resume), never an internal error.

A run folder holds a manifest, the explored scenario and one Parquet file
per chunk. What a user (or a crash, or a copy) can do to it: lose the
manifest and explore into it again, damage, lose, duplicate or swap in a
chunk, edit the manifest. Each is refused or reported with exit 1 and
the chunk or file named; ``--resume`` repairs what it can.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import escalade
from _cli import run
from escalade.exploration import explore

STANDOFF = str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "standoff.yaml")
ARGS = ("--samples", "12", "--replications", "1", "--chunk-size", "4")


def explore_cli(capsys, out: Path, seed: int, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "explore", STANDOFF, *ARGS, "--seed", str(seed), "--out", str(out), *extra)


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """A complete run of three chunks (seed 1); tests damage copies of it."""
    out = tmp_path_factory.mktemp("orig") / "run"
    explore(escalade.load(STANDOFF), samples=12, seed=1, replications=1, chunk_size=4, out=out)
    return out


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory):
    """The same exploration with seed 2: chunks of the same shape, other worlds."""
    out = tmp_path_factory.mktemp("other") / "run"
    explore(escalade.load(STANDOFF), samples=12, seed=2, replications=1, chunk_size=4, out=out)
    return out


@pytest.fixture
def copy(original, tmp_path):
    return Path(shutil.copytree(original, tmp_path / "run"))


def frame(path: Path) -> pd.DataFrame:
    return escalade.open_run(path).to_frame()


# ----------------------------------------------------------------- reuse of a folder


def test_a_folder_without_its_manifest_is_not_reused_with_another_seed(
    capsys, copy, other_seed, tmp_path
):
    (copy / "manifest.json").unlink()
    kept = sorted(p.name for p in (copy / "experiments").iterdir())
    code, out, err = explore_cli(capsys, copy, 2)
    assert code == 1, out
    assert err == (
        f"escalade: {copy} is not empty and holds no complete run (manifest.json is missing); "
        "a new run is never mixed with what a folder holds: choose a new or empty --out "
        "folder, or set --force to replace a damaged run folder\n"
    )
    assert sorted(p.name for p in (copy / "experiments").iterdir()) == kept
    # --force replaces the old run: what is left is exactly the new seed's run
    code, _, err = explore_cli(capsys, copy, 2, "--force")
    assert code == 0, err
    pd.testing.assert_frame_equal(frame(copy), frame(other_seed), check_exact=True)


def test_an_existing_run_is_refused_and_replaced_only_with_force(capsys, copy, other_seed):
    code, _, err = explore_cli(capsys, copy, 2)
    assert code == 1
    assert "already holds a run; resume it, choose another --out folder, or set --force" in err
    code, _, err = explore_cli(capsys, copy, 2, "--force")
    assert code == 0, err
    pd.testing.assert_frame_equal(frame(copy), frame(other_seed), check_exact=True)


@pytest.mark.parametrize("where", ["top", "experiments"])
def test_force_never_replaces_a_folder_holding_other_files(capsys, copy, where):
    stray = (copy if where == "top" else copy / "experiments") / "notes.txt"
    stray.write_text("mine")
    code, _, err = explore_cli(capsys, copy, 2, "--force")
    assert code == 1
    assert "holds files that are not part of an escalade run (notes.txt)" in err
    assert stray.read_text() == "mine"
    assert (copy / "manifest.json").exists()


def test_force_with_resume_is_refused(capsys, copy):
    code, _, err = run(capsys, "explore", "--resume", str(copy), "--force")
    assert code == 1
    assert err == "escalade: --resume continues a run as it was started; drop --force\n"


# ----------------------------------------------------------------- damaged chunks


def _corrupt(path: Path, **_: Path) -> None:
    path.write_bytes(b"not parquet at all")


def _truncated(path: Path, **_: Path) -> None:
    path.write_bytes(path.read_bytes()[:300])


def _missing(path: Path, **_: Path) -> None:
    path.unlink()


def _duplicated(path: Path, **_: Path) -> None:
    shutil.copy(path.with_name("chunk-00000.parquet"), path)


def _foreign(path: Path, other: Path) -> None:
    shutil.copy(other / "experiments" / path.name, path)


DAMAGE = {
    "corrupt": (_corrupt, "is damaged (it does not read back)"),
    "truncated": (_truncated, "is damaged (it does not read back)"),
    "missing": (_missing, "is missing"),
    "duplicated": (_duplicated, "holds chunk 0, not chunk 1"),
    "from another run": (_foreign, "belongs to another run"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_chunk_is_named_by_report_and_repaired_by_resume(
    capsys, copy, original, other_seed, damage
):
    make, said = DAMAGE[damage]
    chunk = copy / "experiments" / "chunk-00001.parquet"
    make(chunk, other=other_seed)
    code, out, err = run(capsys, "report", str(copy))
    assert code == 1, out
    assert err == (
        f"escalade: {chunk}: chunk 1 of the run {said}; resume the run to compute it again\n"
    )
    code, _, err = run(capsys, "explore", "--resume", str(copy))
    assert code == 0, err
    pd.testing.assert_frame_equal(frame(copy), frame(original), check_exact=True)
    code, _, err = run(capsys, "report", str(copy))
    assert (code, err) == (0, f"wrote {copy / 'report.html'}\n")


def test_a_chunk_of_an_older_run_without_its_identity_is_still_checked(capsys, copy):
    # Chunks written before they carried their run's identity have no metadata; their
    # worlds and policies are checked all the same.
    import pyarrow.parquet as pq

    first, second = (copy / "experiments" / f"chunk-0000{k}.parquet" for k in (0, 1))
    for path in (first, second):
        table = pq.read_table(path)
        pq.write_table(table.replace_schema_metadata({}), path)
    shutil.copy(first, second)
    code, _, err = run(capsys, "report", str(copy))
    assert code == 1
    assert "chunk 1 of the run holds other worlds or policies than its own" in err


@pytest.mark.parametrize("command", ["report", "resume"])
def test_a_manifest_naming_an_unknown_policy(capsys, copy, command):
    manifest = copy / "manifest.json"
    data = json.loads(manifest.read_text())
    data["policies"][0] = "hold_fast"
    manifest.write_text(json.dumps(data))
    argv = ("report", str(copy)) if command == "report" else ("explore", "--resume", str(copy))
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith(f"escalade: {manifest}: names the policy 'hold_fast', which the run's ")
    assert err.endswith("the run folder was edited\n")


# ----------------------------------------------------------------- escalade runs


def test_runs_lists_every_run_and_names_the_damaged_one(capsys, original, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(original, root / "good")
    shutil.copytree(original, root / "broken")
    (root / "broken" / "manifest.json").write_text('{"format": 1, "scenario": "x"}')
    shutil.copytree(original, root / "edited")
    manifest = root / "edited" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["design"]["kind"] = "no-such-design"
    manifest.write_text(json.dumps(data))
    shutil.copytree(original, root / "lost")  # its manifest lost: still a run, damaged
    (root / "lost" / "manifest.json").unlink()
    shutil.copytree(original, root / "torn")  # a chunk cut short: rows cannot be counted
    chunk = root / "torn" / "experiments" / "chunk-00001.parquet"
    chunk.write_bytes(chunk.read_bytes()[:100])
    (root / "notes").mkdir()  # holds none of a run's files: not listed
    (root / "notes" / "todo.txt").write_text("not a run")
    code, out, err = run(capsys, "runs", str(root))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["run", "scenario"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert sorted(rows) == [str(root / n) for n in ("broken", "edited", "good", "lost", "torn")]
    assert rows[str(root / "good")][1:2] == ["standoff"]
    assert "complete" in rows[str(root / "good")]
    for name in ("broken", "edited", "lost", "torn"):
        assert "damaged" in rows[str(root / name)], name
    said = err.splitlines()
    assert len(said) == 4
    for line, name in zip(said, ("broken", "edited", "lost", "torn"), strict=True):
        assert line.startswith(f"escalade: {root / name}: damaged run folder ("), line
    assert "manifest.json is missing" in said[2]
    assert "does not read back; resume the run" in said[3]
    # and what the message says repairs it does
    assert run(capsys, "explore", "--resume", str(root / "torn"))[0] == 0
    assert run(capsys, "explore", STANDOFF, *ARGS, "--out", str(root / "lost"), "--force")[0] == 0
    code, out, err = run(capsys, "runs", str(root))
    assert err.count("damaged run folder") == 2
    assert out.count("complete") == 3
