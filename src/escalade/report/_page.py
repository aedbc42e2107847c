"""The HTML page shell shared by every report: inline CSS, no scripts, no network."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["page", "table"]

_CSS = """
:root { --ink:#1b1f24; --muted:#5b6470; --line:#d8dde3; --accent:#1f4e79; --bg:#fbfcfd; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color:var(--ink); background:var(--bg); }
header { background:var(--accent); color:white; padding:28px 40px 22px; }
header h1 { margin:0 0 6px; font-size:26px; font-weight:600; }
header p { margin:0; opacity:.9; max-width:70em; }
main { max-width:1180px; margin:0 auto; padding:10px 40px 60px; }
section { margin:28px 0; }
h2 { font-size:20px; margin:0 0 10px; color:var(--accent); border-bottom:1px solid var(--line);
     padding-bottom:4px; }
h3 { font-size:16px; margin:18px 0 6px; }
.answer { background:white; border:1px solid var(--line); border-left:5px solid var(--accent);
          padding:14px 22px; border-radius:4px; }
.answer p { margin:8px 0; }
table { border-collapse:collapse; width:100%; font-size:13px; background:white; }
th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:right;
         vertical-align:top; }
th.text { text-align:left; }
th { background:#eef2f6; font-weight:600; position:sticky; top:0; }
td:first-child, th:first-child { text-align:left; }
td.text, th.text { text-align:left; }
.scroll { overflow-x:auto; }
.swatch { display:inline-block; width:10px; height:10px; margin-right:6px; border-radius:2px; }
svg.chart { width:100%; height:auto; max-width:1100px; display:block; margin:8px 0; }
.treebox { overflow-x:auto; background:white; border:1px solid var(--line);
           border-radius:4px; margin:6px 0 14px; }
svg.tree { display:block; max-width:none; }
details { margin:8px 0; }
summary { cursor:pointer; color:var(--accent); }
code { background:#eef2f6; padding:1px 4px; border-radius:3px; }
.method { color:var(--muted); font-size:14px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
@media print { header { background:white; color:black; } th { position:static; } }
"""


def _e(text: Any) -> str:
    """``text`` as HTML-escaped text."""
    return html.escape(str(text))


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    escape: bool = True,
    raw_first: bool = False,
) -> str:
    """An HTML table; cells are escaped unless ``escape=False`` (or the first column
    when ``raw_first``), in which case they must already be safe HTML.

    Examples
    --------
    >>> table(["a", "b"], [["<x>", "1"]])[:38]
    '<div class="scroll"><table><thead><tr>'
    """

    def numeric(value: str) -> bool:
        return (
            value.replace(".", "", 1)
            .replace("%", "")
            .replace("-", "", 1)
            .replace("+", "", 1)
            .replace(" ", "")
            .replace("±", "")
            .isdigit()
        )

    def cell(value: str, first: bool) -> str:
        text = value if (not escape or (first and raw_first)) else html.escape(value)
        cls = "" if first or numeric(value) else ' class="text"'
        return f"<td{cls}>{text}</td>"

    # a column of text gets a left-aligned heading, like its cells
    text_cols = {
        i
        for i in range(len(header))
        if i == 0 or (rows and not numeric(str(rows[0][i]) if i < len(rows[0]) else ""))
    }
    left = ' class="text"'
    head = "".join(
        "<th" + (left if i in text_cols else "") + f">{html.escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(cell(c, i == 0) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div>"
    )


def page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    """A complete, self-contained HTML document.

    Examples
    --------
    >>> page("T", "s", ["<p>x</p>"]).startswith("<!DOCTYPE html>")
    True
    """
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>"
        f"<main>{''.join(sections)}</main>"
        "<footer>Made with escalade. Self-contained page: no scripts, no network.</footer>"
        "</body></html>\n"
    )
