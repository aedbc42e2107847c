"""Hostile input to the expression compiler: property tests.

Whatever the text - random unicode, soups of Python tokens, dunder names,
attribute chains, lambdas, comprehensions, towers of powers, deep parentheses,
NUL bytes - :func:`compile_expression` either returns an Expression that reads
only allowed names, or raises :class:`ExpressionError` with a position inside the
text. Never another exception, never a hang (deadlines), and nothing outside the
allow-list runs: ``__import__``, ``open``, ``eval``, ``exec``, ``os.system`` are
replaced by tripwires while compiling and evaluating, and ``compile`` may only
build a syntax tree, never code.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalade.errors import ExpressionError
from escalade.expr import FUNCTIONS, Categorical, Expression, compile_expression

LEADER = Categorical(("averse", "bold"))
NAMES = {"p": "number", "q": "number", "cost": "number", "leader": LEADER}
N_DRAWS = 3

SETTINGS = settings(
    max_examples=250,
    deadline=timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.too_slow],
)


class Tripwire(AssertionError):
    """Something outside the allow-list was called."""


@contextlib.contextmanager
def tripwires() -> Iterator[list[str]]:
    """Replace dangerous builtins with functions that record and refuse the call."""
    calls: list[str] = []
    real_compile = builtins.compile

    def refuse(name: str):
        def tripped(*args, **kwargs):
            calls.append(name)
            raise Tripwire(f"{name} was called")

        return tripped

    real_import = builtins.__import__

    # builtins.__import__'s own parameter names: callers may pass them by keyword.
    def loaded_only(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
        # numpy looks up some of its own modules lazily (ndarray.any imports
        # numpy.core._methods); that runs nothing new. Loading a module does.
        package = (globals or {}).get("__package__") if level else None
        target = importlib.util.resolve_name("." * level + name, package) if level else name
        if target not in sys.modules:
            calls.append(f"import {target}")
            raise Tripwire(f"import of {target} was attempted")
        return real_import(name, globals, locals, fromlist, level)

    def tree_only(source, filename, mode, flags=0, *args, **kwargs):
        # ast.parse goes through compile(); it must only ever build a tree.
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise Tripwire(f"compile() to code was called on {source!r}")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    saved = {name: getattr(builtins, name) for name in ("__import__", "open", "eval", "exec")}
    refusals = {"__import__": loaded_only, "open": refuse("open"), "eval": refuse("eval"),
                "exec": refuse("exec")}  # fmt: skip
    saved_os = {name: getattr(os, name) for name in ("system", "popen")}
    try:
        for name, guard in refusals.items():
            setattr(builtins, name, guard)
        for name in saved_os:
            setattr(os, name, refuse(f"os.{name}"))
        builtins.compile = tree_only
        yield calls
    finally:
        for name, value in saved.items():
            setattr(builtins, name, value)
        for name, value in saved_os.items():
            setattr(os, name, value)
        builtins.compile = real_compile


ENV = {
    "p": np.array([0.0, 0.5, -2.0]),
    "q": np.array([1.0, 0.0, 3.0]),
    "cost": np.array([1e308, -1e-300, 7.0]),
    "leader": np.array([0.0, 1.0, 1.0]),
}


def check(text: str) -> None:
    """The property: an allowed Expression, or an ExpressionError inside the text."""
    with tripwires() as calls:
        expr, error = attempt(compile_expression, text, names=NAMES)
        if isinstance(error, ExpressionError):
            assert error.expression == text
            assert 0 <= error.position <= len(text), (error.position, len(text))
            assert error.message
        else:
            assert isinstance(expr, Expression)
            assert expr.text == text
            assert expr.names <= set(NAMES)
            # every name read is written as such: no look-alike letters folded into one
            assert all(name in text for name in expr.names)
            value, error = attempt(expr.evaluate, ENV, n_draws=N_DRAWS)
            if isinstance(error, ExpressionError):
                assert "gives" in error.message  # only NaN or infinity, named
            else:
                assert value.shape == (N_DRAWS,)
                assert value.dtype == np.float64
                assert np.isfinite(value).all()
            raw = expr.evaluate(ENV, n_draws=N_DRAWS, check=False)
            assert raw.shape == (N_DRAWS,)
    assert calls == []


def attempt(fn, *args, **kwargs):
    """``(result, None)``, or ``(None, error)`` for an ExpressionError; anything else raises."""
    try:
        return fn(*args, **kwargs), None
    except ExpressionError as exc:
        return None, exc


# --- strategies ----------------------------------------------------------------------

ALLOWED_NAMES = [*NAMES, *sorted(FUNCTIONS)]
HOSTILE_NAMES = [
    "__import__", "__builtins__", "__class__", "__bases__", "__subclasses__", "__globals__",
    "__dict__", "__code__", "__reduce__", "__getattribute__", "__init__", "mro", "os", "sys",
    "eval", "exec", "open", "compile", "globals", "locals", "getattr", "setattr", "vars",
    "breakpoint", "input", "print", "type", "object", "np", "numpy", "self", "env", "_n",
    "True", "False", "None", "inf", "nan", "\uff50", "\U0001d52d", "é", "_", "λ",
]  # fmt: skip
KEYWORDS = [
    "if", "else", "and", "or", "not", "in", "is", "for", "lambda", "await", "yield",
    "import", "from", "async", "del", "pass", "return", "global", "with", "as", "match",
]  # fmt: skip
OPERATORS = [
    "+", "-", "*", "/", "**", "//", "%", "@", "&", "|", "^", "~", "<<", ">>", "<", ">",
    "==", "!=", "<=", ">=", ":=", ".", ",", ":", ";", "=", "(", ")", "[", "]", "{", "}",
    "'", '"', '"""', "\\", "#", "\n", "\t", " ", "...", "->", "$", "?", "!", "`",
]  # fmt: skip
NUMBERS = [
    "0", "1", "9", "0.5", ".5", "5.", "1e308", "1e309", "1e400", "1e-400", "0x1f", "0o7",
    "0b1", "1_000", "1j", "00", "9" * 400, "1" + "0" * 4400, "-0.0",
]  # fmt: skip
STRINGS = ["'averse'", '"bold"', "'x'", "''", "b'x'", "f'{p}'", "'\\x00'", "'\\N{DASH}'"]
ODD = ["\x00", "\u2028", "\ufeff", "\r", "\x0c", "\ufffd", "\u00a0"]

TOKENS = st.sampled_from(
    ALLOWED_NAMES + HOSTILE_NAMES + KEYWORDS + OPERATORS + NUMBERS + STRINGS + ODD
)
SPACES = st.sampled_from(["", " ", "  ", "\n"])


@st.composite
def token_soup(draw) -> str:
    parts = draw(st.lists(st.tuples(TOKENS, SPACES), max_size=30))
    return "".join(tok + space for tok, space in parts)


def grammar() -> st.SearchStrategy[str]:
    """Expressions built from allowed and disallowed constructs, nested at random."""
    leaves = st.one_of(
        st.sampled_from(ALLOWED_NAMES + HOSTILE_NAMES + NUMBERS + STRINGS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        name = st.sampled_from(ALLOWED_NAMES + HOSTILE_NAMES)
        binop = st.sampled_from(["+", "-", "*", "/", "**", "//", "%", "@", "<", "==", "and",
                                 "or", "is", "in", "not in", "&", "<<"])  # fmt: skip
        return st.one_of(
            st.tuples(inner, binop, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            st.tuples(st.sampled_from(["-", "+", "not ", "~"]), inner).map("".join),
            inner.map(lambda e: f"({e})"),
            st.tuples(inner, name).map(lambda t: f"{t[0]}.{t[1]}"),  # attribute chains
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(name, st.lists(inner, max_size=4)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
            st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
            inner.map(lambda e: f"(lambda x: {e})"),
            inner.map(lambda e: f"(lambda: {e})()"),
            st.tuples(inner, inner).map(lambda t: f"[{t[0]} for x in {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
            inner.map(lambda e: f"(x := {e})"),
            inner.map(lambda e: f"f'{{{e}}}'"),
            inner.map(lambda e: f"max(*{e})"),
            inner.map(lambda e: f"exp(x={e})"),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@st.composite
def deep(draw) -> str:
    """Deep nesting of one construct, around an allowed core."""
    depth = draw(st.integers(min_value=0, max_value=700))
    kind = draw(st.sampled_from(["paren", "minus", "not", "call", "power", "if", "attr"]))
    core = draw(st.sampled_from(["p", "q", "leader == 'bold'", "9"]))
    if kind == "paren":
        return "(" * depth + core + ")" * depth
    if kind == "minus":
        return "-" * depth + core
    if kind == "not":
        return "not " * depth + core
    if kind == "call":
        return "abs(" * depth + core + ")" * depth
    if kind == "power":
        return "**".join(["9"] * max(depth, 1))  # 9**9**9...: a tower, not a loop
    if kind == "if":
        return " if p else ".join([core] * max(depth, 1))
    return core + ".__class__" * depth


# --- properties ----------------------------------------------------------------------


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text):
    check(text)


@SETTINGS
@given(token_soup())
def test_soup_of_python_tokens(text):
    check(text)


@settings(SETTINGS, max_examples=150)
@given(grammar())
def test_allowed_and_disallowed_constructs_nested_at_random(text):
    check(text)


NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**700), max_value=10**700).map(str),
    st.floats().map(repr),
    st.from_regex(r"[0-9]{1,700}(\.[0-9]{0,50})?([eE][+-]?[0-9]{1,5})?", fullmatch=True),
    st.from_regex(r"0[xob][0-9a-f_]{1,400}", fullmatch=True),
)


@SETTINGS
@given(NUMBER_TEXT, st.sampled_from(["{}", "p + {}", "-{}", "{} ** {}", "p * {} / {}"]))
def test_numbers_of_any_size_and_form(number, template):
    check(template.format(number, number))


@settings(max_examples=120, deadline=timedelta(milliseconds=500))
@given(deep())
def test_deep_nesting_and_towers(text):
    check(text)


@SETTINGS
@given(st.lists(st.sampled_from([*ALLOWED_NAMES[:3], "1", "2.5"]), min_size=1, max_size=12),
       st.lists(st.sampled_from(["+", "-", "*", "/", "**", "<", "==", "and", "or"]),
                min_size=11, max_size=11))  # fmt: skip
def test_well_formed_arithmetic_compiles_and_evaluates(operands, operators):
    # Only allowed pieces: always compiles; values are finite or named as NaN/inf.
    text = operands[0] + "".join(
        f" {op} {x}" for op, x in zip(operators, operands[1:], strict=False)
    )
    with tripwires() as calls:
        expr = compile_expression(text, names=NAMES)
        _, error = attempt(expr.evaluate, ENV, n_draws=N_DRAWS)
    assert error is None or "gives" in error.message
    assert calls == []


def test_tripwires_do_trip():
    # The guard itself works: a forbidden call inside it is caught and recorded.
    with tripwires() as calls, contextlib.suppress(Tripwire):
        __import__("antigravity")
    assert calls == ["import antigravity"]
    with tripwires() as calls, contextlib.suppress(Tripwire), open(os.devnull):
        pass
    assert calls == ["open"]
    with tripwires() as calls, contextlib.suppress(Tripwire):
        compile("1", "<x>", "eval")
    assert calls == ["compile"]
