"""Oracles for trees beyond games' four: escalade's own QRE solver, and normal integrals.

- Logit agent error is the logit agent QRE at ``lam = 1 / (sqrt(2) sigma)``
  (Signorino 2003; McKelvey and Palfrey 1998), so the likelihood's outcome
  probabilities must equal those of :func:`escalade.solvers.logit_qre`, an
  independent implementation, on the same payoffs.
- A probit choice among three actions with independent normal shocks has
  probabilities given by bivariate normal integrals of the differences
  (computed here by scipy's ``multivariate_normal.cdf``).
- Data simulated from known coefficients are fitted back (10,000 rows):
  the likelihood-ratio statistic of the truth against the fit is within
  the 99.9% quantile of its chi-squared distribution (Wald z values are
  unreliable where scales and utilities trade off), and the fit is at
  least as likely as the truth.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from _estimation_trees import GENERAL_VARIANTS, general_fit, general_scenario, simulate, truth
from escalade.estimation import fit
from escalade.estimation._dual import variable
from escalade.estimation._probit import probit_max
from escalade.game import build_game
from escalade.scenario import Draws
from escalade.solvers import logit_qre


def test_logit_agent_error_is_the_logit_qre_of_the_same_payoffs() -> None:
    res = general_fit("three_way_logit")
    model = res.model
    rows = np.arange(0, model.n_obs, 97)
    terminal, _ = model.outcome_probabilities(res.coef[None])
    game = build_game(general_scenario("three_way_logit"))
    # each row's utilities: the estimated parameters' values for that row
    eta = model.predictors(res.coef[None])[:, 0]
    names = [e.name for e in model.equations]
    values = {p.name: np.full(len(rows), p.nominal) for p in game.parameters}
    for j, name in enumerate(names):
        values[name] = eta[j, rows]
    sol = logit_qre(game, Draws(values, len(rows), game.parameters), lam=1 / np.sqrt(2))
    expected = sol.outcomes  # by outcome
    got = np.zeros_like(expected)
    for k, o in enumerate(res.built.terminal_outcomes):
        got[:, game.outcomes.index(o)] += terminal[0, rows, k]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sds", [(1.0, 1.0, 1.0), (0.5, 1.2, 2.0)])
def test_probit_choice_among_three_is_the_normal_integral(sds: tuple[float, float, float]) -> None:
    v = np.array([0.3, -0.4, 0.9])
    vals = [variable(np.array([[x]]), k) for k, x in enumerate(v)]
    logs = probit_max(vals, list(sds))
    got = np.exp([lp.v[0, 0] for lp in logs])
    s = np.array(sds)
    for a in range(3):
        others = [b for b in range(3) if b != a]
        # P(V_a + s_a e_a > V_b + s_b e_b for both b): the differences are bivariate normal
        mean = np.array([v[b] - v[a] for b in others])
        cov = np.array(
            [[s[a] ** 2 + (s[b] ** 2 if b == c else 0.0) for c in others] for b in others]
        )
        normal = stats.multivariate_normal(
            mean=np.zeros(2), cov=cov, abseps=1e-12, releps=1e-12, maxpts=10**7
        )
        expected = normal.cdf(-mean)
        assert got[a] == pytest.approx(expected, abs=1e-8)
    assert got.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("key", sorted(GENERAL_VARIANTS))
def test_simulated_coefficients_are_recovered(key: str) -> None:
    sc = general_scenario(key)
    data = simulate(sc, truth(key), n=10_000, seed=7)
    res = fit(sc, data)
    assert res.converged
    at_truth = res.model.evaluate(truth(key)[None], order=0).loglik[0]
    lr = 2.0 * (res.loglik - at_truth)
    assert 0.0 <= lr < stats.chi2.ppf(0.999, res.n_coef), lr


def test_an_outcome_reached_by_two_paths_sums_both() -> None:
    res = general_fit("three_way_logit")
    assert not res.model.unique_path  # outcome x follows left, and right/give/take
    terminal, _ = res.model.outcome_probabilities(res.coef[None])
    np.testing.assert_allclose(terminal.sum(axis=-1), 1.0, rtol=1e-12)
    per_obs = res.per_obs
    observed = res.model.observed
    np.testing.assert_allclose(per_obs, np.log((terminal[0] * observed).sum(axis=1)), rtol=1e-10)
