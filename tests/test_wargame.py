"""Wargames in the library: adjudication by the model, orders against the equilibrium,
what each seat sees, replay, and the after-action report.

Reference points: the model's play is the stage game's logit QRE (the
numbers of tests/test_stage_game.py); an order's cost is the
equilibrium's expected payoff at its information set minus the chosen
action's, both computed from the action values the logit response weighs
(McKelvey and Palfrey 1998), so the cost of an order is zero in
expectation over the equilibrium's own mix (checked below exactly).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import escalade
from escalade.errors import ParameterError
from escalade.wargame import FORESIGHT, Setup, Wargame, after_action, seat_view, umpire_view


@pytest.fixture(scope="module")
def korea():
    return escalade.load("korea-2017")


def first_orders(wg, actor):
    return {h: wg.game.actions_of(i)[0] for h, i in wg.infosets_of(actor).items()}


def play_out(wg, orders_of):
    while not wg.finished:
        wg.play({a: orders_of(wg, a) for a in wg.setup.humans})
    return wg


def test_the_same_seed_and_orders_give_the_same_game(korea):
    a = play_out(Wargame(korea, Setup(humans=("USA",), seed=11)), first_orders)
    b = play_out(Wargame(korea, Setup(humans=("USA",), seed=11)), first_orders)
    assert [p.outcome for p in a.history] == [p.outcome for p in b.history]
    assert [p.path for p in a.history] == [p.path for p in b.history]
    assert a.utility() == b.utility()


def test_different_orders_face_the_same_luck(korea):
    # every node draws the same uniform number whatever the orders: both seats
    # open on the sanctions track and differ only once the launch is detected,
    # so the model's DPRK move and chance's detection draw must agree
    a = Wargame(korea, Setup(humans=("USA",), seed=5))
    b = Wargame(korea, Setup(humans=("USA",), seed=5))
    pa = a.play({"USA": first_orders(a, "USA")})
    last = {h: a.game.actions_of(i)[-1] for h, i in b.infosets_of("USA").items()}
    last["US_track"] = "sanctions"
    pb = b.play({"USA": last})
    assert [s.mover for s in pa.path[:3]] == ["USA", "DPRK", "chance"]
    assert pa.path[:3] == pb.path[:3]
    assert pa.path[3].action != pb.path[3].action  # the orders did differ after the draw


def test_people_play_their_orders_and_the_model_the_rest(korea):
    wg = Wargame(korea, Setup(humans=("USA",), seed=2))
    orders = {h: wg.game.actions_of(i)[-1] for h, i in wg.infosets_of("USA").items()}
    period = wg.play({"USA": orders})
    for step in period.path:
        if step.mover == "USA":
            assert step.by == "human"
            assert step.action == orders[step.infoset]
        elif step.mover != "chance":
            assert step.by == "model"


def test_a_costs_expectation_over_the_equilibrium_mix_is_zero(korea):
    wg = Wargame(korea, Setup(humans=("DPRK",), seed=1))
    sg = wg.stage()
    for name, h in wg.infosets_of("DPRK").items():
        lo = int(wg.game.infoset_actions[h])
        acts = wg.game.actions_of(h)
        probs = sg.strategies[lo : lo + len(acts)]
        costs = []
        for a in acts:
            probe = Wargame(korea, Setup(humans=("DPRK",), seed=1))
            orders = {n: probe.game.actions_of(i)[0] for n, i in probe.infosets_of("DPRK").items()}
            orders[name] = a
            choice = next(c for c in probe.play({"DPRK": orders}).choices if c.infoset == name)
            costs.append(choice.cost)
        assert float(np.dot(probs, costs)) == pytest.approx(0.0, abs=1e-10)


def test_a_seat_sees_only_what_its_actor_knows(korea):
    wg = Wargame(korea, Setup(humans=("USA", "DPRK"), seed=3))
    usa = seat_view(wg, "USA")
    assert "equilibrium" not in usa
    assert {h["infoset"] for h in usa["infosets"]} == set(wg.infosets_of("USA"))
    assert set(usa["payoffs"]) == set(wg.game.outcomes)
    # the payoffs shown are the actor's own
    k = wg.game.players.index("USA")
    assert usa["payoffs"]["buildup"] == pytest.approx(wg.stage().outcome_payoffs[0, k])
    # at US_detected_sanctions the U.S. knows its own track, the provocation and
    # the detection; nothing else has happened
    detected = next(h for h in usa["infosets"] if h["infoset"] == "US_detected_sanctions")
    assert detected["seen"] == [
        {"mover": "USA", "move": "sanctions"},
        {"mover": "DPRK", "move": "provoke"},
        {"mover": "chance", "move": "detected"},
    ]
    # the North provokes, so chance draws whether the launch is detected
    provoke = {**first_orders(wg, "DPRK"), "sanctions": "provoke"}
    period = wg.play({"USA": first_orders(wg, "USA"), "DPRK": provoke})
    assert any(step.mover == "chance" for step in period.path)
    told = " ".join(seat_view(wg, "DPRK")["history"][0]["narrative"])
    assert "Chance" not in told  # chance's moves stay hidden until the game is over
    assert "Chance" in " ".join(umpire_view(wg)["history"][0]["narrative"])


def test_private_information_stays_private_in_beer_quiche():
    # the receiver does not know the sender's type: its information set pools both types
    wg = Wargame(escalade.load("beer-quiche"), Setup(humans=("receiver",), seed=1))
    view = seat_view(wg, "receiver")
    for h in view["infosets"]:
        assert all(s["mover"] != "chance" for s in h["seen"]), h
        # nor does any label: the file labels each node with the sender's type
        assert "strong" not in str(h)
        assert "weak" not in str(h)


def test_the_umpire_overrides_with_a_reason(korea):
    wg = Wargame(korea, Setup(humans=("USA",), seed=1))
    with pytest.raises(ParameterError, match="needs a reason"):
        wg.play({}, override="settlement")
    period = wg.play({}, override="settlement", reason="a summit the model does not see")
    assert period.outcome == "settlement"
    assert period.ruling == "override"


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ({"PRC": {}}, "played by the model"),
        ({"USA": {"US_quiet": "talks"}}, "missing"),
        ({"USA": {"nowhere": "talks"}}, "unknown"),
    ],
)
def test_bad_orders_say_what_is_wrong(korea, orders, message):
    wg = Wargame(korea, Setup(humans=("USA",), seed=1))
    with pytest.raises(ParameterError, match=message):
        wg.play(orders)


def test_bad_setups_are_refused(korea):
    with pytest.raises(ParameterError, match="people must play"):
        Wargame(korea, Setup(humans=("NATO",)))
    with pytest.raises(ParameterError, match="foresight"):
        Wargame(korea, Setup(humans=("USA",), foresight="full"))
    assert FORESIGHT == ("stage",)


def test_the_after_action_report_compares_with_the_models_games(korea):
    wg = play_out(Wargame(korea, Setup(humans=("USA",), seed=4, periods=3)), first_orders)
    aar = after_action(wg, runs=300)
    frame = aar.to_frame()
    assert len(frame) == len(wg.history) * len(wg.infosets_of("USA"))
    assert (frame["equilibrium_value"] - frame["value"] - frame["cost"]).abs().max() < 1e-12
    rows = {r["actor"]: r for r in aar.comparison()}
    assert 0.0 <= rows["USA"]["percentile"] <= 1.0
    assert rows["USA"]["game"] == pytest.approx(wg.utility()["USA"])
    assert {i["indicator"] for i in aar.indicators()} == {i.name for i in korea.dynamics.indicators}
    for claim in aar.claims():
        assert claim["claim"] in korea.claims


def test_a_one_shot_game_is_one_period():
    wg = Wargame(escalade.load("iig"), Setup(humans=("A",), seed=1))
    wg.play({"A": first_orders(wg, "A")})
    assert wg.finished
    outcome = wg.history[0].outcome
    k = wg.game.outcomes.index(outcome)
    assert wg.utility()["A"] == pytest.approx(wg.game.nominal_values().payoffs[0, k, 0])


def test_play_at_the_terminal(capsys, monkeypatch):
    import io

    from _cli import run

    monkeypatch.setattr("sys.stdin", io.StringIO("2\n" + "demand\n" + "1\n" * 10))
    code, out, err = run(capsys, "play", "iig", "--as", "A", "--seed", "2")
    assert code == 0, err
    assert "you play A; the model plays B" in out
    assert "A chose no_demand at root." in out
    assert "after-action report" in out


def test_play_stops_cleanly_at_the_end_of_input(capsys, monkeypatch):
    import io

    from _cli import run

    monkeypatch.setattr("sys.stdin", io.StringIO("9\n"))
    code, out, _err = run(capsys, "play", "korea-2017", "--as", "USA", "--periods", "2")
    assert code == 0
    assert "expected a number from 1 to" in out
    assert "end of input" in out


def test_play_names_an_unknown_actor(capsys):
    from _cli import run

    code, _out, err = run(capsys, "play", "iig", "--as", "C")
    assert code == 1
    assert "people must play some of the actors ['A', 'B']" in err


def test_the_umpire_can_go_back_to_any_period(korea):
    wg = play_out(Wargame(korea, Setup(humans=("USA",), seed=8, periods=3)), first_orders)
    history = umpire_view(wg)["history"]
    for before, after in itertools.pairwise(history):
        assert after["state_before"] == before["state"]
    first = history[0]
    assert first["state_before"] == Wargame(korea, Setup(humans=("USA",), seed=8)).state()
    assert sum(first["equilibrium"].values()) == pytest.approx(1.0)
    assert "state_before" not in seat_view(wg, "USA")["history"][0]
