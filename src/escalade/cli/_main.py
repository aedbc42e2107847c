"""The ``escalade`` command: a thin layer over the public API.

Each command is a module of this package with a ``register(commands)``
function: it adds the command's parser, with its options beside the
function that runs it (``set_defaults(run=...)``), which calls one
public function and prints its result. Adding a command is one module
and one line in :data:`COMMANDS`. The modules import the library inside
their functions, so that ``escalade --version`` and ``escalade list``
load nothing they do not use.

Every :class:`~escalade.errors.EscaladeError` becomes its message on
stderr and exit code 1 in :func:`main`, and nowhere else; usage mistakes
exit with 2. A standard output that cannot be written (full, closed) is
the user's redirection: :func:`~escalade.cli._common.out` turns the
failure into an :class:`~escalade.errors.OutputError`, and :func:`main`
flushes the output before exiting so that a failure shows there too.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from escalade._version import __version__
from escalade.cli import (
    _analyze,
    _audit,
    _check,
    _claims,
    _estimate,
    _explore,
    _export,
    _list,
    _play,
    _runs,
    _serve,
    _simulate,
    _solve,
)
from escalade.cli._common import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_OK,
    ClosedOutput,
    Parser,
    flush_stdout,
    silence_stdout,
)
from escalade.errors import EscaladeError, OutputError

if TYPE_CHECKING:
    from escalade.cli._common import Commands

__all__ = ["COMMANDS", "build_parser", "main"]


class Command(Protocol):
    """A command module: it adds its parser to the ``escalade`` command's."""

    def register(self, commands: Commands) -> None:
        """Add the command (or commands) to ``commands``."""


#: The commands, in the order ``escalade --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    _list,
    _check,
    _solve,
    _claims,
    _simulate,
    _analyze,
    _explore,
    _runs,
    _export,
    _audit,
    _estimate,
    _play,
    _serve,
)


def build_parser() -> Parser:
    """The argument parser of the ``escalade`` command (for docs and tests).

    Its ``flags`` map every option's ``dest`` (the library argument it is
    passed to) to the option as the user writes it, across all commands.

    Examples
    --------
    >>> parser = build_parser()
    >>> parser.flags["overrides"], parser.flags["chunk_size"], parser.flags["source"]
    ('--set', '--chunk-size', 'SCENARIO')
    """
    parser = Parser(
        prog="escalade",
        description="Model international crises as games: check, solve and export scenarios.",
        epilog="Run 'escalade COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"escalade {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for command in COMMANDS:
        command.register(commands)
    for sub in commands.choices.values():
        parser.flags.update(sub.flags)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``escalade`` command; returns the exit code.

    Examples
    --------
    >>> main(["check", "iig", "--draws", "0"])  # doctest: +ELLIPSIS
    iig: OK (scenario) - 2 players, 25 nodes, ...
    0
    """
    if sys.stdout is None:  # started with its standard output closed (`>&-`)
        sys.stdout = ClosedOutput()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        code: int = args.run(args)
        flush_stdout()  # a full standard output shows here at the latest
        return code
    except SystemExit as exc:  # --help, --version and usage errors leave through argparse
        if exc.code in (0, None):
            try:
                flush_stdout()
            except OutputError as error:
                sys.stderr.write(f"escalade: {error}\n")
                raise SystemExit(EXIT_INPUT) from None
        raise
    except EscaladeError as exc:
        # the arguments a library error names become the options the user typed
        sys.stderr.write(f"escalade: {exc.message_with(parser.flags)}\n")
        return EXIT_INPUT
    except MemoryError:
        # Sizes come from the user (--draws, a huge game): say so rather than "a bug".
        sys.stderr.write(
            "escalade: not enough memory for this request; expected a smaller --draws or a "
            "smaller game\n"
        )
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("escalade: interrupted\n")
        return 130
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK
    except Exception as exc:  # a bug: say so plainly, show the traceback only on request
        if os.environ.get("ESCALADE_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"escalade: internal error ({type(exc).__name__}: {exc}); this is a bug in "
            "escalade - please report it (set ESCALADE_DEBUG=1 to see the traceback)\n"
        )
        return EXIT_BUG
