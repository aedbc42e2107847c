"""The result protocol: what every computation's result offers, and its summary tables.

Every result object of escalade (a solution, a simulation, a policy
comparison, an exploration and the analyses of one) answers the same four
calls, so a script, a notebook or the command line handles them alike:

=====================================  ==========================================
``summary(*, max_rows=...)``           a :class:`Summary`: heading, notes, tables;
                                       ``str()`` is text, ``.html()`` HTML
``to_frame()``                         a pandas DataFrame (its rows say which)
``to_dict()``                          a dict of plain values for :func:`json.dumps`
                                       (str, int, float, bool, None, lists,
                                       dicts; never NaN)
``_repr_html_()``                      the summary as HTML, for notebooks
=====================================  ==========================================

``max_rows`` caps the rows of a summary's long tables (each result says
which: the strategies of a large game, the parameters of a sensitivity
analysis, ...); a table cut short ends with a row saying how many more
there are, and ``None`` shows every row. :class:`Result` states the protocol for type
checkers; :class:`ResultMixin` gives a class ``_repr_html_`` from its
``summary``; :func:`json_dict` (for ``to_dict``) and :func:`clip_rows`
(for ``summary``) are the helpers most results need. The summary machinery lives here, at the
bottom of the package, so that every layer can build summaries.

Examples
--------
>>> table = Table("Payoffs", ("player", "payoff"), (("A", "1.0"), ("B", "-1.0")))
>>> print(Summary("A game", ("One draw.",), (table,)))
A game
One draw.
<BLANKLINE>
Payoffs
player  payoff
------  ------
A          1.0
B         -1.0
<BLANKLINE>
>>> json_ready({"p": float("nan"), "lam": float("inf"), "n": (1, 2)})
{'p': None, 'lam': 'inf', 'n': [1, 2]}
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from escalade.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Result",
    "ResultMixin",
    "Summary",
    "Table",
    "clip_rows",
    "json_dict",
    "json_ready",
]

Row = tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A small table of text cells, rendered as text or HTML.

    Attributes
    ----------
    title : str
    header : tuple of str
    rows : tuple of tuple of str
    align : str
        One letter per column, ``l`` or ``r``; default: the first column
        left, the others right.

    Examples
    --------
    >>> t = Table("T", ("a", "b"), (("x", "1"),))
    >>> print(t.text())
    T
    a  b
    -  -
    x  1
    >>> t.html().startswith("<table><caption>T</caption>")
    True
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    align: str = ""

    def _align(self) -> str:
        return self.align or "l" + "r" * (len(self.header) - 1)

    def text(self) -> str:
        """Plain-text rendering with aligned columns."""
        cells = [self.header, *self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.header))]
        align = self._align()

        def fmt(row: Row) -> str:
            return "  ".join(
                c.ljust(w) if a == "l" else c.rjust(w)
                for c, w, a in zip(row, widths, align, strict=False)
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([self.title, fmt(self.header), rule, *(fmt(r) for r in self.rows)])

    def html(self) -> str:
        """HTML rendering (a ``<table>`` with a caption)."""
        style = {"l": "left", "r": "right"}
        align = self._align()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{style[a]}">{html.escape(c)}</td>'
                for c, a in zip(r, align, strict=False)
            )
            + "</tr>"
            for r in self.rows
        )
        return (
            f"<table><caption>{html.escape(self.title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


@dataclass(frozen=True)
class Summary:
    """A result's summary: a heading, notes and tables, as text (``str()``) or HTML.

    Attributes
    ----------
    heading : str
    notes : tuple of str
    tables : tuple of Table

    Examples
    --------
    >>> Summary("Title", ("a note",), ()).html()
    "<div class='escalade-summary'><h4>Title</h4><p>a note</p></div>"
    """

    heading: str
    notes: tuple[str, ...]
    tables: tuple[Table, ...]

    def __str__(self) -> str:
        parts = [self.heading, *self.notes, ""]
        for t in self.tables:
            parts += [t.text(), ""]
        return "\n".join(parts).rstrip() + "\n"

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return (
            f"<div class='escalade-summary'><h4>{html.escape(self.heading)}</h4>{notes}"
            + "".join(t.html() for t in self.tables)
            + "</div>"
        )

    def html(self) -> str:
        """The summary as an HTML fragment."""
        return self._repr_html_()


@runtime_checkable
class Result(Protocol):
    """What every result object offers (see the module docstring).

    Examples
    --------
    >>> import escalade
    >>> isinstance(escalade.solve("iig", method="spe"), Result)
    True
    """

    def summary(self, *, max_rows: int | None = ...) -> Summary:
        """Heading, notes and tables; each table shows at most ``max_rows`` rows."""
        ...

    def to_frame(self) -> pd.DataFrame:
        """The result as a pandas DataFrame."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The result as plain values, ready for :func:`json.dumps` (no NaN)."""
        ...

    def _repr_html_(self) -> str: ...


class ResultMixin:
    """Gives a result class ``_repr_html_`` (notebooks) from its ``summary()``.

    Examples
    --------
    >>> class Answer(ResultMixin):
    ...     def summary(self, *, max_rows=None):
    ...         return Summary("42", (), ())
    >>> Answer()._repr_html_()
    "<div class='escalade-summary'><h4>42</h4></div>"
    """

    def _repr_html_(self: Result) -> str:
        return self.summary().html()


def clip_rows(
    rows: Sequence[Row], max_rows: int | None, total: int | None = None
) -> tuple[Row, ...]:
    """At most ``max_rows`` rows, then a row saying how many more there are.

    Parameters
    ----------
    rows : sequence of tuple of str
        The rows, or their first ones when ``total`` is given.
    max_rows : int or None
        ``None`` keeps every row.
    total : int, optional
        How many rows there are in all (default ``len(rows)``), for a
        caller that built only the first ``max_rows`` of many.

    Examples
    --------
    >>> clip_rows([("a", "1"), ("b", "2"), ("c", "3")], 2)
    (('a', '1'), ('b', '2'), ('...', '1 more'))
    >>> clip_rows([("a", "1"), ("b", "2")], 2, total=40)
    (('a', '1'), ('b', '2'), ('...', '38 more'))
    """
    if max_rows is not None and (isinstance(max_rows, bool) or max_rows < 0):
        raise ParameterError(f"max_rows must be a non-negative integer or None, found {max_rows}")
    total = len(rows) if total is None else total
    if max_rows is None or total <= max_rows:
        return tuple(rows)
    width = len(rows[0]) if rows else 2
    more: Row = ("...", f"{total - max_rows} more", *([""] * (width - 2)))
    return (*rows[:max_rows], more[:width])


def json_ready(value: Any) -> Any:
    """``value`` as plain Python values that :func:`json.dumps` writes as strict JSON.

    Mappings become dicts with string keys, tuples, lists and arrays
    become lists, numpy scalars Python ones; NaN becomes ``None`` (a
    value not defined) and an infinity the string ``"inf"`` or ``"-inf"``
    (strict JSON has neither).

    Examples
    --------
    >>> import numpy as np
    >>> json_ready({1: np.float64(0.5), "ok": np.bool_(True), "x": np.array([1, 2])})
    {'1': 0.5, 'ok': True, 'x': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        if math.isnan(x):
            return None
        return x if math.isfinite(x) else ("inf" if x > 0 else "-inf")
    return value


def json_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping as a dict of plain values (see :func:`json_ready`): what ``to_dict`` returns.

    Examples
    --------
    >>> json_dict({"share": float("nan"), "worlds": (1, 2)})
    {'share': None, 'worlds': [1, 2]}
    """
    return {str(k): json_ready(v) for k, v in data.items()}
