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
            raise ScenarioError("this is a binary file, not a YAML scenario", file=file)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise ScenarioError(
                "file is not UTF-8 text (binary or another encoding)",
                file=file,
                line=line,
                col=col,
            ) from None
    else:
        text = data
    if not text.strip():
        raise ScenarioError("file is empty; expected a YAML scenario", file=file)
    if "\x00" in text:
        raise ScenarioError("this is a binary file, not a YAML scenario", file=file)
    try:
        docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "malformed YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise ScenarioError(
            f"YAML syntax error: {problem}",
            file=file,
            line=(mark.line + 1) if mark else None,
            col=(mark.column + 1) if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML syntax error: {exc}", file=file) from None
    except RecursionError:
        raise ScenarioError("YAML is nested too deeply to be a scenario", file=file) from None
    docs = [d for d in docs if d is not None]
    if not docs:
        raise ScenarioError("file holds no YAML document", file=file)
    if len(docs) > 1:
        m = docs[1].start_mark
        raise ScenarioError(
            "file holds several YAML documents; a scenario is one document",
            file=file,
            line=m.line + 1,
            col=m.column + 1,
        )
    return _Converter(file).convert(docs[0], 0, ())


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
        inner = (*stack, id(node))
        if isinstance(node, yaml.SequenceNode):
            items = tuple(self.convert(item, depth + 1, inner) for item in node.value)
            return YSeq(items=items, **self._where(node))
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
                raise key.error(f"duplicate key {key.raw!r} (first given at line {first.line})")
            index[key.raw] = len(pairs)
            pairs.append((key, self.convert(value_node, depth + 1, inner)))
        return YMap(items=tuple(pairs), _index=index, **self._where(node))
