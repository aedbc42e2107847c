"""The OpenAPI 3.1 description of the workbench, built from its route table.

Each route's summary is the first line of its handler's docstring, its
path parameters are ids (the pattern every handler checks), and its body
schema is the one the route declares. HTML pages are described too, as
``text/html`` answers, so that a client (or a fuzzer) sees every route.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from escalade._version import __version__
from escalade.web._html import layout, rows_table
from escalade.web._http import ID_PATTERN

__all__ = ["api_page", "openapi"]

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}


def _operation(route: Any) -> dict[str, Any]:
    doc = (route.handler.__doc__ or "").strip().splitlines()
    media = "text/html" if route.html else "application/json"
    ok: dict[str, Any] = {"description": "OK", "content": {media: {"schema": {}}}}
    if not route.html:
        ok["content"][media]["schema"] = {"type": "object"}
    status = "201" if route.handler.__name__ == "upload_json" else "200"
    if route.handler.__name__ == "job_create":
        status = "202"
    op: dict[str, Any] = {
        "summary": doc[0] if doc else route.path,
        "operationId": route.handler.__name__,
        "tags": [route.tag],
        "responses": {
            status: ok,
            "400": {"description": "Bad request", "content": {media: {"schema": {}}}},
            "404": {"description": "Not found", "content": {media: {"schema": {}}}},
            "413": {"description": "Request too large"},
        },
    }
    if not route.html:
        for code in ("400", "404"):
            op["responses"][code]["content"][media]["schema"] = _ERROR
    params = [
        {
            "name": n,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": ID_PATTERN},
        }
        for n in re.findall(r"{(\w+)}", route.path)
    ]
    params += [
        {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
        for q in route.query
    ]
    params += route.extra.get("parameters", [])
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": route.body_type != "application/json" or route.method == "POST",
            "content": {route.body_type: {"schema": route.body}},
        }
    return op


def openapi(routes: Sequence[Any]) -> dict[str, Any]:
    """The OpenAPI description of ``routes``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "escalade workbench",
            "version": __version__,
            "description": "Every HTML page of the workbench and its JSON twin under /api.",
        },
        "paths": paths,
    }


def api_page(spec: dict[str, Any]) -> str:
    """The routes of ``spec`` as a table."""
    rows = [
        (method.upper(), path, op["summary"])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]
    body = (
        "<p>The OpenAPI description: <a href='/openapi.json'>/openapi.json</a>.</p>"
        + rows_table(("method", "path", "what"), rows)
        + "<p>JSON routes answer errors as <code>{&quot;error&quot;: message}</code>.</p>"
    )
    return layout("API", body, page="api", twin="/openapi.json")
