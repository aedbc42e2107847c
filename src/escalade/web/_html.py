"""HTML for the workbench's pages: one layout, escaped text, the page's data as JSON.

Pages are rendered on the server from the same dicts as their JSON twins
(``/api/...``); the few that move (what-if, jobs, wargame seats) also
embed their data and are updated by the vendored script
(``static/escalade.js``), which fetches the JSON twins. Nothing is loaded
from anywhere but this server.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

from escalade._version import __version__

__all__ = ["e", "layout", "link", "rows_table"]


def e(value: Any) -> str:
    """``value`` as escaped HTML text."""
    return html.escape(str(value), quote=True)


def link(href: str, text: Any) -> str:
    """A link to a path of this server (``href`` built by the server, escaped anyway)."""
    return f'<a href="{e(href)}">{e(text)}</a>'


def rows_table(header: Sequence[str], rows: Iterable[Sequence[str]], *, raw: bool = False) -> str:
    """A table; cells are escaped unless ``raw`` (cells already HTML built here)."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else e(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def layout(title: str, body: str, *, data: Any = None, page: str = "", twin: str = "") -> str:
    """A whole page: header with navigation, ``body``, the page's data for the script.

    ``data`` is embedded as JSON in a ``<script type="application/json">``
    element (not executed; ``<`` escaped so no text can close it), and
    ``twin`` is the path of the page's JSON twin, linked from the footer.
    """
    payload = ""
    if data is not None:
        text = json.dumps(data, allow_nan=False).replace("<", "\\u003c")
        payload = f'<script type="application/json" id="page-data">{text}</script>'
    twin_link = f' · <a href="{e(twin)}">this page as JSON</a>' if twin else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)} · escalade</title>"
        "<link rel='stylesheet' href='/static/escalade.css'></head>"
        f"<body data-page='{e(page)}'><header><nav>"
        "<a class='brand' href='/'>escalade</a> <a href='/'>Scenarios</a> "
        "<a href='/jobs'>Jobs</a> <a href='/runs'>Runs</a> <a href='/games'>Wargames</a> "
        "<a href='/api'>API</a></nav>"
        f"<h1>{e(title)}</h1></header><main>{body}</main>"
        f"<footer>escalade {e(__version__)} · local workbench{twin_link}</footer>"
        f"{payload}<script src='/static/escalade.js'></script></body></html>"
    )
