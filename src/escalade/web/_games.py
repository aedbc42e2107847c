"""Wargame routes: create a game, play a seat, umpire it, read the after-action report.

Every read of a seat's view and every order needs that seat's token
(``X-Token`` header, or ``?token=`` in the join link that opens the
page); the umpire's view and rulings need the umpire's token; the
after-action report needs any token of the game, and until the game is
over only the umpire's (it shows every actor's choices). A period is
adjudicated when every person's seat has given orders, when its
deadline has passed (checked whenever the game is looked at; seats
without orders are then played by the model), or when the umpire steps
or overrides it; a paused game waits for the umpire.
"""

from __future__ import annotations

import html
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from escalade.errors import ParameterError
from escalade.scenario import FORESIGHT
from escalade.wargame import Setup, after_action, seat_view, umpire_view
from escalade.web._game_store import GameStore
from escalade.web._html import e, layout, rows_table
from escalade.web._http import Unauthorized, compute, json_body, json_response, path_id
from escalade.web._scenarios import foresight_option

__all__ = ["GAME_ROUTES", "game_body", "open_games"]

#: Shortest and longest deadline per period, seconds.
DEADLINES = (10.0, 7 * 24 * 3600.0)


def open_games(path: Any) -> GameStore:
    """The game store of a server."""
    return GameStore(path)


def _store(request: Request) -> GameStore:
    store: GameStore = request.app.state.bench.games
    return store


def _token(request: Request) -> str | None:
    return request.headers.get("x-token") or request.query_params.get("token")


def _number(body: dict[str, Any], key: str, low: float, high: float, *, whole: bool) -> Any:
    """``body[key]`` (or None when absent), a number in ``[low, high]``."""
    value = body.get(key)
    if value is None:
        return None
    kinds = int if whole else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        what = "a whole number" if whole else "a number"
        raise ParameterError(f"{key} must be {what} from {low:g} to {high:g}, found {value!r}")
    return value


def game_body(body: Any, actors: tuple[str, ...]) -> tuple[Setup, float | None]:
    """A new game's setup and deadline from a request body, checked.

    Examples
    --------
    >>> game_body({"scenario": "iig", "humans": ["A"], "seed": 2}, ("A", "B"))[0].seed
    2
    """
    if not isinstance(body, dict):
        raise ParameterError("expected an object with scenario and humans")
    allowed = {"scenario", "humans", "seed", "lam", "periods", "deadline", "levers", "foresight"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ParameterError(
            f"unknown game option(s) {unknown}; expected some of {sorted(allowed)}"
        )
    humans = body.get("humans")
    if not isinstance(humans, list) or not humans or not all(h in actors for h in humans):
        raise ParameterError(f"humans must be a list of actors among {list(actors)}")
    if len(set(humans)) != len(humans):
        raise ParameterError("each actor has one seat")
    levers = body.get("levers") or {}
    if not isinstance(levers, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in levers.values()
    ):
        raise ParameterError("levers must be an object of numbers")
    setup = Setup(
        humans=tuple(humans),
        seed=_number(body, "seed", 0, 2**31 - 1, whole=True) or 0,
        levers=levers,
        lam=_number(body, "lam", 0, 1e6, whole=False),
        periods=_number(body, "periods", 1, 100, whole=True),
        foresight=foresight_option(body),
    )
    deadline = _number(body, "deadline", *DEADLINES, whole=False)
    return setup, None if deadline is None else float(deadline)


def _due(store: GameStore, gid: str) -> None:
    """Adjudicate the current period if everyone has ordered or the deadline has passed."""
    info = store.info(gid)
    wargame = store.load(gid)
    if info.paused or wargame.finished:
        return
    submitted = store.submitted(gid, wargame.period)
    if set(submitted) >= set(info.setup.humans):
        store.adjudicate(gid, "all-in")
    elif info.deadline is not None and time.time() > info.period_started + info.deadline:
        store.adjudicate(gid, "deadline")


def _status(store: GameStore, gid: str) -> dict[str, Any]:
    info = store.info(gid)
    wargame = store.load(gid)
    submitted = sorted(store.submitted(gid, wargame.period))
    left = None
    if info.deadline is not None and not info.paused:
        left = max(0.0, info.period_started + info.deadline - time.time())
    return {
        "game": gid,
        "scenario": info.scenario_id,
        "paused": info.paused,
        "submitted": submitted,
        "deadline_left": left,
        "finished": wargame.finished,
    }


# ---------------------------------------------------------------- handlers
async def games_html(request: Request) -> Response:
    """The games, and a form to start one."""
    bench = request.app.state.bench
    chosen = request.query_params.get("scenario")
    ids = [x.id for x in bench.catalog.entries()]
    games = await compute(_store(request).games)
    rows = [
        (e(g["id"]), e(g["scenario"]), e(", ".join(g["humans"])), str(g["periods_played"]))
        for g in games
    ]
    options = "".join(f"<option{' selected' if i == chosen else ''}>{e(i)}</option>" for i in ids)
    body = (
        "<form id='new-game'><label>Scenario <select name='scenario'>"
        f"{options}</select></label> <label>People play (comma-separated actors) "
        "<input name='humans' value=''></label> <label>Seed <input name='seed' value='1' "
        "size='6'></label> <label>Periods (optional) <input name='periods' size='4'></label> "
        "<label>Deadline (s, optional) <input name='deadline' size='6'></label> "
        "<label>Model foresight <select name='foresight'><option value=''>the scenario's"
        "</option>" + "".join(f"<option>{f}</option>" for f in FORESIGHT) + "</select></label> "
        "<button type='submit'>Create</button></form><p id='game-error' role='alert'></p>"
        "<div id='game-links'></div>"
        + rows_table(("game", "scenario", "people play", "periods played"), rows, raw=True)
    )
    return HTMLResponse(layout("Wargames", body, page="games", twin="/api/games"))


async def games_json(request: Request) -> Response:
    """Every game (no tokens)."""
    return json_response({"games": await compute(_store(request).games)})


async def game_create(request: Request) -> Response:
    """Create a game: ``{"scenario", "humans", "seed", "lam", "periods", "deadline", "levers",
    "foresight"}``; answers the seats' and the umpire's tokens and join links, once."""
    bench = request.app.state.bench
    body = await json_body(request)
    sid = body.get("scenario") if isinstance(body, dict) else None
    if not isinstance(sid, str):
        raise ParameterError("expected an object with scenario and humans")
    scenario = await compute(bench.catalog.scenario, sid)
    setup, deadline = game_body(body, scenario.player_names)
    text, file = bench.catalog.text(sid)
    made = await compute(_store(request).create, sid, text, setup, deadline=deadline, file=file)
    gid = made["id"]
    made["links"] = {
        "umpire": f"/games/{gid}/umpire?token={made['umpire']}",
        **{a: f"/games/{gid}/seat/{a}?token={t}" for a, t in made["seats"].items()},
    }
    return json_response(made, status=201)


def _seat_data(store: GameStore, gid: str, actor: str, token: str | None) -> dict[str, Any]:
    store.check_token(gid, actor, token)
    _due(store, gid)
    wargame = store.load(gid)
    return {**seat_view(wargame, actor), **_status(store, gid)}


async def seat_json(request: Request) -> Response:
    """A seat's view: what its actor knows now, and the game's status."""
    gid, actor = path_id(request, "gid"), path_id(request, "actor")
    return json_response(await compute(_seat_data, _store(request), gid, actor, _token(request)))


async def seat_html(request: Request) -> Response:
    """A seat's page (open it with the join link)."""
    gid, actor = path_id(request, "gid"), path_id(request, "actor")
    data = await compute(_seat_data, _store(request), gid, actor, _token(request))
    body = (
        f"<div class='seat'><p>You play <strong>{e(actor)}</strong>. "
        "<span id='seat-status' role='status'></span></p><div id='seat-state'></div>"
        "<form id='orders'></form></div><h2>What happened</h2><ol id='narrative' "
        "class='narrative'></ol><p id='report-link'></p>"
    )
    return HTMLResponse(layout(f"Wargame {gid}: {actor}", body, data=data, page="seat"))


async def orders_post(request: Request) -> Response:
    """Give (or change) the seat's orders for the current period: ``{"orders": {...}}``."""
    store = _store(request)
    gid, actor = path_id(request, "gid"), path_id(request, "actor")
    body = await json_body(request)
    await compute(store.check_token, gid, actor, _token(request))
    orders = body.get("orders") if isinstance(body, dict) else None
    period = await compute(store.submit, gid, actor, orders)
    await compute(_due, store, gid)
    return json_response({"period": period, **await compute(_status, store, gid)})


def _umpire_data(store: GameStore, gid: str, token: str | None) -> dict[str, Any]:
    store.check_token(gid, "umpire", token)
    _due(store, gid)
    return {**umpire_view(store.load(gid)), **_status(store, gid)}


async def umpire_json(request: Request) -> Response:
    """The umpire's view: everything, with the model's equilibrium."""
    gid = path_id(request, "gid")
    return json_response(await compute(_umpire_data, _store(request), gid, _token(request)))


async def umpire_html(request: Request) -> Response:
    """The umpire's page."""
    gid = path_id(request, "gid")
    data = await compute(_umpire_data, _store(request), gid, _token(request))
    body = (
        "<div class='seat'><p id='umpire-status' role='status'></p>"
        "<p><button id='pause'>Pause</button> <button id='resume'>Resume</button> "
        "<button id='step'>Step</button></p><form id='override'><label>Rule the outcome "
        "<select name='outcome'></select></label> <label>Reason <input name='reason' size='40'>"
        "</label> <button type='submit'>Override</button></form><div id='umpire-eq'></div></div>"
        "<h2>Narrative</h2><ol id='narrative' class='narrative'></ol><p id='report-link'></p>"
    )
    return HTMLResponse(layout(f"Wargame {gid}: umpire", body, data=data, page="umpire"))


def _rule(store: GameStore, gid: str, token: str | None, body: Any) -> dict[str, Any]:
    store.check_token(gid, "umpire", token)
    if not isinstance(body, dict) or body.get("action") not in (
        "pause",
        "resume",
        "step",
        "override",
    ):
        raise ParameterError("expected {action: pause | resume | step | override}")
    action = body["action"]
    if action in ("pause", "resume"):
        store.set_paused(gid, action == "pause")
    else:
        outcome = body.get("outcome") if action == "override" else None
        reason = body.get("reason", "")
        if not isinstance(reason, str) or (outcome is not None and not isinstance(outcome, str)):
            raise ParameterError("outcome and reason must be text")
        if action == "override" and outcome is None:
            raise ParameterError("an override names an outcome")
        if store.load(gid).finished:
            raise ParameterError("the game is over")
        store.adjudicate(gid, action, override=outcome, reason=reason)
    return _umpire_data(store, gid, token)


async def umpire_post(request: Request) -> Response:
    """Pause, resume, step (adjudicate now) or override (rule an outcome, with a reason)."""
    gid = path_id(request, "gid")
    body = await json_body(request)
    return json_response(await compute(_rule, _store(request), gid, _token(request), body))


def _report(store: GameStore, gid: str, token: str | None) -> Any:
    seat = store.any_token(gid, token)
    wargame = store.load(gid)
    if seat != "umpire" and not wargame.finished:
        raise Unauthorized("the after-action report opens to the seats when the game is over")
    key = (gid, len(wargame.history))
    if key not in store.reports:
        store.reports[key] = after_action(wargame, runs=1000)
    return store.reports[key]


async def report_json(request: Request) -> Response:
    """The after-action report as JSON."""
    aar = await compute(_report, _store(request), path_id(request, "gid"), _token(request))
    return json_response(aar.to_dict())


async def report_csv(request: Request) -> Response:
    """The orders against the equilibrium, as CSV."""
    aar = await compute(_report, _store(request), path_id(request, "gid"), _token(request))
    return Response(aar.to_frame().to_csv(index=False), media_type="text/csv")


async def report_html(request: Request) -> Response:
    """The after-action report."""
    gid = path_id(request, "gid")
    aar = await compute(_report, _store(request), gid, _token(request))
    data = aar.to_dict()
    periods = "".join(
        f"<li><strong>{e(p['label'])}</strong>: " + " ".join(e(s) for s in p["narrative"]) + "</li>"
        for p in data["periods"]
    )
    token = html.escape(_token(request) or "")
    body = (
        f"<p>Exports: <a href='/api/games/{e(gid)}/report?token={token}'>JSON</a> · "
        f"<a href='/api/games/{e(gid)}/report.csv?token={token}'>CSV</a></p>"
        f"{aar.summary(max_rows=None).html()}<h2>Narrative</h2><ol class='narrative'>{periods}</ol>"
    )
    return HTMLResponse(layout(f"After-action report: {gid}", body, page="report"))


_GAME = {
    "type": "object",
    "required": ["scenario", "humans"],
    "properties": {
        "scenario": {"type": "string"},
        "humans": {"type": "array", "items": {"type": "string"}},
        "seed": {"type": "integer", "minimum": 0},
        "lam": {"type": "number", "minimum": 0},
        "periods": {"type": "integer", "minimum": 1},
        "deadline": {"type": "number"},
        "levers": {"type": "object", "additionalProperties": {"type": "number"}},
        "foresight": {
            "type": ["string", "null"],
            "enum": [*FORESIGHT, None],
            "description": "how model-played actors look ahead (default: the scenario's "
            "foresight); equilibrium probabilities and the costs of orders are in the "
            "payoffs they weigh",
        },
    },
}
_ORDERS = {
    "type": "object",
    "required": ["orders"],
    "properties": {"orders": {"type": "object", "additionalProperties": {"type": "string"}}},
}
_RULING = {
    "type": "object",
    "required": ["action"],
    "properties": {
        "action": {"type": "string", "enum": ["pause", "resume", "step", "override"]},
        "outcome": {"type": "string"},
        "reason": {"type": "string"},
    },
}
_TOKEN = {"name": "X-Token", "in": "header", "required": False, "schema": {"type": "string"}}

#: (method, path, handler, body schema, html) of every wargame route.
GAME_ROUTES: list[tuple[str, str, Any, dict[str, Any] | None, bool]] = [
    ("GET", "/games", games_html, None, True),
    ("GET", "/api/games", games_json, None, False),
    ("POST", "/api/games", game_create, _GAME, False),
    ("GET", "/games/{gid}/seat/{actor}", seat_html, None, True),
    ("GET", "/api/games/{gid}/seat/{actor}", seat_json, None, False),
    ("POST", "/api/games/{gid}/seat/{actor}/orders", orders_post, _ORDERS, False),
    ("GET", "/games/{gid}/umpire", umpire_html, None, True),
    ("GET", "/api/games/{gid}/umpire", umpire_json, None, False),
    ("POST", "/api/games/{gid}/umpire", umpire_post, _RULING, False),
    ("GET", "/games/{gid}/report", report_html, None, True),
    ("GET", "/api/games/{gid}/report", report_json, None, False),
    ("GET", "/api/games/{gid}/report.csv", report_csv, None, False),
]
TOKEN_PARAMETER = _TOKEN
