"""The International Interaction Game on Signorino's (1999) tree.

Bueno de Mesquita & Lalman (1992, War and Reason, ch. 3) analyse this game with
complete information; each test below states a condition on their utilities for
an equilibrium outcome and derives it by backward induction in a comment. Nego_i =
P_i U_i(D_i) + (1 - P_i) U_i(D_j) is i's value of negotiating, and "i retaliates"
means Nego_i - phi_i > U_i(D_j) - tau_i (fighting back beats capitulating to force).
"""

import numpy as np
import pytest

import escalade

OUTCOMES = ("SQ", "AcqA", "AcqB", "Nego", "CapA", "CapB", "WarA", "WarB")


def test_uniform_play_reaches_outcomes_with_signorinos_probabilities():
    # Source: DESIGN.md reference results - Signorino (1999, fig. 6) tree with every choice
    # at 1/2 gives Pr(SQ, Acq1, Acq2, Nego, Cap1, Cap2, War) =
    # (1/4, 1/8, 1/4, 3/32, 1/16, 5/64, 9/64). Acq1/Cap1 are A acquiescing/capitulating,
    # Acq2/Cap2 are B's; War is either side's war.
    sol = escalade.solve("iig", method="qre", lam=0.0)
    p = dict(zip(sol.game.outcomes, sol.outcomes[0], strict=True))
    got = [p["SQ"], p["AcqA"], p["AcqB"], p["Nego"], p["CapA"], p["CapB"], p["WarA"] + p["WarB"]]
    assert got == pytest.approx([1 / 4, 1 / 8, 1 / 4, 3 / 32, 1 / 16, 5 / 64, 9 / 64], abs=1e-15)


def test_probabilities_sum_to_one_in_every_draw():
    sol = escalade.solve("iig", method="qre", lam=3.0, draws=2000, seed=7)
    np.testing.assert_allclose(sol.outcomes.sum(axis=1), 1.0, atol=1e-12)


def test_nominal_spe_is_strict_and_keeps_the_status_quo():
    # Nominal: Nego_A = Nego_B = 0 < U(SQ) = 0.2 for both, and both retaliate
    # (-0.5 > -1.2), so the status quo holds; every choice in the tree is strict.
    sol = escalade.solve("iig", method="spe")
    assert sol.game.outcomes == OUTCOMES
    assert sol.outcome_probability("SQ") == 1.0
    assert set(np.unique(sol.strategies)) == {0.0, 1.0}


@pytest.fixture(scope="module")
def spe_draws():
    sol = escalade.solve("iig", method="spe", draws=4000, seed=2024)
    d = {k: np.asarray(v) for k, v in sol.draws.items()}
    d["NegoA"] = d["PA"] * d["UA_DA"] + (1 - d["PA"]) * d["UA_DB"]
    d["NegoB"] = d["PA"] * d["UB_DA"] + (1 - d["PA"]) * d["UB_DB"]
    d["A_retaliates"] = d["NegoA"] - d["phiA"] > d["UA_DB"] - d["tauA"]
    d["B_retaliates"] = d["NegoB"] - d["phiB"] > d["UB_DA"] - d["tauB"]
    p = {o: sol.outcomes[:, i] for i, o in enumerate(sol.game.outcomes)}
    # Random draws never tie, so every draw's equilibrium is pure.
    assert set(np.unique(sol.outcomes)) == {0.0, 1.0}
    return d, p


def test_status_quo_survives_iff_both_prefer_it_to_negotiation(spe_draws):
    # If both retaliate, a crisis ends in negotiation: starting a war gives Nego - alpha
    # and forcing a state that fights back starts one. Each state then counter-demands
    # (Nego beats conceding), so a demand leads to Nego, and the status quo holds iff
    # U_A(SQ) > Nego_A and U_B(SQ) > Nego_B.
    d, p = spe_draws
    both = d["A_retaliates"] & d["B_retaliates"]
    sq_stable = (d["UA_SQ"] > d["NegoA"]) & (d["UB_SQ"] > d["NegoB"])
    np.testing.assert_array_equal(p["SQ"][both], sq_stable[both])
    np.testing.assert_array_equal(p["Nego"][both], ~sq_stable[both])
    # Both cases occur among these draws, so the check can fail either way.
    assert 100 < sq_stable[both].sum() < both.sum() - 100


def test_a_state_that_would_capitulate_to_force_acquiesces_at_once(spe_draws):
    # If B would capitulate, A answers B's counter-demand with force and gets its
    # demand; B, saving tau_B, acquiesces at once; A, whose best payoff is its own
    # demand, demands: the game ends in AcqB.
    d, p = spe_draws
    yields = ~d["B_retaliates"]
    assert yields.sum() > 100
    np.testing.assert_array_equal(p["AcqB"][yields], 1.0)


def test_war_needs_a_first_strike_advantage(spe_draws):
    # War started by A: A uses force rather than negotiate only if, after negotiating, B
    # would force A to capitulate (Nego_A - alpha_A > U_A(D_B) - tau_A) while A would not
    # fight back (U_A(D_B) - tau_A > Nego_A - phi_A): this needs phi_A > alpha_A.
    # Where A would strike only a state that capitulates, no war starts.
    d, p = spe_draws
    no_edge = d["phiA"] < d["alphaA"]
    assert no_edge.sum() > 100
    np.testing.assert_array_equal(p["WarA"][no_edge], 0.0)
    # Wars do happen in the other draws, so the check is not vacuous.
    assert p["WarA"][~no_edge].sum() > 10
    # War started by B needs the mirror condition and more: B must be a state that
    # would capitulate if it negotiated, yet A, moving first, would then demand and B
    # acquiesce at once (as above). So B never gets to strike first.
    np.testing.assert_array_equal(p["WarB"], 0.0)


def test_preemptive_war_and_its_removal():
    # Nego_A = 0.5 - 0.5 * 0.5 = 0.25. A would capitulate if B forced it
    # (U_A(D_B) - tau_A = -0.55 > Nego_A - phi_A = -0.65) but prefers striking first
    # (Nego_A - alpha_A = 0.15); B fights back (-0.5 > -1.2). After A's demand the
    # crisis therefore ends in war started by A, and A prefers it (0.15) to sitting
    # still, which lets B demand and A acquiesce (-0.5).
    preempt = {"UA_DB": -0.5, "alphaA": 0.1, "phiA": 0.9, "tauA": 0.05}
    sol = escalade.solve("iig", method="spe", overrides=preempt)
    assert sol.outcome_probability("WarA") == 1.0
    assert set(np.unique(sol.strategies)) == {0.0, 1.0}
    # Without the first-strike advantage (phi_A < alpha_A) the same dyad does not
    # fight: A would lose the crisis it opens, so it lets B demand and acquiesces.
    calm = escalade.solve("iig", method="spe", overrides={**preempt, "alphaA": 0.95})
    assert calm.outcome_probability("AcqA") == 1.0


@pytest.mark.gambit
@pytest.mark.parametrize(
    "overrides", [{}, {"UA_DB": -0.5, "alphaA": 0.1, "phiA": 0.9, "tauA": 0.05}]
)
def test_gambit_confirms_the_spe_is_an_equilibrium(gambit, overrides):
    # Oracle: Gambit's own payoff and regret computations on the exported tree.
    from _gambit import assert_spe_is_an_equilibrium  # imports pygambit, an optional extra

    assert_spe_is_an_equilibrium(escalade.as_game("iig", overrides))
