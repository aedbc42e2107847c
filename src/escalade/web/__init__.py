"""The local web workbench: scenarios, what-if, jobs, run store (``escalade serve``).

A thin layer over the library, beside the command line: every page calls
library functions and renders their results, and every HTML page has a
JSON twin under ``/api`` described by ``/openapi.json``. It needs the
``web`` extra (``pip install 'escalade[web]'``: Starlette and uvicorn);
its script and styles are part of the package, so nothing is fetched.

Examples
--------
>>> from starlette.testclient import TestClient
>>> from escalade.web import create_app
>>> with TestClient(create_app()) as client:
...     client.get("/api/scenarios/iig").json()["check"]["ok"]
True
"""

from escalade.web._app import create_app
from escalade.web._limits import Limits
from escalade.web._serve import DEFAULT_HOST, DEFAULT_PORT, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Limits", "create_app", "serve"]
