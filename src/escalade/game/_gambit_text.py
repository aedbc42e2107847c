"""Tokens of Gambit's text formats (.efg, .nfg) with line and column.

Both formats are whitespace-separated tokens: double-quoted strings (where
a backslash escapes a quote and is kept before anything else, as Gambit
reads them), braces, and numbers (integers, decimals, rationals such as
``1/3``, scientific notation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from escalade.errors import ScenarioError

__all__ = [
    "Token",
    "TokenStream",
    "format_number",
    "iter_tokens",
    "player_names",
    "read_text",
    "tokenize",
]


class Token(NamedTuple):
    """A token: ``kind`` is ``str``, ``{``, ``}``, ``word`` or ``,``.

    ``line`` and ``col`` (1-based) are worked out from ``offset`` only when
    asked for, which is when an error is reported.
    """

    kind: str
    text: str
    offset: int
    source: str

    @property
    def line(self) -> int:
        """1-based line of the token."""
        return self.source.count("\n", 0, self.offset) + 1

    @property
    def col(self) -> int:
        """1-based column of the token."""
        return self.offset - self.source.rfind("\n", 0, self.offset)


_TOKEN = re.compile(
    r"""(?P<punct>[{},])
      | (?P<str>"(?:\\"|[^"])*")
      | (?P<open>")
      | (?P<word>[^\s{},"]+)""",
    re.VERBOSE | re.DOTALL,
)


def tokenize(text: str, file: str) -> list[Token]:
    """Split Gambit text into tokens, or raise :class:`ScenarioError` at the bad spot.

    Examples
    --------
    >>> [t.text for t in tokenize(r't "a \\"b\\"" 1 { 2, 3/4 }', "x.efg")]
    ['t', 'a "b"', '1', '{', '2', ',', '3/4', '}']
    >>> tokenize('"a" 1', "x.efg")[1].col
    5
    """
    return list(iter_tokens(text, file))


def iter_tokens(text: str, file: str) -> Iterator[Token]:
    """Tokens one by one, so that a reader stops scanning at its first error."""
    # One regular expression does the scanning (whitespace is what it skips between
    # matches), and positions become lines only for error messages.
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            yield Token("word", m.group(), m.start(), text)
        elif kind == "punct":
            value = m.group()
            yield Token(value, value, m.start(), text)
        elif kind == "str":
            # Gambit's reading of a backslash: \" is a quote that does not end the
            # string; a backslash before anything else stays (\wedge is \wedge)
            body = m.group()[1:-1].replace('\\"', '"')
            yield Token("str", body, m.start(), text)
        else:
            tok = Token("open", '"', m.start(), text)
            raise ScenarioError(
                'unterminated string: expected a closing ", found the end of the file',
                file=file,
                line=tok.line,
                col=tok.col,
            )


class TokenStream:
    """Sequential reading of tokens with clear errors.

    Tokens are pulled from ``tokens`` one at a time (any iterable), so a file
    that goes wrong early fails without being scanned to its end.
    """

    def __init__(self, tokens: Iterable[Token], file: str) -> None:
        self._tokens = iter(tokens)
        self._next: Token | None = next(self._tokens, None)
        #: The token consumed last (``None`` before the first).
        self.last: Token | None = None
        self.file = file

    def error(self, message: str, token: Token | None = None) -> ScenarioError:
        """An error at ``token`` (default: the next one, or the end of the file)."""
        tok = token if token is not None else self.peek()
        if tok is None:
            last = self.last
            return ScenarioError(
                f"{message}, found the end of the file",
                file=self.file,
                line=last.line if last else None,
                col=last.col if last else None,
            )
        text = tok.text if len(tok.text) <= 40 else tok.text[:37] + "..."
        shown = f'"{text}"' if tok.kind == "str" else text
        return ScenarioError(
            f"{message}, found {shown}", file=self.file, line=tok.line, col=tok.col
        )

    def error_at(self, message: str, token: Token | None) -> ScenarioError:
        """An error at ``token`` whose message already says what was found."""
        return ScenarioError(
            message,
            file=self.file,
            line=token.line if token else None,
            col=token.col if token else None,
        )

    def peek(self) -> Token | None:
        """The next token without consuming it."""
        return self._next

    def _advance(self) -> Token:
        tok = self._next
        if tok is None:
            raise self.error("expected more of the file")
        self.last = tok
        self._next = next(self._tokens, None)
        return tok

    def next(self, what: str) -> Token:
        """Consume the next token."""
        if self._next is None:
            raise self.error(f"expected {what}")
        return self._advance()

    def expect(self, kind: str, what: str) -> Token:
        """Consume a token of ``kind`` or fail."""
        tok = self._next
        if tok is None or tok.kind != kind:
            raise self.error(f"expected {what}")
        return self._advance()

    def at(self, kind: str) -> bool:
        """Whether the next token is of ``kind``."""
        tok = self.peek()
        return tok is not None and tok.kind == kind

    def header(self, magic: str, version: str, form: str) -> tuple[str, list[str]]:
        """Read ``MAGIC version R "title" { "player" ... }``; return the title and players.

        ``form`` names the kind of file in messages (``"extensive-form"``).
        """
        head = self.expect("word", f"the header {magic}")
        if head.text != magic:
            raise self.error(f"expected the header {magic} (a Gambit {form} file)", head)
        found = self.expect("word", f"the format version {version}")
        if found.text != version:
            raise self.error(f"expected format version {version}", found)
        kind = self.expect("word", "R or D after the version")
        if kind.text not in ("R", "D"):
            raise self.error("expected R or D after the version", kind)
        title = self.expect("str", "the game's title in quotes").text
        self.expect("{", "{ and the player names")
        players: list[str] = []
        while self.at("str"):
            players.append(self.next("player name").text)
        self.expect("}", "} closing the player names")
        if not players:
            raise self.error("expected at least one player")
        return title, players

    def payoffs(self) -> list[float]:
        """Numbers (commas allowed between them) up to the next ``}``, which is left."""
        pays: list[float] = []
        while not self.at("}"):
            pays.append(self.number("a payoff"))
            self.skip_commas()
        return pays

    def skip_commas(self) -> None:
        """Skip optional commas between list items."""
        while self.at(","):
            self._advance()

    def integer(self, what: str) -> int:
        """An integer token (digits, optionally signed)."""
        tok = self.expect("word", what)
        if not _INTEGER.fullmatch(tok.text):
            raise self.error(f"expected {what}", tok)
        return int(tok.text)

    def number(self, what: str) -> float:
        """A number token (integer, decimal, rational a/b, scientific)."""
        tok = self.expect("word", what)
        return parse_number(tok.text, lambda: self.error(f"expected {what} ({_NUMBER_HELP})", tok))


# at most 18 digits: beyond that no count or index in a file can be meant
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RATIONAL = re.compile(r"([+-]?[0-9]+)/([0-9]+)")
_NUMBER_HELP = "a finite number such as 2, -1.5, 2.5e-3 or 2/3"


def parse_number(text: str, fail: Callable[[], Exception]) -> float:
    """A Gambit number (integer, decimal, scientific or rational ``a/b``) as a float.

    ``fail()`` gives the exception to raise for anything else, or a number
    that is not finite.

    Examples
    --------
    >>> parse_number("2/3", ValueError) == 2 / 3, parse_number("-1.5e2", ValueError)
    (True, -150.0)
    """
    try:
        rational = _RATIONAL.fullmatch(text)
        if rational:
            # int / int is correctly rounded in Python, like float(Fraction(a, b))
            value = int(rational.group(1)) / int(rational.group(2))
        elif _DECIMAL.fullmatch(text):
            value = float(text)
        else:
            raise fail()
    except (ValueError, ZeroDivisionError, OverflowError):
        # too many digits, division by zero, a quotient beyond the float range
        raise fail() from None
    if not math.isfinite(value):
        raise fail()
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


def player_names(labels: list[str]) -> list[str]:
    """Player names as Gambit gives them: empty and repeated labels get ``_k`` suffixes.

    Gambit 16 (pygambit 16.7) reads ``{ "A" "A" }`` as players ``A_1`` and
    ``A_2``, numbering the copies of a label from 1 and skipping names
    already taken, and an empty label as ``_1``; results are keyed by player
    name, so two players must not share one.

    Examples
    --------
    >>> player_names(["A", "B", "A"]), player_names(["A", "A", "A_1"]), player_names([""])
    (['A_1', 'B', 'A_2'], ['A_2', 'A_3', 'A_1'], ['_1'])
    """
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    renamed = {label for label, n in counts.items() if n > 1 or not label}
    taken = {label for label in labels if label not in renamed}
    next_k = dict.fromkeys(renamed, 1)
    out = []
    for label in labels:
        if label not in renamed:
            out.append(label)
            continue
        k = next_k[label]
        while f"{label}_{k}" in taken:
            k += 1
        name = f"{label}_{k}"
        next_k[label] = k + 1
        taken.add(name)
        out.append(name)
    return out


def read_text(path: str | Path, suffix: str) -> tuple[str, str, str]:
    """A Gambit file's text, its name as given, and a game name made from its stem.

    ``suffix`` (``.efg`` or ``.nfg``) names the format in the message about
    a binary file; text that is not UTF-8 is read as Latin-1.
    """
    from escalade.scenario._load import read_file

    shown = str(path)
    data = read_file(Path(path), shown)
    if b"\x00" in data[:8192]:
        raise ScenarioError(f"this is a binary file, not a Gambit {suffix} file", file=shown)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    stem = re.sub(r"[^a-z0-9-]+", "-", Path(path).stem.lower()).strip("-") or "game"
    return text, shown, stem
