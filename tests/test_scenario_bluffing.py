"""The two-type crisis-bluffing game against its closed-form equilibrium and Gambit.

Closed form (the indifference conditions of a two-type signalling game, Morrow 1994,
chs. 6-8; audience costs as in Fearon 1994). With prior p that the challenger is
resolved, the defender's indifference belief is

    mu* = (bluff_called + stake) / (bluff_called - war_defender)

(resisting a resolved challenger means war, resisting a bluffer makes it back down,
conceding costs the stake). For p < mu* the equilibrium with threats is semi-separating:
the resolved type threatens, the irresolute type bluffs with q* = p(1 - mu*)/((1 - p) mu*)
so that Bayes' rule puts the defender at mu*, and the defender resists with
r* = stake/(stake + audience_cost), which makes bluffing (r*(-audience_cost) +
(1 - r*) stake) worth exactly the status quo (0). For p >= mu* both types threaten and
the defender concedes.
"""

import json
import math

import numpy as np
import pytest

import escalade

NOMINAL = {"p": 0.25, "stake": 1.0, "audience_cost": 0.5, "war_defender": -2.0, "bluff_called": 0.0}
# Same prior, two regimes, both inside the declared ranges: calling a bluff is worth more
# and audience costs are lower (mu* = 0.6 > 0.4, semi-separating) - or war is harsher for
# the defender (mu* = 1/3 < 0.4, pooling).
SEMI = {"p_resolved": 0.4, "audience_cost": 0.25, "bluff_called": 0.5}
POOL = {"p_resolved": 0.4, "war_defender": -3.0}


def closed_form(p, stake, audience_cost, war_defender, bluff_called):
    """(q*, r*, outcome probabilities) of the equilibrium with threats."""
    mu = (bluff_called + stake) / (bluff_called - war_defender)
    if p < mu:
        q = p * (1 - mu) / ((1 - p) * mu)
        r = stake / (stake + audience_cost)
    else:
        q, r = 1.0, 0.0
    outcomes = {
        "status_quo_resolved": 0.0,
        "status_quo_irresolute": (1 - p) * (1 - q),
        "concede_to_resolved": p * (1 - r),
        "concede_to_bluff": (1 - p) * q * (1 - r),
        "war": p * r,
        "resolved_backs_down": 0.0,
        "war_irresolute": 0.0,
        "bluff_called": (1 - p) * q * r,
    }
    return q, r, outcomes


def expected(setting):
    values = dict(NOMINAL)
    values.update({("p" if k == "p_resolved" else k): v for k, v in setting.items()})
    return closed_form(**values)


def action_index(game, infoset, action):
    h = game.infoset_names.index(infoset)
    lo, hi = game.infoset_actions[h], game.infoset_actions[h + 1]
    return lo + game.action_names[lo:hi].index(action)


def set_args(setting):
    return [arg for k, v in setting.items() for arg in ("--set", f"{k}={v}")]


def test_closed_form_at_the_nominal_values():
    # mu* = (0 + 1)/(0 + 2) = 1/2; q* = 0.25*0.5/(0.75*0.5) = 1/3; r* = 1/1.5 = 2/3;
    # war = p r* = 1/6, bluffs called = 0.75 * 1/3 * 2/3 = 1/6, status quo = 1/2.
    q, r, out = expected({})
    assert (q, r) == pytest.approx((1 / 3, 2 / 3))
    assert out["war"] == pytest.approx(1 / 6)
    assert out["bluff_called"] == pytest.approx(1 / 6)
    assert sum(out.values()) == pytest.approx(1.0)
    assert expected(SEMI)[:2] == pytest.approx((4 / 9, 0.8))
    assert expected(POOL)[:2] == (1.0, 0.0)


@pytest.mark.parametrize(
    ("setting", "regime"),
    [({}, "semi"), (SEMI, "semi"), (POOL, "pool")],
    ids=["nominal", "semi", "pool"],
)
def test_qre_limit_reproduces_the_closed_form(cli, setting, regime):
    q, r, outcomes = expected(setting)
    run = cli("solve", "crisis-bluffing", "--lam", "inf", "--json", *set_args(setting))
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    c, d = out["strategies"]["challenger"], out["strategies"]["defender"]
    assert c["resolved"]["threaten"] == pytest.approx(1.0, abs=1e-4)
    assert c["irresolute"]["threaten"] == pytest.approx(q, abs=1e-4)
    assert d["threatened"]["resist"] == pytest.approx(r, abs=1e-4)
    assert out["outcomes"] == pytest.approx(outcomes, abs=1e-4)
    if regime == "pool":
        assert out["outcomes"]["war"] < 1e-4


def test_qre_limit_tracks_the_closed_form_across_draws():
    # Every draw of the ranges, whichever regime it falls in.
    sol = escalade.solve("crisis-bluffing", method="qre", lam=math.inf, draws=300, seed=2)
    assert sol.converged.all()
    d = sol.draws
    p, a, wd, b = (
        np.asarray(d[k]) for k in ("p_resolved", "audience_cost", "war_defender", "bluff_called")
    )
    mu = (b + 1) / (b - wd)
    semi = p < mu
    assert semi.any()
    assert (~semi).any()
    q = np.where(semi, p * (1 - mu) / ((1 - p) * mu), 1.0)
    r = np.where(semi, 1 / (1 + a), 0.0)
    threaten = sol.strategies[:, action_index(sol.game, "irresolute", "threaten")]
    resist = sol.strategies[:, action_index(sol.game, "threatened", "resist")]
    np.testing.assert_allclose(threaten, q, atol=1e-4)
    np.testing.assert_allclose(resist, r, atol=1e-4)
    war = sol.outcomes[:, sol.game.outcomes.index("war")]
    np.testing.assert_allclose(war, p * r, atol=1e-4)


@pytest.mark.gambit
@pytest.mark.parametrize(
    ("setting", "regime"), [({}, "semi"), (POOL, "pool")], ids=["nominal", "pool"]
)
def test_gambit_nash_equilibria_include_the_closed_form(gambit, cli, setting, regime):
    # Source: pygambit 16.7 lcp_solve (strategic form, all equilibria its Lemke-Howson
    # paths reach) through `escalade solve --method nash`. One of them must be the closed
    # form to rounding. The others Gambit finds are not sequentially rational: the
    # irresolute type plans to fight if resisted (an incredible threat that keeps the
    # defender conceding), or nobody threatens (the D1-failing equilibrium of the
    # description, with the resolved type's reply to resistance left undefined).
    q, r, outcomes = expected(setting)
    run = cli("solve", "crisis-bluffing", "--method", "nash", "--json", *set_args(setting))
    assert run.returncode == 0, run.stderr
    eqs = json.loads(run.stdout)["equilibria"]
    matches = 0
    for eq in eqs:
        c, d = eq["strategies"]["challenger"], eq["strategies"]["defender"]
        if (
            c["resolved"]["threaten"] == pytest.approx(1.0, abs=1e-9)
            and c["irresolute"]["threaten"] == pytest.approx(q, abs=1e-9)
            and d["threatened"]["resist"] == pytest.approx(r, abs=1e-9)
            and eq["outcomes"] == pytest.approx(outcomes, abs=1e-9)
        ):
            matches += 1
            continue
        nobody = c["resolved"]["quiet"] + c["irresolute"]["quiet"] == pytest.approx(2.0)
        # a choice the player's own equilibrium never reaches is left unspecified (null)
        fight = c["irresolute_resisted"]["fight"]
        incredible = fight is not None and fight > 1e-9
        assert nobody or incredible, eq["strategies"]
    assert matches >= 1
