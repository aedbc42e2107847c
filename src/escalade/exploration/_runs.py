"""The runs under a root folder, one row each: a damaged run is named, never hiding the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escalade.errors import EscaladeError, OutputError
from escalade.exploration._store import EXPERIMENTS, MANIFEST, SCENARIO_COPY, Manifest

__all__ = ["list_runs"]


def list_runs(root: str | Path = "runs") -> Any:
    """The run folders under ``root``, one row each, counted with DuckDB.

    A damaged run is listed too, with the status ``damaged`` and what is
    wrong in ``problem``: one damaged run never hides the others. A run is
    damaged when its manifest cannot be read, when it is missing from a
    folder that holds a run's other files (``scenario.yaml`` or
    ``experiments/``), or when a chunk file does not read back (resuming
    the run computes that chunk again). Folders holding none of a run's
    files are not runs, and are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``run``, ``scenario``, ``design``, ``samples``, ``policies``,
        ``chunks_done``, ``chunks``, ``rows`` (-1 when a chunk file cannot
        be read), ``status`` (``complete``, ``incomplete`` or ``damaged``),
        ``created``, ``problem`` (empty unless damaged).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     list_runs(tmp).shape[0]
    0
    """
    import pandas as pd

    base = Path(root)
    if base.exists() and not base.is_dir():
        raise OutputError(f"{base} is not a folder")
    try:
        folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        runs = [f for f in folders if any((f / name).exists() for name in _RUN_FILES)]
    except OSError as exc:
        raise OutputError(f"{base}: cannot read the folder ({exc.strerror or exc})") from None
    records = [_run_record(folder / MANIFEST) for folder in runs]
    columns = [
        "run",
        "scenario",
        "design",
        "samples",
        "policies",
        "chunks_done",
        "chunks",
        "rows",
        "status",
        "created",
        "problem",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


#: The files of a run folder; a folder holding one of them is listed.
_RUN_FILES = (MANIFEST, SCENARIO_COPY, EXPERIMENTS)


def _run_record(manifest: Path) -> dict[str, Any]:
    """One row of :func:`list_runs`; a run that cannot be read makes a ``damaged`` row."""
    folder = manifest.parent
    try:
        if not manifest.is_file():
            raise OutputError(
                f"{MANIFEST} is missing, so the run cannot be read or resumed; exploring "
                "with force replaces it"
            )
        m = Manifest.from_json(manifest.read_bytes(), str(manifest))
        done = len(m.done_chunks())
        record = {
            "scenario": m.scenario,
            "design": m.design.kind,
            "samples": m.design.samples,
            "policies": len(m.policies),
            "chunks_done": done,
            "chunks": m.design.n_chunks,
            "status": "complete" if m.complete else "incomplete",
            "created": m.created,
            "problem": "",
        }
    except (EscaladeError, OSError, ValueError, TypeError, AttributeError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return {
            "run": str(folder),
            "scenario": "",
            "design": "",
            "samples": 0,
            "policies": 0,
            "chunks_done": 0,
            "chunks": 0,
            "rows": 0,
            "status": "damaged",
            "created": "",
            "problem": message.replace(f"{manifest}: ", ""),
        }
    rows = _count_rows(folder)
    if rows < 0:
        record["status"] = "damaged"
        record["problem"] = (
            f"a chunk file in {EXPERIMENTS}/ does not read back; resume the run to compute it again"
        )
    return {"run": str(folder), **record, "rows": rows}


def _count_rows(folder: Path) -> int:
    """Rows stored in a run folder's chunk files (-1 if one cannot be read)."""
    import duckdb

    files = sorted((folder / EXPERIMENTS).glob("chunk-*.parquet"))
    if not files:
        return 0
    con = duckdb.connect()
    try:
        found = con.execute(
            "SELECT count(*) FROM read_parquet(?)", [[str(f) for f in files]]
        ).fetchone()
        return int(found[0]) if found is not None else 0
    except duckdb.Error:
        return -1
    finally:
        con.close()
