"""The scenarios a server offers: the bundled ones, a folder's, and uploads.

A request names a scenario by its id, never by a path: the ids are the
keys of a table built here, from the bundled scenarios, the ``.yaml`` and
``.yml`` files directly inside the folder the server was started with
(``local.NAME``), and scenario texts uploaded to this server
(``upload.N``, kept in memory only). Every text goes through the
scenario loader (:func:`escalade.scenario.load_scenario_text`), which
parses YAML safely and checks everything, within a size limit.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from escalade.errors import ParameterError, ScenarioError
from escalade.game import Game, build_game
from escalade.scenario import (
    Scenario,
    bundled_path,
    bundled_scenarios,
    bundled_titles,
    load_scenario_text,
)

__all__ = ["MAX_UPLOADS", "MAX_UPLOAD_BYTES", "Catalog", "Entry"]

#: Largest scenario text accepted by upload (the bundled Korea scenario is about 25 kB).
MAX_UPLOAD_BYTES = 256_000
#: Uploads kept at once (the oldest goes first).
MAX_UPLOADS = 20
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,80}$")


@dataclass(frozen=True)
class Entry:
    """One scenario on offer: its id, where it comes from, its title."""

    id: str
    origin: str  # "bundled", "folder" or "upload"
    title: str


class Catalog:
    """The table of scenarios a server offers, loaded once each and kept.

    Parameters
    ----------
    folder : Path, optional
        A folder of scenario files (only files directly inside it).

    Examples
    --------
    >>> cat = Catalog()
    >>> cat.scenario("iig").name
    'iig'
    >>> cat.scenario("../etc/passwd")
    Traceback (most recent call last):
    ...
    escalade.errors.ParameterError: no scenario with id '../etc/passwd' here; ...
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[Scenario, Game]] = {}
        #: the size and time of each folder file when it was loaded (an edited file is reloaded)
        self._stamps: dict[str, tuple[int, int]] = {}
        self._uploads: dict[str, bytes] = {}
        self._next_upload = 1

    def _files(self) -> dict[str, Path]:
        """The folder's scenario files by id (listed anew each time: files come and go)."""
        if self.folder is None or not self.folder.is_dir():
            return {}
        out = {}
        for path in sorted(self.folder.iterdir()):
            stem = path.stem.lower()
            if path.suffix.lower() in (".yaml", ".yml") and path.is_file() and _ID.match(stem):
                out[f"local.{stem}"] = path
        return out

    def entries(self) -> list[Entry]:
        """Every scenario on offer: bundled first, then the folder's, then uploads."""
        out = [Entry(n, "bundled", t) for n, t in bundled_titles().items()]
        out += [Entry(i, "folder", p.name) for i, p in self._files().items()]
        with self._lock:
            uploads = list(self._uploads)
        out += [
            Entry(i, "upload", self._loaded[i][0].title if i in self._loaded else "")
            for i in uploads
        ]
        return out

    def text(self, sid: str) -> tuple[bytes, str]:
        """The text of scenario ``sid`` and a file name for its messages."""
        if sid in bundled_scenarios():
            path = bundled_path(sid)
            if path is not None:
                return path.read_bytes(), path.name
        files = self._files()
        if sid in files:
            path = files[sid]
            if path.stat().st_size > MAX_UPLOAD_BYTES * 20:
                raise ScenarioError(f"{path.name} is too large to open here")
            return path.read_bytes(), path.name
        with self._lock:
            if sid in self._uploads:
                return self._uploads[sid], f"{sid}.yaml"
        raise ParameterError(
            f"no scenario with id {sid!r} here; expected one of the ids the scenario list shows"
        )

    def _stamp(self, sid: str) -> tuple[int, int] | None:
        path = self._files().get(sid)
        if path is None:
            return None
        st = path.stat()
        return (st.st_size, st.st_mtime_ns)

    def source(self, sid: str) -> str | Path:
        """What the library loads scenario ``sid`` from: a bundled name or the folder's file
        (for what reads files beside the scenario, such as an estimation's data)."""
        if sid in bundled_scenarios():
            return sid
        files = self._files()
        if sid in files:
            return files[sid]
        self.text(sid)  # an unknown id fails here
        raise ParameterError(
            f"{sid} was uploaded, so it has no files beside it; expected a bundled scenario or "
            "one from the folder given to escalade serve --scenarios"
        )

    def load(self, sid: str) -> tuple[Scenario, Game]:
        """The scenario with id ``sid`` and its game, loaded on first use (a folder's file
        again when it has changed)."""
        stamp = self._stamp(sid) if sid.startswith("local.") else None
        with self._lock:
            if sid in self._loaded and self._stamps.get(sid) == stamp:
                return self._loaded[sid]
        data, name = self.text(sid)
        scenario = load_scenario_text(data, file=name)
        pair = (scenario, build_game(scenario))
        with self._lock:
            self._loaded[sid] = pair
            if stamp is not None:
                self._stamps[sid] = stamp
        return pair

    def scenario(self, sid: str) -> Scenario:
        """The scenario with id ``sid``."""
        return self.load(sid)[0]

    def upload(self, data: bytes) -> str:
        """Check uploaded scenario text and keep it; returns its new id.

        Raises
        ------
        ScenarioError
            When the text is too large or not a valid scenario.
        """
        if len(data) > MAX_UPLOAD_BYTES:
            raise ScenarioError(
                f"the uploaded scenario has {len(data):,} bytes; expected at most "
                f"{MAX_UPLOAD_BYTES:,}"
            )
        scenario = load_scenario_text(data, file="upload.yaml")
        pair = (scenario, build_game(scenario))
        with self._lock:
            sid = f"upload.{self._next_upload}"
            self._next_upload += 1
            self._uploads[sid] = data
            self._loaded[sid] = pair
            while len(self._uploads) > MAX_UPLOADS:
                old = next(iter(self._uploads))
                del self._uploads[old]
                self._loaded.pop(old, None)
        return sid
