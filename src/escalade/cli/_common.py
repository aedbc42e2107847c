"""What every command shares: the parser, option types, library-backed options, output.

An option whose default or choices belong to the library does not copy
them: its default is ``None`` ("not given", so the call leaves the
argument out and the library's default applies, see :func:`given`), its
help shows the library's default through :class:`FromLibrary`, and its
choices are a :class:`LibraryChoices`. Both are looked up only when
needed (help, a usage error, the option being used), so that building
the parser imports none of the library: ``escalade --version`` stays
instant.

Each option's ``dest`` is the name of the library argument it is passed
to (``--set`` goes to ``overrides``, the scenario to ``source``), so the
parser's ``flags`` map the arguments a library error names to the
options the user typed (see :meth:`escalade.errors.EscaladeError.message_with`).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import inspect
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, overload

from escalade.errors import OutputError, ParameterError

__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_USAGE",
    "STDOUT_NAMES",
    "ClosedOutput",
    "FromLibrary",
    "LibraryChoices",
    "Parser",
    "add_foresight",
    "add_json",
    "add_number",
    "add_policies",
    "add_scenario",
    "add_seed",
    "add_set",
    "add_workers",
    "count",
    "count0",
    "default_of",
    "flush_stdout",
    "given",
    "is_stdout",
    "lam",
    "out",
    "out_json",
    "overrides",
    "silence_stdout",
    "write_output",
]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3

SCENARIO_HELP = "a scenario file (.yaml, .yml), a Gambit file (.efg, .nfg) or a bundled name"


def default_of(function: Callable[..., Any], argument: str) -> Any:
    """The default value of ``argument`` in ``function``'s signature.

    Examples
    --------
    >>> import escalade
    >>> default_of(escalade.simulate, "runs")
    10000
    """
    return inspect.signature(function).parameters[argument].default


@dataclass(frozen=True)
class FromLibrary:
    """A value the library owns, named and read only when it is needed.

    ``FromLibrary(module, name)`` is ``module.name``;
    ``FromLibrary(module, name, argument)`` is the default of ``argument``
    in the signature of the function ``module.name``.

    Examples
    --------
    >>> FromLibrary("escalade", "check", "draws").get()
    1000
    >>> FromLibrary("escalade.solvers", "METHODS").get()
    ('spe', 'qre', 'nash')
    """

    module: str
    name: str
    argument: str | None = None

    def get(self) -> Any:
        """Import the module and read the value."""
        value = getattr(importlib.import_module(self.module), self.name)
        return value if self.argument is None else default_of(value, self.argument)


class LibraryChoices(Sequence[str]):
    """An option's choices, read from the library the first time argparse asks for them.

    Examples
    --------
    >>> methods = LibraryChoices(FromLibrary("escalade.solvers", "METHODS"))
    >>> "qre" in methods, list(methods)
    (True, ['spe', 'qre', 'nash'])
    """

    def __init__(self, source: FromLibrary) -> None:
        self._source = source
        self._values: tuple[str, ...] | None = None

    def _choices(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = tuple(self._source.get())
        return self._values

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._choices()[index]

    def __len__(self) -> int:
        return len(self._choices())

    def __iter__(self) -> Iterator[str]:
        return iter(self._choices())

    def __contains__(self, value: object) -> bool:
        return value in self._choices()


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line (exit 2) and the library's defaults in help.

    ``add_argument`` takes one more keyword, ``library_default``: a
    :class:`FromLibrary` shown as ``(default ...)`` at the end of the
    option's help, looked up when help is printed. The parser also keeps
    ``flags``: each option's ``dest`` and how the user writes it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.flags: dict[str, str] = {}
        self._library_defaults: list[tuple[argparse.Action, FromLibrary]] = []
        super().__init__(*args, **kwargs)

    def add_argument(
        self, *args: Any, library_default: FromLibrary | None = None, **kwargs: Any
    ) -> argparse.Action:
        """:meth:`argparse.ArgumentParser.add_argument`, plus ``library_default``."""
        # argparse formats a new option's metavar at once (to check it), which would read
        # library choices now: a stand-in metavar while adding keeps them unread.
        lazy = isinstance(kwargs.get("choices"), LibraryChoices) and "metavar" not in kwargs
        if lazy:
            kwargs["metavar"] = "X"
        action = super().add_argument(*args, **kwargs)
        if lazy:
            action.metavar = None
        self.flags[action.dest] = (
            action.option_strings[-1] if action.option_strings else str(action.metavar)
        )
        if library_default is not None:
            self._library_defaults.append((action, library_default))
        return action

    def format_help(self) -> str:
        """The help text, with the library's defaults filled in (read now, once)."""
        for action, source in self._library_defaults:
            action.help = f"{action.help} (default {_shown(source.get())})"
        self._library_defaults.clear()
        return super().format_help()

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops a failed write silently: help sent to a full output would vanish
        # with exit 0. Standard output goes through out(), which says so.
        if not message:
            return
        if file is sys.stdout:
            out(message)
            return
        with contextlib.suppress(AttributeError, OSError):
            (file or sys.stderr).write(message)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message, and exit 2."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


if TYPE_CHECKING:
    #: What a command's ``register`` receives: ``add_parser`` makes a :class:`Parser`.
    Commands = argparse._SubParsersAction[Parser]


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------
# option types and options several commands have


def lam(text: str) -> float:
    """An argparse type: a logit precision, a number >= 0 or ``inf``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number >= 0 or 'inf', found {text!r}"
        ) from None
    if math.isnan(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0 or 'inf', found {text!r}")
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, found {value}")
        return value

    return parse


count, count0 = _whole(1), _whole(0)


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, found {text!r}")
    return name.strip(), value.strip()


def add_scenario(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    """The SCENARIO argument (passed to the library as ``source``)."""
    parser.add_argument(
        "source", metavar="SCENARIO", nargs="?" if optional else None, help=SCENARIO_HELP
    )


def add_set(
    parser: argparse.ArgumentParser, help_text: str = "fix a parameter at a value (repeatable)"
) -> None:
    """The repeatable ``--set NAME=VALUE`` option (read with :func:`overrides`)."""
    parser.add_argument(
        "--set",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help=help_text,
    )


def add_foresight(parser: argparse.ArgumentParser) -> None:
    """The ``--foresight`` option: how actors look ahead (the scenario's setting if left out)."""
    parser.add_argument(
        "--foresight",
        choices=LibraryChoices(FromLibrary("escalade.scenario", "FORESIGHT")),
        help="how actors look ahead: full (the payoff now plus the value of what follows; "
        "exact values when the reachable states are few, fitted ones otherwise), myopic "
        "(this period's payoff alone), or exact or approximate explicitly (default: the "
        "scenario's foresight:, full unless it says otherwise)",
    )


def add_number(
    parser: Parser,
    flag: str,
    help_text: str,
    *,
    metavar: str = "N",
    minimum: int = 1,
    library: str | None = None,
    default: int | None = None,
) -> None:
    """A whole-number option (``>= minimum``) whose ``dest`` is the flag's name.

    ``library`` names the function of :mod:`escalade` whose default for the
    argument the help shows; ``default`` is a default the command itself
    sets (its help then says it).
    """
    dest = flag.removeprefix("--").replace("-", "_")
    parser.add_argument(
        flag,
        type=_whole(minimum),
        metavar=metavar,
        library_default=None if library is None else FromLibrary("escalade", library, dest),
        help=help_text,
        **({} if default is None else {"default": default}),
    )


def add_seed(parser: Parser, help_text: str = "random seed", *, library: str | None = None) -> None:
    """The ``--seed S`` option: a whole number >= 0 (see :func:`add_number` for ``library``)."""
    add_number(parser, "--seed", help_text, metavar="S", minimum=0, library=library)


def add_policies(parser: argparse.ArgumentParser, help_text: str) -> None:
    """The repeatable ``--policy NAME`` option, passed as ``policies``."""
    parser.add_argument(
        "--policy", action="append", metavar="NAME", dest="policies", help=help_text
    )


def add_workers(
    parser: argparse.ArgumentParser, help_text: str, cluster_help: str | None = None
) -> None:
    """``--workers N`` local processes and, with ``cluster_help``, ``--cluster ADDRESS``."""
    parser.add_argument("--workers", type=count, metavar="N", help=help_text)
    if cluster_help is not None:
        parser.add_argument("--cluster", metavar="ADDRESS", help=cluster_help)


def add_json(parser: argparse.ArgumentParser, help_text: str = "print one JSON object") -> None:
    """The ``--json`` switch."""
    parser.add_argument("--json", action="store_true", help=help_text)


def overrides(args: argparse.Namespace) -> dict[str, str]:
    """The ``--set`` options as ``{name: value}``; a name given twice is an error."""
    values: dict[str, str] = {}
    for name, value in args.overrides:
        if name in values:
            raise ParameterError(f"--set {name} is given twice")
        values[name] = value
    return values


def given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options among ``names`` the user gave, as keyword arguments for the library.

    Options left out take the library's defaults, which are therefore
    written in one place.
    """
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


# ---------------------------------------------------------------------------
# output


def out(text: str) -> None:
    """Write ``text`` to standard output, ending with a newline.

    Raises
    ------
    OutputError
        If standard output cannot take it (a full disk, ``> /dev/full``, a
        closed output); a closed pipe (``| head``) raises BrokenPipeError.
    """
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _unwritable(exc) from None


def flush_stdout() -> None:
    """Flush standard output (what :func:`out` wrote may still be buffered).

    Raises
    ------
    OutputError
        As :func:`out`.
    """
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _unwritable(exc) from None


def _unwritable(exc: OSError) -> OutputError:
    silence_stdout()
    return OutputError(
        f"cannot write to standard output ({exc.strerror or exc}); expected a writable "
        "standard output (redirect it to a file, or use -o FILE where the command has it)"
    )


#: Names of standard output as a file: ``-o`` with one of them writes to standard output.
STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def is_stdout(target: str) -> bool:
    """Whether ``-o TARGET`` names standard output (a name of it, or the very file it is).

    Examples
    --------
    >>> is_stdout("/dev/stdout"), is_stdout("-"), is_stdout("report.html")
    (True, True, False)
    """
    if target in STDOUT_NAMES:
        return True
    try:
        return os.path.samestat(os.stat(target), os.fstat(1))
    except (OSError, ValueError):
        return False


def write_output(text: str, target: str | None) -> bool:
    """Write a command's result to ``target`` (``-o``), or to standard output.

    Standard output when ``target`` is None or names it (:func:`is_stdout`);
    otherwise the file is replaced atomically, and only if it is a regular
    file or a new name (see :mod:`escalade._io`). Returns whether a file
    was written.
    """
    if target is None or is_stdout(target):
        out(text)
        return False
    from escalade._io import atomic_write

    atomic_write(target, text.encode("utf-8"))
    return True


class ClosedOutput:
    """Standard output of a process started without one: every write fails."""

    def write(self, text: str) -> int:
        """Fail: there is nowhere to write."""
        raise OSError(errno.EBADF, "it is closed")

    def flush(self) -> None:
        """Nothing to flush."""

    def isatty(self) -> bool:
        """Not a terminal."""
        return False


def silence_stdout() -> None:
    """Point standard output at the null device.

    Once a write has failed, what is still buffered would fail again when
    the process exits (and print a second, raw error).
    """
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a stream without a file descriptor
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - it lives until the process ends
    finally:
        os.close(null)


def out_json(payload: object) -> None:
    """Write one JSON document to standard output (NaN and infinities are errors)."""
    out(json.dumps(payload, indent=2, allow_nan=False))
