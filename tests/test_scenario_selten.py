"""Selten's horse (Selten 1975, IJGT 4:25, figure 1) against Gambit and closed forms.

Gambit's catalog stores the same game as ``journals/ijgt/selten1975/fig1``
with the same action names (R, L) in the same order, and its outcomes
1-5 in the order of the scenario's outcomes below.
"""

import json
import math

import numpy as np
import pytest

import escalade

pytestmark = pytest.mark.gambit

CATALOG = "journals/ijgt/selten1975/fig1"
# Catalog outcome labels, in the order of the scenario's outcomes (same tree, same order).
OUTCOMES = {
    "end": "Outcome 1",
    "horse": "Outcome 2",
    "trap": "Outcome 3",
    "call3": "Outcome 4",
    "clash": "Outcome 5",
}
PLAYERS = {"P1": "Player 1", "P2": "Player 2", "P3": "Player 3"}


def behaviour(sol):
    """``{(gambit player label, escalade infoset, action): probability}`` of a Solution."""
    g = sol.game
    out = {}
    for h, name in enumerate(g.infoset_names):
        player = PLAYERS[g.players[g.infoset_player[h]]]
        for a in range(g.infoset_actions[h], g.infoset_actions[h + 1]):
            out[(player, name, g.action_names[a])] = float(sol.strategies[0, a])
    return out


def gambit_profile(game, probs):
    """A Gambit behaviour profile with the given action probabilities (game order)."""
    prof = game.mixed_behavior_profile()
    for action, p in zip(game.actions, probs, strict=True):
        prof[action] = p
    return prof


def by_player_and_action(game, prof):
    """``{(player label, action label): probability}``; in this game every player has one
    information set, so player and action name it."""
    return {(a.infoset.player.label, a.label): float(prof[a]) for a in game.actions}


@pytest.mark.parametrize("lam", [0.5, 2.0, 8.0])
def test_logit_qre_matches_gambit_on_the_catalog_game(gambit, lam):
    # Source: pygambit 16.7, qre.logit_solve_lambda on the catalog game (Gambit's own
    # transcription of Selten's figure 1); payoffs and outcome probabilities from Gambit's
    # MixedBehaviorProfile.payoff / realiz_prob at that profile.
    game = gambit.catalog.load(CATALOG)
    (qre,) = gambit.qre.logit_solve_lambda(game, [lam])
    assert qre.lam == pytest.approx(lam, abs=1e-8)
    prof = gambit_profile(game, [qre[i] for i in range(len(qre))])
    sol = escalade.solve("selten-horse", method="qre", lam=lam)
    assert sol.converged.all()
    ours = behaviour(sol)
    theirs = by_player_and_action(game, prof)
    for (player, _, action), p in ours.items():
        assert p == pytest.approx(theirs[(player, action)], abs=1e-6)
    for i, pl in enumerate(sol.game.players):
        player = next(p for p in game.players if p.label == PLAYERS[pl])
        assert sol.payoffs[0, i] == pytest.approx(float(prof.payoff(player)), abs=1e-6)
    reach = {n.outcome.label: float(prof.realiz_prob(n)) for n in game.nodes if n.is_terminal}
    for o, name in enumerate(sol.game.outcomes):
        assert sol.outcomes[0, o] == pytest.approx(reach[OUTCOMES[name]], abs=1e-6)


def test_nash_finds_the_equilibria_of_gambits_enumpoly(gambit, cli):
    # Source: pygambit 16.7, nash.enumpoly_solve on the catalog game: two equilibria,
    # (R, R, L) - the perfect one - and (L, R, R), the imperfect one Selten's figure is
    # drawn to expose (player 2's R there is a threat player 2 would not carry out).
    game = gambit.catalog.load(CATALOG)
    expected = [
        by_player_and_action(game, eq) for eq in gambit.nash.enumpoly_solve(game).equilibria
    ]
    assert len(expected) == 2
    run = cli("solve", "selten-horse", "--method", "nash", "--json")
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)["equilibria"]
    assert len(found) == len(expected)
    got = [
        {
            (PLAYERS[player], action): p
            for player, infosets in eq["strategies"].items()
            for actions in infosets.values()
            for action, p in actions.items()
        }
        for eq in found
    ]
    for want in expected:
        assert any(all(g[k] == pytest.approx(v, abs=1e-9) for k, v in want.items()) for g in got), (
            want
        )
    # Payoffs at the two equilibria, read off Selten's figure: (1, 1, 1) and (3, 2, 2).
    assert sorted(tuple(eq["payoffs"].values()) for eq in found) == [
        pytest.approx((1.0, 1.0, 1.0)),
        pytest.approx((3.0, 2.0, 2.0)),
    ]


def test_qre_limit_selects_the_perfect_equilibrium(gambit, cli):
    # Selten (1975): in the perfect equilibrium players 1 and 2 play R and player 3 plays
    # L with probability >= 3/4 (player 2 needs 4 * Pr(R) <= 1), so play ends at player 2
    # with payoffs (1, 1, 1); the equilibrium (L, R, R) is not perfect. Gambit's
    # nash.logit_solve (the end of the same principal branch) gives player 1 and 2's R with
    # probability 1. Player 3's information set is off the path in the limit, so player
    # 3's mixture there is wherever each tracer stopped (Gambit about 0.001 on R, escalade
    # about 0.04): only the bound 1/4 is a property of the equilibrium.
    run = cli("solve", "selten-horse", "--method", "qre", "--lam", "inf", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["lam"] == "inf"
    assert out["outcomes"]["end"] == pytest.approx(1.0, abs=1e-6)
    assert list(out["payoffs"].values()) == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)
    s = out["strategies"]
    assert s["P3"]["P3_called"]["R"] <= 0.25
    (limit,) = gambit.nash.logit_solve(gambit.catalog.load(CATALOG)).equilibria
    theirs = by_player_and_action(limit.game, limit)
    assert s["P1"]["root"]["R"] == pytest.approx(theirs[("Player 1", "R")], abs=1e-6)
    assert s["P2"]["R"]["R"] == pytest.approx(theirs[("Player 2", "R")], abs=1e-6)
    assert theirs[("Player 3", "R")] <= 0.25


def completely_mixed(u1_end, u2_end, u2_horse, u1_call3, u1_horse, u3_trap, u3_call3):
    """The completely mixed equilibrium of the horse, from the three indifferences.

    Player 2 is indifferent when player 3 plays R with r = u2_end/u2_horse; player 1 when
    player 2's R probability x solves u1_end*x + (1-x)*u1_horse*r = u1_call3*r; player 3
    when its belief on player 1's node is u3_trap/(u3_trap + u3_call3), which fixes
    player 1's R probability y. Interior exactly when u1_call3*r > u1_end.
    """
    r = u2_end / u2_horse
    x = r * (u1_horse - u1_call3) / (u1_horse * r - u1_end)
    y = u3_call3 / (u3_call3 + (1 - x) * u3_trap)
    return y, x, r


def test_qre_limit_selects_the_completely_mixed_equilibrium_where_it_exists(gambit, tmp_path):
    # With u1_end = 0.6 and u2_end = 1.2 (inside the ranges), u1_call3*u2_end/u2_horse =
    # 0.9 > 0.6 and the indifferences above give Pr(R) = (0.8, 0.5, 0.3) for players
    # 1, 2, 3. Gambit's nash.logit_solve on the exported game ends at the same point.
    setting = {"u1_end": 0.6, "u2_end": 1.2}
    y, x, r = completely_mixed(0.6, 1.2, 4.0, 3.0, 4.0, 1.0, 2.0)
    assert (y, x, r) == pytest.approx((0.8, 0.5, 0.3))
    sol = escalade.solve("selten-horse", method="qre", lam=math.inf, overrides=setting)
    assert sol.converged.all()
    got = behaviour(sol)
    assert got[("Player 1", "root", "R")] == pytest.approx(y, abs=1e-4)
    assert got[("Player 2", "R", "R")] == pytest.approx(x, abs=1e-4)
    assert got[("Player 3", "P3_called", "R")] == pytest.approx(r, abs=1e-4)
    end = sol.game.outcomes.index("end")
    assert sol.outcomes[0, end] == pytest.approx(y * x, abs=1e-4)
    path = tmp_path / "horse.efg"
    path.write_text(escalade.write_efg(escalade.as_game("selten-horse", setting)))
    g = gambit.read_efg(str(path))
    (limit,) = gambit.nash.logit_solve(g).equilibria
    theirs = by_player_and_action(g, limit)
    assert [theirs[(p, "R")] for p in ("P1", "P2", "P3")] == pytest.approx([y, x, r], abs=1e-4)


def test_qre_limit_converges_on_every_draw_and_switches_with_the_regime():
    # Regression: 4 of these 500 draws used to stop short of the limit and be flagged
    # unconverged. The principal branch ends at the completely mixed equilibrium exactly
    # in the draws where it exists (u1_call3*u2_end/u2_horse > u1_end), else at (R, R, .).
    sol = escalade.solve("selten-horse", method="qre", lam=math.inf, draws=500, seed=3)
    assert sol.converged.all()
    d = sol.draws
    u1_end, u2_end, u2_horse, u1_call3, u1_horse, u3_trap, u3_call3 = (
        np.asarray(d[k])
        for k in ("u1_end", "u2_end", "u2_horse", "u1_call3", "u1_horse", "u3_trap", "u3_call3")
    )
    mixed = u1_call3 * u2_end / u2_horse > u1_end
    assert 0.1 < mixed.mean() < 0.4  # both regimes are sampled
    end = sol.outcomes[:, sol.game.outcomes.index("end")]
    # 1e-4: draws close to the regime boundary are nearly indifferent, so the tracer
    # reaches the regret tolerance while some play still leaks off the path.
    np.testing.assert_allclose(end[~mixed], 1.0, atol=1e-4)
    y, x, _ = completely_mixed(
        u1_end[mixed], u2_end[mixed], u2_horse[mixed], u1_call3[mixed],
        u1_horse[mixed], u3_trap[mixed], u3_call3[mixed],
    )  # fmt: skip
    np.testing.assert_allclose(end[mixed], y * x, atol=1e-4)
