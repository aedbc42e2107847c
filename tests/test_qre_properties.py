"""Properties of the logit QRE on random games (hypothesis).

Random perfect-information trees with chance nodes, and random signalling
games (chance, then a sender who may or may not see it, then a receiver who
sees only the sender's move) are written as Gambit .efg text and read with
escalade's reader. The oracles are written here from the definitions: a
backward induction for the subgame-perfect equilibrium, products of
probabilities for uniform play, the agent-QRE equations (``_gambit``), and
pygambit's ``logit_solve_lambda`` for a few games.
"""

from __future__ import annotations

import dataclasses
import io
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import escalade
from escalade.game import GameValues, parse_efg
from escalade.scenario import Draws, Parameter, ParameterSpace

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------- random trees
# A node is ("t", payoffs) | ("p", player, children) | ("c", probs, children).


def random_tree(seed: int, n_players: int, depth: int) -> Any:
    rng = np.random.default_rng(seed)

    def node(d: int) -> Any:
        if d == depth or (d > 0 and rng.random() < 0.25):
            return ("t", rng.uniform(-10, 10, n_players).round(3))
        k = int(rng.integers(2, 4))
        kids = [node(d + 1) for _ in range(k)]
        if d > 0 and rng.random() < 0.3:
            w = rng.uniform(0.1, 1.0, k)
            return ("c", (w / w.sum()).round(6), kids)
        return ("p", int(rng.integers(n_players)), kids)

    tree = node(0)
    return _fix_chance(tree)


def _fix_chance(node: Any) -> Any:
    """Make rounded chance probabilities sum to exactly 1 (the last one takes the rest)."""
    if node[0] == "t":
        return node
    kids = [_fix_chance(k) for k in node[2]]
    if node[0] == "c":
        probs = list(node[1][:-1])
        probs.append(round(1.0 - sum(probs), 6))
        return ("c", np.array(probs), kids)
    return (node[0], node[1], kids)


def tree_efg(tree: Any, n_players: int) -> str:
    """Gambit text of a perfect-information tree (every decision node its own infoset)."""
    players = " ".join(f'"P{i + 1}"' for i in range(n_players))
    lines = [f'EFG 2 R "random" {{ {players} }}', '""']
    counters = {"iset": [0] * n_players, "chance": 0, "out": 0}

    def walk(node: Any) -> None:
        if node[0] == "t":
            counters["out"] += 1
            o = counters["out"]
            pays = ", ".join(repr(float(x)) for x in node[1])
            lines.append(f't "" {o} "o{o}" {{ {pays} }}')
            return
        kids = node[2]
        if node[0] == "p":
            i = node[1]
            counters["iset"][i] += 1
            acts = " ".join(f'"a{j}"' for j in range(len(kids)))
            lines.append(f'p "" {i + 1} {counters["iset"][i]} "" {{ {acts} }} 0')
        else:
            counters["chance"] += 1
            acts = " ".join(f'"c{j}" {float(p)!r}' for j, p in enumerate(node[1]))
            lines.append(f'c "" {counters["chance"]} "" {{ {acts} }} 0')
        for k in kids:
            walk(k)

    walk(tree)
    return "\n".join(lines) + "\n"


def spe_oracle(tree: Any) -> tuple[np.ndarray, list[float], float]:
    """Backward induction: payoffs, probability of each terminal (depth-first order),
    and the smallest gap between the best and the second-best action anywhere."""
    gaps: list[float] = [math.inf]

    def solve(node: Any) -> tuple[np.ndarray, list[float]]:
        if node[0] == "t":
            return np.asarray(node[1], dtype=float), [1.0]
        results = [solve(k) for k in node[2]]
        if node[0] == "c":
            value = sum(p * v for p, (v, _) in zip(node[1], results, strict=True))
            probs = [p * q for p, (_, qs) in zip(node[1], results, strict=True) for q in qs]
            return value, probs
        own = sorted((v[node[1]] for v, _ in results), reverse=True)
        gaps.append(own[0] - own[1])
        best = max(range(len(results)), key=lambda j: results[j][0][node[1]])
        probs = [q if j == best else 0.0 for j, (_, qs) in enumerate(results) for q in qs]
        return results[best][0], probs

    value, probs = solve(tree)
    return value, probs, min(gaps)


def uniform_oracle(tree: Any) -> list[float]:
    """Probability of each terminal (depth-first order) under uniform play."""

    def walk(node: Any, p: float) -> list[float]:
        if node[0] == "t":
            return [p]
        kids = node[2]
        w = node[1] if node[0] == "c" else [1 / len(kids)] * len(kids)
        return [q for k, wk in zip(kids, w, strict=True) for q in walk(k, p * wk)]

    return walk(tree, 1.0)


def terminal_order(eg: escalade.Game) -> np.ndarray:
    """escalade's outcome index of each terminal in depth-first order (o1, o2, ...)."""
    return np.array([eg.outcomes.index(f"o{k + 1}") for k in range(eg.n_outcomes)])


def with_draws(eg: escalade.Game, n: int, seed: int) -> tuple[escalade.Game, Draws]:
    """The game with payoffs moving with a parameter k in [0, 1], and n draws of k."""
    base = eg.nominal_values()
    rng = np.random.default_rng(seed)
    slope = rng.uniform(-3, 3, base.payoffs.shape[1:])
    space = ParameterSpace((Parameter("k", 0.5),))

    def evaluate(draws: Draws) -> GameValues:
        k = np.asarray(draws["k"])[:, None, None]
        return GameValues(
            base.payoffs[:1] + k * slope,
            np.broadcast_to(base.chance[:1], (len(k), base.chance.shape[1])).copy(),
        )

    game = dataclasses.replace(eg, evaluator=evaluate, parameters=space)
    return game, Draws({"k": rng.uniform(0, 1, n)}, n, space)


trees = st.builds(
    lambda seed, n_players, depth: (random_tree(seed, n_players, depth), n_players),
    st.integers(0, 2**32 - 1),
    st.integers(1, 3),
    st.integers(1, 4),
)

# ----------------------------------------------------- perfect information


@FAST
@given(trees)
def test_qre_approaches_spe_as_lam_grows(case):
    tree, n_players = case
    value, probs, gap = spe_oracle(tree)
    assume(gap > 0.05)  # generic payoffs: no near-ties anywhere
    eg = parse_efg(tree_efg(tree, n_players))
    order = terminal_order(eg)
    spe = escalade.spe(eg)
    np.testing.assert_allclose(spe.outcomes[0][order], probs, atol=1e-12)
    np.testing.assert_allclose(spe.payoffs[0], value, atol=1e-9)
    errors = []
    for lam in (1.0, 10.0, 1000.0):
        sol = escalade.logit_qre(eg, lam=lam)
        errors.append(np.abs(sol.outcomes[0][order] - probs).max())
        last = sol
    # with every gap above 0.05, off-path mass at lam = 1000 is below exp(-50) per node
    assert errors[-1] < 1e-9
    assert errors[-1] <= errors[0]
    np.testing.assert_allclose(last.payoffs[0], value, atol=1e-8)


@FAST
@given(trees)
def test_qre_at_lam_zero_is_uniform(case):
    tree, n_players = case
    eg = parse_efg(tree_efg(tree, n_players))
    sol = escalade.logit_qre(eg, lam=0.0)
    sizes = np.diff(eg.infoset_actions)[eg.action_infoset]
    np.testing.assert_allclose(sol.strategies[0], 1 / sizes, atol=1e-15)
    np.testing.assert_allclose(
        sol.outcomes[0][terminal_order(eg)], uniform_oracle(tree), atol=1e-12
    )


@FAST
@given(trees, st.floats(0.0, 50.0), st.integers(0, 2**32 - 1))
def test_probabilities_sum_to_one_and_batches_equal_single_solves(case, lam, seed):
    tree, n_players = case
    eg, draws = with_draws(parse_efg(tree_efg(tree, n_players)), 6, seed)
    sol = escalade.logit_qre(eg, draws, lam=lam)
    _check_sums(eg, sol)
    for i in range(draws.n_draws):
        one = escalade.logit_qre(eg, draws.take(np.array([i])), lam=lam)
        np.testing.assert_allclose(one.outcomes[0], sol.outcomes[i], atol=1e-13)
        np.testing.assert_allclose(one.payoffs[0], sol.payoffs[i], atol=1e-12)


def _check_sums(eg: escalade.Game, sol: escalade.Solution) -> None:
    np.testing.assert_allclose(sol.outcomes.sum(axis=1), 1.0, atol=1e-12)
    assert (sol.outcomes >= 0).all()
    per_infoset = np.add.reduceat(sol.strategies, eg.infoset_actions[:-1], axis=1)
    np.testing.assert_allclose(per_infoset, 1.0, atol=1e-12)


# ------------------------------------------------------ information sets


def signalling_efg(seed: int, n_types: int, n_signals: int, n_replies: int, sees: bool) -> str:
    """Chance picks a type; the sender (who sees it, or not) signals; the receiver,
    seeing only the signal, replies. Perfect recall, random payoffs."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.2, 1.0, n_types)
    probs = (w / w.sum()).round(6)
    probs[-1] = round(1.0 - probs[:-1].sum(), 6)
    lines = ['EFG 2 R "signalling" { "Sender" "Receiver" }', '""']
    acts = " ".join(f'"t{j}" {float(p)!r}' for j, p in enumerate(probs))
    lines.append(f'c "" 1 "" {{ {acts} }} 0')
    out = 0
    for t in range(n_types):
        sig = " ".join(f'"s{j}"' for j in range(n_signals))
        lines.append(f'p "" 1 {t + 1 if sees else 1} "" {{ {sig} }} 0')
        for s in range(n_signals):
            rep = " ".join(f'"r{j}"' for j in range(n_replies))
            lines.append(f'p "" 2 {s + 1} "" {{ {rep} }} 0')
            for _ in range(n_replies):
                out += 1
                pays = ", ".join(repr(float(x)) for x in rng.uniform(-5, 5, 2).round(3))
                lines.append(f't "" {out} "o{out}" {{ {pays} }}')
    return "\n".join(lines) + "\n"


signalling = st.builds(
    signalling_efg,
    st.integers(0, 2**32 - 1),
    st.integers(2, 3),
    st.integers(2, 3),
    st.integers(2, 3),
    st.booleans(),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signalling, st.sampled_from([0.5, 2.0, 6.0]), st.integers(0, 2**32 - 1))
def test_traced_qre_solves_the_equations(text, lam, seed):
    gbt = pytest.importorskip("pygambit")
    from _gambit import agent_qre_residual, to_gambit

    eg = parse_efg(text)
    assert not eg.is_perfect_information
    gg = gbt.read_efg(io.StringIO(text))
    sol = escalade.logit_qre(eg, lam=lam)
    assert sol.converged.all()
    assert agent_qre_residual(gg, to_gambit(gg, eg, sol.strategies[0]), lam) < 1e-9
    # several draws at once: sums and the one-at-a-time answers
    game, draws = with_draws(eg, 4, seed)
    batch = escalade.logit_qre(game, draws, lam=lam)
    _check_sums(game, batch)
    one = escalade.logit_qre(game, draws.take(np.array([2])), lam=lam)
    np.testing.assert_allclose(one.strategies[0], batch.strategies[2], atol=1e-10)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signalling)
def test_traced_qre_matches_gambit_on_random_signalling_games(text):
    gbt = pytest.importorskip("pygambit")
    from _gambit import flat, gambit_payoffs_and_outcomes

    eg = parse_efg(text)
    gg = gbt.read_efg(io.StringIO(text))
    (r,) = gbt.qre.logit_solve_lambda(gg, [3.0])
    assert abs(r.lam - 3.0) < 1e-7  # Gambit reached the target (perfect recall)
    pay, out = gambit_payoffs_and_outcomes(gg, eg, flat(r))
    sol = escalade.logit_qre(eg, lam=3.0)
    np.testing.assert_allclose(sol.payoffs[0], pay, atol=1e-6)
    np.testing.assert_allclose(sol.outcomes[0], out, atol=1e-6)
