"""escalade.nash against calling pygambit directly, and the QRE limit against Gambit's.

Oracle: pygambit 16.7 on the catalog's own files: ``lcp_solve`` for two
players, ``enumpoly_solve`` otherwise, and ``logit_solve`` for the end of the
logit branch. escalade hands Gambit its own rewrite of the game, so these
tests also cover that the rewrite is the same game and that Gambit's
answers are mapped back onto the right information sets.
"""

from __future__ import annotations

import io
import math
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

pytestmark = pytest.mark.gambit

#: Gambit's own enumpoly runs for minutes on these (measured: over 2 minutes each,
#: pygambit 16.7), so they are left out here: a one-player absent-minded driver with two
#: selves (where enumpoly also ends in a segmentation fault), and a 2x2x4 table with a
#: continuum of equilibria. test_errors_nash.py holds escalade's answers on them.
TOO_SLOW = {"journals/geb/gilboa1997/fig2", "journals/ijgt/nau2004/sec6"}
NAMES = [n for n in catalog_names() if n not in TOO_SLOW]


def pure_strategies(gg) -> int:
    """The largest number of pure strategies of a player of Gambit's tree: the product
    of the numbers of actions at the player's information sets (unreduced)."""
    return max(math.prod(len(h.actions) for h in p.infosets) for p in gg.players)


def _direct(gg):
    """Gambit called directly the way escalade's documentation says it calls it: lcp
    for two players (on the strategic form while every player has at most 512 pure
    strategies, listing every equilibrium its Lemke-Howson paths reach; on the sequence
    form, one equilibrium, beyond), enumpoly otherwise."""
    if len(gg.players) == 2:
        if not gg.is_tree:
            return gbt.nash.lcp_solve(gg, rational=False, stop_after=100).equilibria
        if pure_strategies(gg) <= 512:
            found = gbt.nash.lcp_solve(gg, rational=False, use_strategic=True, stop_after=100)
            return [p.as_behavior() for p in found.equilibria]
        return gbt.nash.lcp_solve(gg, rational=False).equilibria
    return gbt.nash.enumpoly_solve(gg, stop_after=100).equilibria


@pytest.mark.parametrize("name", NAMES)
def test_nash_matches_pygambit(name):
    gg, eg = load_pair(name)
    if not gg.is_perfect_recall:
        # Gambit refuses (lcp) or fails (enumpoly: "map::at", or a crash) on imperfect
        # recall; escalade says so before asking, and names what can solve the game
        if len(gg.players) == 2:
            with pytest.raises(RuntimeError, match="imperfect recall is not supported"):
                _direct(gg)
        with pytest.raises(escalade.SolveError, match=r"imperfect recall.*method=.qre."):
            escalade.nash(eg)
        return
    expected = _direct(gg)
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


def test_lcp_on_the_strategic_form_lists_several_equilibria():
    # The documented rule picks the strategic form on all 24 of the catalog's 2-player
    # trees of perfect recall (at most 32 pure strategies each, pygambit 16.7), where
    # Lemke-Howson finds 3 equilibria on 7 of them and 7 on fig9; the sequence form finds
    # one. The counts are Gambit's own, called as documented (test_nash_matches_pygambit
    # compares the equilibria one by one).
    gg, eg = load_pair("journals/mor/vonstengelforges2008/fig9")
    assert pure_strategies(gg) <= 512
    strategic = gbt.nash.lcp_solve(gg, rational=False, use_strategic=True, stop_after=100)
    assert len(escalade.nash(eg, algorithm="lcp")) == len(strategic.equilibria) == 7
    assert len(gbt.nash.lcp_solve(gg, rational=False).equilibria) == 1


def _many_strategies(k: int) -> str:
    """Chance picks one of k nodes where player 1 chooses, then player 2 replies: player
    1 has 2**k pure strategies."""
    branches = " ".join(f'"c{i}" 1/{k}' for i in range(k))
    text = f'EFG 2 R "many" {{ "1" "2" }} ""\nc "" 1 "" {{ {branches} }} 0\n'
    outcome = 0
    for i in range(k):
        text += f'p "" 1 {i + 1} "" {{ "a" "b" }} 0\n'
        for j in range(2):
            text += f'p "" 2 {2 * i + j + 1} "" {{ "x" "y" }} 0\n'
            for m in range(2):
                outcome += 1
                text += f't "" {outcome} "" {{ {(i + j + m) % 3}, {(i * j + m) % 2} }}\n'
    return text


def test_lcp_on_the_sequence_form_beyond_512_strategies():
    text = _many_strategies(10)  # 1,024 pure strategies for player 1, 2**20 for player 2
    gg, eg = gbt.read_efg(io.StringIO(text)), parse_efg(text, name="many")
    assert pure_strategies(gg) > 512
    (expected,) = gbt.nash.lcp_solve(gg, rational=False).equilibria
    (got,) = escalade.nash(eg, algorithm="lcp")
    probs = np.array([float(expected[a]) for a in gambit_actions(gg)])
    pay, out = gambit_payoffs_and_outcomes(gg, eg, probs)
    np.testing.assert_allclose(got.payoffs[0], pay, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.outcomes[0], out, rtol=0, atol=1e-9)


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
