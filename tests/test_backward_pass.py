"""The batched backward/forward pass against a plain loop over nodes.

The pass works on a padded, renumbered layout in cache-sized blocks of
draws; these tests check that none of that shows in the results: every
number must match a direct node-by-node backward induction to 1e-12.
"""

import numpy as np
import pytest
from benchmarks._trees import random_tree_yaml

from escalade.game import CHANCE, TERMINAL, build_game, parse_efg
from escalade.scenario import load_scenario, load_scenario_text
from escalade.solvers import _slots, logit_qre, spe
from escalade.solvers._backward import backward_forward, best_response_rule, logit_rule

# Gambit-style outcomes on inner nodes (payoffs add up along the path), a chance
# node, a one-action node, a four-action node beside two-action ones, and ties.
INNER_EFG = """EFG 2 R "inner outcomes" { "A" "B" }
""
p "" 1 1 "" { "l" "m" "r" } 1 "toll" { 1, -1 }
c "" 1 "" { "h" 1/3 "t" 2/3 } 0
t "" 2 "h" { 3, 0 }
p "" 2 1 "" { "x" "y" "z" "w" } 3 "inner" { 0, 2 }
t "" 4 "tie" { 1, 1 }
t "" 5 "tie2" { 1, 1 }
t "" 6 "low" { 0, 0 }
t "" 4 "tie" { 1, 1 }
p "" 2 2 "" { "only" } 0
p "" 1 2 "" { "a" "b" } 0
t "" 7 "same" { 2, 2 }
t "" 8 "same2" { 2, 2 }
p "" 2 3 "" { "u" "v" } 0
t "" 9 "u" { 5, 1 }
t "" 10 "v" { -5, 1 }
"""


def reference(game, values, lam, fixed=None):
    """Backward induction node by node (vectorised over draws only)."""
    c, P, n = values.n_draws, game.n_players, game.n_nodes
    first, nch = game.first_child, game.n_children
    V = np.zeros((n, P, c))
    prob = np.ones((n, c))
    for i in reversed(range(n)):
        o = game.outcome[i]
        own = values.payoffs[:, o, :].T if o >= 0 else 0.0
        if game.kind[i] == TERMINAL:
            V[i] = own
            continue
        kids = np.arange(first[i], first[i] + nch[i])
        if game.kind[i] == CHANCE:
            p = values.chance[:, game.edge_chance[kids]].T
        else:
            u = V[kids, game.player[i]]
            best = u.max(axis=0)
            if lam is None:
                tied = u >= best - 1e-12 * (1 + np.abs(best))
                p = tied / tied.sum(axis=0)
            else:
                e = np.exp(lam * (u - best))
                p = e / e.sum(axis=0)
            if fixed is not None and not np.isnan(fixed[game.edge_action[kids]]).any():
                p = np.repeat(fixed[game.edge_action[kids]][:, None], c, axis=1)
        prob[kids] = p
        V[i] = (V[kids] * p[:, None, :]).sum(axis=0) + own
    reach = np.ones((n, c))
    for i in range(1, n):
        reach[i] = reach[game.parent[i]] * prob[i]
    dec = np.flatnonzero(game.edge_action >= 0)
    strategies = np.empty((c, game.n_actions))
    strategies[:, game.edge_action[dec]] = prob[dec].T
    return V[0].T, game.outcome_probabilities(reach).T, strategies, reach


def games():
    out = [build_game(load_scenario("iig")), parse_efg(INNER_EFG, name="inner")]
    for n_nodes, n_players, seed in [(60, 2, 1), (150, 3, 2), (90, 4, 3), (3, 2, 4)]:
        text = random_tree_yaml(n_nodes, n_players=n_players, seed=seed)
        out.append(build_game(load_scenario_text(text)))
    return out


@pytest.fixture(params=games(), ids=lambda g: g.name)
def game(request):
    return request.param


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 7 draws, so a batch spans many blocks and a short last one."""
    monkeypatch.setattr(_slots, "MIN_BLOCK", 7)
    monkeypatch.setattr(_slots, "MAX_BLOCK", 7)


def values_of(game, n=53):
    draws = game.parameters.sample(n, seed=5) if game.parameters.uncertain_names else None
    return game.evaluate(draws if draws is not None else game.parameters.nominal(n))


@pytest.mark.parametrize("lam", [None, 0.0, 1.5, 40.0])
def test_pass_matches_node_by_node_induction(game, lam, small_blocks):
    values = values_of(game)
    rule = best_response_rule if lam is None else logit_rule(lam)
    got = backward_forward(game, values, rule, keep_reach=True)
    want = reference(game, values, lam)
    for name, a, b in zip(
        ["payoffs", "outcomes", "strategies", "reach"],
        [got.payoffs, got.outcomes, got.strategies, got.reach],
        want,
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(got.strategy_sum, want[2].sum(axis=0), atol=1e-9)


def test_per_draw_lambda_and_fixed_choices(game, small_blocks):
    values = values_of(game)
    lam = np.linspace(0.0, 4.0, values.n_draws)
    fixed = np.full(game.n_actions, np.nan)
    lo, hi = game.infoset_actions[0], game.infoset_actions[1]
    fixed[lo:hi] = np.arange(1, hi - lo + 1) / np.arange(1, hi - lo + 1).sum()
    got = backward_forward(game, values, logit_rule(lam), fixed=fixed)
    for d in [0, 17, values.n_draws - 1]:
        one = type(values)(values.payoffs[d : d + 1], values.chance[d : d + 1])
        want = reference(game, one, float(lam[d]), fixed=fixed)
        np.testing.assert_allclose(got.payoffs[d], want[0][0], atol=1e-12)
        np.testing.assert_allclose(got.outcomes[d], want[1][0], atol=1e-12)


def test_block_size_does_not_change_results(game, monkeypatch):
    values = values_of(game, 300)
    whole = backward_forward(game, values, logit_rule(2.0))
    monkeypatch.setattr(_slots, "MIN_BLOCK", 13)
    monkeypatch.setattr(_slots, "MAX_BLOCK", 13)
    blocked = backward_forward(game, values, logit_rule(2.0))
    np.testing.assert_allclose(blocked.outcomes, whole.outcomes, rtol=0, atol=1e-14)
    np.testing.assert_allclose(blocked.payoffs, whole.payoffs, rtol=0, atol=1e-14)


def test_solvers_fill_their_results_in_place_and_time_the_evaluation():
    game = build_game(load_scenario("iig"))
    kept = spe(game, 500, seed=3, chunk_size=64)
    dropped = spe(game, 500, seed=3, chunk_size=64, keep_strategies=False)
    np.testing.assert_array_equal(kept.outcomes, dropped.outcomes)
    np.testing.assert_allclose(dropped.strategy_mean, kept.strategies.mean(axis=0), atol=1e-12)
    assert dropped.strategies is None
    assert 0 <= kept.diagnostics["evaluate_seconds"] <= kept.diagnostics["seconds"]
    q = logit_qre(game, 500, seed=3, lam=1.0, chunk_size=100)
    np.testing.assert_allclose(q.outcomes.sum(axis=1), 1.0, atol=1e-12)
