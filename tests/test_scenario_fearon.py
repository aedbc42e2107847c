"""The discretised Fearon (1995) risk-return game against its closed forms.

Closed forms (DESIGN.md reference results; Fearon 1995, IO 49:379, with B's cost
of war c_B ~ U[0, cbar]): A's optimal demand x* = p + max(0, (cbar - cA)/2), war
with probability max(0, (cbar - cA)/(2 cbar)); with c_B known, B accepts exactly
the demands x <= p + c_B and A prefers a deal to war exactly when x >= p - cA
(the bargaining range [p - cA, p + c_B]).

Why the grid equilibrium is exact up to the demand grid: with cbar = 0.25 and
K = n types on a demand grid of step h = 1/n, every grid offset x - p = m h is an
even multiple of the half-slice cbar/(2K) while the type midpoints are odd
multiples, so (i) B is never indifferent and (ii) the share of types that fight,
#{k: c_k < m h}/K, equals m h / cbar exactly: A's expected payoff at every grid
demand equals the continuous one, a parabola symmetric about x*. A's grid optimum
is therefore the grid point nearest x*: |x_grid - x*| <= h/2 and
|Pr(war)_grid - Pr(war)*| <= h/(2 cbar), a first-order rate in h.
"""

from pathlib import Path

import numpy as np
import pytest

import escalade
from escalade.scenario import load_scenario_text
from fearon_grid import fearon_yaml

P, CBAR = 0.5, 0.25  # nominal values of the bundled file


def grid_scenario(n, k):
    return load_scenario_text(fearon_yaml(n + 1, k), f"fearon-{n + 1}x{k}.yaml")


def demand_and_war(sol, n):
    """A's demand (per draw) and the probability of war (per draw) of a pure SPE."""
    root = sol.game.infoset_names.index("root")
    lo, hi = sol.game.infoset_actions[root], sol.game.infoset_actions[root + 1]
    strat = sol.strategies[:, lo:hi]
    # A strict equilibrium: A's demand is pure in every draw.
    np.testing.assert_array_equal(strat.max(axis=1), 1.0)
    x = strat.argmax(axis=1) / n
    war = [i for i, o in enumerate(sol.game.outcomes) if o.startswith("war_")]
    return x, sol.outcomes[:, war].sum(axis=1)


def test_bundled_file_is_the_generators_21_by_20_output():
    bundled = escalade.scenario.bundled_path("fearon-risk-return")
    assert Path(bundled).read_text() == fearon_yaml(21, 20)


@pytest.fixture(scope="module")
def nominal_spe():
    return escalade.solve("fearon-risk-return", method="spe")


def test_bundled_nominal_spe_is_the_closed_form(nominal_spe):
    # Nominal p = 0.5, cA = 0.05, cbar = 0.25: x* = 0.5 + 0.2/2 = 0.6 (a grid point),
    # Pr(war) = 0.2/0.5 = 0.4.
    x, war = demand_and_war(nominal_spe, 20)
    assert x[0] == pytest.approx(0.6, abs=1e-12)
    assert war[0] == pytest.approx(0.4, abs=1e-12)


def test_spe_demand_and_war_converge_at_first_order_in_the_grid_step():
    errors = []
    for n in (10, 20, 40):
        h = 1 / n
        sc = grid_scenario(n, n)
        # cA drawn over its range (p and cbar fixed at the values that line the grids up).
        sol = escalade.solve(sc, method="spe", draws=200, seed=5, overrides={"p": P, "cbar": CBAR})
        ca = np.asarray(sol.draws["cA"])
        x, war = demand_and_war(sol, n)
        x_star = P + np.maximum(0.0, (CBAR - ca) / 2)
        war_star = np.maximum(0.0, (CBAR - ca) / (2 * CBAR))
        assert np.abs(x - x_star).max() <= h / 2 + 1e-12
        assert np.abs(war - war_star).max() <= h / (2 * CBAR) + 1e-12
        # Sharper: the grid demand is the grid point nearest x*, and war follows it.
        np.testing.assert_allclose(x, np.round(x_star * n) / n, atol=1e-12)
        np.testing.assert_allclose(war, (x - P) / CBAR, atol=1e-12)
        # cA = 0.3 > cbar: x* = p and no war.
        x_hi, war_hi = demand_and_war(escalade.solve(sc, method="spe", overrides={"cA": 0.3}), n)
        assert (x_hi[0], war_hi[0]) == (pytest.approx(P, abs=1e-12), 0.0)
        # cA = 0.11: x* = 0.57, Pr(war)* = 0.28.
        x, war = demand_and_war(escalade.solve(sc, method="spe", overrides={"cA": 0.11}), n)
        errors.append((abs(x[0] - 0.57), abs(war[0] - 0.28)))
    # Grid points nearest 0.57 on steps 1/10, 1/20, 1/40 are 0.6, 0.55, 0.575: the errors
    # shrink with the step, 0.03, 0.02, 0.005 in the demand and 4x that in Pr(war).
    np.testing.assert_allclose(errors, [(0.03, 0.12), (0.02, 0.08), (0.005, 0.02)], atol=1e-12)


def test_b_accepts_exactly_the_demands_inside_its_bargaining_range(nominal_spe):
    # Each type of B knows its cost c_k: it accepts x iff 1 - x > 1 - p - c_k, i.e.
    # x < p + c_k, the upper end of Fearon's range [p - cA, p + c_B].
    sol = nominal_spe
    g = sol.game
    n, k_types = 20, 20
    for k in range(1, k_types + 1):
        c_k = CBAR * (2 * k - 1) / (2 * k_types)
        accepted = []
        for j in range(n + 1):
            probs = sol.strategy(f"x{j:02d}/t{k:02d}")
            assert probs["accept"] in (0.0, 1.0)
            if probs["accept"] == 1.0:
                accepted.append(j / n)
        expected = [j / n for j in range(n + 1) if j / n < P + c_k]
        assert accepted == pytest.approx(expected, abs=1e-12)
    assert g.players == ("A", "B")


def test_complete_information_a_demands_the_top_of_the_range_without_war():
    # One type only: c_B = cbar/2 is known. A prefers any accepted x >= p - cA to war
    # and B accepts x <= p + c_B, so A demands the largest grid point below p + c_B.
    sc = grid_scenario(20, 1)
    for cbar, expected in [(0.25, 0.6), (0.34, 0.65), (0.12, 0.55)]:
        sol = escalade.solve(sc, method="spe", overrides={"cbar": cbar})
        x, war = demand_and_war(sol, 20)
        assert x[0] == pytest.approx(expected, abs=1e-12)
        assert war[0] == 0.0
        # Inside the range [p - cA, p + c_B], and the next grid point is outside it.
        assert P - 0.05 <= expected < P + cbar / 2 < expected + 0.05
