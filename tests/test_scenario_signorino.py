"""Signorino's (1999) crisis game against its closed-form agent-error choice probabilities."""

import itertools
import json

import numpy as np
import pytest

import escalade


def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def closed_form(d, lam):
    """Outcome probabilities (SQ, CAP, WAR) of Signorino's statistical backward induction.

    Signorino (1999), agent-error model with logistic errors (also Kenkel & Signorino
    2014, egame12 with link = "logit"): the last mover resists with
    p4 = Lambda(lam (U2(WAR) - U2(CAP))); player 1 challenges with
    p2 = Lambda(lam ((1 - p4) U1(CAP) + p4 U1(WAR) - U1(SQ))). Utilities as the
    scenario file writes them.
    """
    pwin = d["M1"] / 100
    u1 = {"SQ": 0.0, "CAP": d["stake1"], "WAR": pwin * d["stake1"] - d["cost1"]}
    u2 = {"CAP": 0.0, "WAR": (1 - pwin) * d["stake2"] - d["cost2"]}
    p4 = logistic(lam * (u2["WAR"] - u2["CAP"]))
    p2 = logistic(lam * ((1 - p4) * u1["CAP"] + p4 * u1["WAR"] - u1["SQ"]))
    return np.stack([1 - p2, p2 * (1 - p4), p2 * p4], axis=-1)


@pytest.mark.parametrize("lam", [0.5, 2.0, 10.0])
def test_qre_equals_signorinos_closed_form_over_random_draws(lam):
    sol = escalade.solve("signorino-crisis", method="qre", lam=lam, draws=300, seed=11)
    assert sol.game.outcomes == ("SQ", "CAP", "WAR")
    np.testing.assert_allclose(sol.outcomes, closed_form(sol.draws, lam), rtol=0, atol=1e-12)


def test_cli_qre_at_m1_60_matches_closed_form(cli):
    out = cli(
        "solve", "signorino-crisis", "--method", "qre", "--lam", "2", "--set", "M1=60", "--json"
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    # Closed form at M1 = 60, nominal stakes and costs: U2(WAR) - U2(CAP) = 0.4 - 0.3,
    # E U1(challenge) = (1 - p4) * 1 + p4 * (0.6 - 0.5).
    p4 = logistic(2 * 0.1)
    p2 = logistic(2 * ((1 - p4) + p4 * 0.1))
    assert got["lam"] == 2.0
    assert got["outcomes"]["SQ"] == pytest.approx(1 - p2, abs=1e-12)
    assert got["outcomes"]["CAP"] == pytest.approx(p2 * (1 - p4), abs=1e-12)
    assert got["outcomes"]["WAR"] == pytest.approx(p2 * p4, abs=1e-12)
    assert got["strategies"]["P2"]["challenge"]["resist"] == pytest.approx(p4, abs=1e-12)


@pytest.mark.parametrize(
    ("m1", "outcome"),
    [
        # Thresholds from the utilities: P1 attacks a resisting target iff M1 > 100 cost1/stake1
        # = 50; P2 resists iff M1 < 100 (1 - cost2/stake2) = 70.
        (0.0, "SQ"),
        (49.5, "SQ"),
        (50.5, "WAR"),
        (60.0, "WAR"),
        (69.5, "WAR"),
        (70.5, "CAP"),
        (100.0, "CAP"),
    ],
)
def test_spe_regimes_switch_at_the_capability_thresholds(m1, outcome):
    sol = escalade.solve("signorino-crisis", method="spe", overrides={"M1": m1})
    probs = dict(zip(sol.game.outcomes, sol.outcomes[0], strict=True))
    assert probs[outcome] == 1.0
    # Strict equilibrium: every choice is pure.
    assert set(np.unique(sol.strategies)) <= {0.0, 1.0}


def test_qre_approaches_spe_as_lambda_grows():
    spe = {
        m1: escalade.solve("signorino-crisis", method="spe", overrides={"M1": m1}).outcomes
        for m1 in (20.0, 45.0, 60.0, 80.0, 95.0)
    }
    errors = []
    for lam in (1.0, 10.0, 100.0, 1000.0):
        worst = 0.0
        for m1, spe_outcomes in spe.items():
            qre = escalade.solve("signorino-crisis", method="qre", lam=lam, overrides={"M1": m1})
            worst = max(worst, float(np.abs(qre.outcomes - spe_outcomes).max()))
        errors.append(worst)
    assert all(a > b for a, b in itertools.pairwise(errors))
    # The smallest margin of any choice at these M1 is 0.05 stake (P1 at M1 = 45, against
    # the threshold 50), so the error at lam is of order exp(-0.05 lam).
    assert errors[2] < 2 * np.exp(-0.05 * 100)
    assert errors[3] < 1e-15
