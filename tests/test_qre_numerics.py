"""The logit QRE's numerics: its Jacobians, large games, tiny probabilities and large lambdas.

Oracles: finite differences of the equations (for the Jacobians), the
agent-QRE equations written from their definition in ``_gambit`` (for
answers), and the memory the computation takes (``tracemalloc``, which
sees numpy's arrays), so that nothing here depends on the machine's speed.
"""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest

import escalade
from escalade.game import parse_efg, parse_nfg
from escalade.solvers._logit_equations import QreEquations
from escalade.solvers._logit_trace import LAM_CAP, MAX_TRACED_ACTIONS

BUNDLED = ["korea-2017", "selten-horse", "beer-quiche", "crisis-bluffing"]


def _random_point(eq: QreEquations, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Log-probabilities at a random interior profile, and lambdas, for n draws."""
    rng = np.random.default_rng(seed)
    g = eq.game
    z = np.empty((n, g.n_actions))
    for h in range(g.n_infosets):
        lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
        z[:, lo:hi] = np.log(rng.dirichlet(np.ones(hi - lo), size=n))
    return z, rng.uniform(0.1, 8.0, n)


def _game_values(game: escalade.Game, n: int):
    params = game.parameters
    draws = params.sample(n, 1) if params.uncertain_names else params.nominal(n)
    return game.evaluate(draws)


@pytest.mark.parametrize("name", BUNDLED)
def test_jacobian_is_the_derivative_of_the_equations(name):
    # central finite differences of F in each z and in lam, at a random interior point
    g = escalade.as_game(name)
    vals = _game_values(g, 1)
    for sparse in (False, True):
        eq = QreEquations(g, sparse=sparse)
        z, lam = _random_point(eq, 1, seed=5)
        ev = eq.evaluate(z, lam, vals)
        step = 1e-6
        numeric = np.empty((g.n_actions, g.n_actions))
        for b in range(g.n_actions):
            up, down = z.copy(), z.copy()
            up[0, b] += step
            down[0, b] -= step
            f_up = eq.evaluate(up, lam, vals, jacobian=False)["F"][0]
            f_down = eq.evaluate(down, lam, vals, jacobian=False)["F"][0]
            numeric[:, b] = (f_up - f_down) / (2 * step)
        scale = 1 + np.abs(numeric).max()
        assert np.abs(ev["J"][0] - numeric).max() < 1e-6 * scale, (name, sparse)


def test_edge_pairs_give_the_dense_jacobian_on_every_catalog_game():
    # two computations of the same derivatives (pairs of edges, forward mode through
    # the tree) on trees with chance, imperfect recall and absent-mindedness
    pytest.importorskip("pygambit")
    from _gambit import catalog_names, catalog_path

    games = [escalade.load(catalog_path(n)) for n in catalog_names()]
    games += [escalade.as_game(n) for n in BUNDLED]
    for g in games:
        if not g.n_actions:
            continue
        vals = _game_values(g, 3)
        dense, sparse = QreEquations(g, sparse=False), QreEquations(g, sparse=True)
        z, lam = _random_point(dense, 3, seed=7)
        a, b = dense.evaluate(z, lam, vals), sparse.evaluate(z, lam, vals)
        scale = 1 + np.abs(a["J"]).max()
        assert np.abs(a["J"] - b["J"]).max() < 1e-12 * scale, g.name
        np.testing.assert_array_equal(a["F"], b["F"])


def _table(n: int, seed: int = 3) -> escalade.Game:
    rng = np.random.default_rng(seed)
    pay = rng.integers(0, 10, size=(n * n, 2))
    text = f'NFG 1 R "t" {{ "1" "2" }} {{ {n} {n} }}\n'
    return parse_nfg(text + " ".join(f"{a} {b}" for a, b in pay) + "\n", name=f"table{n}")


def test_jacobian_of_a_large_table_takes_memory_in_proportion_to_the_table():
    # A 150 x 150 table is a tree of 22,651 nodes and 300 actions. Derivatives carried
    # through the tree need players x nodes x actions numbers (2 x 22,651 x 300, 109 MB)
    # and more of that size (about 300 MB in all, measured); the pairs of edges need a
    # few per node, and the Jacobian itself 300 x 300 (0.7 MB).
    g = _table(150)
    eq = QreEquations(g)
    z, lam = _random_point(eq, 1, seed=1)
    vals = g.nominal_values()
    tracemalloc.start()
    try:
        ev = eq.evaluate(z, lam, vals)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ev["J"].shape == (1, 300, 300)
    assert peak < 30e6, f"{peak / 1e6:.0f} MB"


def test_qre_of_a_table_solves_the_strategic_equations():
    pytest.importorskip("pygambit")
    import pygambit as gbt

    from _gambit import agent_qre_residual

    g = _table(20)
    sol = escalade.logit_qre(g, lam=2.0)
    assert sol.converged.all()
    gg = gbt.read_nfg(io.StringIO(escalade.write_nfg(g)))
    assert agent_qre_residual(gg, sol.strategies[0], 2.0) < 1e-9


def test_too_many_actions_for_tracing_is_refused_with_the_size():
    # chance picks one of two nodes of one information set with MAX + 1 actions
    k = MAX_TRACED_ACTIONS + 1
    acts = " ".join(f'"a{i}"' for i in range(k))
    leaves = "".join(f't "" {i + 1} "" {{ {i % 7} }}\n' for i in range(k))
    text = (
        f'EFG 2 R "wide" {{ "1" }} ""\nc "" 1 "" {{ "x" 1/2 "y" 1/2 }} 0\n'
        f'p "" 1 1 "" {{ {acts} }} 0\n{leaves}p "" 1 1 0\n{leaves}'
    )
    g = parse_efg(text, name="wide")
    expected = rf"at most {MAX_TRACED_ACTIONS} actions, found {k}"
    with pytest.raises(escalade.SolveError, match=expected):
        escalade.logit_qre(g, lam=1.0)


ABSENT_MINDED = 'EFG 2 R "driver" { "1" } ""\n'


def _absent_minded_chain(n: int) -> escalade.Game:
    """One player who forgets n times over that he has already driven on (Gilboa 1997)."""
    lines = ['p "" 1 1 "" { "exit" "on" } 0\n'] + ['p "" 1 1 0\n'] * (n - 1)
    text = ABSENT_MINDED
    for i, line in enumerate(lines):
        text += line + f't "" {i + 1} "" {{ {i % 3} }}\n'
    return parse_efg(text + f't "" {n + 1} "" {{ 1 }}\n', name="driver")


def test_absent_minded_chain_longer_than_127_nodes():
    # Counts of an action along a path once wrapped around at 128 (they were int8),
    # which broke the Jacobian of any information set crossed 128 times or more.
    pytest.importorskip("pygambit")
    import pygambit as gbt

    from _gambit import agent_qre_residual, to_gambit

    g = _absent_minded_chain(200)
    assert int(g.path_actions.max()) == 200
    sol = escalade.logit_qre(g, lam=3.0)
    assert sol.converged.all()
    gg = gbt.read_efg(io.StringIO(escalade.write_efg(g)))
    assert agent_qre_residual(gg, to_gambit(gg, g, sol.strategies[0]), 3.0) < 1e-9


def test_huge_lambda_is_refused_at_once():
    # lam = 1e308 overflowed the step lengths to NaN, and the tracer never stopped
    g = _absent_minded_chain(2)
    with pytest.raises(escalade.ParameterError, match=r"use lam=inf"):
        escalade.logit_qre(g, lam=1e308)
    # just below the cap it is traced, and the answer solves the equations
    spread = 2.0
    sol = escalade.logit_qre(g, lam=LAM_CAP / spread / 1e3)
    assert sol.converged.all()


def test_beliefs_at_an_information_set_reached_with_underflowing_probability():
    # Selten's horse at lam = 2500: player 3 is reached with probability about
    # exp(-2500), zero in double precision; beliefs come from log-probabilities.
    pytest.importorskip("pygambit")
    from _gambit import load_pair

    _, eg = load_pair("journals/ijgt/selten1975/fig1")
    sol = escalade.logit_qre(eg, lam=2500.0)
    assert sol.converged.all()
    third = eg.infoset_nodes[2]
    assert sol.diagnostics["residual"][0] < 1e-8
    assert float(sol.beliefs[0, third].sum()) == pytest.approx(1.0, abs=1e-12)
    assert (sol.beliefs[0, third] > 0.1).all()  # the limit belief is interior
