"""The workbench's HTTP API: every route answers, JSON twins hold the library's numbers,
and what a request sends is checked, bounded and never used as a path.

Numbers are compared with the library's own functions (the web layer must
compute nothing itself): a what-if's JSON is :func:`escalade.analysis.what_if`'s
``to_dict``, a scenario's check is :func:`escalade.check`'s.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from starlette.testclient import TestClient

import escalade
from _cli import run
from escalade.analysis import what_if
from escalade.web import Limits, create_app
from escalade.web._app import ROUTES

TINY = """\
escalade: 1
name: tiny
title: A tiny game
players: [A, B]
parameters:
  p: {value: 0.5, low: 0.1, high: 0.9, note: "a probability"}
outcomes:
  quiet: {payoffs: {A: 0, B: 0}}
  war: {payoffs: {A: "p - 0.6", B: "0.4 - p"}}
tree: {player: A, actions: {wait: quiet, attack: war}}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("scenarios")
    (root / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (root / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / "hidden.yaml").write_text(TINY, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def client(folder, runs):
    with TestClient(create_app(scenarios=folder, runs=runs)) as c:
        yield c


def wait_for(client, job_id, seconds=120):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


# ---------------------------------------------------------------- scenarios
def test_the_list_has_the_bundled_scenarios_and_the_folders_files_only(client):
    ids = {s["id"]: s["origin"] for s in client.get("/api/scenarios").json()["scenarios"]}
    assert set(escalade.bundled_scenarios()) <= set(ids)
    assert ids["local.tiny"] == "folder"
    assert not any("hidden" in i or "notes" in i for i in ids)
    page = client.get("/").text
    assert "/scenarios/korea-2017" in page
    assert "local.tiny" in page


def test_a_scenario_shows_its_check_claims_and_parameter_ranges(client):
    data = client.get("/api/scenarios/korea-2017").json()
    assert data["check"]["ok"]
    assert data["check"]["n_nodes"] == escalade.check("korea-2017", draws=0).n_nodes
    cited = escalade.load("korea-2017").citations()
    assert {c["id"]: c["cited_by"] for c in data["claims"]} == cited
    p_detect = next(p for p in data["controls"]["parameters"] if p["name"] == "p_detect")
    assert p_detect["low"] < p_detect["nominal"] < p_detect["high"]
    assert data["controls"]["policies"][0]["name"] == "free"
    page = client.get("/scenarios/korea-2017").text
    assert "p_detect" in page
    assert "C15" in page


def test_the_what_if_twin_is_the_librarys_what_if(client):
    body = {"values": {"p_detect": 0.9, "us_leadership": "insensitive"}, "policy": "talks"}
    got = client.post("/api/scenarios/korea-2017/whatif", json=body).json()
    want = what_if(escalade.load("korea-2017"), **body).to_dict()
    assert got["stage"]["outcomes"] == pytest.approx(want["stage"]["outcomes"], rel=1e-12)
    assert [r["policy"] for r in got["policies"]] == [r["policy"] for r in want["policies"]]
    assert got["svg"].startswith("<svg")


def test_the_what_if_comes_in_parts_the_stage_game_then_the_tables_rows(client):
    # what the page asks as a slider moves: the stage game drawn, then each policy's row
    url = "/api/scenarios/korea-2017/whatif"
    body = {"values": {"p_detect": 0.8}, "policy": "talks"}
    whole = client.post(url, json=body).json()
    stage = client.post(url, json={**body, "part": "stage"}).json()
    assert stage["policies"] == []
    assert stage["svg"] == whole["svg"]
    assert stage["stage"] == whole["stage"]
    rows = [
        client.post(url, json={**body, "part": "table", "rows": [r["policy"]]}).json()
        for r in whole["policies"]
    ]
    assert all("svg" not in r for r in rows)
    assert [r["policies"][0] for r in rows] == whole["policies"]
    two = client.post(url, json={**body, "part": "table", "rows": ["talks", "free"]}).json()
    assert [r["policy"] for r in two["policies"]] == ["free", "talks"]


def test_moving_a_slider_moves_the_equilibrium(client):
    def outcomes(p):
        body = {"values": {"p_detect": p}}
        return client.post("/api/scenarios/korea-2017/whatif", json=body).json()["stage"]

    low, high = outcomes(0.05), outcomes(0.95)
    reach = {n["id"]: n["reach"] for n in low["nodes"]}
    assert any(abs(reach[n["id"]] - n["reach"]) > 1e-3 for n in high["nodes"])


def test_levers_and_forced_choices_reach_the_stage_game(client):
    free = client.post("/api/scenarios/korea-2017/whatif", json={}).json()["stage"]
    forced = client.post("/api/scenarios/korea-2017/whatif", json={"policy": "invasion"}).json()[
        "stage"
    ]
    us = {i["infoset"]: i for i in forced["infosets"] if i["player"] == "USA"}
    chosen = {a["action"]: a for a in us["US_track"]["actions"]}
    assert chosen["invasion"]["probability"] == 1.0
    assert chosen["invasion"]["forced"]
    assert forced["outcomes"] != free["outcomes"]


def test_the_what_if_page_embeds_its_twins_data(client):
    page = client.get("/scenarios/iig/whatif").text
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1))
    twin = client.get("/api/scenarios/iig/whatif").json()
    assert data["whatif"]["stage"] == twin["stage"]
    assert data["controls"] == client.get("/api/scenarios/iig").json()["controls"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"values": {"nope": 1}}, "nope"),
        ({"values": {"p_detect": "many"}}, "expects a number"),
        ({"values": [1]}, "values must be an object"),
        ({"levers": {"step1": "on"}}, "must be a number"),
        ({"policy": "surrender"}, "no policy 'surrender'"),
        ({"lam": -1}, "lam must be between"),
        ({"foresight": "psychic"}, "foresight must be one of"),
        ({"colour": "red"}, "unknown what-if option"),
        ({"part": "half"}, "part must be one of all, stage, table"),
        ({"part": "table", "rows": "talks"}, "rows must be a list of policy names"),
        ({"part": "table", "rows": ["surrender"]}, "unknown policy 'surrender'"),
        ([1, 2], "must be an object"),
    ],
)
def test_bad_what_ifs_say_what_is_wrong(client, body, message):
    r = client.post("/api/scenarios/korea-2017/whatif", json=body)
    assert r.status_code == 400
    assert message in r.json()["error"]


def test_upload_goes_through_the_scenario_loader(client):
    r = client.post("/api/scenarios", content=TINY, headers={"content-type": "application/yaml"})
    assert r.status_code == 201
    sid = r.json()["id"]
    assert client.get(f"/api/scenarios/{sid}").json()["name"] == "tiny"
    bad = TINY.replace('"p - 0.6"', '"__import__(1)"')
    r = client.post("/api/scenarios", content=bad, headers={"content-type": "application/yaml"})
    assert r.status_code == 400
    assert re.search(r"upload\.yaml:\d+:\d+", r.json()["error"])
    r = client.post(
        "/api/scenarios",
        content="!!python/object:os.system {}",
        headers={"content-type": "application/yaml"},
    )
    assert r.status_code == 400


def test_an_upload_must_say_it_is_yaml(client):
    r = client.post("/api/scenarios", content=TINY, headers={"content-type": "text/plain"})
    assert r.status_code == 400
    assert "application/yaml" in r.json()["error"]


# ---------------------------------------------------------------- security
def test_a_body_over_the_limit_is_refused(folder):
    with TestClient(create_app(limits=Limits(max_body=1000))) as c:
        r = c.post(
            "/api/scenarios", content="x" * 5000, headers={"content-type": "application/yaml"}
        )
        assert r.status_code == 413

        def chunks():
            for _ in range(10):
                yield b"x" * 500

        r = c.post("/api/scenarios", content=chunks(), headers={"content-type": "application/yaml"})
        assert r.status_code == 413


def test_a_request_over_the_time_limit_gets_503():
    with TestClient(create_app(limits=Limits(timeout=0.001))) as c:
        r = c.post("/api/scenarios/korea-2017/whatif", json={})
        assert r.status_code == 503


def test_another_host_name_is_refused(client):
    r = client.get("/api/scenarios", headers={"host": "attacker.example"})
    assert r.status_code == 421


@pytest.mark.parametrize(
    "path",
    [
        "/api/scenarios/..%2F..%2Fetc%2Fpasswd",
        "/api/scenarios/%2Fetc%2Fpasswd",
        "/api/scenarios/local.sub",
        "/api/scenarios/local.notes",
        "/scenarios/%2E%2E",
        "/static/..%2F_app.py",
        "/static/_app.py",
        "/api/runs/%2E%2E",
        "/api/runs/%2Ftmp",
        "/jobs/..%2F..%2Fetc/report",
    ],
)
def test_path_tricks_find_nothing(client, path):
    r = client.get(path)
    assert r.status_code == 404, r.text
    assert "root:" not in r.text


def test_pages_forbid_foreign_scripts_and_framing(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "http://" not in r.text
    assert "https://" not in r.text
    js = client.get("/static/escalade.js").text
    assert "http://" not in js
    assert "https://" not in js


def test_a_json_route_wants_a_json_body(client):
    r = client.post("/api/jobs", content="kind=audit", headers={"content-type": "text/plain"})
    assert r.status_code == 400


# ---------------------------------------------------------------- jobs and runs
def test_an_audit_job_runs_and_keeps_its_summary(client):
    r = client.post(
        "/api/jobs", json={"kind": "audit", "scenario": "iig", "options": {"samples": 8}}
    )
    assert r.status_code == 202
    job = wait_for(client, r.json()["id"])
    assert job["state"] == "done", job["message"]
    want = escalade.audit("iig", samples=8).to_dict()
    for d in (want, job["result"]):
        d["settings"].pop("seconds")
    assert job["result"] == want
    assert job["summary_html"] in client.get(f"/jobs/{job['id']}").text


def test_an_analyze_job_writes_a_run_with_its_report(client):
    body = {"kind": "analyze", "scenario": "korea-2017", "options": {"runs": 100, "seed": 3}}
    job = wait_for(client, client.post("/api/jobs", json=body).json()["id"])
    assert job["state"] == "done", job["message"]
    assert job["has_report"]
    assert job["result"]["ranking"] == escalade.analyze("korea-2017", runs=100, seed=3).ranking()
    assert "<html" in client.get(f"/jobs/{job['id']}/report").text.lower()
    runs = client.get("/api/runs").json()["runs"]
    rid = f"analysis-{job['id']}"
    assert rid in {r["id"] for r in runs}
    assert client.get(f"/api/runs/{rid}").json()["kind"] == "analysis"
    assert client.get(f"/runs/{rid}").status_code == 200
    assert client.get(f"/runs/{rid}/report").status_code == 200
    assert rid in client.get("/runs").text


def test_an_explore_job_lands_in_the_run_store(client):
    body = {
        "kind": "explore",
        "scenario": "korea-2017",
        "options": {"samples": 6, "replications": 2, "seed": 1},
    }
    job = wait_for(client, client.post("/api/jobs", json=body).json()["id"])
    assert job["state"] == "done", job["message"]
    rid = job["result"]["run"]
    run_ = client.get(f"/api/runs/{rid}").json()
    assert run_["kind"] == "exploration"
    assert run_["summary"]["worlds"] == 6
    assert "path" not in run_["summary"]


def test_a_cancelled_job_stops(client):
    body = {"kind": "analyze", "scenario": "korea-2017", "options": {"runs": 200_000}}
    jid = client.post("/api/jobs", json=body).json()["id"]
    assert client.post(f"/api/jobs/{jid}/cancel").status_code == 200
    job = wait_for(client, jid)
    assert job["state"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "solve", "scenario": "iig"}, "unknown job kind"),
        ({"kind": "analyze", "scenario": "iig", "options": {"runs": 10**9}}, "between"),
        ({"kind": "analyze", "scenario": "iig", "options": {"out": "/etc"}}, "unknown option"),
        ({"kind": "analyze", "scenario": "../x"}, "no scenario with id"),
        ({"kind": "audit"}, "expected an object"),
    ],
)
def test_bad_jobs_are_refused_before_they_start(client, body, message):
    r = client.post("/api/jobs", json=body)
    assert r.status_code in (400, 404)
    assert message in r.json()["error"]


def test_unknown_jobs_and_runs_are_404(client):
    assert client.get("/api/jobs/0123456789ab").status_code == 404
    assert client.get("/jobs/0123456789ab").status_code == 404
    assert client.post("/api/jobs/0123456789ab/cancel").status_code == 404
    assert client.get("/api/runs/nothing-here").status_code == 404


# ---------------------------------------------------------------- the description
def test_every_route_is_described_and_answers(client, runs):
    spec = client.get("/openapi.json").json()
    job = client.post(
        "/api/jobs", json={"kind": "audit", "scenario": "iig", "options": {"samples": 2}}
    )
    wait_for(client, job.json()["id"])
    # a run folder as analyze writes it (its report's charts take seconds to draw: a stub page)
    folder = runs / "analysis-by-hand"
    folder.mkdir()
    cmp = escalade.analyze("korea-2017", runs=50)
    (folder / "results.json").write_text(json.dumps(cmp.to_dict()), encoding="utf-8")
    (folder / "report.html").write_text("<!DOCTYPE html><title>report</title>", encoding="utf-8")
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert described >= {(r.method, r.path) for r in ROUTES}
    examples = {
        "{sid}": "iig",
        "{name}": "escalade.css",
        "{jid}": job.json()["id"],
        "{rid}": "analysis-by-hand",
    }
    game = client.post("/api/games", json={"scenario": "iig", "humans": ["A"]}).json()
    examples.update({"{gid}": game["id"], "{actor}": "A"})
    for route in ROUTES:
        if route.method != "GET":
            continue
        path = route.path
        for k, v in examples.items():
            path = path.replace(k, v)
        if "a" in route.query:
            path += "?a=analysis-by-hand&b=analysis-by-hand"
        if "{gid}" in route.path:  # a game's pages and data need a token
            assert client.get(path).status_code == 403, path
            token = game["seats"]["A"] if "/seat/" in route.path else game["umpire"]
            path += f"?token={token}"
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert r.status_code == 200 or path.endswith("/report"), path
    assert "/api/scenarios/{sid}/whatif" in client.get("/api").text


# ---------------------------------------------------------------- the command
def test_serve_says_it_needs_the_web_extra(capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    code, _out, err = run(capsys, "serve")
    assert code == 1
    assert "pip install 'escalade[web]'" in err
    assert "Traceback" not in err


def test_serve_binds_this_machine_by_default_and_says_so(capsys, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    code, _out, err = run(capsys, "serve", "--port", "8123")
    assert code == 0
    assert calls[0]["host"] == "127.0.0.1"
    assert calls[0]["port"] == 8123
    assert "http://127.0.0.1:8123/" in err
    assert "this machine only" in err


def test_an_edited_folder_file_is_read_again(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    with TestClient(create_app(scenarios=tmp_path)) as c:
        assert c.get("/api/scenarios/local.tiny").json()["title"] == "A tiny game"
        (tmp_path / "tiny.yaml").write_text(TINY.replace("A tiny game", "A small game"), "utf-8")
        assert c.get("/api/scenarios/local.tiny").json()["title"] == "A small game"
        (tmp_path / "tiny.yaml").write_text("escalade: 1\nname: [", encoding="utf-8")
        r = c.get("/api/scenarios/local.tiny")
        assert r.status_code == 400
        assert "tiny.yaml:" in r.json()["error"]


def test_two_analyses_compare_policy_by_policy(tmp_path):
    runs = tmp_path / "runs"
    for name, seed in (("analysis-a", 1), ("analysis-b", 2)):
        folder = runs / name
        folder.mkdir(parents=True)
        cmp = escalade.analyze("korea-2017", runs=50, seed=seed)
        (folder / "results.json").write_text(json.dumps(cmp.to_dict()), encoding="utf-8")
    with TestClient(create_app(runs=runs)) as c:
        data = c.get("/api/runs/compare?a=analysis-a&b=analysis-b").json()
        want_a = escalade.analyze("korea-2017", runs=50, seed=1).to_dict()
        row = data["policies"][0]
        assert row["a"] == pytest.approx(want_a["policies"][row["policy"]]["utility"]["USA"])
        assert row["difference"] == pytest.approx(row["b"] - row["a"])
        assert c.get("/runs/compare?a=analysis-a&b=analysis-b").status_code == 200
        assert c.get("/api/runs/compare?a=analysis-a&b=..%2F..").status_code == 404
        assert c.get("/api/runs/compare?a=analysis-a").status_code == 400


def test_an_estimate_job_fits_as_the_library_does(client):
    body = {"kind": "estimate", "scenario": "egame12", "options": {}}
    job = wait_for(client, client.post("/api/jobs", json=body).json()["id"])
    assert job["state"] == "done", job["message"]
    assert job["result"]["loglik"] == pytest.approx(escalade.estimate("egame12").loglik, rel=1e-9)
    r = client.post("/api/scenarios", content=TINY, headers={"content-type": "application/yaml"})
    body = {"kind": "estimate", "scenario": r.json()["id"], "options": {}}
    job = wait_for(client, client.post("/api/jobs", json=body).json()["id"])
    assert job["state"] == "failed"
    assert "no files beside it" in job["message"]


@pytest.mark.parametrize("name", escalade.bundled_scenarios())
def test_every_bundled_scenario_opens_and_answers_a_what_if(client, name):
    r = client.get(f"/api/scenarios/{name}")
    assert r.status_code == 200, r.text
    assert r.json()["check"]["ok"], r.json()["check"]["text"]
    r = client.post(f"/api/scenarios/{name}/whatif", json={})
    assert r.status_code == 200, r.text
    assert sum(r.json()["stage"]["outcomes"].values()) == pytest.approx(1.0)
    assert client.get(f"/scenarios/{name}/whatif").status_code == 200


def test_the_what_if_looks_ahead_as_asked(client):
    # default: the scenario's foresight, so the tree is simulate's start; myopic on request
    url = "/api/scenarios/korea-2017/whatif"
    ahead = client.post(url, json={"policy": "talks"}).json()
    myopic = client.post(url, json={"policy": "talks", "foresight": "myopic"}).json()
    assert (ahead["foresight"], myopic["foresight"]) == ("exact", "myopic")
    assert ahead["stage"]["foresight"] == "exact"
    assert ahead["seconds"] > 0
    want = what_if(escalade.load("korea-2017"), policy="talks").to_dict()
    assert ahead["stage"]["outcomes"] == pytest.approx(want["stage"]["outcomes"], rel=1e-12)
    assert ahead["stage"]["outcomes"] != pytest.approx(myopic["stage"]["outcomes"], abs=1e-3)
    controls = client.get("/api/scenarios/korea-2017").json()["controls"]
    assert controls["foresight"] == {
        "default": "full",
        "choices": ["full", "myopic", "exact", "approximate"],
    }
