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
from pathlib import Path

import numpy as np
import pytest

import escalade
from escalade.errors import ParameterError
from escalade.scenario import Policy
from escalade.simulation import simulate, stage_game
from escalade.wargame import FORESIGHT, Setup, Wargame, after_action, seat_view, umpire_view


@pytest.fixture(scope="module")
def korea():
    return escalade.load("korea-2017")


def first_orders(wg, actor):
    return {h: wg.game.actions_of(i)[0] for h, i in wg.infosets_of(actor).items()}


def strategy_gap(sg, start):
    """Largest difference between a stage game's strategies and simulate's start block."""
    return max(
        abs(a["probability"] - start["strategies"][i["player"]][i["infoset"]][a["action"]])
        for i in sg.infosets()
        for a in i["actions"]
    )


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
    a = Wargame(korea, Setup(humans=("USA",), seed=5, foresight="myopic"))
    b = Wargame(korea, Setup(humans=("USA",), seed=5, foresight="myopic"))
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
    with pytest.raises(ParameterError, match="foresight must be one of full, myopic"):
        Wargame(korea, Setup(humans=("USA",), foresight="psychic"))
    assert FORESIGHT == ("full", "myopic", "exact", "approximate")


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


# ---------------------------------------------------------------- foresight


def test_with_foresight_the_model_opens_as_simulate_starts(korea):
    # simulate's "start" block: the first period at the initial state, solved with the
    # continuation values the model-played actors use; the wargame's first period must
    # be that stage game, strategy for strategy
    levers = {korea.levers[0].name: 1.0}
    wg = Wargame(korea, Setup(humans=("USA",), seed=3, levers=levers))
    start = simulate(korea, Policy("x", levers=levers), runs=10, seed=3).foresight.start_dict()
    sg = wg.stage()
    assert (wg.foresight, sg.foresight) == ("full", "exact")
    assert strategy_gap(sg, start) < 1e-9
    np.testing.assert_allclose(sg.payoffs, list(start["value"].values()), atol=1e-9)


def test_an_old_stage_game_replays_as_it_was_played(korea):
    # a game stored with foresight "stage" (before games looked ahead) is myopic; the
    # numbers are those the wargame gave before it had a choice (same seed and orders)
    setup = Setup.from_dict({"humans": ["USA"], "seed": 7, "periods": 4, "foresight": "stage"})
    wg = play_out(Wargame(korea, setup), first_orders)
    assert wg.foresight == "myopic"
    assert [p.outcome for p in wg.history] == ["buildup"] + ["provocation_unanswered"] * 3
    probs = [p.equilibrium[p.outcome] for p in wg.history]
    np.testing.assert_allclose(
        probs, [0.106455319413, 0.689671085275, 0.692437678711, 0.692855545455], atol=1e-11
    )
    np.testing.assert_allclose(
        [c.cost for c in wg.history[0].choices[:2]], [-0.009294030791, -0.111523963356], atol=1e-11
    )
    assert wg.utility()["USA"] == pytest.approx(-1.9238146, abs=1e-9)
    # and each period is the myopic stage game at the state it started from
    for p in wg.history:
        sg = stage_game(
            korea, Policy("wargame"), state=p.state_before, period=p.period, foresight="myopic"
        )
        np.testing.assert_allclose(list(p.equilibrium.values()), sg.outcomes, atol=1e-12)


def test_myopic_and_full_games_differ_where_they_should(korea):
    full = Wargame(korea, Setup(humans=("USA",), seed=2, periods=3))
    myopic = Wargame(korea, Setup(humans=("USA",), seed=2, periods=3, foresight="myopic"))
    pf = full.play({"USA": first_orders(full, "USA")})
    pm = myopic.play({"USA": first_orders(myopic, "USA")})
    # the same period's own payoffs, other equilibria and other costs: what follows counts
    assert pf.outcome_payoffs == pm.outcome_payoffs
    gap = max(abs(pf.equilibrium[k] - pm.equilibrium[k]) for k in pf.equilibrium)
    assert gap > 0.05
    assert [c.cost for c in pf.choices] != [c.cost for c in pm.choices]
    # an order's cost is still zero in expectation over the equilibrium's own mix
    for c in pf.choices:
        mix = sum(c.equilibrium[a] * (c.values[a] + 0.0) for a in c.values)
        assert c.values[c.action] + c.cost == pytest.approx(mix, abs=1e-12)


def test_values_are_computed_once_per_game(korea):
    a = Wargame(korea, Setup(humans=("USA",), seed=9, periods=2))
    b = Wargame(korea, Setup(humans=("USA",), seed=9, periods=2))
    assert a.chunk is not None
    assert b.chunk is not None
    assert a.chunk.values is not None
    assert a.chunk.values is b.chunk.values
    c = Wargame(korea, Setup(humans=("USA",), seed=9, periods=3))
    assert c.chunk is not None
    assert c.chunk.values is not a.chunk.values


def test_a_game_with_foresight_plays_to_the_end_and_says_so(korea):
    wg = play_out(Wargame(korea, Setup(humans=("USA",), seed=4, periods=4)), first_orders)
    assert wg.finished
    view = seat_view(Wargame(korea, Setup(humans=("USA",), seed=4)), "USA")
    assert view["foresight"] == "full"
    assert set(view["payoffs"]) == set(view["period_payoffs"]) == set(wg.game.outcomes)
    text = str(after_action(wg, runs=100).summary())
    assert "foresight full" in text


def test_fitted_values_are_simulates_with_the_same_seed(korea):
    # foresight: approximate fits values on sampled states; the game samples them as a
    # simulation with the game's seed does, so it opens as that simulation starts
    setup = Setup(humans=("USA",), seed=3, periods=4, foresight="approximate")
    wg = Wargame(korea, setup)
    assert wg.computed == "approximate"
    sim = simulate(korea, Policy("x"), runs=10, seed=3, periods=4, foresight="approximate")
    start = sim.foresight.start_dict()
    sg = wg.stage()
    assert strategy_gap(sg, start) < 1e-9
    assert len(play_out(wg, first_orders).history) == 4


def test_play_takes_a_foresight(capsys, monkeypatch):
    import io

    from _cli import run

    monkeypatch.setattr("sys.stdin", io.StringIO("1\n" * 40))
    args = ("play", "korea-2017", "--as", "USA", "--periods", "1", "--seed", "2")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "(foresight full, looking ahead)" in out
    assert "Model foresight full (exact continuation values)" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n" * 40))
    code, out, err = run(capsys, *args, "--foresight", "myopic")
    assert code == 0, err
    assert "(foresight myopic)" in out
    assert "Model foresight myopic" in out


def test_an_umpire_cannot_rule_what_exact_values_never_valued(tmp_path):
    # pushing back always spirals into war here, so "pushed_back" cannot happen: exact
    # values have no state after it; the ruling is refused (myopic actors can follow it)
    text = (Path(__file__).parent / "fixtures" / "border.yaml").read_text(encoding="utf-8")
    text = text.replace('calm: "1 - p_accident * (1 + tension)"', 'calm: "0 * p_accident"')
    text = text.replace('spiral: "p_accident * (1 + tension)"', 'spiral: "1 + 0 * p_accident"')
    path = tmp_path / "border.yaml"
    path.write_text(text, encoding="utf-8")
    border = escalade.load(path)
    wg = Wargame(border, Setup(humans=("A",), seed=1))
    assert wg.computed == "exact"
    with pytest.raises(ParameterError, match="pushed_back cannot happen at this state"):
        wg.play({}, override="pushed_back", reason="a test")
    assert wg.history == []
    wg.play({}, override="probe_unanswered", reason="a test")  # one that can happen
    myopic = Wargame(border, Setup(humans=("A",), seed=1, foresight="myopic"))
    assert myopic.play({}, override="pushed_back", reason="a test").outcome == "pushed_back"


@pytest.mark.parametrize("foresight", ["exact", "approximate"])
def test_every_period_is_played_as_the_simulation_plays_it(korea, foresight):
    # a simulation's chunk gives each period's outcome probabilities from its values (the
    # exact table's solution, or fitted values at the state); the wargame solves the same
    # stage game from the payoffs it reads, strategy by strategy: the two must agree
    wg = Wargame(korea, Setup(humans=("USA",), seed=6, periods=4, foresight=foresight))
    while not wg.finished:
        sg = wg.stage()
        stage = wg.chunk.stage(wg.period)
        np.testing.assert_allclose(sg.outcomes, wg.chunk.solve(stage)[0], atol=1e-9)
        wg.play({"USA": first_orders(wg, "USA")})
    assert len(wg.history) >= 2
