"""The runs under a root folder, one row each: a damaged run is named, never hiding the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escalade.errors import EscaladeError, OutputError
from escalade.exploration._store import EXPERIMENTS, MANIFEST, Manifest

__all__ = ["list_runs"]


def list_runs(root: str | Path = "runs") -> Any:
    """The run folders under ``root``, one row each, counted with DuckDB.

    A folder whose manifest cannot be read is listed too, with the status
    ``damaged`` and what is wrong in ``problem``: one damaged run never
    hides the others.

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
        manifests = sorted(base.glob(f"*/{MANIFEST}")) if base.is_dir() else []
    except OSError as exc:
        raise OutputError(f"{base}: cannot read the folder ({exc.strerror or exc})") from None
    records = [_run_record(manifest) for manifest in manifests]
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


def _run_record(manifest: Path) -> dict[str, Any]:
    """One row of :func:`list_runs`; a manifest that cannot be read makes a ``damaged`` row."""
    folder = manifest.parent
    try:
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
    return {"run": str(folder), **record, "rows": _count_rows(folder)}


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
