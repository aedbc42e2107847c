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
after every chunk.

Each chunk file carries the identity of its run (a hash of the scenario,
the design with its seed, the policies, the replications and the fixed
parameters) and its chunk number in its Parquet metadata. A chunk counts
as done only if its file is there, reads back, belongs to this run, and
holds exactly the rows of its worlds and policies. On resume, a chunk
that does not is computed again; reading a run (``report``, the
analyses), it is an :class:`~escalade.errors.OutputError` that names the
chunk and says that resuming repairs it, never a wrong table.
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
from typing import TYPE_CHECKING, Any

from escalade._io import atomic_write, check_folder
from escalade._version import __version__
from escalade.errors import OutputError, ParameterError
from escalade.exploration._design import Design

if TYPE_CHECKING:
    from escalade.scenario import Scenario

__all__ = ["EXPERIMENTS", "MANIFEST", "SCENARIO_COPY", "Manifest", "RunStore"]

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
    # how actors looked ahead; runs made before foresight existed were myopic
    foresight: str = "myopic"

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
            "foresight": self.foresight,
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

    @property
    def run_id(self) -> str:
        """The run's identity: what decides its numbers, hashed (stored in every chunk)."""
        what = {
            "scenario_hash": self.scenario_hash,
            "design": self.design.to_dict(),
            "policies": list(self.policies),
            "replications": self.replications,
            "overrides": dict(sorted(self.overrides.items())),
            "outputs": list(self.outputs),
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]

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
                foresight=str(data.get("foresight", "myopic")),
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
    def create(
        cls, path: str | Path, scenario_text: bytes, plan: Manifest, *, force: bool = False
    ) -> RunStore:
        """A new, empty run folder for ``plan``.

        The stored manifest is ``plan`` with the scenario text's hash, the
        time of creation and the versions of escalade and its libraries
        filled in. The folder must not exist yet, or be empty: a run is never
        mixed with what a folder already holds (the chunks of another run
        would be taken for this one's). ``force=True`` replaces a folder that
        holds an escalade run (complete, interrupted, or without its
        manifest), and nothing else: its run files are removed first.
        """
        folder = check_folder(path)
        try:
            occupied = folder.is_dir() and any(folder.iterdir())
        except OSError as exc:
            raise OutputError(f"{folder}: cannot read the folder ({exc.strerror or exc})") from None
        if occupied:
            if not force:
                raise OutputError(_occupied(folder), arguments=("out", "force"))
            _clear_run_folder(folder)
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

    def explored_scenario(self) -> Scenario:
        """The stored scenario as the run explored it, checked against the manifest.

        Raises
        ------
        OutputError
            If the manifest names policies, parameters or outputs the stored
            scenario does not have (the run folder was edited).
        """
        from escalade.exploration._compute import explored_scenario, output_columns

        m = self.manifest
        scenario = explored_scenario(self.scenario_text(), self.scenario_file, m.overrides)
        where = self.path / MANIFEST
        known = [p.name for p in scenario.policies]
        unknown = [p for p in m.policies if p not in known]
        if unknown:
            raise OutputError(
                f"{where}: names the policy {unknown[0]!r}, which the run's scenario "
                f"({SCENARIO_COPY}) does not have (policies: {', '.join(known) or 'none'}); "
                "the run folder was edited"
            )
        if tuple(scenario.parameters.uncertain_names) != m.design.parameters:
            raise OutputError(
                f"{where}: its design explores {', '.join(m.design.parameters) or 'nothing'}, "
                f"but the run's scenario has the uncertain parameters "
                f"{', '.join(scenario.parameters.uncertain_names) or 'none'}; the run folder "
                "was edited"
            )
        if m.outputs and tuple(m.outputs) != output_columns(scenario):
            raise OutputError(
                f"{where}: its outputs differ from those of the run's scenario; the run "
                "folder was edited"
            )
        return scenario

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
            info = self.manifest.chunks.get(k, {})
            problem = self.chunk_problem(k)
            if problem is None:
                if info.get("status") != "done":
                    self.manifest.chunks[k] = {
                        "status": "done",
                        "rows": self.manifest.expected_rows(k),
                        "file": self.chunk_file(k).name,
                    }
                    changed = True
                continue
            if info.get("status") == "done":
                self.manifest.chunks[k] = {
                    "status": "pending",
                    "note": f"the file {problem}; recomputed",
                }
                changed = True
            out.append(k)
        if changed:
            self.save()
        return out

    def chunk_problem(self, k: int, table: Any = None) -> str | None:
        """What is wrong with chunk ``k``'s file (None if it is whole and this run's).

        ``table``: the chunk as already read (at least ``sample`` and
        ``policy``); by default those columns are read from the file.
        """
        path = self.chunk_file(k)
        if table is None:
            if not path.is_file():
                return "is missing"
            table = _read_parquet(path, ["sample", "policy"])
            if table is None:
                return "is damaged (it does not read back as Parquet)"
        m = self.manifest
        meta = table.schema.metadata or {}
        run, number = meta.get(b"escalade.run"), meta.get(b"escalade.chunk")
        # chunks written before chunks carried their run's identity have no metadata
        if run is not None and run.decode() != m.run_id:
            return "belongs to another run"
        if number is not None and number.decode() != str(k):
            return f"holds chunk {number.decode()}, not chunk {k}"
        if table.num_rows != m.expected_rows(k):
            return f"holds {table.num_rows} rows, expected {m.expected_rows(k)}"
        import numpy as np

        rows = m.design.chunk_rows(k)
        samples = np.tile(np.arange(rows.start, rows.stop), len(m.policies))
        policies = np.repeat(np.array(m.policies, dtype=object), len(rows))
        try:
            same = np.array_equal(table.column("sample").to_numpy(), samples) and np.array_equal(
                table.column("policy").to_numpy(zero_copy_only=False), policies
            )
        except (KeyError, ValueError, TypeError):
            same = False
        if not same:
            return "holds other worlds or policies than its own"
        return None

    def read_chunk(self, k: int, columns: list[str] | None = None) -> Any:
        """Chunk ``k``'s experiments (a pyarrow Table), checked to be whole and this run's.

        Raises
        ------
        OutputError
            Naming the chunk and what is wrong with it; resuming the run
            computes it again.
        """
        wanted = None if columns is None else list(dict.fromkeys(["sample", "policy", *columns]))
        path = self.chunk_file(k)
        table = _read_parquet(path, wanted) if path.is_file() else None
        problem = (
            ("is missing" if not path.is_file() else "is damaged (it does not read back)")
            if table is None
            else self.chunk_problem(k, table)
        )
        if problem is not None:
            raise OutputError(
                f"{path}: chunk {k} of the run {problem}; resume the run to compute it again"
            )
        return table

    def write_chunk(self, k: int, table: Any) -> None:
        """Write one chunk's experiments (a pyarrow Table) and record it."""
        import io

        import pyarrow.parquet as pq

        meta = dict(table.schema.metadata or {})
        meta[b"escalade.run"] = self.manifest.run_id.encode()
        meta[b"escalade.chunk"] = str(k).encode()
        table = table.replace_schema_metadata(meta)
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


#: What a run folder may hold besides the chunks: replaced by ``force=True``, and only
#: folders holding nothing else are.
_RUN_FILES = (MANIFEST, SCENARIO_COPY, "report.html")


def _occupied(folder: Path) -> str:
    """Why a folder that is not empty cannot take a new run."""
    if (folder / MANIFEST).is_file():
        return (
            f"{folder} already holds a run; resume it, choose another out folder, or set "
            "force to replace it"
        )
    return (
        f"{folder} is not empty and holds no complete run ({MANIFEST} is missing); a new run "
        "is never mixed with what a folder holds: choose a new or empty out folder, or set "
        "force to replace a damaged run folder"
    )


def _clear_run_folder(folder: Path) -> None:
    """Remove an old run's files from ``folder``, refusing a folder that holds anything else."""
    experiments = folder / EXPERIMENTS
    inside = experiments.is_dir() and not experiments.is_symlink()
    chunks = sorted(experiments.glob("chunk-*.parquet")) if inside else []
    temporary = sorted(experiments.glob(".*.tmp")) if inside else []
    known = {folder / name for name in _RUN_FILES} | set(folder.glob(".*.tmp")) | {experiments}
    others = [p for p in folder.iterdir() if p not in known]
    if inside:
        others += [p for p in experiments.iterdir() if p not in {*chunks, *temporary}]
    if experiments.is_symlink() or (experiments.exists() and not experiments.is_dir()):
        others.append(experiments)
    if others:
        raise OutputError(
            f"{folder} holds files that are not part of an escalade run ({others[0].name}"
            + (f" and {len(others) - 1} more" if len(others) > 1 else "")
            + "); only a run folder is replaced: choose a new or empty out folder",
            arguments=("out",),
        )
    try:
        for file in [*chunks, *temporary, *(p for p in known if p.is_file())]:
            file.unlink()
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot remove the old run ({exc.strerror or exc})", arguments=("out",)
        ) from None


def _read_parquet(path: Path, columns: list[str] | None) -> Any:
    """A Parquet file as a pyarrow Table, or None if it cannot be read whole."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, columns=columns)
    except Exception:  # any damage (truncation, garbage, a missing column) reads as None
        return None
