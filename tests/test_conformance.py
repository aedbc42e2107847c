"""Every bundled scenario through every solver and command that applies to it.

What must hold whatever the scenario, the way OpenSpiel's games_sim_test
plays every registered game:

- every solution is a probability distribution over outcomes, every
  strategy one over the actions of its information set, and the expected
  payoffs are the outcome probabilities times the payoff table;
- logit QRE at lambda = 0 is uniform play (each action of an information
  set with k actions has probability 1/k, by the definition of the logit
  response: exp(0 * v) is the same for every action);
- on games of perfect information the logit QRE approaches the
  subgame-perfect equilibrium as lambda grows (McKelvey and Palfrey 1998:
  the limit of the logit agent QRE of a perfect-information game is its
  SPE, ties split evenly on both sides), and reaches it at lambda = inf;
- spe refuses games with information sets, with a message saying why;
- exact Nash equilibria (Gambit, when pygambit is installed) of the small
  games are distributions with consistent payoffs;
- ``escalade solve --json`` prints the same distributions;
- scenarios with dynamics simulate under free play and every policy with
  consistent bookkeeping, and ``analyze`` ranks every policy;
- scenarios with an ``estimation:`` section fit their bundled data, the fit
  follows the result protocol, its predictions are distributions, and the
  scenario it writes back solves (the numbers of each fit are checked
  against R's ``games`` in test_estimation_r_games.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import escalade
from _cli import run
from escalade.errors import SolveError
from escalade.scenario import bundled_scenarios
from escalade.solvers import logit_qre, nash, spe

SCENARIOS = bundled_scenarios()
GAMES = {name: escalade.as_game(name) for name in SCENARIOS}
PERFECT = [n for n in SCENARIOS if GAMES[n].is_perfect_information]
IMPERFECT = [n for n in SCENARIOS if not GAMES[n].is_perfect_information]
DYNAMIC = [n for n in SCENARIOS if escalade.load(n).dynamics is not None]
ESTIMATED = [n for n in SCENARIOS if escalade.load(n).estimation is not None]
#: Exact Nash equilibria for trees up to this size: Gambit's enumpoly on korea-2017's
#: stage game (5 players, 90 nodes) runs for minutes, fearon-risk-return has 1,282 nodes.
NASH_MAX_NODES = 30
N_DRAWS = 8


def draws(name):
    return GAMES[name].parameters.sample(N_DRAWS, 0)


def check_solution(game, sol, *, unspecified=False):
    """Distributions over outcomes and actions, and payoffs that follow from them.

    ``unspecified``: an information set's actions may all be NaN (Gambit's Nash
    equilibria leave choices that the player's own strategy never reaches unsaid).
    """
    n = sol.n_draws
    assert sol.outcomes.shape == (n, game.n_outcomes)
    assert (sol.outcomes >= -1e-12).all()
    np.testing.assert_allclose(sol.outcomes.sum(axis=1), 1.0, atol=1e-9)
    assert np.isfinite(sol.payoffs).all()
    table = game.evaluate(sol.draws).payoffs  # (n, n_outcomes, n_players)
    np.testing.assert_allclose(
        sol.payoffs, np.einsum("no,nop->np", sol.outcomes, table), rtol=1e-9, atol=1e-9
    )
    strategies = sol.strategies if sol.strategies is not None else sol.strategy_mean[None, :]
    starts = game.infoset_actions
    for h in range(game.n_infosets):
        at_h = strategies[:, starts[h] : starts[h + 1]]
        if unspecified and np.isnan(at_h).all():
            continue
        assert ((at_h >= -1e-12) & (at_h <= 1 + 1e-12)).all()
        np.testing.assert_allclose(at_h.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize("lam", [0.0, 1.0, 5.0])
@pytest.mark.parametrize("name", SCENARIOS)
def test_qre_gives_distributions(name, lam):
    game = GAMES[name]
    sol = logit_qre(game, draws(name), lam=lam)
    check_solution(game, sol)
    assert sol.converged.all()


@pytest.mark.parametrize("name", SCENARIOS)
def test_qre_at_lambda_zero_is_uniform_play(name):
    game = GAMES[name]
    sol = logit_qre(game, draws(name), lam=0.0)
    sizes = np.diff(game.infoset_actions)
    uniform = np.repeat(1.0 / sizes, sizes)
    np.testing.assert_allclose(sol.strategies, np.broadcast_to(uniform, sol.strategies.shape))


@pytest.mark.parametrize("name", PERFECT)
def test_spe_gives_distributions(name):
    game = GAMES[name]
    sol = spe(game, draws(name))
    check_solution(game, sol)
    # a pure choice wherever a best response is unique; ties split evenly
    assert set(np.unique(np.round(sol.strategies, 12))) <= {0.0, 1.0} | {
        round(1 / k, 12) for k in range(2, 10)
    }


@pytest.mark.parametrize("name", PERFECT)
def test_qre_approaches_spe_as_lambda_grows(name):
    game = GAMES[name]
    d = draws(name)
    limit = spe(game, d)
    gaps = [
        float(np.abs(logit_qre(game, d, lam=lam).outcomes - limit.outcomes).max())
        for lam in (1.0, 1e5)
    ]
    assert gaps[1] < 1e-9 < gaps[0]
    at_inf = logit_qre(game, d, lam=float("inf"))
    np.testing.assert_allclose(at_inf.outcomes, limit.outcomes, atol=1e-12)
    np.testing.assert_allclose(at_inf.payoffs, limit.payoffs, atol=1e-12)


@pytest.mark.parametrize("name", IMPERFECT)
def test_spe_refuses_information_sets(name):
    with pytest.raises(SolveError, match="needs perfect information"):
        spe(GAMES[name])


@pytest.mark.parametrize("name", IMPERFECT)
def test_qre_limit_on_information_sets(name):
    game = GAMES[name]
    sol = logit_qre(game, draws(name), lam=float("inf"))
    check_solution(game, sol)
    assert sol.converged.all()


@pytest.mark.gambit
@pytest.mark.parametrize("name", [n for n in SCENARIOS if GAMES[n].n_nodes <= NASH_MAX_NODES])
def test_nash_equilibria_are_distributions(name, gambit):
    game = GAMES[name]
    equilibria = nash(game)
    assert equilibria
    for sol in equilibria:
        assert sol.method == "nash"
        check_solution(game, sol, unspecified=True)


@pytest.mark.parametrize("name", SCENARIOS)
def test_solve_json_prints_distributions(name, capsys):
    methods = ["qre", "spe"] if name in PERFECT else ["qre"]
    for method in methods:
        code, out, err = run(capsys, "solve", name, "--method", method, "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["scenario"] == name
        assert data["method"] == method
        assert sum(data["outcomes"].values()) == pytest.approx(1.0, abs=1e-9)
        assert set(data["payoffs"]) == set(GAMES[name].players)
        for infosets in data["strategies"].values():
            for actions in infosets.values():
                assert sum(actions.values()) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("name", DYNAMIC)
def test_simulation_bookkeeping_under_every_policy(name):
    scenario = escalade.load(name)
    for policy in [None, *(p.name for p in scenario.policies)]:
        res = escalade.simulate(scenario, policy, runs=200, seed=1)
        alive, ended = res.alive, res.ended_in
        # every run is either still going or has ended in exactly one outcome
        np.testing.assert_allclose(alive + ended.sum(axis=1), 1.0, atol=1e-12)
        # what has happened stays happened
        assert (np.diff(alive) <= 0).all()
        assert (np.diff(ended, axis=0) >= 0).all()
        assert (np.diff(res.cum_outcomes, axis=0) >= 0).all()
        assert (np.diff(res.cum_events, axis=0) >= 0).all()
        assert (res.cum_outcomes >= ended - 1e-12).all()
        # the aggregates are the means of the per-run records
        np.testing.assert_allclose(res.utility_by_period[-1], res.utility_mean)
        np.testing.assert_allclose(res.run_utility.mean(axis=0), res.utility_mean)
        np.testing.assert_allclose(res.run_flags.mean(axis=0), res.cum_indicators[-1])
        for j, indicator in enumerate(res.indicator_names):
            assert res.probability(indicator) == pytest.approx(res.run_flags[:, j].mean())
        assert res.state_mean.shape[0] == res.periods + 1


@pytest.mark.parametrize("name", DYNAMIC)
def test_analyze_ranks_every_policy(name):
    scenario = escalade.load(name)
    cmp = escalade.analyze(scenario, runs=50)
    assert sorted(cmp.ranking()) == sorted(p.name for p in scenario.policies)
    assert len(cmp.to_frame()) >= len(scenario.policies)


def test_the_estimation_examples_are_bundled():
    assert {"egame12", "egame122", "egame123", "ultimatum", "leblang2003"} <= set(ESTIMATED)


@pytest.mark.parametrize("name", ESTIMATED)
def test_estimation_fits_follow_the_protocol(name):
    fit = escalade.estimate(name)
    assert isinstance(fit, escalade.EstimationResult)
    assert isinstance(fit, escalade.Result)
    assert fit.converged
    assert np.isfinite(fit.loglik)
    assert np.isfinite(fit.se()).all()
    assert fit.to_frame().shape[0] == fit.n_coef
    assert str(fit.summary()).startswith(fit.summary().heading)
    assert fit._repr_html_() == fit.summary().html()
    data = fit.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    predicted = fit.predict()
    assert predicted.shape[0] == fit.n_obs
    if fit.spec.model != "ultimatum":
        np.testing.assert_allclose(predicted.sum(axis=1), 1.0, atol=1e-12)
    fitted = escalade.as_game(fit.to_scenario())
    check_solution(fitted, logit_qre(fitted, fitted.parameters.sample(N_DRAWS, 0), lam=1.0))
