"""Writing files so that a crash never leaves half of one, and nothing but a file is replaced.

Every file escalade writes (a report, ``results.json``, an exploration's
chunks and manifest, an exported game) goes to a temporary name in the
same folder and is then renamed over the target: a reader sees the old
file or the whole new one, never a torn one.

A rename replaces whatever has the target's name, so the target is
checked first: escalade writes only to a regular file or to a name that
does not exist yet. A device, a named pipe (FIFO), a socket or a folder
is refused with an :class:`~escalade.errors.OutputError` (run as root, a
rename over ``/dev/sda`` would destroy the device node). A symbolic link
is followed: the file it points to is replaced and the link stays, as
the shell's ``>`` does; a link to anything but a regular file is refused
like that thing. Output folders get the same care (:func:`check_folder`):
an empty name, or the root of a file system, is refused.

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
import stat
from pathlib import Path

from escalade.errors import OutputError

__all__ = ["atomic_write", "check_folder", "check_target"]

_DISK_FULL = 28  # errno ENOSPC


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: str | Path) -> Path:
    """The file that writing to ``path`` replaces: ``path``, or the file its link points to.

    Raises
    ------
    OutputError
        If ``path`` is empty, or names (directly or through symbolic links)
        something other than a regular file.

    Examples
    --------
    >>> import tempfile
    >>> from escalade.errors import OutputError
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_target(Path(tmp) / "new.txt").name
    ...     try:
    ...         check_target(tmp)
    ...     except OutputError as exc:
    ...         print(str(exc).split(": ", 1)[1])
    'new.txt'
    is a folder; escalade writes only to a regular file or a new path
    """
    if not str(path).strip():
        raise OutputError("an empty path names no file; expected a file name")
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    kind = _kind(mode)
    if kind is not None:
        where = f"{path}" if target == Path(path) else f"{path} (a link to {target})"
        raise OutputError(
            f"{where}: is {kind}; escalade writes only to a regular file or a new path"
        )
    return target


def check_folder(path: str | Path) -> Path:
    """``path`` as a folder to write results into, refused if empty or a file system's root.

    Examples
    --------
    >>> from escalade.errors import OutputError
    >>> try:
    ...     check_folder("/")
    ... except OutputError as exc:
    ...     print(exc)
    /: is the root of the file system; expected a folder of its own for the results
    """
    if not str(path).strip():
        raise OutputError("an empty path names no folder; expected a folder for the results")
    folder = Path(path)
    real = Path(os.path.realpath(folder))
    if real == Path(real.anchor):
        raise OutputError(
            f"{path}: is the root of the file system; expected a folder of its own for the results"
        )
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{path}: exists and is not a folder")
    return folder


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    Parameters
    ----------
    path : str or Path
        The file to write (a regular file, a new name, or a link to a
        regular file, see the module docstring); its folder must exist.
    data : bytes

    Raises
    ------
    OutputError
        If ``path`` is not a regular file, the folder is unwritable or the
        disk is full; no partial file stays.

    Examples
    --------
    >>> atomic_write(Path("/nonexistent-folder/x.txt"), b"")
    Traceback (most recent call last):
    ...
    escalade.errors.OutputError: /nonexistent-folder/x.txt: cannot write (No such file or directory)
    """
    target = check_target(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        what = "the disk is full" if exc.errno == _DISK_FULL else (exc.strerror or str(exc))
        raise OutputError(f"{path}: cannot write ({what})") from None
