"""What every route shares: errors as responses, JSON bodies, running library calls.

A route's handler calls the library through :func:`compute` (in a worker
thread, so the server keeps answering) and lets errors out: an
:class:`~escalade.errors.EscaladeError` becomes 400 with its message
(404 when it says an id is unknown), anything else 500 with no detail
(the traceback goes to the server's log, never to the client).
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from escalade._results import json_ready
from escalade.errors import EscaladeError, ParameterError
from escalade.web._html import e, layout

__all__ = [
    "NotFound",
    "Unauthorized",
    "compute",
    "guarded",
    "json_body",
    "json_response",
    "path_id",
]

T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]

#: Ids in paths: scenario ids, job ids, run folder names, game and seat names.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$"
_ID = re.compile(ID_PATTERN)


class NotFound(Exception):
    """A path names nothing this server has (404)."""


class Unauthorized(Exception):
    """A seat or umpire token is missing or wrong (403)."""


def path_id(request: Request, name: str) -> str:
    """A path parameter that must be an id (letters, digits, ``_ . -``)."""
    value = str(request.path_params[name])
    if not _ID.match(value) or ".." in value:
        raise NotFound(f"{name} {value!r} is not an id")
    return value


async def compute(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a library call in a worker thread; a request over its time limit abandons it."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(
        partial(function, *args, **kwargs), abandon_on_cancel=True
    )


async def json_body(request: Request, *, required: bool = True) -> Any:
    """The request's JSON body; it must say ``application/json`` (a cross-site form cannot)."""
    raw = await request.body()
    if not raw and not required:
        return None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ParameterError(
            f"expected a JSON body (content-type application/json), found {kind!r}"
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ParameterError("the request body is not valid JSON") from None


def json_response(data: Any, status: int = 200, *, plain: bool = False) -> JSONResponse:
    """``data`` as strict JSON (NaN and infinities spelled out); ``plain`` when it holds
    plain values already (a ``to_dict``), so they are not walked again."""
    return JSONResponse(data if plain else json_ready(data), status_code=status)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or not (path.startswith("/api/") or path == "/openapi.json")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_html(request):
        body = f"<p class='error' role='alert'>{e(message)}</p><p><a href='/'>Scenarios</a></p>"
        return HTMLResponse(layout("Not possible", body), status_code=status)
    return JSONResponse({"error": message}, status_code=status)


def guarded(handler: Handler) -> Handler:
    """``handler`` with errors turned into responses (see the module docstring)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except NotFound as exc:
            return _error(request, 404, str(exc))
        except Unauthorized as exc:
            return _error(request, 403, str(exc))
        except EscaladeError as exc:
            text = str(exc)
            status = 404 if text.startswith("no ") and " with id " in text else 400
            return _error(request, status, text)
        except MemoryError:
            return _error(request, 400, "not enough memory for this request")
        except Exception:
            traceback.print_exc()
            return _error(request, 500, "internal error; this is a bug in escalade")

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped
