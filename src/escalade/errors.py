"""The one exception tree of escalade, and its warnings.

Every error a user can cause is an :class:`EscaladeError`; anything else
escaping the library is a bug. The command line turns an
``EscaladeError`` into its message and exit code 1, in one place.

::

    EscaladeError
    ├── ScenarioError          a scenario, .efg or .nfg file is wrong: file:line:col
    ├── ExpressionError        an expression is not allowed or cannot be evaluated
    ├── ParameterError         an argument, a parameter value or an override is wrong
    ├── SolveError             a solver cannot handle this game or these options
    │   └── MissingDependencyError   an optional extra (e.g. pygambit) is not installed
    ├── OutputError            a result cannot be written (folder unwritable, disk full)
    ├── DataError              a data table is wrong: which column, which row, what was found
    └── EstimationError        a model cannot be fitted as specified (e.g. not identified)

    ConvergenceWarning         a solver stopped before reaching its tolerance on
                               some draws; which ones is kept on the result
    EstimationWarning          a fit is doubtful: Hessian not negative definite,
                               an outcome never or always observed, local maxima

Messages say what was expected, what was found, and where. An error
about arguments of a function names them as Python does (``runs``,
``overrides``, ``lam='qre'``) and lists them in its ``arguments``
attribute, so that a command line can name its own options instead:
:meth:`EscaladeError.message_with` rewrites the message with a mapping
from argument names to option names. A message that lists an argument
uses its name for nothing else.

Examples
--------
>>> from escalade.errors import ScenarioError
>>> str(ScenarioError("unknown player 'C'", file="crisis.yaml", line=4, col=9))
"crisis.yaml:4:9: unknown player 'C'"
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ConvergenceWarning",
    "DataError",
    "EscaladeError",
    "EstimationError",
    "EstimationWarning",
    "ExpressionError",
    "MissingDependencyError",
    "OutputError",
    "ParameterError",
    "ScenarioError",
    "SolveError",
]


class EscaladeError(Exception):
    """Base class of every error a user of escalade can cause.

    Parameters
    ----------
    *args
        The message, as for any exception.
    arguments : tuple of str
        The Python arguments the error is about (``("runs",)``), if any.

    Examples
    --------
    >>> err = ParameterError("lam applies to method='qre' only", arguments=("lam", "method"))
    >>> err.arguments
    ('lam', 'method')
    >>> err.message_with({"lam": "--lam", "method": "--method"})
    '--lam applies to --method qre only'
    """

    def __init__(self, *args: object, arguments: tuple[str, ...] = ()) -> None:
        super().__init__(*args)
        self.arguments = tuple(arguments)

    def message_with(self, names: Mapping[str, str]) -> str:
        """The message with the arguments it names called by ``names`` instead.

        ``names`` maps an argument to what to call it (a command line passes
        its options: ``{"overrides": "--set", "runs": "--runs"}``); an
        argument written ``name=value`` becomes ``option value``. Arguments
        ``names`` leaves out, and words that are not arguments of this
        error, are kept.

        Examples
        --------
        >>> err = ParameterError("choose either workers or cluster", arguments=("workers",))
        >>> err.message_with({"workers": "--workers", "cluster": "--cluster"})
        'choose either --workers or cluster'
        """
        text = str(self)
        for argument in self.arguments:
            option = names.get(argument)
            if option is None:
                continue

            def rename(m: re.Match[str], option: str = option) -> str:
                return f"{option} {m.group(2)}" if m.group(2) else option

            # not inside a longer word, a quoted name or a path
            pattern = (
                rf"(?<![\w.'/\\:-]){re.escape(argument)}"
                rf"(?:=('?)([^\s',;)]*)\1)?(?![\w'/\\:-])"
            )
            text = re.sub(pattern, rename, text)
        return text


class ScenarioError(EscaladeError):
    """A scenario (or Gambit .efg/.nfg) file is wrong.

    Parameters
    ----------
    message : str
        What was expected and what was found.
    file : str, optional
        The file's name as the user gave it.
    line, col : int, optional
        1-based position of the mistake in the file.
    arguments : tuple of str
        The Python arguments the error is about, if any.

    Examples
    --------
    >>> err = ScenarioError("expected a number, found 'high'", file="a.yaml", line=3, col=7)
    >>> err.line, err.col
    (3, 7)
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
        arguments: tuple[str, ...] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        super().__init__(self._format(), arguments=arguments)

    def _format(self) -> str:
        where = [str(part) for part in (self.file, self.line, self.col) if part is not None]
        return f"{':'.join(where)}: {self.message}" if where else self.message


class ExpressionError(EscaladeError):
    """An expression is not allowed, names an unknown name, or gives NaN/inf.

    Parameters
    ----------
    message : str
        What went wrong.
    expression : str
        The expression's text.
    position : int
        0-based character offset of the offending part within ``expression``.

    Examples
    --------
    >>> err = ExpressionError("unknown name 'q'", expression="p + q", position=4)
    >>> print(err)
    unknown name 'q' at column 5 of 'p + q'
    """

    def __init__(self, message: str, *, expression: str, position: int = 0) -> None:
        self.message = message
        self.expression = expression
        self.position = position
        shown = expression if len(expression) <= 120 else expression[:117] + "..."
        super().__init__(f"{message} at column {position + 1} of {shown!r}")


class ParameterError(EscaladeError):
    """An argument, a parameter value, an override or a distribution is wrong."""


class SolveError(EscaladeError):
    """A solver cannot handle this game or these options."""


class MissingDependencyError(SolveError):
    """An optional extra needed for this request is not installed."""


class OutputError(EscaladeError):
    """A result cannot be written where it was asked to go."""


class DataError(EscaladeError):
    """A data table (CSV file or DataFrame) does not fit the model.

    Messages name the file, the column and the row (the file's line for
    CSV files), what was expected and what was found.

    Examples
    --------
    >>> str(DataError("war1800.csv: line 5, column esc: expected 0 or 1, found '2'"))
    "war1800.csv: line 5, column esc: expected 0 or 1, found '2'"
    """


class EstimationError(EscaladeError):
    """A model cannot be fitted as specified (not identified, wrong options)."""


class ConvergenceWarning(UserWarning):
    """A solver stopped before reaching its tolerance on some draws.

    The result keeps a per-draw ``converged`` flag and the residuals, so no
    number is silently wrong.
    """


class EstimationWarning(UserWarning):
    """A fit is doubtful: not locally identified, separation, or a better maximum elsewhere.

    The message says what was found and what to do; the result keeps the
    diagnostics.
    """
