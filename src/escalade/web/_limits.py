"""Request limits and headers, as one ASGI middleware around the workbench.

- the ``Host`` header must name this machine (``127.0.0.1``, ``localhost``,
  ``[::1]`` or the host the server was bound to), which stops a web page
  elsewhere from reaching the server through DNS rebinding;
- a request body larger than ``max_body`` bytes is refused with 413,
  whether its ``Content-Length`` says so or it streams past the limit;
- a request that takes longer than ``timeout`` seconds is answered with
  503 (its computation is abandoned, not killed: the limit keeps the
  client from waiting, jobs are the place for long work);
- every response says not to sniff types and to be framed only by this
  server, and pages may load scripts and styles from this server only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Limits", "LimitsMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Pages: scripts and styles from this server only; style attributes for tables.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; "
    "form-action 'self'; connect-src 'self'"
)
#: Reports written by the library are whole pages with their own inline styles.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@dataclass(frozen=True)
class Limits:
    """What one request may send and take.

    Attributes
    ----------
    max_body : int
        Bytes of request body.
    timeout : float
        Seconds until the server answers 503.
    hosts : tuple of str
        Host names (without port) the ``Host`` header may give.
    """

    max_body: int = 512_000
    timeout: float = 30.0
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "testserver")


class LimitsMiddleware:
    """Applies :class:`Limits` to every HTTP request of ``app``."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.limits.hosts:
            await _plain(send, 421, "this server answers to its own host name only")
            return
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > self.limits.max_body:
            await _plain(send, 413, f"request body larger than {self.limits.max_body} bytes")
            return
        await self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        import anyio

        body = await self._read_body(receive)
        if body is None:
            await _plain(send, 413, f"request body larger than {self.limits.max_body} bytes")
            return
        replayed = False
        started = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def headed_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                path = scope.get("path", "")
                csp = REPORT_CSP if path.endswith("/report") else CSP
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"SAMEORIGIN"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"content-security-policy", csp.encode()),
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        with anyio.move_on_after(self.limits.timeout) as cancel:
            await self.app(scope, replay, headed_send)
        if cancel.cancelled_caught and not started:
            await _plain(send, 503, f"the request took longer than {self.limits.timeout:g} s")

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole request body, or None once it passes the limit."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limits.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _plain(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
