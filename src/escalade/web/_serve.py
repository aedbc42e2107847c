"""Run the workbench with uvicorn, on this machine only unless told otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LOCAL_HOSTS", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Hosts that only this machine can reach.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def serve(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    runs: str | Path | None = None,
    scenarios: str | Path | None = None,
    say: Callable[[str], None] | None = None,
) -> None:
    """Serve the workbench until interrupted.

    Parameters
    ----------
    host : str
        Address to bind (default ``127.0.0.1``: this machine only).
    port : int
    runs : path, optional
        The run store's folder.
    scenarios : path, optional
        A folder of scenario files to offer.
    say : callable, optional
        Receives the line saying where the workbench listens.
    """
    import uvicorn

    from escalade.web._app import create_app
    from escalade.web._limits import Limits

    hosts = Limits().hosts if host in LOCAL_HOSTS else (*Limits().hosts, host)
    app = create_app(scenarios=scenarios, runs=runs, limits=Limits(hosts=hosts))
    shown = f"[{host}]" if ":" in host else host
    where = "this machine only" if host in LOCAL_HOSTS else "every machine that can reach it"
    if say is not None:
        say(f"escalade workbench on http://{shown}:{port}/ (bound to {host}: {where})")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
