"""``python -m escalade`` runs the command line."""

from escalade.cli import _console

_console()
