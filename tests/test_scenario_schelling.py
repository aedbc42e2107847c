"""Schelling's threat that leaves something to chance: the SPE switches at q*.

Closed form (Schelling 1960, ch. 8; the brinkmanship condition of Powell 1990):
at the brink the challenger persists iff the lottery (1 - q) U(Prevail) +
q U(Disaster) beats U(Withdraw), i.e. iff q < q* = (U(Prevail) - U(Withdraw)) /
(U(Prevail) - U(Disaster)) = gain / (gain + cost), with gain = gainC + backC (what
persisting wins over backing down) and cost = costC - backC (what disaster loses
against backing down). Below q* the brink fails and the defender concedes at once;
above it the brink deters and the challenger never challenges.
"""

import json

import numpy as np
import pytest

import escalade

NOMINAL = {"gainC": 1.0, "backC": 0.2, "costC": 10.0}
Q_STAR = (NOMINAL["gainC"] + NOMINAL["backC"]) / (NOMINAL["gainC"] + NOMINAL["costC"])


def probs(sol, i=0):
    return dict(zip(sol.game.outcomes, sol.outcomes[i], strict=True))


def test_nominal_threshold_is_the_closed_form():
    # 1.2 / 11 from the nominal values; the file's description quotes it.
    assert pytest.approx(1.2 / 11) == Q_STAR
    assert "1.2/11" in escalade.load("schelling-threat").description


@pytest.mark.parametrize(
    ("q", "outcome"),
    [(Q_STAR * (1 - 1e-6), "Concede"), (Q_STAR * (1 + 1e-6), "SQ"), (0.01, "Concede"), (0.5, "SQ")],
)
def test_spe_switches_exactly_at_q_star(q, outcome):
    sol = escalade.solve("schelling-threat", method="spe", overrides={"q": q})
    assert probs(sol)[outcome] == 1.0
    brink = sol.strategy("challenge/brink")
    assert brink == (
        {"withdraw": 0.0, "persist": 1.0} if q < Q_STAR else {"withdraw": 1.0, "persist": 0.0}
    )
    # The deliberate threat is never credible: a defied defender backs down.
    assert sol.strategy("challenge/threaten/persist") == {"back_down": 1.0, "fight": 0.0}


@pytest.mark.parametrize(("q", "outcome"), [(Q_STAR - 0.01, "Concede"), (Q_STAR + 0.01, "SQ")])
def test_cli_set_on_both_sides_of_q_star(cli, q, outcome):
    out = cli("solve", "schelling-threat", "--method", "spe", "--set", f"q={q!r}", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["outcomes"][outcome] == 1.0


def test_spe_follows_q_star_over_random_draws():
    sol = escalade.solve("schelling-threat", method="spe", draws=2000, seed=3)
    d = sol.draws
    q_star = (d["gainC"] + d["backC"]) / (d["gainC"] + d["costC"])
    deters = np.asarray(d["q"]) > q_star
    col = {o: i for i, o in enumerate(sol.game.outcomes)}
    np.testing.assert_array_equal(sol.outcomes[:, col["SQ"]], deters.astype(float))
    np.testing.assert_array_equal(sol.outcomes[:, col["Concede"]], (~deters).astype(float))
    # Both regimes occur in the sample, so the check can fail either way.
    assert 0.1 < deters.mean() < 0.9


def test_large_lambda_qre_matches_the_spe_on_both_sides():
    for q in (0.8 * Q_STAR, 1.2 * Q_STAR):
        spe = escalade.solve("schelling-threat", method="spe", overrides={"q": q})
        errors = [
            np.abs(
                escalade.solve(
                    "schelling-threat", method="qre", lam=lam, overrides={"q": q}
                ).outcomes
                - spe.outcomes
            ).max()
            for lam in (10.0, 100.0, 1000.0)
        ]
        # Smallest margins of any choice: 0.24 stake for the challenger at the brink
        # (|q - q*| (gainC + costC)), and backC = 0.2 at its first move when the brink
        # deters; the QRE error falls like exp(-0.2 lam).
        assert errors[0] > errors[1] > errors[2]
        assert errors[1] < 2 * np.exp(-0.2 * 100)
        assert errors[2] < 1e-15


@pytest.mark.gambit
@pytest.mark.parametrize("q", [0.05, 0.2])
def test_gambit_confirms_the_spe_is_an_equilibrium(gambit, q):
    # Oracle: Gambit's own payoff and regret computations on the exported tree.
    from _gambit import assert_spe_is_an_equilibrium  # imports pygambit, an optional extra

    assert_spe_is_an_equilibrium(escalade.as_game("schelling-threat", {"q": q}))
