"""Safe expressions: an allow-listed Python AST compiled to numpy closures.

An expression is parsed with :func:`ast.parse` (``mode="eval"``, which
only builds a tree and never runs it) and every node of the tree is
checked against an allow-list before anything is compiled. What compiles
is a tree of closures over numpy ufuncs: nothing ever reaches ``eval``,
attribute access, subscripts or arbitrary calls, so an expression can do
nothing but arithmetic on the names it is given.

Allowed: numbers, names, ``+ - * / **``, unary ``-`` and ``+``,
comparisons (``< <= > >= == !=``, chained, giving 0/1), ``and or not``
(0/1), ``a if c else b``, string literals compared with categorical names
(``leader == 'averse'``), and the functions ``min max abs exp log sqrt
clip where``.

Expressions are evaluated over a batch: every name maps to a scalar or an
array of shape ``(n_draws,)`` and the result is an array of shape
``(n_draws,)``. Both branches of ``where``/``if`` are computed, and only
the selected values count, so ``x / y if y != 0 else 0`` is fine.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalade.errors import ExpressionError
from escalade.expr._compiler import (
    Cat,
    Compiler,
    Env,
    FloatArray,
    Fn,
    NameKind,
    Num,
    constant,
    short_number,
)

__all__ = ["MAX_LENGTH", "Expression", "compile_expression"]

#: Longest expression accepted, in characters.
MAX_LENGTH = 2000


@dataclass(frozen=True, eq=False)
class Expression:
    """A compiled, safe expression.

    Build one with :func:`compile_expression`; evaluate it over a batch of
    draws with :meth:`evaluate`.

    Attributes
    ----------
    text : str
        The expression as written.
    names : frozenset of str
        Every name the expression reads.

    Examples
    --------
    >>> import numpy as np
    >>> e = compile_expression("p * win - (1 - p) * cost")
    >>> e.evaluate({"p": np.array([0.5, 0.9]), "win": 10.0, "cost": 4.0}, n_draws=2)
    array([3. , 8.6])
    """

    text: str
    names: frozenset[str]
    _fn: Fn

    def evaluate(self, env: Env, *, n_draws: int = 1, check: bool = True) -> FloatArray:
        """Evaluate over a batch of draws.

        Parameters
        ----------
        env : mapping of str to float or ndarray of shape (n_draws,)
            Values of the names. Categorical names hold integer codes.
        n_draws : int
            Length of the result; scalars are broadcast to it.
        check : bool
            Raise :class:`ExpressionError` if any value is NaN or infinite.

        Returns
        -------
        ndarray of shape (n_draws,)
            A read-only view repeating one value when every name the
            expression reads repeats one value (a scalar, or a view with
            stride 0, as the states of one world have): computed once.
        """
        missing = self.names.difference(env)
        if missing:
            name = sorted(missing)[0]
            raise ExpressionError(
                f"no value for name {name!r}",
                expression=self.text,
                position=max(self.text.find(name), 0),
            )
        if n_draws > 1 and self.names and all(_repeats(env[name]) for name in self.names):
            with np.errstate(all="ignore"):
                one = np.asarray(self._fn({k: _head(env[k]) for k in self.names}), np.float64)
            if not check or np.isfinite(one).all():
                return _repeat(one.reshape(-1)[:1], n_draws)
            # not finite: the evaluation below says in which draws
        with np.errstate(all="ignore"):
            value = np.asarray(self._fn(env), dtype=np.float64)
        if value.shape != (n_draws,):
            value = np.broadcast_to(value, (n_draws,)).copy()
        if check:
            bad = ~np.isfinite(value)
            if bad.any():
                draw = int(np.flatnonzero(bad)[0])
                what = "NaN" if np.isnan(value[draw]) else "an infinite value"
                values = ", ".join(f"{name}={_at(env[name], draw)}" for name in sorted(self.names))
                raise ExpressionError(
                    f"gives {what} in draw {draw}"
                    + (f" where {values}" if values else "")
                    + f" ({int(bad.sum())} of {n_draws} draws affected)",
                    expression=self.text,
                    position=0,
                )
        return value

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def _repeats(value: Any) -> bool:
    """Whether ``value`` is one value for every draw: a scalar or a stride-0 array."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 or (value.ndim == 1 and value.strides[0] == 0)
    return isinstance(value, float | int)


def _repeat(one: FloatArray, n: int) -> FloatArray:
    """A read-only view of ``n`` copies of ``one``'s single value (np.broadcast_to, faster)."""
    view: FloatArray = np.ndarray((n,), np.float64, one, 0, (0,))
    view.flags.writeable = False
    return view


def _head(value: Any) -> Any:
    """The first draw's value of a stride-0 array (one element: the rest repeat it)."""
    return value[:1] if isinstance(value, np.ndarray) and value.ndim == 1 else value


def _at(value: Any, draw: int) -> str:
    arr = np.asarray(value)
    item = arr.reshape(-1)[draw] if arr.ndim else arr
    return f"{float(item):.6g}"


def compile_expression(
    text: str | float | int,
    *,
    names: Mapping[str, NameKind] | None = None,
    max_length: int = MAX_LENGTH,
) -> Expression:
    """Check an expression against the allow-list and compile it.

    Parameters
    ----------
    text : str or number
        The expression. A number compiles to a constant.
    names : mapping of str to ``"number"`` or Categorical, optional
        The names the expression may read and their kinds. ``None`` allows
        any name and treats it as a number.
    max_length : int
        Longest text accepted.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        If the text is not an allowed expression; ``position`` tells where.

    Examples
    --------
    >>> from escalade.expr import Categorical
    >>> kinds = {"cost": "number", "leader": Categorical(("averse", "bold"))}
    >>> e = compile_expression("cost * 2 if leader == 'bold' else cost", names=kinds)
    >>> sorted(e.names)
    ['cost', 'leader']
    >>> compile_expression("cost.real", names=kinds)
    Traceback (most recent call last):
    ...
    escalade.errors.ExpressionError: attribute access is not allowed at column 5 of 'cost.real'
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ExpressionError(
            f"expected an expression (text or number), found {type(text).__name__}",
            expression=repr(text),
        )
    if not isinstance(text, str):
        try:
            value = float(text)
        except OverflowError:
            value = math.inf
        if not np.isfinite(value):
            raise ExpressionError(
                f"expected a finite number, found {short_number(str(text))}",
                expression=str(text),
            )
        return Expression(str(text), frozenset(), constant(value))
    if len(text) > max_length:
        raise ExpressionError(
            f"expected an expression of at most {max_length} characters, found {len(text)}",
            expression=text,
            position=max_length,
        )
    if not text.strip():
        raise ExpressionError("expected an expression, found empty text", expression=text)
    if "\x00" in text:
        raise ExpressionError(
            "expected text, found a NUL character", expression=text, position=text.index("\x00")
        )
    # Python reads a leading space as an indent: parse from the first character that
    # counts, and add that offset back to every position so errors point into `text`.
    start = len(text) - len(text.lstrip())
    body = text[start:].rstrip()
    try:
        # Python's own warnings ("invalid escape sequence", "'is' with a literal") are
        # about Python code; an expression is either accepted or refused, quietly.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            f"not a valid expression ({exc.msg})",
            expression=text,
            position=start + _syntax_position(body, exc),
        ) from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        raise ExpressionError(
            f"not a valid expression ({exc})", expression=text, position=start
        ) from None
    compiler = Compiler(body, names, text=text, offset=start)
    typ, fn = compiler.compile(tree.body, depth=0)
    if not isinstance(typ, Num):
        raise ExpressionError(
            "expected an expression giving a number, found a "
            + ("categorical name" if isinstance(typ, Cat) else "string"),
            expression=text,
            position=start,
        )
    return Expression(text, frozenset(compiler.used), fn)


def _syntax_position(text: str, exc: SyntaxError) -> int:
    lines = text.split("\n")
    lineno = min(max(exc.lineno or 1, 1), len(lines))
    offset = max((exc.offset or 1) - 1, 0)
    return min(sum(len(line) + 1 for line in lines[: lineno - 1]) + offset, max(len(text) - 1, 0))
