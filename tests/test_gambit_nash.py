"""escalade.nash against calling pygambit directly, and the QRE limit against Gambit's.

Oracle: pygambit 16.7 on the catalog's own files: ``lcp_solve`` for two
players, ``enumpoly_solve`` otherwise, and ``logit_solve`` for the end of the
logit branch. escalade hands Gambit its own rewrite of the game, so these
tests also cover that the rewrite is the same game and that Gambit's
answers are mapped back onto the right information sets.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

pytest.importorskip("pygambit")

import pygambit as gbt

import escalade
from _gambit import (
    catalog_names,
    gambit_actions,
    gambit_payoffs_and_outcomes,
    gambit_profile,
    load_pair,
    to_gambit,
)
from escalade.game import parse_efg
from escalade.solvers._nash import _strategic_form_is_small

pytestmark = pytest.mark.gambit

#: Gambit's own enumpoly runs for minutes on these (measured: over 2 minutes each,
#: pygambit 16.7), so they are left out: a one-player absent-minded driver with two
#: selves, and a 2x2x4 table with a continuum of equilibria.
TOO_SLOW = {"journals/geb/gilboa1997/fig2", "journals/ijgt/nau2004/sec6"}
NAMES = [n for n in catalog_names() if n not in TOO_SLOW]


def _direct(gg, eg=None):
    """Gambit called directly the way escalade calls it: lcp for two players (on the
    strategic form while it is small, listing every equilibrium its Lemke-Howson paths
    reach; on the sequence form, one equilibrium, beyond), enumpoly otherwise."""
    if len(gg.players) == 2:
        if not gg.is_tree:
            return gbt.nash.lcp_solve(gg, rational=False, stop_after=100).equilibria
        if eg is not None and _strategic_form_is_small(eg):
            found = gbt.nash.lcp_solve(gg, rational=False, use_strategic=True, stop_after=100)
            return [p.as_behavior() for p in found.equilibria]
        return gbt.nash.lcp_solve(gg, rational=False).equilibria
    return gbt.nash.enumpoly_solve(gg, stop_after=100).equilibria


@pytest.mark.parametrize("name", NAMES)
def test_nash_matches_pygambit(name):
    gg, eg = load_pair(name)
    if not gg.is_perfect_recall:
        # Gambit refuses (lcp) or fails (enumpoly) on imperfect recall; escalade says so
        with pytest.raises(Exception) as direct:
            _direct(gg)
        with pytest.raises(escalade.SolveError, match=r"Gambit.s .* failed") as ours:
            escalade.nash(eg)
        assert str(direct.value) in str(ours.value)
        return
    expected = _direct(gg, eg)
    got = escalade.nash(eg)
    if len(gg.players) != 2:
        # pygambit 16.7's enumpoly is not deterministic: on selten1975/fig3 it finds 2 or
        # 3 equilibria from one process to the next (measured), so the lists cannot be
        # compared; every equilibrium escalade reports must be one by Gambit's own check.
        assert got
        for sol in got:
            prof = gambit_profile(gg, to_gambit(gg, eg, sol.strategies[0]))
            assert float(prof.max_regret()) < 1e-9
            pay = [float(prof.payoff(p)) for p in gg.players]
            np.testing.assert_allclose(sol.payoffs[0], pay, rtol=0, atol=1e-9)
        return
    # lcp is deterministic: the same equilibria in the same order
    assert len(got) == len(expected) >= 1
    for profile, sol in zip(expected, got, strict=True):
        probs = np.array([float(profile[a]) for a in gambit_actions(gg)])
        pay, out = gambit_payoffs_and_outcomes(gg, eg, probs)
        np.testing.assert_allclose(sol.payoffs[0], pay, rtol=0, atol=1e-9)
        np.testing.assert_allclose(sol.outcomes[0], out, rtol=0, atol=1e-9)


# Player 1 moves at the root, again after player 2 on the left (X) and on the right (Y).
# In breadth-first order escalade meets Y before X; Gambit orders a player's information
# sets as it walks the tree depth first (root, X, Y) whatever the file numbers them.
# The unique equilibrium (backward induction) is R, then v at Y, b for player 2, x at X.
ORDER_TEST = """EFG 2 R "order" { "1" "2" }
""
p "" 1 1 "root" { "L" "R" } 0
p "" 2 1 "A" { "a" "b" } 0
p "" 1 3 "X" { "x" "y" } 0
t "" 1 "o1" { 1, 0 }
t "" 2 "o2" { 0, 1 }
t "" 3 "o3" { 2, 2 }
p "" 1 2 "Y" { "u" "v" } 0
t "" 4 "o4" { 1, 3 }
t "" 5 "o5" { 3, 1 }
"""


def test_nash_maps_information_sets_met_in_a_different_order():
    gg = gbt.read_efg(io.StringIO(ORDER_TEST))
    eg = parse_efg(ORDER_TEST)
    (profile,) = gbt.nash.lcp_solve(gg, rational=False).equilibria
    (sol,) = escalade.nash(eg)
    probs = np.array([float(profile[a]) for a in gambit_actions(gg)])
    pay, out = gambit_payoffs_and_outcomes(gg, eg, probs)
    np.testing.assert_allclose(sol.outcomes[0], out, atol=1e-12)
    np.testing.assert_allclose(sol.payoffs[0], pay, atol=1e-12)
    # by hand: R then v ends in o5, worth (3, 1)
    assert sol.outcome_probability("o5") == pytest.approx(1.0)
    assert sol.strategy("2", player="1") == pytest.approx({"u": 0.0, "v": 1.0})


def test_nash_finds_every_equilibrium_of_a_table():
    # Shapley (1974) fig. 2 has three equilibria; Gambit's lcp on the table lists all
    # three (pygambit 16.7), and escalade hands Gambit the table, not the tree
    gg, eg = load_pair("journals/other/shapley1974/fig2")
    assert len(_direct(gg)) == 3
    assert len(escalade.nash(eg)) == 3


def test_nash_without_pygambit_names_the_extra(monkeypatch):
    _, eg = load_pair("journals/ijgt/selten1975/fig1")
    monkeypatch.setitem(sys.modules, "pygambit", None)  # import pygambit -> ImportError
    with pytest.raises(escalade.MissingDependencyError, match=r"pip install 'escalade\[gambit\]'"):
        escalade.nash(eg)


#: Games for the QRE limit: trees with information sets (two and three players, with
#: chance), a perfect-information tree and tables.
LIMIT_GAMES = [
    "books/myerson1991/fig2_1",
    "books/shohamleytonbrown2008/fig5_2",
    "books/watson2013/fig29_1",
    "journals/ijgt/selten1975/fig1",
    "journals/mor/vonstengelforges2008/fig1",
    "journals/other/reiley2008/fig1",
    "journals/other/shapley1974/fig2",
    "journals/ijgt/nau2004/sec4",
]


@pytest.mark.parametrize("name", LIMIT_GAMES)
def test_qre_limit_matches_gambits_logit_solve(name):
    gg, eg = load_pair(name)
    (profile,) = gbt.nash.logit_solve(gg).equilibria
    probs = np.array([float(profile[a]) for a in gambit_actions(gg)])
    pay, out = gambit_payoffs_and_outcomes(gg, eg, probs)
    sol = escalade.logit_qre(eg, lam=float("inf"))
    assert sol.converged.all()
    # Both stop once the largest regret is below 1e-8 of the payoff range, at different
    # lambdas; the profiles then agree to about 1e-6 (measured at most 7.6e-7).
    np.testing.assert_allclose(sol.payoffs[0], pay, rtol=0, atol=1e-5)
    np.testing.assert_allclose(sol.outcomes[0], out, rtol=0, atol=1e-5)
