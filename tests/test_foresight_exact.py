"""Exact foresight is the unrolled game's equilibrium, solved by others.

Oracles: the whole multi-period game, unrolled into one tree
(``escalade export --unroll``), solved without the dynamic-programming
code: by escalade's batch solvers on the tree (logit QRE, SPE), by a plain
recursion written here, and by Gambit 16.7 (``pygambit.qre.
logit_solve_lambda``) on the exported ``.efg``. The first period's
strategies and each actor's start value that ``simulate`` reports in
exact mode must equal the unrolled game's first-period strategies and
expected payoffs.

Logit QRE is not scale-invariant: the unrolled game's leaves are
discounted to period 1, so its agent QRE equals the engine's
(current-value units) only with ``delta = 1``; with ``delta < 1`` the
engine equals the unrolled game with each decision of period ``t`` at
precision ``lam / delta**(t - 1)``, which the recursion below computes.
SPE is scale-invariant and is checked with discounting.
"""

from __future__ import annotations

import numpy as np
import pytest

import escalade
from _foresight import LADDER, SIGNALS, scenario
from escalade.errors import ScenarioError
from escalade.game import CHANCE, DECISION, write_efg
from escalade.simulation import simulate, unroll

CASES = [
    # (name, text, fixed parameters, periods, policy)
    ("ladder", LADDER, {}, 3, None),
    ("ladder-firm", LADDER, {}, 3, "firm"),
    ("ladder-soft", LADDER, {"stake": 1.4}, 3, "soft"),
    ("ladder-4", LADDER, {"war_cost": 2.5}, 4, None),
    ("signals", SIGNALS, {}, 2, None),
    ("korea-2", "korea", {"delta": 1.0}, 2, None),
    ("korea-2-impatience", "korea", {"delta": 1.0}, 2, "strategic_impatience"),
]


def _policy(sc, name):
    return None if name is None else next(p for p in sc.policies if p.name == name)


def _engine(sc, policy, periods, **options):
    res = simulate(sc, policy, runs=4, seed=0, periods=periods, foresight="exact", **options)
    assert res.foresight.method == "exact"
    return res.foresight.start, res.foresight.start_value


def _first_period(start, unrolled_strategy):
    """Pairs (engine, unrolled) of action probabilities at every free first-period infoset."""
    g = start.game
    pairs = []
    for h, name in enumerate(g.infoset_names):
        key = f"1.0:{name}"
        try:
            theirs = unrolled_strategy(key)
        except KeyError:  # a choice the policy fixes is a chance node in the unrolled game
            continue
        lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
        ours = {g.action_names[a]: float(start.strategy_mean[a]) for a in range(lo, hi)}
        pairs.append((ours, theirs))
    assert pairs
    return pairs


@pytest.mark.parametrize("lam", [0.5, 2.0])
@pytest.mark.parametrize(("name", "text", "fixed", "periods", "policy"), CASES)
def test_exact_values_are_the_unrolled_games_logit_qre(name, text, fixed, periods, policy, lam):
    sc = scenario(text, **fixed)
    start, value = _engine(sc, policy, periods, lam=lam)
    tree = unroll(sc, _policy(sc, policy), periods=periods)
    sol = escalade.logit_qre(tree, lam=lam)
    assert sol.converged.all()
    np.testing.assert_allclose(value, sol.payoffs[0], rtol=0, atol=1e-9)
    for ours, theirs in _first_period(start, sol.strategy):
        assert ours.keys() == theirs.keys()
        np.testing.assert_allclose(list(ours.values()), list(theirs.values()), atol=1e-9)


@pytest.mark.parametrize(
    ("name", "text", "fixed", "periods", "policy"),
    [
        ("ladder", LADDER, {"d": 0.85}, 3, None),
        ("ladder-firm", LADDER, {"d": 0.8}, 4, "firm"),
        ("korea-2", "korea", {}, 2, None),
        ("korea-2-talks", "korea", {}, 2, "talks"),
    ],
)
def test_exact_spe_is_the_unrolled_games_spe_with_discounting(name, text, fixed, periods, policy):
    sc = scenario(text, **fixed)
    start, value = _engine(sc, policy, periods, method="spe")
    tree = unroll(sc, _policy(sc, policy), periods=periods)
    sol = escalade.spe(tree)
    np.testing.assert_allclose(value, sol.payoffs[0], rtol=0, atol=1e-9)
    for ours, theirs in _first_period(start, sol.strategy):
        np.testing.assert_allclose(list(ours.values()), list(theirs.values()), atol=1e-9)


def _discounted_logit(tree, lam, delta):
    """Logit QRE of a perfect-information unrolled tree with each period-t decision at
    precision lam / delta**(t - 1), by plain recursion from the leaves: the root's value
    and each information set's action probabilities."""
    pay = tree.evaluate(tree.parameters.nominal()).payoffs[0]
    chance = tree.evaluate(tree.parameters.nominal()).chance[0]
    first, count = tree.first_child, tree.n_children
    value = np.zeros((tree.n_nodes, tree.n_players))
    probs = {}
    for node in range(tree.n_nodes - 1, -1, -1):
        if count[node] == 0:
            value[node] = pay[tree.outcome[node]]
            continue
        kids = np.arange(first[node], first[node] + count[node])
        if tree.kind[node] == CHANCE:
            p = chance[tree.edge_chance[kids]]
        else:
            assert tree.kind[node] == DECISION
            name = tree.infoset_names[tree.infoset[node]]
            period = int(name.split(".")[0])
            v = value[kids, tree.player[node]] * lam / delta ** (period - 1)
            p = np.exp(v - v.max())
            p /= p.sum()
            actions = [tree.action_names[tree.edge_action[k]] for k in kids]
            probs[name] = dict(zip(actions, p, strict=True))
        value[node] = p @ value[kids]
    return value[0], probs


@pytest.mark.parametrize(
    ("text", "fixed", "periods", "delta"),
    [(LADDER, {"d": 0.8}, 3, 0.8), ("korea", {}, 2, 0.95)],
)
def test_discounted_qre_is_the_unrolled_game_with_lambda_scaled_per_period(
    text, fixed, periods, delta
):
    sc = scenario(text, **fixed)
    start, value = _engine(sc, None, periods, lam=2.0)
    tree = unroll(sc, periods=periods)
    root, probs = _discounted_logit(tree, 2.0, delta)
    np.testing.assert_allclose(value, root, rtol=0, atol=1e-9)
    for ours, theirs in _first_period(start, lambda key: probs[key]):
        np.testing.assert_allclose(list(ours.values()), list(theirs.values()), atol=1e-9)
    # and the undiscounted-precision QRE of the same tree is a different answer
    plain = escalade.logit_qre(tree, lam=2.0)
    assert np.abs(plain.payoffs[0] - value).max() > 1e-4


@pytest.mark.parametrize("lam", [0.5, 2.0])
@pytest.mark.parametrize(
    ("text", "periods", "policy"), [(LADDER, 2, None), (LADDER, 2, "soft"), (SIGNALS, 2, None)]
)
def test_gambit_logit_on_the_exported_unrolled_game(tmp_path, text, periods, policy, lam):
    gbt = pytest.importorskip("pygambit")
    from _gambit import flat, gambit_profile, to_escalade

    sc = scenario(text)
    start, value = _engine(sc, policy, periods, lam=lam)
    tree = unroll(sc, _policy(sc, policy), periods=periods)
    path = tmp_path / "unrolled.efg"
    path.write_text(write_efg(tree))
    gg = gbt.read_efg(str(path))
    (r,) = gbt.qre.logit_solve_lambda(gg, [lam])
    eg = escalade.load(path)
    # the file read back has the tree's nodes and actions in the same order
    assert eg.action_names == tree.action_names
    assert eg.n_nodes == tree.n_nodes
    sigma = to_escalade(gg, eg, flat(r))
    for h, name in enumerate(tree.infoset_names):
        if not name.startswith("1.0:"):
            continue
        lo, hi = tree.infoset_actions[h], tree.infoset_actions[h + 1]
        stage_name = name[len("1.0:") :]
        np.testing.assert_allclose(
            sigma[lo:hi], list(start.strategy(stage_name).values()), rtol=0, atol=1e-6
        )
    profile = gambit_profile(gg, flat(r))
    gambit_value = [float(profile.payoff(p)) for p in gg.players]
    np.testing.assert_allclose(value, gambit_value, rtol=0, atol=1e-6)


def test_an_unrolled_game_too_large_is_refused_with_its_size():
    with pytest.raises(ScenarioError, match=r"would have 489 nodes; expected at most 300;"):
        unroll(scenario(LADDER), max_nodes=300)
    with pytest.raises(
        ScenarioError, match=r"korea-2017: the unrolled game over 10 years would have more than"
    ):
        unroll(scenario("korea"))
