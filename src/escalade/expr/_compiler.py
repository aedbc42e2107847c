"""The allow-listed expression tree compiled to numpy closures, node by node.

:func:`escalade.expr.compile_expression` checks the text and parses it;
the :class:`Compiler` here walks the tree. Each allowed node type has a
method named after it (``_BinOp``, ``_Call``...); any other node is
refused with the reason from ``_NOT_ALLOWED``. Every method returns the
static type of its value (a number, a categorical name or a string
literal) with a closure that computes it from an environment of arrays.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ExpressionError

__all__ = ["FUNCTIONS", "MAX_DEPTH", "Categorical", "NameKind"]

#: Deepest expression tree accepted (operators nested in operators).
MAX_DEPTH = 120

FloatArray = NDArray[np.float64]
Env = Mapping[str, Any]
Fn = Callable[[Env], Any]


@dataclass(frozen=True)
class Categorical:
    """The kind of a categorical name: its values are codes into ``choices``.

    Examples
    --------
    >>> Categorical(("averse", "insensitive")).code("insensitive")
    1
    """

    choices: tuple[str, ...]

    def code(self, choice: str) -> int:
        """Index of ``choice`` in ``choices``."""
        return self.choices.index(choice)


#: Kind of a name: ``"number"`` or a :class:`Categorical`.
NameKind = str | Categorical

# name -> (min args, max args or None, implementation)
_FUNCS: dict[str, tuple[int, int | None, Callable[..., Any]]] = {
    "min": (2, None, lambda *a: _reduce(np.minimum, a)),
    "max": (2, None, lambda *a: _reduce(np.maximum, a)),
    "abs": (1, 1, np.abs),
    "exp": (1, 1, np.exp),
    "log": (1, 1, np.log),
    "sqrt": (1, 1, np.sqrt),
    "clip": (3, 3, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi)),
    "where": (3, 3, lambda c, a, b: np.where(np.asarray(c) != 0, a, b)),
}
#: The functions an expression may call.
FUNCTIONS = frozenset(_FUNCS)


def _reduce(ufunc: np.ufunc, args: tuple[Any, ...]) -> Any:
    out = args[0]
    for arg in args[1:]:
        out = ufunc(out, arg)
    return out


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_OP_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_NOT_ALLOWED = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}


# The static type of a sub-expression: a number, a categorical name, or a string literal.
@dataclass(frozen=True)
class Num:
    pass


@dataclass(frozen=True)
class Cat:
    kind: Categorical
    name: str


@dataclass(frozen=True)
class _Str:
    value: str


_NUM = Num()
_Type = Num | Cat | _Str


def short_number(text: str) -> str:
    return text if len(text) <= 20 else f"{text[:8]}...({len(text)} digits)"


def constant(value: float | str) -> Fn:
    def fn(env: Env) -> float | str:
        return value

    return fn


class Compiler:
    def __init__(
        self, body: str, names: Mapping[str, NameKind] | None, *, text: str, offset: int
    ) -> None:
        # `body` is what was parsed: `text` from character `offset` on.
        self.body = body
        self.text = text
        self.offset = offset
        self.names = names
        self.used: set[str] = set()
        self._line_starts = [0]
        for line in body.split("\n")[:-1]:
            self._line_starts.append(self._line_starts[-1] + len(line) + 1)

    def _index(self, lineno: int | None, col: int | None) -> int:
        """Character index in `body` of an ast (line, UTF-8 byte column) pair."""
        start = self._line_starts[min(max(lineno or 1, 1), len(self._line_starts)) - 1]
        line = self.body[start:].split("\n", 1)[0]
        # ast column offsets count UTF-8 bytes; positions count characters.
        chars = len(line.encode("utf-8")[: col or 0].decode("utf-8", errors="ignore"))
        return start + chars

    def start(self, node: ast.AST) -> int:
        return self._index(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def end(self, node: ast.AST) -> int:
        return self._index(getattr(node, "end_lineno", 1), getattr(node, "end_col_offset", 0))

    def find(self, symbol: str, after: ast.AST, default: ast.AST) -> int:
        """Index of `symbol` after the end of `after` (an operator between operands)."""
        i = self.body.find(symbol, self.end(after))
        return i if i >= 0 else self.start(default)

    def position(self, node: ast.AST) -> int:
        if isinstance(node, ast.Attribute):
            return self.find(".", node.value, node)
        if isinstance(node, ast.Subscript):
            return self.find("[", node.value, node)
        return self.start(node)

    def fail(self, message: str, node: ast.AST | int) -> ExpressionError:
        where = node if isinstance(node, int) else self.position(node)
        return ExpressionError(message, expression=self.text, position=self.offset + where)

    def compile(self, node: ast.AST, depth: int) -> tuple[_Type, Fn]:
        if depth > MAX_DEPTH:
            raise self.fail(
                f"expected operations nested at most {MAX_DEPTH} levels deep, found deeper nesting",
                node,
            )
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            message = _NOT_ALLOWED.get(type(node))
            if message is None:
                message = f"{type(node).__name__} expressions are not allowed"
            raise self.fail(message, node)
        result: tuple[_Type, Fn] = method(node, depth + 1)
        return result

    def number(self, node: ast.AST, depth: int, role: str) -> Fn:
        typ, fn = self.compile(node, depth)
        if not isinstance(typ, Num):
            what = f"categorical name {typ.name!r}" if isinstance(typ, Cat) else "a string"
            raise self.fail(f"{role} needs a number, found {what}", node)
        return fn

    def _Constant(self, node: ast.Constant, depth: int) -> tuple[_Type, Fn]:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(f"the constant {value!r} is not allowed", node)
        if isinstance(value, str):
            return _Str(value), constant(value)
        if isinstance(value, int | float):
            try:
                number = float(value)
            except OverflowError:  # an integer literal beyond the float range
                number = math.inf
            if not np.isfinite(number):
                written = self.body[self.start(node) : self.end(node)]
                raise self.fail(
                    f"expected a finite number, found {short_number(written)} (beyond the "
                    "largest number, about 1.8e308)",
                    node,
                )
            return _NUM, constant(number)
        raise self.fail(f"{type(value).__name__} constants are not allowed", node)

    def _Name(self, node: ast.Name, depth: int) -> tuple[_Type, Fn]:
        name = node.id
        written = self.body[self.start(node) : self.end(node)]
        if written != name:
            # Python folds look-alike letters (NFKC): 'ｐ' would silently read 'p'.
            raise self.fail(
                f"expected a name written in plain letters, found {written!r} (which Python "
                f"would read as {name!r})",
                node,
            )
        if self.names is not None:
            if name not in self.names:
                if name in _FUNCS:
                    raise self.fail(
                        f"{name!r} is a function; expected a call such as {name}(x)", node
                    )
                hint = _suggest(name, self.names)
                known = sorted(self.names)
                listing = f"; known names: {', '.join(known)}" if 0 < len(known) <= 12 else ""
                raise self.fail(f"unknown name {name!r}{hint}{listing}", node)
            kind = self.names[name]
        else:
            kind = "number"
        self.used.add(name)
        typ: _Type = Cat(kind, name) if isinstance(kind, Categorical) else _NUM
        return typ, lambda env, _n=name: env[_n]

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> tuple[_Type, Fn]:
        if isinstance(node.op, ast.Not):
            inner = self.number(node.operand, depth, "'not'")
            return _NUM, lambda env: (np.asarray(inner(env)) == 0).astype(np.float64)
        if isinstance(node.op, ast.USub):
            inner = self.number(node.operand, depth, "unary minus")
            return _NUM, lambda env: np.negative(inner(env))
        if isinstance(node.op, ast.UAdd):
            inner = self.number(node.operand, depth, "unary plus")
            return _NUM, inner
        raise self.fail(
            f"the operator {_OP_SYMBOLS.get(type(node.op), '?')!r} is not allowed", node
        )

    def _BinOp(self, node: ast.BinOp, depth: int) -> tuple[_Type, Fn]:
        # `a + b - c * d + ...` is a chain down the left operands. Compiled as one flat
        # list it costs one level of depth, so a long sum is neither "nested too deep"
        # nor a deep recursion when evaluated.
        chain: list[ast.BinOp] = []
        head: ast.expr = node
        while isinstance(head, ast.BinOp):
            chain.append(head)
            head = head.left
        first = self.number(head, depth, self._role(chain[-1]))
        steps: list[tuple[Callable[[Any, Any], Any], Fn]] = []
        for link in reversed(chain):
            op = _BINOPS.get(type(link.op))
            if op is None:
                symbol = _OP_SYMBOLS.get(type(link.op), "?")
                raise self.fail(
                    f"the operator {symbol!r} is not allowed; expected one of + - * / **",
                    self.find(symbol, link.left, link),
                )
            steps.append((op, self.number(link.right, depth, self._role(link))))

        def fn(env: Env) -> Any:
            value = first(env)
            for op, right in steps:
                value = op(value, right(env))
            return value

        return _NUM, fn

    @staticmethod
    def _role(link: ast.BinOp) -> str:
        return f"'{_OP_SYMBOLS.get(type(link.op), '?')}'"

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> tuple[_Type, Fn]:
        word = "and" if isinstance(node.op, ast.And) else "or"
        parts = [self.number(v, depth, f"'{word}'") for v in node.values]
        combine = np.logical_and if word == "and" else np.logical_or

        def fn(env: Env) -> Any:
            out = np.asarray(parts[0](env)) != 0
            for part in parts[1:]:
                out = combine(out, np.asarray(part(env)) != 0)
            return out.astype(np.float64)

        return _NUM, fn

    def _Compare(self, node: ast.Compare, depth: int) -> tuple[_Type, Fn]:
        operands = [node.left, *node.comparators]
        compiled = [self.compile(o, depth) for o in operands]
        steps: list[tuple[Callable[[Any, Any], Any], Fn, Fn]] = []
        for i, op in enumerate(node.ops):
            ufunc = _CMPOPS.get(type(op))
            if ufunc is None:
                symbol = _OP_SYMBOLS.get(type(op), "?")
                raise self.fail(
                    f"the operator {symbol!r} is not allowed; expected one of < <= > >= == !=",
                    self.find(symbol.split()[0], operands[i], operands[i + 1]),
                )
            (lt, lf), (rt, rf) = compiled[i], compiled[i + 1]
            lf, rf = self._comparable(lt, lf, rt, rf, op, operands[i], operands[i + 1])
            steps.append((ufunc, lf, rf))

        def fn(env: Env) -> Any:
            out = None
            for ufunc, lf, rf in steps:
                part = ufunc(lf(env), rf(env))
                out = part if out is None else np.logical_and(out, part)
            return np.asarray(out).astype(np.float64)

        return _NUM, fn

    def _comparable(
        self, lt: _Type, lf: Fn, rt: _Type, rf: Fn, op: ast.cmpop, ln: ast.AST, rn: ast.AST
    ) -> tuple[Fn, Fn]:
        if isinstance(lt, Num) and isinstance(rt, Num):
            return lf, rf
        equality = isinstance(op, ast.Eq | ast.NotEq)
        if isinstance(lt, Cat) and isinstance(rt, _Str):
            return lf, self._choice(lt, rt, rn, equality)
        if isinstance(lt, _Str) and isinstance(rt, Cat):
            return self._choice(rt, lt, ln, equality), rf
        if isinstance(lt, Cat) and isinstance(rt, Cat) and equality:
            if lt.kind != rt.kind:
                raise self.fail(
                    f"{lt.name!r} and {rt.name!r} have different choices and cannot be compared", rn
                )
            return lf, rf
        bad, node = (lt, ln) if not isinstance(lt, Num) else (rt, rn)
        if isinstance(bad, _Str):
            raise self.fail(
                "a string can only be compared with a categorical name using == or !=", node
            )
        if isinstance(bad, Cat):
            raise self.fail(
                f"categorical name {bad.name!r} can only be compared with == or != to one of "
                f"its choices {list(bad.kind.choices)}",
                node,
            )
        raise self.fail("these values cannot be compared", node)  # pragma: no cover

    def _choice(self, cat: Cat, lit: _Str, node: ast.AST, equality: bool) -> Fn:
        if not equality:
            raise self.fail(
                f"categorical name {cat.name!r} can only be compared with == or !=", node
            )
        if lit.value not in cat.kind.choices:
            raise self.fail(
                f"{lit.value!r} is not a choice of {cat.name!r}; choices are "
                f"{list(cat.kind.choices)}",
                node,
            )
        code = float(cat.kind.code(lit.value))
        return constant(code)

    def _IfExp(self, node: ast.IfExp, depth: int) -> tuple[_Type, Fn]:
        test = self.number(node.test, depth, "the condition of 'if'")
        body = self.number(node.body, depth, "'if'")
        orelse = self.number(node.orelse, depth, "'else'")
        return _NUM, lambda env: np.where(np.asarray(test(env)) != 0, body(env), orelse(env))

    def _Call(self, node: ast.Call, depth: int) -> tuple[_Type, Fn]:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                "only the functions " + ", ".join(sorted(_FUNCS)) + " can be called", node
            )
        name = node.func.id
        if name not in _FUNCS:
            raise self.fail(
                f"unknown function {name!r}; allowed: " + ", ".join(sorted(_FUNCS)), node
            )
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node.keywords[0])
        low, high, impl = _FUNCS[name]
        n = len(node.args)
        if n < low or (high is not None and n > high):
            expected = str(low) if low == high else f"at least {low}"
            raise self.fail(
                f"{name}() takes {expected} argument{'' if expected == '1' else 's'}, found {n}",
                node,
            )
        args = [self.number(a, depth, f"{name}()") for a in node.args]
        return _NUM, lambda env: impl(*(a(env) for a in args))


def _suggest(name: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
