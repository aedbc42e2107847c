"""Running ``escalade`` in-process, and texts marked with the place an error must point at."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from escalade.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``escalade ARGV`` through :func:`escalade.cli.main`: exit code, stdout, stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: usage errors and --help
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_marked(path: Path, text: str) -> str | None:
    """Write ``text`` to ``path`` without its ``@@`` marker; where the marker was.

    Returns ``"LINE:COL"`` (both counted from 1) of the character after the
    marker, or None when the text has no marker.
    """
    where = None
    if "@@" in text:
        i = text.index("@@")
        where = f"{text.count(chr(10), 0, i) + 1}:{i - text.rfind(chr(10), 0, i)}"
        text = text.replace("@@", "", 1)
    path.write_text(text, encoding="utf-8")
    return where


class Marked(NamedTuple):
    """A scenario file on disk and the ``file:line:col`` of its ``@@`` marker."""

    path: Path
    where: str


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Marked:
    """Write ``text`` without its ``@@`` marker; remember the marker's line and column."""
    path = tmp_path / name
    return Marked(path, f"{path}:{write_marked(path, text)}")


def fails_at(
    capsys: pytest.CaptureFixture[str],
    marked: Marked,
    *needles: str,
    command: tuple[str, ...] = ("check",),
    extra: tuple[str, ...] = (),
) -> str:
    """Run the command on the file; it must exit 1 at the marker with every needle said."""
    code, out, err = run(capsys, *command, str(marked.path), *extra)
    assert code == 1, (out, err)
    assert err.startswith(f"escalade: {marked.where}: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err
    assert "internal error" not in err
    assert err.count("\n") == 1, "one error, on one line"
    return err
