"""The ``escalade`` command line.

Examples
--------
>>> from escalade.cli import main
>>> main(["check", "iig", "--draws", "10"])  # doctest: +ELLIPSIS
iig: OK (scenario) - ...
0
"""

import sys

from escalade.cli._main import build_parser
from escalade.cli._main import main as _main

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``escalade`` command (returns the exit code)."""
    return _main(argv)


def _console() -> None:  # pragma: no cover - the installed script
    sys.exit(_main())
