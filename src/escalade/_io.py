"""Writing files so that a crash never leaves half of one.

Every file escalade writes (a report, ``results.json``, an exploration's
chunks and manifest, an exported game) goes to a temporary name in the
same folder and is then renamed over the target: a reader sees the old
file or the whole new one, never a torn one.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     atomic_write(Path(tmp) / "a.txt", b"done")
...     (Path(tmp) / "a.txt").read_text()
'done'
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from escalade.errors import OutputError

__all__ = ["atomic_write"]

_DISK_FULL = 28  # errno ENOSPC


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    Parameters
    ----------
    path : Path
        The file to write; its folder must exist.
    data : bytes

    Raises
    ------
    OutputError
        If the folder is unwritable or the disk is full; no partial file stays.

    Examples
    --------
    >>> atomic_write(Path("/nonexistent-folder/x.txt"), b"")
    Traceback (most recent call last):
    ...
    escalade.errors.OutputError: /nonexistent-folder/x.txt: cannot write (No such file or directory)
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        what = "the disk is full" if exc.errno == _DISK_FULL else (exc.strerror or str(exc))
        raise OutputError(f"{path}: cannot write ({what})") from None
