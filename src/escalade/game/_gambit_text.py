"""Tokens of Gambit's text formats (.efg, .nfg) with line and column.

Both formats are whitespace-separated tokens: double-quoted strings (where
a backslash escapes a quote and is kept before anything else, as Gambit
reads them), braces, and numbers (integers, decimals, rationals such as
``1/3``, scientific notation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from escalade.errors import ScenarioError

__all__ = ["Token", "TokenStream", "format_number", "tokenize"]


@dataclass(frozen=True)
class Token:
    """A token: ``kind`` is ``str``, ``{``, ``}``, ``word`` or ``,``."""

    kind: str
    text: str
    line: int
    col: int


def tokenize(text: str, file: str) -> list[Token]:
    """Split Gambit text into tokens, or raise :class:`ScenarioError` at the bad spot."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    line, line_start = 1, 0
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            line_start = i + 1
            i += 1
            continue
        if ch.isspace():
            i += 1
            continue
        col = i - line_start + 1
        if ch in "{},":
            tokens.append(Token(ch, ch, line, col))
            i += 1
            continue
        if ch == '"':
            j = i + 1
            buf = []
            start_line = line
            # Gambit's reading of a backslash: \" is a quote that does not end the string;
            # any other character after a backslash keeps the backslash (\wedge stays \wedge).
            escaped = False
            while j < n and (text[j] != '"' or escaped):
                c = text[j]
                if c == "\n":
                    line += 1
                    line_start = j + 1
                if escaped:
                    buf.append(c if c == '"' else "\\" + c)
                elif c != "\\":
                    buf.append(c)
                escaped = c == "\\"
                j += 1
            if j >= n:
                raise ScenarioError(
                    'unterminated string (missing closing ")', file=file, line=start_line, col=col
                )
            tokens.append(Token("str", "".join(buf), start_line, col))
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '{},"':
            j += 1
        tokens.append(Token("word", text[i:j], line, col))
        i = j
    return tokens


class TokenStream:
    """Sequential reading of tokens with clear errors."""

    def __init__(self, tokens: list[Token], file: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.file = file

    def error(self, message: str, token: Token | None = None) -> ScenarioError:
        """An error at ``token`` (default: the next one, or the end of the file)."""
        tok = token if token is not None else self.peek()
        if tok is None:
            last = self.tokens[-1] if self.tokens else None
            return ScenarioError(
                f"{message}, found the end of the file",
                file=self.file,
                line=last.line if last else None,
                col=last.col if last else None,
            )
        shown = f'"{tok.text}"' if tok.kind == "str" else tok.text
        return ScenarioError(
            f"{message}, found {shown}", file=self.file, line=tok.line, col=tok.col
        )

    def peek(self) -> Token | None:
        """The next token without consuming it."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self, what: str) -> Token:
        """Consume the next token."""
        tok = self.peek()
        if tok is None:
            raise self.error(f"expected {what}")
        self.pos += 1
        return tok

    def expect(self, kind: str, what: str) -> Token:
        """Consume a token of ``kind`` or fail."""
        tok = self.peek()
        if tok is None or tok.kind != kind:
            raise self.error(f"expected {what}")
        self.pos += 1
        return tok

    def at(self, kind: str) -> bool:
        """Whether the next token is of ``kind``."""
        tok = self.peek()
        return tok is not None and tok.kind == kind

    def skip_commas(self) -> None:
        """Skip optional commas between list items."""
        while self.at(","):
            self.pos += 1

    def integer(self, what: str) -> int:
        """An integer token."""
        tok = self.expect("word", what)
        try:
            return int(tok.text)
        except ValueError:
            raise self.error(f"expected {what}", tok) from None

    def number(self, what: str) -> float:
        """A number token (integer, decimal, rational a/b, scientific)."""
        tok = self.expect("word", what)
        return parse_number(tok.text, lambda: self.error(f"expected {what}", tok))


def parse_number(text: str, fail: object) -> float:
    """A Gambit number as a float."""
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            value = float(Fraction(int(num), int(den)))
        else:
            value = float(Fraction(text)) if "e" not in text.lower() else float(text)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise fail() from None  # type: ignore[operator]
    if not math.isfinite(value):
        raise fail()  # type: ignore[operator]
    return value


def format_number(x: float) -> str:
    """A float as Gambit text: a short rational when it is one, else full precision.

    Examples
    --------
    >>> format_number(0.5), format_number(1 / 3), format_number(2.0), format_number(0.1)
    ('1/2', '1/3', '2', '1/10')
    """
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    frac = Fraction(x).limit_denominator(1_000_000)
    if float(frac) == x:
        return f"{frac.numerator}/{frac.denominator}"
    return repr(float(x))


def quote(text: str) -> str:
    r"""A Gambit string literal that Gambit (and :func:`tokenize`) read back as ``text``.

    Quotes are escaped; a backslash is written as it is, since Gambit keeps a
    backslash that precedes any other character. Gambit has no way to write a
    backslash just before a quote or at the end of a string; there a space is
    put after it, so the string still ends where it should.

    Examples
    --------
    >>> print(quote('say "no"'), quote(r"x\wedge y"))
    "say \"no\"" "x\wedge y"
    """
    out = []
    for k, c in enumerate(text):
        if c == '"':
            out.append('\\"')
            continue
        out.append(c)
        if c == "\\" and (k + 1 == len(text) or text[k + 1] in '"\\'):
            out.append(" ")
    return '"' + "".join(out) + '"'
