"""The results store: one folder per exploration run.

::

    runs/k1/
      manifest.json        scenario, its hash, design, seed, versions, status of each chunk
      scenario.yaml        the scenario as explored (resume never depends on the original)
      experiments/
        chunk-00000.parquet  one row per sample x policy, written atomically
        ...

Every file is written to a temporary name in the same folder and then
renamed, so a run killed at any moment leaves either a whole chunk or no
chunk, never a half-written one; the manifest is rewritten the same way
after every chunk. On resume a chunk counts as done only if its file is
there and reads back with the expected number of rows.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from escalade._io import atomic_write
from escalade._version import __version__
from escalade.errors import OutputError, ParameterError
from escalade.exploration._design import Design

__all__ = ["Manifest", "RunStore", "list_runs"]

MANIFEST = "manifest.json"
SCENARIO_COPY = "scenario.yaml"
EXPERIMENTS = "experiments"
_FORMAT = 1


@dataclass
class Manifest:
    """What a run folder holds; see the module docstring."""

    scenario: str
    design: Design
    policies: tuple[str, ...]
    replications: int
    scenario_hash: str = ""
    source: str = ""
    chunks: dict[int, dict[str, Any]] = field(default_factory=dict)
    created: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()
    overrides: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The manifest's bytes."""
        data = {
            "format": _FORMAT,
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "source": self.source,
            "design": self.design.to_dict(),
            "policies": list(self.policies),
            "replications": self.replications,
            "outputs": list(self.outputs),
            "overrides": self.overrides,
            "created": self.created,
            "versions": self.versions,
            "status": "complete" if self.complete else "incomplete",
            "chunks": {str(k): v for k, v in sorted(self.chunks.items())},
        }
        return (json.dumps(data, indent=2) + "\n").encode()

    @property
    def complete(self) -> bool:
        """Whether every chunk is done."""
        return len(self.done_chunks()) == self.design.n_chunks

    def done_chunks(self) -> list[int]:
        """The chunks marked done, in chunk order."""
        return [
            k for k in range(self.design.n_chunks) if self.chunks.get(k, {}).get("status") == "done"
        ]

    def expected_rows(self, k: int) -> int:
        """Rows of chunk ``k`` when done: its worlds times the policies."""
        return len(self.design.chunk_rows(k)) * len(self.policies)

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> Manifest:
        """Read a manifest; a damaged one is an :class:`OutputError` naming the file."""
        try:
            data = json.loads(raw)
            return cls(
                scenario=str(data["scenario"]),
                scenario_hash=str(data["scenario_hash"]),
                design=Design.from_dict(data["design"]),
                policies=tuple(data["policies"]),
                replications=int(data["replications"]),
                source=str(data.get("source", "")),
                chunks={int(k): dict(v) for k, v in data.get("chunks", {}).items()},
                created=str(data.get("created", "")),
                versions=dict(data.get("versions", {})),
                outputs=tuple(data.get("outputs", ())),
                overrides={str(k): str(v) for k, v in data.get("overrides", {}).items()},
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise OutputError(f"{where}: not a readable escalade manifest ({exc})") from None


def versions() -> dict[str, str]:
    """Versions of escalade, Python and the numerical libraries used."""
    import numpy
    import pyarrow

    return {
        "escalade": __version__,
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
    }


class RunStore:
    """A run folder: create, resume, write chunks, read the experiments.

    Examples
    --------
    >>> import tempfile
    >>> from escalade.exploration._design import Design
    >>> d = Design.create("mc", 10, 1, 5, ("p",))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     plan = Manifest("demo", d, ("a",), 4, source="demo", outputs=("utility:A",))
    ...     store = RunStore.create(tmp + "/run", b"escalade: 1", plan)
    ...     store.pending()
    [0, 1]
    """

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        self._text: bytes | None = None

    # ---------------------------------------------------------------- create
    @classmethod
    def create(cls, path: str | Path, scenario_text: bytes, plan: Manifest) -> RunStore:
        """A new, empty run folder for ``plan`` (refuses to overwrite an existing run).

        The stored manifest is ``plan`` with the scenario text's hash, the time of
        creation and the versions of escalade and its libraries filled in.
        """
        folder = Path(path)
        if (folder / MANIFEST).exists():
            raise OutputError(
                f"{folder} already holds a run; resume it, or choose another out folder",
                arguments=("out",),
            )
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder} exists and is not a folder")
        try:
            (folder / EXPERIMENTS).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"{folder}: cannot create the run folder ({exc.strerror or exc})"
            ) from None
        manifest = replace(
            plan,
            scenario_hash=hashlib.sha256(scenario_text).hexdigest(),
            created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            versions=versions(),
        )
        atomic_write(folder / SCENARIO_COPY, scenario_text)
        store = cls(folder, manifest)
        store.save()
        return store

    @classmethod
    def open(cls, path: str | Path) -> RunStore:
        """An existing run folder."""
        folder = Path(path)
        target = folder / MANIFEST
        if not target.is_file():
            raise OutputError(f"{folder}: no escalade run here (no {MANIFEST})")
        try:
            raw = target.read_bytes()
        except OSError as exc:
            raise OutputError(f"{target}: cannot read ({exc.strerror or exc})") from None
        store = cls(folder, Manifest.from_json(raw, str(target)))
        text = store.scenario_text()
        if hashlib.sha256(text).hexdigest() != store.manifest.scenario_hash:
            raise OutputError(
                f"{folder / SCENARIO_COPY} does not match the hash in "
                f"{MANIFEST}; the run folder was edited"
            )
        return store

    def scenario_text(self) -> bytes:
        """The explored scenario's text, as stored in the run folder (read once)."""
        if self._text is None:
            try:
                self._text = (self.path / SCENARIO_COPY).read_bytes()
            except OSError as exc:
                raise OutputError(
                    f"{self.path / SCENARIO_COPY}: cannot read ({exc.strerror or exc})"
                ) from None
        return self._text

    @property
    def scenario_file(self) -> str:
        """The file name the stored scenario's messages point to."""
        m = self.manifest
        return Path(m.source).name if m.source else f"{m.scenario}.yaml"

    # ----------------------------------------------------------------- state
    def save(self) -> None:
        """Rewrite the manifest atomically."""
        atomic_write(self.path / MANIFEST, self.manifest.to_json())

    def chunk_file(self, k: int) -> Path:
        """Path of chunk ``k``'s Parquet file."""
        return self.path / EXPERIMENTS / f"chunk-{k:05d}.parquet"

    def pending(self) -> list[int]:
        """Chunks still to compute: not marked done, or whose file is missing or damaged.

        A chunk written just before a crash but not yet recorded in the
        manifest is recognised (its file reads back whole) and kept.
        """
        out = []
        changed = False
        # temporary files of a process killed mid-write: never a chunk, remove them
        for stale in (self.path / EXPERIMENTS).glob(".*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        for k in range(self.manifest.design.n_chunks):
            expected = self.manifest.expected_rows(k)
            info = self.manifest.chunks.get(k, {})
            rows = self._rows_in(self.chunk_file(k))
            if rows == expected:
                if info.get("status") != "done":
                    self.manifest.chunks[k] = {
                        "status": "done",
                        "rows": rows,
                        "file": self.chunk_file(k).name,
                    }
                    changed = True
                continue
            if info.get("status") == "done":
                self.manifest.chunks[k] = {
                    "status": "pending",
                    "note": "file missing or damaged; recomputed",
                }
                changed = True
            out.append(k)
        if changed:
            self.save()
        return out

    @staticmethod
    def _rows_in(path: Path) -> int | None:
        if not path.is_file():
            return None
        try:
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # any damage (truncation, garbage) means "recompute"
            return None

    def write_chunk(self, k: int, table: Any) -> None:
        """Write one chunk's experiments (a pyarrow Table) and record it."""
        import io

        import pyarrow.parquet as pq

        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        atomic_write(self.chunk_file(k), buf.getvalue())
        self.manifest.chunks[k] = {
            "status": "done",
            "rows": table.num_rows,
            "file": self.chunk_file(k).name,
        }
        self.save()

    def chunk_paths(self) -> Iterator[Path]:
        """Files of the chunks done, in chunk order."""
        for k in self.manifest.done_chunks():
            yield self.chunk_file(k)

    def check_complete(self) -> None:
        """Raise if chunks are missing (the run must be resumed first)."""
        total = self.manifest.design.n_chunks
        missing = total - len(self.manifest.done_chunks())
        if missing:
            raise ParameterError(
                f"{self.path}: {missing} of {total} chunks are not computed; "
                "resume the run to finish it"
            )


def list_runs(root: str | Path = "runs") -> Any:
    """The run folders under ``root``, one row each, counted with DuckDB.

    Returns
    -------
    pandas.DataFrame
        Columns ``run``, ``scenario``, ``design``, ``samples``, ``policies``,
        ``chunks_done``, ``chunks``, ``rows``, ``status``, ``created``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     list_runs(tmp).shape[0]
    0
    """
    import duckdb
    import pandas as pd

    base = Path(root)
    if base.exists() and not base.is_dir():
        raise OutputError(f"{base} is not a folder")
    records = []
    for manifest in sorted(base.glob(f"*/{MANIFEST}")) if base.is_dir() else []:
        try:
            m = Manifest.from_json(manifest.read_bytes(), str(manifest))
        except (OutputError, OSError):
            continue
        folder = manifest.parent
        files = sorted((folder / EXPERIMENTS).glob("chunk-*.parquet"))
        rows = 0
        if files:
            con = duckdb.connect()
            try:
                found = con.execute(
                    "SELECT count(*) FROM read_parquet(?)", [[str(f) for f in files]]
                ).fetchone()
                rows = int(found[0]) if found is not None else 0
            except duckdb.Error:
                rows = -1
            finally:
                con.close()
        done = sum(1 for v in m.chunks.values() if v.get("status") == "done")
        records.append(
            {
                "run": str(folder),
                "scenario": m.scenario,
                "design": m.design.kind,
                "samples": m.design.samples,
                "policies": len(m.policies),
                "chunks_done": done,
                "chunks": m.design.n_chunks,
                "rows": rows,
                "status": "complete" if m.complete else "incomplete",
                "created": m.created,
            }
        )
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
    ]
    return pd.DataFrame.from_records(records, columns=columns)
