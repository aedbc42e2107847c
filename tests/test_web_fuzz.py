"""The workbench's API fuzzed from its own OpenAPI description (schemathesis): whatever a
client sends, within the description or not, the server answers without a 500.

Hypothesis generates path ids, bodies (valid against the schemas and
not), headers and query strings for every route, a bounded number of
cases each; schemathesis calls the ASGI application in-process and
checks that no answer is a server error.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from escalade.web import create_app

# the fuzz's own folders: schemathesis starts and stops the application more than once
_folder = tempfile.TemporaryDirectory(prefix="escalade-fuzz-", ignore_cleanup_errors=True)
app = create_app(runs=Path(_folder.name) / "runs", games=Path(_folder.name) / "games.sqlite")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_server_fail(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
