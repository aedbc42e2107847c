"""YAML with positions: safe loading that remembers where every value came from.

PyYAML's composer (with the safe resolver) builds a node graph carrying
line and column marks; nothing is constructed from tags, so no Python
object is ever created from a file. This module turns that graph into
small located values (:class:`YMap`, :class:`YSeq`, :class:`YScalar`) so
that every later check can report ``file:line:col``. Duplicate keys,
non-scalar keys, custom tags, recursive aliases and alias bombs are
rejected here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from escalade.errors import ScenarioError

__all__ = ["MAX_FILE_BYTES", "YMap", "YNode", "YScalar", "YSeq", "parse_yaml"]

#: Largest scenario file accepted, in bytes.
MAX_FILE_BYTES = 5_000_000
# Values visited while converting (aliases can multiply a small file).
_MAX_VALUES = 500_000
_MAX_NESTING = 200

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def _error_at_mark(message: str, file: str, mark: Any) -> ScenarioError:
    """A :class:`ScenarioError` at a PyYAML or libyaml mark (0-based line and column), if any."""
    if mark is None:
        return ScenarioError(message, file=file)
    return ScenarioError(message, file=file, line=mark.line + 1, col=mark.column + 1)


def _too_deep(file: str, mark: Any) -> ScenarioError:
    return _error_at_mark(
        f"expected values nested at most {_MAX_NESTING} levels deep, found deeper nesting",
        file,
        mark,
    )


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, with a nesting limit checked while composing.

    The composer recurses once per level, so a file of 5,000 brackets would
    otherwise end in a RecursionError after a second of work.
    """

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._file = file

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > _MAX_NESTING:
                # types-PyYAML leaves Parser.peek_event unannotated.
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _too_deep(self._file, mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# YAML 1.1 (PyYAML) reads 1e-3 and 2E5 as text because they have no dot; YAML 1.2 and
# every scenario writer mean numbers.
_FLOAT_RULE = (
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(*_FLOAT_RULE)


@dataclass(frozen=True)
class YNode:
    """A located YAML value; ``line`` and ``col`` are 1-based."""

    file: str
    line: int
    col: int

    def error(self, message: str) -> ScenarioError:
        """A :class:`ScenarioError` pointing at this value."""
        return ScenarioError(message, file=self.file, line=self.line, col=self.col)

    @property
    def kind(self) -> str:
        """A word for the kind of value, for messages."""
        return "value"


@dataclass(frozen=True)
class YScalar(YNode):
    """A scalar: ``value`` as YAML's safe resolver reads it, ``raw`` as written."""

    value: Any = None
    raw: str = ""
    style: str | None = None
    end_line: int = 0

    @property
    def kind(self) -> str:
        v = self.value
        if v is None:
            return "nothing (null)"
        if isinstance(v, bool):
            return f"a boolean ({self.raw})"
        if isinstance(v, int | float):
            return f"a number ({self.raw})"
        return f"text {_short(self.raw)!r}"

    def text_position(self, offset: int) -> tuple[int, int]:
        """File line and column of character ``offset`` within the scalar's text.

        Exact for scalars written on one line; for multi-line scalars the
        scalar's start is returned.
        """
        if self.end_line != self.line:
            return self.line, self.col
        quote = 1 if self.style in ("'", '"') else 0
        return self.line, self.col + quote + offset


@dataclass(frozen=True)
class YSeq(YNode):
    """A sequence of located values."""

    items: tuple[YNode, ...] = ()

    @property
    def kind(self) -> str:
        return "a list"


@dataclass(frozen=True)
class YMap(YNode):
    """A mapping; keys are the raw texts of scalar keys, in file order."""

    items: tuple[tuple[YScalar, YNode], ...] = ()
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kind(self) -> str:
        return "a mapping"

    def keys(self) -> list[str]:
        """Keys in file order."""
        return [k.raw for k, _ in self.items]

    def get(self, key: str) -> YNode | None:
        """The value under ``key``, or ``None``."""
        i = self._index.get(key)
        return None if i is None else self.items[i][1]

    def key_node(self, key: str) -> YScalar:
        """The located key itself (for errors about the key)."""
        return self.items[self._index[key]][0]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_yaml(data: bytes | str, file: str) -> YNode:
    """Parse YAML text into located values.

    Parameters
    ----------
    data : bytes or str
        The file's content.
    file : str
        The name to use in error messages.

    Returns
    -------
    YNode
        The document's root value.

    Raises
    ------
    ScenarioError
        For empty, binary, oversized or malformed input, with ``file:line:col``.

    Examples
    --------
    >>> root = parse_yaml("players: [A, B]\\n", "x.yaml")
    >>> node = root.get("players")
    >>> node.line, node.col, [item.raw for item in node.items]
    (1, 10, ['A', 'B'])
    """
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise ScenarioError(
                f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}", file=file
            )
        if b"\x00" in data[:8192]:
            raise ScenarioError(
                "expected a YAML text file, found binary data (a NUL byte)", file=file
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise ScenarioError(
                "expected UTF-8 text, found a byte that is not UTF-8 (a binary file, or "
                "text in another encoding)",
                file=file,
                line=line,
                col=col,
            ) from None
    else:
        text = data
    if not text.strip():
        raise ScenarioError("file is empty; expected a YAML scenario", file=file)
    if "\x00" in text:
        raise ScenarioError("expected a YAML text file, found binary data (a NUL byte)", file=file)
    docs = _compose_fast(text, file)
    if docs is None:
        docs = _compose(text, file)
    nodes = [(d, start) for d, start in docs if d is not None]
    if not nodes:
        raise ScenarioError(
            "file holds only comments or blank lines; expected a YAML scenario", file=file
        )
    if len(nodes) > 1:
        raise _error_at_mark(
            "expected one YAML document (a scenario), found a second one here", file, nodes[1][1]
        )
    _check_expanded_size(nodes[0][0], file)
    return _Converter(file).convert(nodes[0][0], 0, ())


Documents = list[tuple[yaml.Node | None, Any]]


def _compose(text: str, file: str) -> Documents:
    """The documents' node graphs, by PyYAML's pure-Python parser, which also words the
    errors (every syntax error is reported in its words, at its position)."""
    try:
        loader = _Loader(text, file)
    except yaml.reader.ReaderError as exc:
        raise _unprintable(text, exc, file) from None
    try:
        docs: Documents = []
        while loader.check_node():
            # the '---' of an explicit document (types-PyYAML leaves peek_event unannotated)
            start = loader.peek_event().start_mark  # type: ignore[no-untyped-call]
            docs.append((loader.get_node(), start))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "malformed YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise _error_at_mark(f"YAML syntax error: {problem}", file, mark) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML syntax error: {exc}", file=file) from None
    except RecursionError:
        raise ScenarioError("YAML is nested too deeply to be a scenario", file=file) from None
    finally:
        loader.dispose()
    return docs


# The base is chosen at import time (libyaml's loader exists only where PyYAML was built
# with it), which mypy cannot check: it sees a base class of type Any.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser with the safe resolver (and the same extra float rule)."""


_FastLoader.add_implicit_resolver(*_FLOAT_RULE)


def _compose_fast(text: str, file: str) -> Documents | None:
    """The same node graphs by libyaml, about four times faster; None without libyaml,
    or when libyaml finds an error or a second document (the pure-Python parser then
    words it, at its place).

    libyaml composes nodes recursively in C, so nesting is counted first, from its
    stream of events, and refused past the limit as :class:`_Loader` refuses it.
    """
    if not yaml.__with_libyaml__:
        return None
    try:
        try:
            _check_nesting(_FastLoader(text), file)
        except yaml.MarkedYAMLError as exc:
            # libyaml's scanner runs ahead and stops at 1,000 levels of flow nesting:
            # the node past the limit lies before that point, so look for it there
            # (PyYAML's own scanner takes seconds over such a file).
            mark = exc.problem_mark
            if mark is None or "maximum nesting depth" not in str(exc.problem):
                raise
            _check_nesting(_FastLoader(text[: mark.index]), file)
            raise
        loader = _FastLoader(text)
        try:
            docs: Documents = []
            while loader.check_node():
                docs.append((loader.get_node(), None))
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return None
    # a second document is refused where it starts, which the slower parser marks
    return docs if sum(node is not None for node, _ in docs) <= 1 else None


def _check_nesting(events: Any, file: str) -> None:
    """Refuse a node nested deeper than the limit, at the node (as :class:`_Loader`)."""
    depth = 0
    while events.check_event():
        event = events.get_event()
        if isinstance(event, yaml.NodeEvent) and depth + 1 > _MAX_NESTING:
            raise _too_deep(file, event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _unprintable(text: str, exc: yaml.reader.ReaderError, file: str) -> ScenarioError:
    """The error for a character YAML does not allow anywhere, even in a comment.

    PyYAML checks the whole text before parsing and reports the offset of the
    first such character (a control character other than tab and line breaks,
    DEL, a C1 control, or a non-character).
    """
    at = int(exc.position)
    line = text.count("\n", 0, at) + 1
    col = at - text.rfind("\n", 0, at)
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character))
    kind = "a control character" if unicodedata.category(chr(code)) == "Cc" else "a character"
    return ScenarioError(
        f"expected printable text, found U+{code:04X}, {kind} that YAML does not allow "
        "anywhere in a file, comments included",
        file=file,
        line=line,
        col=col,
    )


def _check_expanded_size(root: yaml.Node, file: str) -> None:
    """Refuse alias bombs and self-containing aliases before expanding anything.

    An alias is a second reference to a node, so a ten-line file of aliases
    to aliases can stand for a billion values. Sizes are counted once per
    node (post-order, memoised), so the check itself stays linear in the file.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > _MAX_VALUES:
                raise _error_at_mark(
                    f"expected at most {_MAX_VALUES:,} values once aliases (*name) are "
                    f"expanded, found {total:,} or more",
                    file,
                    node.start_mark,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _error_at_mark(
                "an alias refers to a value that contains it; expected a tree of values",
                file,
                node.start_mark,
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children) if id(child) not in sizes)


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def _where(self, node: yaml.Node) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": node.start_mark.line + 1,
            "col": node.start_mark.column + 1,
        }

    def convert(self, node: yaml.Node, depth: int, stack: tuple[int, ...]) -> YNode:
        self.count += 1
        if self.count > _MAX_VALUES:
            raise ScenarioError(
                f"more than {_MAX_VALUES:,} values after expanding aliases", **self._where(node)
            )
        if depth > _MAX_NESTING:
            raise ScenarioError(
                f"values nested more than {_MAX_NESTING} levels deep", **self._where(node)
            )
        if id(node) in stack:
            raise ScenarioError("an alias refers to a value that contains it", **self._where(node))
        if node.tag not in _CORE_TAGS:
            raise ScenarioError(
                f"YAML tag {node.tag!r} is not allowed in a scenario", **self._where(node)
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        inner = (*stack, id(node))
        if isinstance(node, yaml.SequenceNode):
            items = tuple(self.convert(item, depth + 1, inner) for item in node.value)
            return YSeq(items=items, **self._where(node))
        return self._mapping(node, depth, inner)

    def _scalar(self, node: yaml.ScalarNode) -> YScalar:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"bad scalar: {exc}", **self._where(node)) from None
        return YScalar(
            value=value,
            raw=node.value,
            style=node.style,
            end_line=node.end_mark.line + 1,
            **self._where(node),
        )

    def _mapping(self, node: yaml.Node, depth: int, inner: tuple[int, ...]) -> YMap:
        pairs: list[tuple[YScalar, YNode]] = []
        index: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScenarioError(
                    "mapping keys must be plain names, found a "
                    + ("list" if isinstance(key_node, yaml.SequenceNode) else "mapping"),
                    **self._where(key_node),
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioError(
                    "YAML merge keys (<<) are not supported in scenarios",
                    **self._where(key_node),
                )
            key = self.convert(key_node, depth + 1, inner)
            if not isinstance(key, YScalar):  # pragma: no cover - checked above
                raise key.error("mapping keys must be plain names")
            if key.raw in index:
                first = pairs[index[key.raw]][0]
                raise key.error(
                    f"duplicate key {key.raw!r}; expected each key once in a mapping (first "
                    f"given at line {first.line}, column {first.col})"
                )
            index[key.raw] = len(pairs)
            pairs.append((key, self.convert(value_node, depth + 1, inner)))
        return YMap(items=tuple(pairs), _index=index, **self._where(node))
