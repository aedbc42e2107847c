"""What a fit gives: standard errors, predictions, profiles, bootstrap, tests, fitted scenario."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escalade
from _estimation import fitted
from escalade.errors import DataError, EstimationWarning, ParameterError
from escalade.estimation import fit
from escalade.scenario import bundled_path, load_scenario
from escalade.solvers import logit_qre

DATA = Path(str(bundled_path("egame12"))).parent / "data" / "war1800.csv"


def test_the_result_protocol() -> None:
    res = fitted("war1800_probit")
    text = str(res.summary())
    assert text.startswith("Strategic estimation: egame12 (agent error, probit link)")
    assert "Log-likelihood: -286.1238" in text
    assert "282 observations" in text
    frame = res.to_frame()
    assert list(frame.index) == list(res.names)
    assert frame.loc["u1_sq:s_wt_re1", "z"] == pytest.approx(-0.740015 / 0.279665, rel=1e-4)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["n_obs"] == 282
    assert d["cov_type"] == "hessian"
    assert set(d["coefficients"]) == set(res.names)
    html = res._repr_html_()
    assert html.startswith("<div")
    assert "u2_war" in html
    assert res.aic == pytest.approx(-2 * res.loglik + 2 * 10)
    assert res.bic == pytest.approx(-2 * res.loglik + 10 * np.log(282))


def test_the_three_covariance_estimators_agree_for_a_well_specified_model() -> None:
    # the information matrix equality: at a correctly specified model's maximum, minus the
    # Hessian and the outer product of gradients estimate the same matrix
    res = fitted("data_123_private")  # simulated from the model itself, 1,000 rows
    h, opg, sw = res.se("hessian"), res.se("opg"), res.se("sandwich")
    assert np.allclose(opg, h, rtol=0.15)
    assert np.allclose(sw, h, rtol=0.15)
    g = res.scores
    np.testing.assert_allclose(res.cov("opg"), np.linalg.inv(g.T @ g), rtol=1e-10)
    with pytest.raises(ParameterError, match="needs at least 2 bootstrap estimates"):
        res.cov("bootstrap")
    with pytest.raises(ParameterError, match="cov must be one of"):
        res.cov("jackknife")


def test_predictions_on_new_data_and_by_action() -> None:
    res = fitted("war1800_probit")
    frame = pd.read_csv(DATA).dropna(subset=["regime1", "regime2"]).head(5)
    new = res.predict(frame)
    np.testing.assert_allclose(new.to_numpy(), res.predict().head(5).to_numpy(), rtol=1e-12)
    actions = res.predict(kind="action")
    assert list(actions.columns) == [
        "P(stay at root)",
        "P(escalate at root)",
        "P(capitulate at escalate)",
        "P(fight at escalate)",
    ]
    # outcome probabilities are products of the moves
    out = res.predict()
    np.testing.assert_allclose(
        out["P(war)"], actions["P(escalate at root)"] * actions["P(fight at escalate)"], rtol=1e-12
    )
    frame.loc[frame.index[0], "regime1"] = "monarchy"
    with pytest.raises(DataError, match="'monarchy' is not a level the model was fitted with"):
        res.predict(frame)


def test_predictions_along_a_covariate_with_bands() -> None:
    res = fitted("war1800_probit")
    grid = res.predict_grid("balanc", values=7, seed=1)
    assert grid.shape == (7, 10)
    assert (grid["P(war):low"] <= grid["P(war)"]).all()
    assert (grid["P(war)"] <= grid["P(war):high"]).all()
    np.testing.assert_allclose(grid[["P(sq)", "P(capit)", "P(war)"]].sum(axis=1), 1.0, rtol=1e-12)
    levels = res.predict_grid("regime2", ci=0)
    assert list(levels["regime2"]) == ["autoc", "dem", "mixed"]
    with pytest.raises(ParameterError, match="unknown regressor 'balance'"):
        res.predict_grid("balance")


def test_ultimatum_predictions_are_expected_offers_and_acceptance() -> None:
    res = fitted("data_ult")
    pred = res.predict()
    assert list(pred.columns) == ["E(offer)", "P(accept)"]
    assert ((pred["E(offer)"] >= 0) & (pred["E(offer)"] <= 15)).all()
    # the model's expected offer follows the data's offers closely on average
    offers = res.built.response
    assert abs(pred["E(offer)"].mean() - offers.mean()) < 0.05 * offers.mean()


def test_a_profile_finds_the_better_maximum_games_misses_on_student_offers() -> None:
    # games' example (profile.game): the ultimatum fit of student_offers with s2 = 1 stops at a
    # non-global maximum of games' likelihood (probabilities floored at machine epsilon, here
    # clip=True); a profile finds a better point, and refitting from it does better
    sc = load_scenario("student-offers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = fit(sc, clip=True)
        with pytest.warns(EstimationWarning, match="non-global maximum"):
            prof = first.profile()
        again = fit(sc, clip=True, start=prof.best)
    assert prof.improved
    assert again.loglik > first.loglik + 1.0
    assert set(prof.to_frame().columns) == {"coefficient", "value", "loglik", "drop"}


def test_a_profile_at_the_maximum_finds_nothing_better() -> None:
    res = fitted("war1800_probit")
    prof = res.profile(["u2_war:balanc", "u1_sq:revis1"], steps=2)
    assert not prof.improved
    assert (prof.loglik <= res.loglik + 1e-9).all()
    assert len(prof.value) == 8


def test_bootstrap_same_seed_same_replicates_on_every_executor() -> None:
    res = fitted("war1800_logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = res.bootstrap(24, seed=5, chunk_size=8)
        b = res.bootstrap(24, seed=5, chunk_size=8, workers=2)
        c = res.bootstrap(24, seed=6, chunk_size=8)
    np.testing.assert_array_equal(a.boot, b.boot)
    assert not np.array_equal(a.boot, c.boot)
    assert a.default_cov_type() == "bootstrap"
    assert "bootstrap replicates" in str(a.summary())
    # each replicate is a maximum of its resampled likelihood: its gradient vanishes
    assert np.isfinite(a.se()).all()


@pytest.mark.slow
def test_bootstrap_on_a_dask_cluster_gives_the_same_replicates() -> None:
    distributed = pytest.importorskip("distributed")
    res = fitted("war1800_probit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        here = res.bootstrap(16, seed=9, chunk_size=4)
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            there = res.bootstrap(16, seed=9, chunk_size=4, cluster=cluster.scheduler_address)
    np.testing.assert_array_equal(here.boot, there.boot)


def test_bootstrap_replicates_are_true_refits() -> None:
    res = fitted("war1800_probit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = res.bootstrap(6, seed=2)
    rng = np.random.default_rng(np.random.SeedSequence(2).spawn(1)[0])
    n = res.n_obs
    weights = rng.multinomial(n, np.full(n, 1 / n), size=6).astype(float)
    ev = res.model.evaluate(boot.boot, order=2, weights=weights[: len(boot.boot)])
    # the log-likelihood gain Newton's method still expects: none worth speaking of
    for g, h in zip(ev.grad, ev.hess, strict=True):
        assert g @ np.linalg.solve(-h, g) < 1e-5  # they stop at 1e-6 by BFGS's curvature


def test_vuong_and_clarke_against_any_model_by_its_log_likelihoods() -> None:
    res = fitted("war1800_probit")
    other = fitted("war1800_logit")
    by_array = res.vuong(other.per_obs, n_params=other.n_coef)
    assert by_array.statistic == pytest.approx(res.vuong(other).statistic, rel=1e-12)
    assert by_array.preferred is None
    with pytest.raises(ParameterError, match="needs n_params"):
        res.clarke(other.per_obs)
    assert "Vuong test" in str(by_array.summary())


def test_the_fitted_scenario_reproduces_the_fitted_logit_model() -> None:
    # logit agent error is the logit QRE at lam = 1/(sqrt(2) sigma): at the coefficient
    # estimates (every draw parameter at 0), the fitted scenario's QRE at that lam gives the
    # fit's own predictions for the typical dispute
    res = fitted("war1800_logit")
    sc = res.to_scenario()
    assert sc.name == "egame12-fitted"
    assert sc.estimation is None
    assert len(sc.parameters.uncertain_names) == res.n_coef
    sol = logit_qre(escalade.as_game(sc), lam=1 / np.sqrt(2))
    expected = res.predict_grid("balanc", values=[res.typical_row()["balanc"]], ci=0)
    for o in ("sq", "capit", "war"):
        assert sol.outcome_probability(o) == pytest.approx(
            float(expected[f"P({o})"].iloc[0]), rel=1e-9
        )


def test_the_fitted_scenario_draws_coefficients_from_their_sampling_distribution() -> None:
    res = fitted("war1800_probit")
    sc = res.to_scenario()
    draws = sc.parameters.sample(20_000, seed=1)
    env = sc.environment(draws)
    names = [
        "fit_" + re.sub(r"[^A-Za-z0-9_]+", "_", n).strip("_").replace("__", "_") for n in res.names
    ]
    coefs = np.column_stack([env[n] for n in names])
    np.testing.assert_allclose(coefs.mean(axis=0), res.coef, atol=0.05)
    np.testing.assert_allclose(np.cov(coefs, rowvar=False), res.cov(), rtol=0.1, atol=0.02)
    fixed = res.to_scenario(uncertainty=False)
    assert fixed.parameters.uncertain_names == ()
