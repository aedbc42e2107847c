"""Running ``escalade`` in-process, and texts marked with the place an error must point at."""

from __future__ import annotations

from pathlib import Path

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
