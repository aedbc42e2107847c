"""Counts in summaries and messages agree with their nouns: one run, one year, two runs."""

from __future__ import annotations

from pathlib import Path

import escalade

STANDOFF = Path(__file__).parents[1] / "docs" / "examples" / "standoff.yaml"


def test_one_run_over_one_year_is_singular():
    res = escalade.simulate(STANDOFF, "hold", runs=1, periods=1, seed=1, foresight="myopic")
    notes = str(res.summary())
    assert "1 run over 1 year (" in notes, notes
    assert "Probability within 1 year" in notes
    assert repr(res).endswith("1 run x 1 period>")


def test_several_stay_plural():
    res = escalade.simulate(STANDOFF, "hold", runs=2, periods=3, seed=1, foresight="myopic")
    assert "2 runs over 3 years (" in str(res.summary())
