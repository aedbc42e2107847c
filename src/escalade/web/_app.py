"""The workbench application: its routes, each an HTML page or its JSON twin.

:func:`create_app` builds the Starlette application from :data:`ROUTES`,
the one table that also gives the OpenAPI description
(``/openapi.json``): a route's path, method, handler, summary and the
schema of its body. The handlers are thin: each reads the request,
calls one library function through the web layer's views, and renders.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from escalade.scenario import FORESIGHT
from escalade.web import _scenarios as sc
from escalade.web import _work as work
from escalade.web._catalog import Catalog
from escalade.web._games import GAME_ROUTES, TOKEN_PARAMETER, open_games
from escalade.web._http import NotFound, compute, guarded, json_body, json_response, path_id
from escalade.web._jobs import Jobs, check_options
from escalade.web._limits import Limits, LimitsMiddleware

__all__ = ["ROUTES", "Endpoint", "Workbench", "create_app"]


@dataclass
class Workbench:
    """What one server holds: its scenarios, jobs, run store and wargames."""

    catalog: Catalog
    runs: Path
    jobs: Jobs
    games: Any = None
    scratch: Any = None


def _bench(request: Request) -> Workbench:
    bench: Workbench = request.app.state.bench
    return bench


# ---------------------------------------------------------------- scenarios
async def scenarios_html(request: Request) -> Response:
    """The scenario list."""
    return HTMLResponse(sc.scenarios_page(sc.scenario_list(_bench(request).catalog)))


async def scenarios_json(request: Request) -> Response:
    """The scenario list as JSON."""
    return json_response(sc.scenario_list(_bench(request).catalog))


async def upload_json(request: Request) -> Response:
    """Open a scenario from its YAML text (body, ``application/yaml``); returns its id."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/yaml", "application/x-yaml"):
        from escalade.errors import ParameterError

        raise ParameterError(f"expected YAML text (content-type application/yaml), found {kind!r}")
    data = await request.body()
    sid = await compute(_bench(request).catalog.upload, data)
    return json_response({"id": sid}, status=201)


async def scenario_html(request: Request) -> Response:
    """One scenario."""
    data = await compute(sc.scenario_data, _bench(request).catalog, path_id(request, "sid"))
    return HTMLResponse(sc.scenario_page(data))


async def scenario_json(request: Request) -> Response:
    """One scenario as JSON: check, claims, parameters with ranges, levers, policies."""
    return json_response(
        await compute(sc.scenario_data, _bench(request).catalog, path_id(request, "sid"))
    )


async def whatif_html(request: Request) -> Response:
    """The what-if page at the nominal values."""
    from escalade.analysis import controls

    bench, sid = _bench(request), path_id(request, "sid")
    scenario = await compute(bench.catalog.scenario, sid)
    data = await compute(sc.whatif_data, bench.catalog, sid, sc.whatif_request({}))
    return HTMLResponse(sc.whatif_page(sid, controls(scenario), data))


async def whatif_get(request: Request) -> Response:
    """The what-if at the nominal values, free play."""
    bench, sid = _bench(request), path_id(request, "sid")
    data = await compute(sc.whatif_data, bench.catalog, sid, sc.whatif_request({}))
    return json_response(data, plain=True)


async def whatif_post(request: Request) -> Response:
    """The what-if at given values, levers, policy, state and lambda."""
    bench, sid = _bench(request), path_id(request, "sid")
    options = sc.whatif_request(await json_body(request, required=False))
    return json_response(await compute(sc.whatif_data, bench.catalog, sid, options), plain=True)


# ---------------------------------------------------------------- jobs and runs
async def jobs_html(request: Request) -> Response:
    """The jobs, and a form to start one."""
    bench = _bench(request)
    chosen = request.query_params.get("scenario")
    ids = [x.id for x in bench.catalog.entries()]
    jobs = [j.to_dict() for j in bench.jobs.all()]
    return HTMLResponse(work.jobs_page(jobs, ids, chosen if chosen in ids else None))


async def jobs_json(request: Request) -> Response:
    """Every job, newest first."""
    return json_response({"jobs": [j.to_dict() for j in _bench(request).jobs.all()]})


async def job_create(request: Request) -> Response:
    """Start a job: ``{"kind", "scenario", "options"}``."""
    from escalade.errors import ParameterError

    bench = _bench(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("scenario"), str):
        raise ParameterError("expected an object with kind, scenario and options")
    kind = body.get("kind")
    options = check_options(str(kind), body.get("options", {}))
    await compute(bench.catalog.scenario, body["scenario"])  # an unknown id fails here
    job = bench.jobs.submit(str(kind), body["scenario"], options)
    return json_response(job.to_dict(), status=202)


async def job_html(request: Request) -> Response:
    """One job: progress, cancel, result."""
    return HTMLResponse(work.job_page(_bench(request).jobs.get(path_id(request, "jid"))))


async def job_json(request: Request) -> Response:
    """One job's state, progress and result."""
    job = _bench(request).jobs.get(path_id(request, "jid"))
    return json_response({**job.to_dict(), "summary_html": job.summary_html})


async def job_cancel(request: Request) -> Response:
    """Cancel a job (it stops at its next progress step)."""
    return json_response(_bench(request).jobs.cancel(path_id(request, "jid")).to_dict())


async def job_report(request: Request) -> Response:
    """The report a job wrote (analyze, explore)."""
    job = _bench(request).jobs.get(path_id(request, "jid"))
    if job.report is None or not job.report.is_file():
        raise NotFound("this job has no report")
    return FileResponse(job.report, media_type="text/html")


async def runs_html(request: Request) -> Response:
    """The run store."""
    return HTMLResponse(work.runs_page(await compute(work.runs_data, _bench(request).runs)))


async def runs_json(request: Request) -> Response:
    """The run store's runs as JSON."""
    return json_response(await compute(work.runs_data, _bench(request).runs))


async def run_html(request: Request) -> Response:
    """One run."""
    root, rid = _bench(request).runs, path_id(request, "rid")
    data = await compute(work.run_data, root, rid)
    return HTMLResponse(work.run_page(data, work.report_path(root, rid) is not None))


async def run_json(request: Request) -> Response:
    """One run as JSON."""
    return json_response(
        await compute(work.run_data, _bench(request).runs, path_id(request, "rid"))
    )


def _pair(request: Request) -> tuple[str, str]:
    from escalade.errors import ParameterError

    a, b = request.query_params.get("a"), request.query_params.get("b")
    if not a or not b:
        raise ParameterError("name two runs: ?a=RUN&b=RUN")
    return a, b


async def compare_html(request: Request) -> Response:
    """Two runs side by side."""
    data = await compute(work.compare_data, _bench(request).runs, *_pair(request))
    return HTMLResponse(work.compare_page(data))


async def compare_json(request: Request) -> Response:
    """Two runs side by side as JSON; for two analyses, each policy's payoff in both."""
    return json_response(await compute(work.compare_data, _bench(request).runs, *_pair(request)))


async def run_report(request: Request) -> Response:
    """A run's report."""
    path = work.report_path(_bench(request).runs, path_id(request, "rid"))
    if path is None:
        raise NotFound("this run has no report")
    return FileResponse(path, media_type="text/html")


# ---------------------------------------------------------------- the rest
_STATIC = {"escalade.js": "text/javascript", "escalade.css": "text/css"}


async def static(request: Request) -> Response:
    """The vendored script and style sheet (looked up by name in a fixed table)."""
    name = str(request.path_params["name"])
    if name not in _STATIC:
        raise NotFound(f"no file {name!r}")
    text = (resources.files("escalade.web") / "static" / name).read_text(encoding="utf-8")
    return Response(text, media_type=_STATIC[name], headers={"cache-control": "no-cache"})


async def openapi_json(request: Request) -> Response:
    """This API's OpenAPI description."""
    from escalade.web._openapi import openapi

    return json_response(openapi(ROUTES))


async def api_html(request: Request) -> Response:
    """The API's routes, from the OpenAPI description."""
    from escalade.web._openapi import api_page, openapi

    return HTMLResponse(api_page(openapi(ROUTES)))


@dataclass(frozen=True)
class Endpoint:
    """One route: where, how, what it does, what it takes."""

    method: str
    path: str
    handler: Any
    body: dict[str, Any] | None = None
    body_type: str = "application/json"
    html: bool = False
    tag: str = "scenarios"
    query: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


_WHATIF = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "values": {"type": "object", "additionalProperties": {"type": ["number", "string"]}},
        "levers": {"type": "object", "additionalProperties": {"type": "number"}},
        "state": {"type": "object", "additionalProperties": {"type": "number"}},
        "policy": {"type": ["string", "null"]},
        "lam": {"type": ["number", "null"], "minimum": 0},
        "foresight": {
            "type": ["string", "null"],
            "enum": [*FORESIGHT, None],
            "description": "how the actors look ahead (default: the scenario's foresight); "
            "with any but myopic, the tree's probabilities are those simulate starts from",
        },
        "part": {
            "type": "string",
            "enum": list(sc.PARTS),
            "description": "all (default): the stage game, its tree drawn (svg) and the policy "
            "table (policies); stage: without the table (policies empty), the quick answer as "
            "a slider moves; table: the stage game and the table, no svg",
        },
        "rows": {
            "type": ["array", "null"],
            "items": {"type": "string"},
            "description": "the policy table's rows, by policy name (free play is free); "
            "default every policy",
        },
    },
}
_JOB = {
    "type": "object",
    "required": ["kind", "scenario"],
    "properties": {
        "kind": {"type": "string", "enum": ["analyze", "explore", "audit", "verify", "estimate"]},
        "scenario": {"type": "string"},
        "options": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}

ROUTES: list[Endpoint] = [
    Endpoint("GET", "/", scenarios_html, html=True),
    Endpoint("GET", "/api/scenarios", scenarios_json),
    Endpoint(
        "POST", "/api/scenarios", upload_json, body={"type": "string"}, body_type="application/yaml"
    ),
    Endpoint("GET", "/scenarios/{sid}", scenario_html, html=True),
    Endpoint("GET", "/api/scenarios/{sid}", scenario_json),
    Endpoint("GET", "/scenarios/{sid}/whatif", whatif_html, html=True, tag="what-if"),
    Endpoint("GET", "/api/scenarios/{sid}/whatif", whatif_get, tag="what-if"),
    Endpoint("POST", "/api/scenarios/{sid}/whatif", whatif_post, body=_WHATIF, tag="what-if"),
    Endpoint("GET", "/jobs", jobs_html, html=True, tag="jobs", query=("scenario",)),
    Endpoint("GET", "/api/jobs", jobs_json, tag="jobs"),
    Endpoint("POST", "/api/jobs", job_create, body=_JOB, tag="jobs"),
    Endpoint("GET", "/jobs/{jid}", job_html, html=True, tag="jobs"),
    Endpoint("GET", "/api/jobs/{jid}", job_json, tag="jobs"),
    Endpoint("POST", "/api/jobs/{jid}/cancel", job_cancel, tag="jobs"),
    Endpoint("GET", "/jobs/{jid}/report", job_report, html=True, tag="jobs"),
    Endpoint("GET", "/runs", runs_html, html=True, tag="runs"),
    Endpoint("GET", "/api/runs", runs_json, tag="runs"),
    Endpoint("GET", "/runs/compare", compare_html, html=True, tag="runs", query=("a", "b")),
    Endpoint("GET", "/api/runs/compare", compare_json, tag="runs", query=("a", "b")),
    Endpoint("GET", "/runs/{rid}", run_html, html=True, tag="runs"),
    Endpoint("GET", "/api/runs/{rid}", run_json, tag="runs"),
    Endpoint("GET", "/runs/{rid}/report", run_report, html=True, tag="runs"),
    Endpoint("GET", "/openapi.json", openapi_json, tag="api"),
    Endpoint("GET", "/api", api_html, html=True, tag="api"),
    Endpoint("GET", "/static/{name}", static, html=True, tag="api"),
]
ROUTES += [
    Endpoint(
        method,
        path,
        handler,
        body=body,
        html=is_html,
        tag="wargames",
        query=("token",) if "{gid}" in path else (),
        extra={"parameters": [TOKEN_PARAMETER]} if "{gid}" in path else {},
    )
    for method, path, handler, body, is_html in GAME_ROUTES
]


def create_app(
    *,
    scenarios: str | Path | None = None,
    runs: str | Path | None = None,
    games: str | Path | None = None,
    limits: Limits | None = None,
) -> Starlette:
    """The workbench as an ASGI application.

    Parameters
    ----------
    scenarios : path, optional
        A folder whose scenario files the workbench offers beside the bundled ones.
    runs : path, optional
        The run store's folder (jobs write there); default a temporary folder.
    games : path, optional
        The wargames' SQLite file; default ``wargames.sqlite`` in the run store's folder.
    limits : Limits, optional
        Request size and time limits, and the host names answered.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> with TestClient(create_app()) as client:
    ...     client.get("/api/scenarios").json()["scenarios"][0]["id"]
    'beer-quiche'
    """
    scratch = None
    if runs is None:
        scratch = tempfile.TemporaryDirectory(prefix="escalade-runs-", ignore_cleanup_errors=True)
        runs = scratch.name
    root = Path(runs)
    root.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(Path(scenarios) if scenarios is not None else None)
    bench = Workbench(catalog, root, Jobs(work.run_job(catalog, root)), scratch=scratch)
    bench.games = open_games(Path(games) if games is not None else root / "wargames.sqlite")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        bench.jobs.close()
        if scratch is not None:
            scratch.cleanup()

    routes = [Route(r.path, guarded(r.handler), methods=[r.method]) for r in ROUTES]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.bench = bench
    app.add_middleware(LimitsMiddleware, limits=limits or Limits())
    return app
