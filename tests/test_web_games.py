"""Wargames over HTTP: tokens on every read and move, adjudication when all are in, at a
deadline or by the umpire, and a game that survives restarts and races whole."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from starlette.testclient import TestClient

from escalade.wargame import Setup
from escalade.web import create_app
from escalade.web._game_store import GameStore, replay


@pytest.fixture
def app_paths(tmp_path):
    return {"runs": tmp_path / "runs", "games": tmp_path / "games.sqlite"}


@pytest.fixture
def client(app_paths):
    with TestClient(create_app(**app_paths)) as c:
        yield c


def new_game(client, humans=("USA", "DPRK"), **extra):
    body = {"scenario": "korea-2017", "humans": list(humans), "seed": 3, **extra}
    r = client.post("/api/games", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def orders_for(client, game, actor, pick=0):
    view = client.get(
        f"/api/games/{game['id']}/seat/{actor}", headers={"x-token": game["seats"][actor]}
    ).json()
    return {h["infoset"]: h["actions"][pick] for h in view["infosets"]}


def submit(client, game, actor, pick=0):
    orders = orders_for(client, game, actor, pick)
    return client.post(
        f"/api/games/{game['id']}/seat/{actor}/orders",
        json={"orders": orders},
        headers={"x-token": game["seats"][actor]},
    )


def umpire(client, game):
    return client.get(f"/api/games/{game['id']}/umpire", headers={"x-token": game["umpire"]}).json()


def test_a_period_is_adjudicated_when_all_orders_are_in(client):
    game = new_game(client)
    assert submit(client, game, "USA").json()["submitted"] == ["USA"]
    assert umpire(client, game)["period"] == 1
    submit(client, game, "DPRK")
    view = umpire(client, game)
    assert view["period"] == 2 or view["finished"]
    assert (
        view["history"][0]["orders"]["USA"] == orders_for(client, game, "USA") or view["finished"]
    )


@pytest.mark.parametrize(
    ("path", "seat"),
    [
        ("/api/games/{gid}/seat/USA", "DPRK"),
        ("/api/games/{gid}/umpire", "USA"),
        ("/games/{gid}/seat/USA", "DPRK"),
        ("/api/games/{gid}/report", "USA"),
    ],
)
def test_every_read_needs_the_right_token(client, path, seat):
    game = new_game(client)
    url = path.format(gid=game["id"])
    assert client.get(url).status_code == 403
    assert client.get(url, headers={"x-token": "not-a-token"}).status_code == 403
    assert client.get(url, headers={"x-token": game["seats"][seat]}).status_code == 403


def test_every_move_needs_the_seats_token(client):
    game = new_game(client)
    orders = orders_for(client, game, "USA")
    url = f"/api/games/{game['id']}/seat/USA/orders"
    r = client.post(url, json={"orders": orders}, headers={"x-token": game["seats"]["DPRK"]})
    assert r.status_code == 403
    r = client.post(
        f"/api/games/{game['id']}/umpire",
        json={"action": "step"},
        headers={"x-token": game["seats"]["USA"]},
    )
    assert r.status_code == 403
    assert umpire(client, game)["submitted"] == []


def test_the_game_list_shows_no_tokens(client):
    game = new_game(client)
    text = client.get("/api/games").text + client.get("/games").text
    assert game["umpire"] not in text
    assert all(t not in text for t in game["seats"].values())


def test_the_umpire_pauses_steps_and_overrides(client):
    game = new_game(client)
    gid, head = game["id"], {"x-token": game["umpire"]}
    client.post(f"/api/games/{gid}/umpire", json={"action": "pause"}, headers=head)
    submit(client, game, "USA")
    submit(client, game, "DPRK")
    assert umpire(client, game)["period"] == 1  # paused: waits for the umpire
    r = client.post(
        f"/api/games/{gid}/umpire",
        json={"action": "override", "outcome": "buildup", "reason": "a summit"},
        headers=head,
    )
    assert r.status_code == 200
    view = r.json()
    assert view["history"][0]["outcome"] == "buildup"
    assert "a summit" in " ".join(view["history"][0]["narrative"])
    r = client.post(f"/api/games/{gid}/umpire", json={"action": "step"}, headers=head)
    assert r.json()["period"] == 3  # stepped with no orders: the model played both seats
    r = client.post(
        f"/api/games/{gid}/umpire",
        json={"action": "override", "outcome": "nope", "reason": "x"},
        headers=head,
    )
    assert r.status_code == 400


def test_a_deadline_lets_the_model_play_missing_seats(client, app_paths):
    game = new_game(client, deadline=10)
    submit(client, game, "USA")
    con = sqlite3.connect(app_paths["games"])
    con.execute("UPDATE games SET period_started = period_started - 60")
    con.commit()
    con.close()
    view = umpire(client, game)
    assert view["period"] == 2 or view["finished"]
    assert set(view["history"][0]["orders"]) == {"USA"}


def test_a_game_survives_a_restart_mid_period(app_paths):
    with TestClient(create_app(**app_paths)) as c:
        game = new_game(c)
        submit(c, game, "USA")  # answered: stored
    with TestClient(create_app(**app_paths)) as c:
        assert umpire(c, game)["submitted"] == ["USA"]
        submit(c, game, "DPRK")
        view = umpire(c, game)
        assert view["period"] == 2 or view["finished"]


def test_a_server_killed_between_orders_and_adjudication_loses_nothing(app_paths):
    app_paths["games"].parent.mkdir(parents=True, exist_ok=True)
    store = GameStore(app_paths["games"])
    from escalade.scenario import bundled_path

    made = store.create(
        "korea-2017", bundled_path("korea-2017").read_bytes(), Setup(humans=("USA",), seed=9)
    )
    wg = store.load(made["id"])
    orders = {h: wg.game.actions_of(i)[0] for h, i in wg.infosets_of("USA").items()}
    store.submit(made["id"], "USA", orders)
    del store  # killed: nothing adjudicated, nothing in memory
    fresh = GameStore(app_paths["games"])
    assert fresh.submitted(made["id"], 1) == {"USA": orders}
    fresh.adjudicate(made["id"], "step")
    again = GameStore(app_paths["games"]).load(made["id"])
    assert [p.outcome for p in again.history] == [p.outcome for p in fresh.load(made["id"]).history]


def test_two_seats_submitting_at_once_both_count(client):
    game = new_game(client, periods=2)
    results = []

    def go(actor):
        results.append(submit(client, game, actor).status_code)

    threads = [threading.Thread(target=go, args=(a,)) for a in ("USA", "DPRK")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200, 200]
    view = umpire(client, game)
    assert set(view["history"][0]["orders"]) == {"USA", "DPRK"}


def test_the_stored_log_replays_to_the_same_game(client, app_paths):
    game = new_game(client, periods=3)
    for _ in range(3):
        if umpire(client, game)["finished"]:
            break
        submit(client, game, "USA", pick=-1)
        submit(client, game, "DPRK")
    con = sqlite3.connect(app_paths["games"])
    text, setup = con.execute(
        "SELECT scenario_text, setup FROM games WHERE id = ?", (game["id"],)
    ).fetchone()
    rulings = con.execute(
        "SELECT period, outcome, reason, orders, kind FROM rulings "
        "WHERE game_id = ? ORDER BY period",
        (game["id"],),
    ).fetchall()
    con.close()
    wg = replay(text, Setup.from_dict(json.loads(setup)), rulings)
    view = umpire(client, game)
    assert [p.outcome for p in wg.history] == [h["outcome"] for h in view["history"]]
    assert wg.utility() == pytest.approx(view["utility"])


def test_the_after_action_report_opens_to_seats_when_the_game_is_over(client):
    game = new_game(client, periods=1)
    gid = game["id"]
    assert (
        client.get(
            f"/api/games/{gid}/report", headers={"x-token": game["seats"]["USA"]}
        ).status_code
        == 403
    )
    assert (
        client.get(f"/api/games/{gid}/report", headers={"x-token": game["umpire"]}).status_code
        == 200
    )
    submit(client, game, "USA")
    submit(client, game, "DPRK")
    r = client.get(f"/api/games/{gid}/report", headers={"x-token": game["seats"]["USA"]})
    data = r.json()
    assert data["finished"]
    assert {c["actor"] for c in data["choices"]} == {"USA", "DPRK"}
    csv = client.get(f"/api/games/{gid}/report.csv?token={game['seats']['DPRK']}").text
    assert csv.startswith("period,actor,infoset,action")
    page = client.get(f"/games/{gid}/report?token={game['umpire']}").text
    assert "Orders against the equilibrium" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"scenario": "korea-2017", "humans": ["NATO"]}, "humans must be"),
        ({"scenario": "korea-2017", "humans": []}, "humans must be"),
        ({"scenario": "korea-2017", "humans": ["USA", "USA"]}, "one seat"),
        ({"scenario": "korea-2017", "humans": ["USA"], "seed": -1}, "seed must be"),
        ({"scenario": "korea-2017", "humans": ["USA"], "deadline": 1}, "deadline must be"),
        ({"scenario": "korea-2017", "humans": ["USA"], "periods": 10**6}, "periods must be"),
        ({"scenario": "korea-2017", "humans": ["USA"], "path": "/etc"}, "unknown game option"),
        ({"scenario": "korea-2017", "humans": ["USA"], "foresight": "x"}, "foresight must be"),
        ({"scenario": "../../etc/passwd", "humans": ["USA"]}, "no scenario with id"),
    ],
)
def test_bad_games_are_refused(client, body, message):
    r = client.post("/api/games", json=body)
    assert r.status_code in (400, 404)
    assert message in r.json()["error"]


def test_game_pages_answer(client):
    game = new_game(client)
    gid = game["id"]
    assert client.get(f"/games/{gid}/seat/USA?token={game['seats']['USA']}").status_code == 200
    assert client.get(f"/games/{gid}/umpire?token={game['umpire']}").status_code == 200
    assert client.get("/games").status_code == 200
    assert (
        client.get(f"/api/games/{gid}/seat/PRC", headers={"x-token": game["umpire"]}).status_code
        == 403
    )


def test_a_game_plays_with_the_foresight_chosen(client):
    # the scenario's by default; a seat sees its own payoffs this period and with what
    # follows (its own column only), and the umpire and the report say which was used
    full = new_game(client, humans=("USA",))
    myopic = new_game(client, humans=("USA",), foresight="myopic")
    views = {}
    for game in (full, myopic):
        head = {"x-token": game["seats"]["USA"]}
        views[game["id"]] = client.get(f"/api/games/{game['id']}/seat/USA", headers=head).json()
    seat = views[full["id"]]
    assert seat["foresight"] == "full"
    assert seat["payoffs"] != seat["period_payoffs"]
    assert all(isinstance(v, float) for v in seat["payoffs"].values())  # one actor's column
    flat = views[myopic["id"]]
    assert flat["foresight"] == "myopic"
    assert flat["payoffs"] == flat["period_payoffs"] == seat["period_payoffs"]
    assert umpire(client, full)["foresight"] == "full"
    assert umpire(client, full)["equilibrium"] != umpire(client, myopic)["equilibrium"]
    submit(client, full, "USA")
    report = client.get(
        f"/api/games/{full['id']}/report", headers={"x-token": full["umpire"]}
    ).json()
    assert report["foresight"] == {"mode": "full", "method": "exact"}
