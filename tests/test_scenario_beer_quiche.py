"""Cho and Kreps's (1987, QJE 102:179) beer-quiche game against the paper and Gambit."""

import json
import math

import numpy as np
import pytest

import escalade

pytestmark = pytest.mark.gambit

# Cho and Kreps: the sender is strong with probability 0.9, weak with 0.1.
P_STRONG, P_WEAK = 0.9, 0.1


def strategies_by_key(strategies):
    """``{(player, infoset, action): probability}`` from the JSON ``strategies`` object."""
    return {
        (player, infoset, action): p
        for player, infosets in strategies.items()
        for infoset, actions in infosets.items()
        for action, p in actions.items()
    }


def gambit_behaviour(game, probs):
    """``{(player, infoset, action): probability}`` for Gambit's action order."""
    return {
        (a.infoset.player.label, a.infoset.label, a.label): float(p)
        for a, p in zip(game.actions, probs, strict=True)
    }


def test_nash_finds_pooling_on_beer_and_pooling_on_quiche(cli):
    # `make demo` runs this very command. Cho and Kreps (1987): every equilibrium pools
    # (no separating equilibrium exists) and no duel happens on the path, so the outcome
    # is (type, common breakfast, no duel) with the prior 0.9/0.1; the breakfast not
    # eaten must be answered by a duel with probability >= 1/2 (taste 1 over the value 2
    # of avoiding a duel), or the type that prefers it would switch. Payoffs follow:
    # pooling on beer gives the sender 0.9*3 + 0.1*2 = 2.9, on quiche 0.9*2 + 0.1*3 = 2.1;
    # the receiver gets 0.9 (it spares the strong type) either way.
    run = cli("solve", "beer-quiche", "--method", "nash", "--json")
    assert run.returncode == 0, run.stderr
    eqs = json.loads(run.stdout)["equilibria"]
    kinds = set()
    for eq in eqs:
        s = strategies_by_key(eq["strategies"])
        beer = s[("sender", "strong", "beer")]
        assert s[("sender", "weak", "beer")] == pytest.approx(beer, abs=1e-9)  # pooling
        kind = "beer" if beer > 0.5 else "quiche"
        other = "quiche" if kind == "beer" else "beer"
        kinds.add(kind)
        want = dict.fromkeys(eq["outcomes"], 0.0)
        want[f"strong_{kind}_no_duel"] = P_STRONG
        want[f"weak_{kind}_no_duel"] = P_WEAK
        assert eq["outcomes"] == pytest.approx(want, abs=1e-9)
        assert s[("receiver", f"after_{other}", "duel")] >= 0.5 - 1e-9
        sender_payoff = 2.9 if kind == "beer" else 2.1
        assert eq["payoffs"] == pytest.approx({"sender": sender_payoff, "receiver": 0.9})
    assert kinds == {"beer", "quiche"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The scenario exported as a Gambit .efg file (what ``escalade export`` writes)."""
    path = tmp_path_factory.mktemp("bq") / "beer-quiche.efg"
    path.write_text(escalade.write_efg(escalade.as_game("beer-quiche")), encoding="utf-8")
    return path


@pytest.mark.parametrize("lam", [0.5, 2.0, 8.0])
def test_logit_qre_matches_gambit_on_the_exported_game(gambit, exported, lam):
    # Source: pygambit 16.7, qre.logit_solve_lambda on the exported .efg; payoffs and
    # outcome probabilities from Gambit's own MixedBehaviorProfile at that point.
    g = gambit.read_efg(str(exported))
    (qre,) = gambit.qre.logit_solve_lambda(g, [lam])
    assert qre.lam == pytest.approx(lam, abs=1e-7)
    probs = [qre[i] for i in range(len(qre))]
    prof = g.mixed_behavior_profile()
    for action, p in zip(g.actions, probs, strict=True):
        prof[action] = p
    sol = escalade.solve("beer-quiche", method="qre", lam=lam)
    assert sol.converged.all()
    ours = strategies_by_key(sol.to_dict()["strategies"])
    assert ours == pytest.approx(gambit_behaviour(g, probs), abs=1e-6)
    for i, pl in enumerate(sol.game.players):
        player = next(p for p in g.players if p.label == pl)
        assert sol.payoffs[0, i] == pytest.approx(float(prof.payoff(player)), abs=1e-6)
    reach = {n.outcome.label: float(prof.realiz_prob(n)) for n in g.nodes if n.is_terminal}
    for o, name in enumerate(sol.game.outcomes):
        assert sol.outcomes[0, o] == pytest.approx(reach[name], abs=1e-6)


def test_qre_limit_pools_on_beer(gambit, exported):
    # Cho and Kreps (1987): the intuitive criterion rejects pooling on quiche and keeps
    # pooling on beer, with quiche answered by a duel. McKelvey and Palfrey (1998) show the
    # logit AQRE selects one sequential equilibrium in generic games and that, in some
    # signalling games (Brandts and Holt's), that selection is not the intuitive one; on
    # Cho and Kreps's payoffs it is: Gambit's nash.logit_solve (the end of the same
    # principal branch) reaches pooling on beer, and so must escalade.
    out = escalade.solve("beer-quiche", method="qre", lam=math.inf).to_dict()
    assert out["outcomes"]["strong_beer_no_duel"] == pytest.approx(P_STRONG, abs=1e-6)
    assert out["outcomes"]["weak_beer_no_duel"] == pytest.approx(P_WEAK, abs=1e-6)
    assert out["payoffs"] == pytest.approx({"sender": 2.9, "receiver": 0.9}, abs=1e-6)
    ours = strategies_by_key(out["strategies"])
    g = gambit.read_efg(str(exported))
    (limit,) = gambit.nash.logit_solve(g).equilibria
    theirs = gambit_behaviour(g, [limit[a] for a in g.actions])
    assert ours == pytest.approx(theirs, abs=1e-6)
    assert ours[("receiver", "after_quiche", "duel")] == pytest.approx(1.0, abs=1e-6)


def test_qre_limit_pools_on_beer_in_every_draw():
    # Within the ranges both pooling kinds exist in every draw (see the parameter notes);
    # the principal branch ends at pooling on beer in all of them.
    sol = escalade.solve("beer-quiche", method="qre", lam=math.inf, draws=400, seed=11)
    assert sol.converged.all()
    o = {name: sol.outcomes[:, i] for i, name in enumerate(sol.game.outcomes)}
    p_weak = np.asarray(sol.draws["p_weak"])
    np.testing.assert_allclose(o["strong_beer_no_duel"], 1 - p_weak, atol=1e-4)
    np.testing.assert_allclose(o["weak_beer_no_duel"], p_weak, atol=1e-4)
