"""The International Interaction Game on Signorino's (1999) tree."""

import numpy as np
import pytest

import escalade


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
