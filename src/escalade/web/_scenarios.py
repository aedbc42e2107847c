"""The scenario pages: the list, one scenario, and its what-if.

Each page has a function giving its data (the JSON twin) and one
rendering that data; the what-if's numbers come from
:func:`escalade.analysis.what_if`, its tree drawing from
:func:`escalade.report.tree_svg`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escalade._results import json_ready
from escalade.errors import EscaladeError, ParameterError
from escalade.scenario import FORESIGHT
from escalade.web._catalog import Catalog
from escalade.web._html import e, layout, link, rows_table

__all__ = [
    "MAX_TREE_NODES",
    "PARTS",
    "scenario_data",
    "scenario_list",
    "scenario_page",
    "scenarios_page",
    "whatif_data",
    "whatif_page",
    "whatif_request",
]

#: Trees larger than this are not drawn (the numbers are still in the JSON).
MAX_TREE_NODES = 600
#: What a what-if request asks for: everything, the stage game alone (drawn), or
#: the policy table (with the stage game, not drawn). The page asks for the
#: stage game as a slider moves, then the table, which costs several times more
#: when actors look ahead.
PARTS = ("all", "stage", "table")


def scenario_list(catalog: Catalog) -> dict[str, Any]:
    """Every scenario on offer: id, origin, title."""
    return {
        "scenarios": [{"id": x.id, "origin": x.origin, "title": x.title} for x in catalog.entries()]
    }


def scenarios_page(data: dict[str, Any]) -> str:
    """The scenario list, with a form to upload one."""
    rows = [
        (link(f"/scenarios/{s['id']}", s["id"]), e(s["title"]), e(s["origin"]))
        for s in data["scenarios"]
    ]
    body = (
        "<p>Pick a scenario to see it, play with its parameters or run an analysis.</p>"
        + rows_table(("scenario", "title", "from"), rows, raw=True)
        + "<h2>Open a scenario file</h2><p>The text is checked by the scenario loader and "
        "kept in this server's memory only.</p>"
        "<form id='upload'><input type='file' id='upload-file' accept='.yaml,.yml'>"
        "<button type='submit'>Open</button></form><p id='upload-result'></p>"
    )
    return layout("Scenarios", body, page="scenarios", twin="/api/scenarios")


def scenario_data(catalog: Catalog, sid: str) -> dict[str, Any]:
    """One scenario: what ``check`` finds, its claims, players, outcomes and controls."""
    import escalade
    from escalade.analysis import controls

    scenario, _game = catalog.load(sid)
    try:
        report = escalade.check(scenario, draws=200)
        check: dict[str, Any] = {"ok": True, "text": str(report), **vars(report)}
    except EscaladeError as exc:
        check = {"ok": False, "text": str(exc)}
    cited = scenario.citations()
    claims = [
        {"id": c.id, "quote": c.quote, "source": c.source, "cited_by": cited.get(c.id, [])}
        for c in scenario.claims.values()
    ]
    q = scenario.question
    return {
        "id": sid,
        "name": scenario.name,
        "title": scenario.title,
        "description": scenario.description,
        "references": list(scenario.references),
        "players": list(scenario.player_names),
        "outcomes": list(scenario.outcome_names),
        "dynamics": scenario.dynamics is not None,
        "question": None if q is None else {"text": q.text, "actor": q.actor, "policy": q.policy},
        "check": check,
        "claims": claims,
        "controls": controls(scenario),
    }


def _param_rows(params: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for p in params:
        if p["kind"] == "category":
            span = " | ".join(p["choices"])
        elif p["low"] == p["high"]:
            span = "fixed"
        else:
            span = f"{p['low']:.4g} to {p['high']:.4g}"
        rows.append(
            (str(p["name"]), str(p["nominal"]), span, ", ".join(p["claims"]), str(p["note"]))
        )
    return rows


def scenario_page(data: dict[str, Any]) -> str:
    """One scenario: description, check, question, parameters, claims, links onwards."""
    sid = data["id"]
    check = data["check"]
    parts = [
        f"<p>{e(data['description'])}</p>",
        f"<p class='check {'ok' if check['ok'] else 'bad'}' id='check'>{e(check['text'])}</p>",
        "<p class='actions'>"
        + link(f"/scenarios/{sid}/whatif", "What if…")
        + " · "
        + link(f"/jobs?scenario={sid}", "Run a job")
        + " · "
        + link(f"/games?scenario={sid}", "Start a wargame")
        + "</p>",
    ]
    if data["question"]:
        parts.append(f"<h2>Question</h2><p>{e(data['question']['text'])}</p>")
    parts.append("<h2>Parameters</h2>")
    parts.append(
        rows_table(
            ("parameter", "nominal", "range", "claims", "note"),
            _param_rows(data["controls"]["parameters"]),
        )
    )
    if data["claims"]:
        parts.append("<h2>Claims</h2>")
        parts.append(
            rows_table(
                ("claim", "quote", "source", "cited by"),
                [
                    (c["id"], c["quote"], c["source"], ", ".join(c["cited_by"]))
                    for c in data["claims"]
                ],
            )
        )
    return layout(
        data["title"] or data["name"],
        "".join(parts),
        page="scenario",
        twin=f"/api/scenarios/{sid}",
    )


def _as_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{name} must be a number, found {value!r}")
    return float(value)


def whatif_request(body: Any) -> dict[str, Any]:
    """The what-if options of a request body, checked (shape and types only).

    Examples
    --------
    >>> whatif_request({"values": {"p": 0.5}, "policy": "talks"})["policy"]
    'talks'
    >>> whatif_request({"values": [1]})
    Traceback (most recent call last):
    ...
    escalade.errors.ParameterError: values must be an object, found list
    """
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise ParameterError(f"the request body must be an object, found {type(body).__name__}")
    allowed = {"values", "levers", "policy", "lam", "state", "foresight", "part", "rows"}
    unknown = set(body) - allowed
    if unknown:
        raise ParameterError(
            f"unknown what-if option(s) {sorted(unknown)}; expected {sorted(allowed)}"
        )
    out: dict[str, Any] = {}
    for key in ("values", "levers", "state"):
        part = body.get(key) or {}
        if not isinstance(part, Mapping):
            raise ParameterError(f"{key} must be an object, found {type(part).__name__}")
        if key == "values":
            for k, v in part.items():
                if not isinstance(v, str):
                    _as_number(f"values.{k}", v)
            out[key] = dict(part)
        else:
            out[key] = {str(k): _as_number(f"{key}.{k}", v) for k, v in part.items()}
    policy = body.get("policy")
    if policy is not None and not isinstance(policy, str):
        raise ParameterError(f"policy must be a name, found {policy!r}")
    out["policy"] = policy
    lam = body.get("lam")
    out["lam"] = None if lam is None else _as_number("lam", lam)
    if out["lam"] is not None and not 0 <= out["lam"] <= 1e6:
        raise ParameterError(f"lam must be between 0 and 1e6, found {lam!r}")
    out["foresight"] = foresight_option(body)
    out["part"] = part = body.get("part", "all")
    if part not in PARTS:
        raise ParameterError(f"part must be one of {', '.join(PARTS)}, found {part!r}")
    out["rows"] = _rows_option(body.get("rows"))
    return out


def _rows_option(rows: Any) -> list[str] | None:
    """A request's ``rows``: policy names (checked against the scenario later), or None."""
    if rows is not None and (
        not isinstance(rows, list) or not all(isinstance(r, str) for r in rows)
    ):
        raise ParameterError(f"rows must be a list of policy names, found {rows!r}")
    return rows


def foresight_option(body: Mapping[str, Any]) -> str | None:
    """A request's ``foresight``: one of the simulation's, or None (the scenario's).

    Examples
    --------
    >>> foresight_option({"foresight": "myopic"}), foresight_option({})
    ('myopic', None)
    """
    foresight = body.get("foresight")
    if foresight is not None and foresight not in FORESIGHT:
        raise ParameterError(
            f"foresight must be one of {', '.join(FORESIGHT)} or null, found {foresight!r}"
        )
    return foresight


def whatif_data(catalog: Catalog, sid: str, options: dict[str, Any]) -> dict[str, Any]:
    """The what-if at ``options``: the stage game and the tree drawn (``part`` all or
    stage), the policy table (all or table; only its ``rows`` when given), as plain
    values (strict JSON as it is)."""
    from escalade.analysis import what_if
    from escalade.report import tree_svg

    scenario, game = catalog.load(sid)
    asked = {k: v for k, v in options.items() if k not in ("part", "rows")}
    part, rows = options.get("part", "all"), options.get("rows")
    table = part != "stage" and (rows if rows is not None else True)
    w = what_if(scenario, game=game, table=table, **asked)
    out = w.to_dict()
    sg = w.stage
    out["id"] = sid
    out["options"] = json_ready(options)
    out["part"] = part
    if part == "table":
        return out
    if sg.game.n_nodes <= MAX_TREE_NODES:
        forced = sg.forced[sg.game.edge_action] & (sg.game.edge_action >= 0)
        out["svg"] = tree_svg(sg.game, sg.edge, sg.reach, forced=forced, min_reach=1e-4)
    else:
        out["svg"] = f"<p>The tree has {sg.game.n_nodes} nodes: too many to draw here.</p>"
    return out


def whatif_page(sid: str, controls: dict[str, Any], data: dict[str, Any]) -> str:
    """The what-if page: controls on the left, tree and tables filled by the script."""
    body = (
        "<div class='whatif'><aside id='controls' aria-label='controls'></aside>"
        "<section><p id='status' role='status'></p><p id='solved' class='note'></p>"
        f"<h2>Stage game</h2><div id='tree' class='treebox'>{data['svg']}</div>"
        "<div class='tables'><div><h2>Policies (this stage game)</h2><div id='policy-table'>"
        "</div></div><div><h2>Outcomes</h2><div id='outcomes'></div></div></div>"
        "</section></div>"
    )
    return layout(
        f"What if: {data['scenario']}",
        body,
        data={
            "id": sid,
            "controls": controls,
            "whatif": {k: v for k, v in data.items() if k != "svg"},
        },
        page="whatif",
        twin=f"/api/scenarios/{sid}/whatif",
    )
