"""Numbers written inside expressions, where a named parameter with a note belongs.

``0.3 * (1.2 if averse else 0.8)`` hides three modelling choices that a
reader cannot find in the parameters table, cannot vary in an exploration
and cannot trace to a claim. This module finds every numeric literal
inside an expression, except the trivial ones, which carry no modelling
choice:

===========  ==============================================================
literal      why it is trivial
===========  ==============================================================
``0``        nothing, and the bound of ``clip``/``max`` at zero
``1``        identity and complement (``1 - p``, ``x / (1 + y)``)
``2``        doubling, halving, squaring (``2 * x``, ``x / 2``, ``x ** 2``)
``0.5``      one half (an even split)
``-1``       a sign (``-1 * x``), written as ``1`` under a minus
``100``      percentages
===========  ==============================================================

Two more cases are not constants of the model: an integer compared with
``period`` (a date in the crisis, ``period >= 3``), and a whole-number
exponent (the shape of a curve, not a magnitude). An expression that *is*
a number (a payoff written as ``-3``, an initial value ``0.7``) states a
value directly, as textbook games do; it is not "inside" anything and is
left alone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePath

from escalade.scenario import FormulaUse

__all__ = ["TRIVIAL", "Literal", "literals", "unexplained_literals"]

#: Literals that carry no modelling choice (see the module docstring).
TRIVIAL = frozenset({0.0, 1.0, 2.0, 0.5, -1.0, 100.0})


@dataclass(frozen=True)
class Literal:
    """A number written inside an expression.

    Attributes
    ----------
    value : float
    text : str
        As written.
    offset : int
        0-based character position in the expression's text.
    """

    value: float
    text: str
    offset: int


def _char_offset(text: str, line_starts: list[int], lineno: int, col: int) -> int:
    start = line_starts[min(max(lineno, 1), len(line_starts)) - 1]
    line = text[start:].split("\n", 1)[0]
    return start + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def literals(text: str) -> list[Literal]:
    """The non-trivial numeric literals inside an expression's text.

    The text must already be a valid expression (every formula of a loaded
    scenario is).

    Examples
    --------
    >>> [(x.text, x.offset) for x in literals("0.3 * (1.2 if averse else 0.8)")]
    [('0.3', 0), ('1.2', 7), ('0.8', 26)]
    >>> literals("1 - p"), literals("-3"), literals("x ** 3"), literals("period >= 4")
    ([], [], [], [])
    """
    lead = len(text) - len(text.lstrip())
    body = text[lead:].rstrip()
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError:  # pragma: no cover - loaded formulas parse
        return []
    root = tree.body
    if isinstance(root, ast.UnaryOp) and isinstance(root.operand, ast.Constant):
        root = root.operand
    if isinstance(root, ast.Constant):
        return []  # the whole expression is a value, written as a number
    starts = [0]
    for line in body.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    skip = _self_explaining(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if float(value) in TRIVIAL:
            continue
        begin = _char_offset(body, starts, node.lineno, node.col_offset)
        end = _char_offset(body, starts, node.end_lineno or node.lineno, node.end_col_offset or 0)
        found.append(Literal(float(value), body[begin:end], lead + begin))
    return sorted(found, key=lambda x: x.offset)


def _self_explaining(tree: ast.AST) -> set[int]:
    """Ids of the constants that explain themselves: whole exponents, compared periods."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            if isinstance(exponent, ast.UnaryOp):
                exponent = exponent.operand
            value = exponent.value if isinstance(exponent, ast.Constant) else None
            if isinstance(value, int | float) and float(value).is_integer():
                skip.add(id(exponent))
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            if any(isinstance(p, ast.Name) and p.id == "period" for p in parts):
                skip.update(id(p) for p in parts if isinstance(p, ast.Constant))
    return skip


@dataclass(frozen=True)
class PlacedLiteral:
    """A literal with its place in the file and the expression it is in."""

    literal: Literal
    use: FormulaUse
    file: str
    line: int
    col: int

    @property
    def element(self) -> str:
        """``expression:FILE:LINE:COL`` (the file's name without its folders)."""
        return f"expression:{PurePath(self.file).name}:{self.line}:{self.col}"


def unexplained_literals(
    uses: tuple[FormulaUse, ...], text: bytes | str = b""
) -> list[PlacedLiteral]:
    """Every non-trivial literal of every expression, once each, in file order.

    ``text`` is the scenario file's text: with it, a literal of an
    expression written over several lines is placed on its own line. A
    chance node copied by ``goto`` lists its formulas once per copy; each
    literal is reported once.
    """
    source = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    lines = source.split("\n")
    seen: set[tuple[str, int, int]] = set()
    out = []
    for use in uses:
        loc = use.formula.loc
        if loc is None:  # pragma: no cover - formulas read from files have a place
            continue
        for lit in literals(use.formula.text):
            line, col = _place(lines, loc.line, loc.col, use.formula.text, lit)
            key = (loc.file, line, col)
            if key in seen:
                continue
            seen.add(key)
            out.append(PlacedLiteral(lit, use, loc.file, line, col))
    return sorted(out, key=lambda p: (p.line, p.col))


def _token(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(text)}(?![\w.])")


def _place(lines: list[str], line: int, col: int, expr: str, lit: Literal) -> tuple[int, int]:
    """File line and column of a literal: the same occurrence of its text after the
    expression's start (YAML may fold an expression over several lines)."""
    pattern = _token(lit.text)
    nth = len(pattern.findall(expr[: lit.offset]))
    row, start = line - 1, col - 1
    while 0 <= row < len(lines):
        for m in pattern.finditer(lines[row], start):
            if nth == 0:
                return row + 1, m.start() + 1
            nth -= 1
        row, start = row + 1, 0
    return line, col + lit.offset  # no file text: assume one line
