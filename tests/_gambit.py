"""Helpers for the tests that hold escalade against Gambit (pygambit 16.7).

Everything on Gambit's side is computed with pygambit's own objects (its
tree, its profiles, its payoffs), so a test compares two independent
computations; only the pairing of nodes and actions between the two trees
is structural (children are in action order in both).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pygambit as gbt
import pytest
from pygambit import catalog

import escalade

CATALOG_DIR = Path(gbt.__file__).parent / "catalog_data"


def catalog_names() -> list[str]:
    """The games of ``pygambit.catalog`` (38 in pygambit 16.7)."""
    return [str(n) for n in catalog.games()["Game"]]


def catalog_path(name: str) -> Path:
    """The .efg or .nfg file of a catalog game."""
    (path,) = [p for p in CATALOG_DIR.glob(name + ".*") if p.suffix in (".efg", ".nfg")]
    return path


def load_pair(name: str) -> tuple[Any, escalade.Game]:
    """Gambit's game (through its catalog) and escalade's reading of the same file."""
    return catalog.load(name), escalade.load(catalog_path(name))


def node_pairs(gg: Any, eg: escalade.Game) -> dict[Any, int]:
    """Gambit node -> escalade node index, walking both trees together."""
    first = eg.first_child
    out: dict[Any, int] = {}
    stack = [(gg.root, 0)]
    while stack:
        gn, en = stack.pop()
        out[gn] = en
        assert len(gn.children) == int(eg.n_children[en])
        for j, child in enumerate(gn.children):
            stack.append((child, int(first[en]) + j))
    return out


def gambit_actions(gg: Any) -> list[Any]:
    """Gambit's actions (trees) or strategies (tables) in its flat profile order:
    player, then the player's information sets in Gambit's numbering, then actions."""
    if gg.is_tree:
        return [a for p in gg.players for h in p.infosets for a in h.actions]
    return [s for p in gg.players for s in p.strategies]


def flat(profile: Any) -> np.ndarray:
    """A pygambit QRE result read through ``len``/``[]`` (its ``.profile`` raises in 16.7)."""
    return np.array([float(profile[i]) for i in range(len(profile))])


def to_escalade(gg: Any, eg: escalade.Game, probs: np.ndarray) -> np.ndarray:
    """Gambit's flat action probabilities in escalade's action order."""
    if not gg.is_tree:
        # escalade reads a table as player i moving at information set i, strategies in order
        assert eg.n_actions == len(probs)
        return probs.copy()
    pairs = node_pairs(gg, eg)
    out = np.full(eg.n_actions, np.nan)
    k = 0
    for p in gg.players:
        for h in p.infosets:
            eh = int(eg.infoset[pairs[next(iter(h.members))]])
            # every member of Gambit's information set is in the same escalade one
            assert {int(eg.infoset[pairs[m]]) for m in h.members} == {eh}
            lo = int(eg.infoset_actions[eh])
            for j, _ in enumerate(h.actions):
                out[lo + j] = probs[k]
                k += 1
    assert k == len(probs)
    assert not np.isnan(out).any()
    return out


def outcome_index(gg: Any, eg: escalade.Game) -> np.ndarray:
    """For each of Gambit's outcomes, escalade's outcome at the same places (-1 if unused).

    Gambit numbers outcomes by first appearance, escalade by their number in the
    file, so the two orders can differ; nodes (or contingencies) pair them.
    """
    outcomes = list(gg.outcomes)
    index = {o: i for i, o in enumerate(outcomes)}
    out = np.full(len(outcomes), -1, dtype=np.int64)
    if gg.is_tree:
        places = [(n.outcome, en) for n, en in node_pairs(gg, eg).items()]
    else:
        counts = [len(p.strategies) for p in gg.players]
        weights = np.cumprod([1, *counts[:-1]])  # player 1's strategy changes fastest
        terminal = eg.source.contingency_terminal
        places = [(gg[c], int(terminal[int(np.dot(c, weights))])) for c in gg.contingencies]
    for o, en in places:
        if o in index:
            assert out[index[o]] in (-1, eg.outcome[en])
            out[index[o]] = eg.outcome[en]
    return out


def to_gambit(gg: Any, eg: escalade.Game, sigma: np.ndarray) -> np.ndarray:
    """escalade's action probabilities in Gambit's flat order (inverse of :func:`to_escalade`)."""
    n = len(gambit_actions(gg))
    perm = to_escalade(gg, eg, np.arange(n, dtype=np.float64)).astype(np.int64)
    out = np.empty(n)
    out[perm] = sigma
    return out


def gambit_profile(gg: Any, probs: np.ndarray) -> Any:
    """A pygambit behaviour (trees) or mixed strategy (tables) profile from flat probabilities."""
    prof = gg.mixed_behavior_profile() if gg.is_tree else gg.mixed_strategy_profile()
    for a, x in zip(gambit_actions(gg), probs, strict=True):
        prof[a] = float(x)
    return prof


def gambit_payoffs_and_outcomes(
    gg: Any, eg: escalade.Game, probs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected payoff per player and probability of each outcome (in escalade's
    outcome order), computed by pygambit from a flat profile in Gambit's order."""
    outcomes = list(gg.outcomes)
    index = {o: i for i, o in enumerate(outcomes)}
    prob_of = np.zeros(len(outcomes))
    prof = gambit_profile(gg, probs)
    if gg.is_tree:
        for node in gg.nodes:
            # a node without an outcome gives a null Outcome (repr None), not None
            if node.outcome in index:
                prob_of[index[node.outcome]] += float(prof.realiz_prob(node))
    else:
        strategies = [list(p.strategies) for p in gg.players]
        for cont in gg.contingencies:
            o = gg[cont]
            if o in index:
                w = math.prod(float(prof[strategies[i][j]]) for i, j in enumerate(cont))
                prob_of[index[o]] += w
    payoffs = np.array([float(prof.payoff(p)) for p in gg.players])
    mapped = np.zeros(eg.n_outcomes)
    where = outcome_index(gg, eg)
    np.add.at(mapped, where[where >= 0], prob_of[where >= 0])
    assert np.all(prob_of[where < 0] == 0)
    return payoffs, mapped


def assert_spe_is_an_equilibrium(game: escalade.Game) -> None:
    """Gambit's own payoffs and regrets of escalade's SPE of ``game``, exported as an .efg.

    Gambit's payoffs of the profile must be escalade's and its regrets (of the
    strategic and of the agent form) zero, to 1e-12.
    """
    g = gbt.read_efg(io.StringIO(escalade.write_efg(game)))
    sol = escalade.solve(game, method="spe")
    prof = g.mixed_behavior_profile(rational=False)
    for player in g.players:
        for infoset in player.infosets:
            chosen = sol.strategy(infoset.label, player.label)
            for action in infoset.actions:
                prof[action] = chosen[action.label]
    assert [float(prof.payoff(p)) for p in g.players] == pytest.approx(sol.payoffs[0], abs=1e-12)
    assert float(prof.max_regret()) == pytest.approx(0.0, abs=1e-12)
    assert float(prof.agent_max_regret()) == pytest.approx(0.0, abs=1e-12)


def agent_qre_residual(gg: Any, probs: np.ndarray, lam: float) -> float:
    """Largest residual of the logit agent-QRE equations at a profile, on Gambit's tree.

    For each information set h and action a: log p_a - log p_f - lam (v_a - v_f) = 0,
    and the probabilities sum to 1, where v_a is the mover's expected payoff of taking
    a at h with beliefs from the profile (Bayes' rule), i.e. the reach-weighted mean
    over the members x of h of the value of x's a-child. Written here from the
    definition (McKelvey and Palfrey 1998), independently of escalade's solver.
    Tables use the strategic-form equations with pygambit's strategy values.
    """
    acts = gambit_actions(gg)
    p = {a: float(x) for a, x in zip(acts, probs, strict=True)}
    if not gg.is_tree:
        return _strategic_qre_residual(gg, p, lam)
    players = list(gg.players)
    reach, value = _reach_and_value(gg, p)
    res = 0.0
    for i, pl in enumerate(players):
        for h in pl.infosets:
            hacts = list(h.actions)
            res = max(res, abs(sum(p[a] for a in hacts) - 1.0))
            members = list(h.members)
            d = sum(reach[x] for x in members)
            if d == 0:
                continue
            v = [
                sum(reach[x] * value[list(x.children)[j]][i] for x in members) / d
                for j in range(len(hacts))
            ]
            for a, va in zip(hacts[1:], v[1:], strict=True):
                res = max(res, abs(math.log(p[a]) - math.log(p[hacts[0]]) - lam * (va - v[0])))
    return res


def _strategic_qre_residual(gg: Any, p: dict[Any, float], lam: float) -> float:
    """The logit QRE equations of a table, with pygambit's strategy values."""
    prof = gg.mixed_strategy_profile()
    for s, x in p.items():
        prof[s] = x
    res = 0.0
    for pl in gg.players:
        ss = list(pl.strategies)
        res = max(res, abs(sum(p[s] for s in ss) - 1.0))
        u = [float(prof.strategy_value(s)) for s in ss]
        for s, us in zip(ss[1:], u[1:], strict=True):
            res = max(res, abs(math.log(p[s]) - math.log(p[ss[0]]) - lam * (us - u[0])))
    return res


def _reach_and_value(gg: Any, p: dict[Any, float]) -> tuple[dict[Any, float], dict[Any, Any]]:
    """Each node's reach probability, and its expected payoffs (a vector) under ``p``."""
    players = list(gg.players)
    index = set(gg.outcomes)

    def own(node: Any) -> np.ndarray:
        o = node.outcome
        return np.array([float(o[q]) for q in players]) if o in index else np.zeros(len(players))

    def weight(node: Any, a: Any) -> float:
        return float(a.prob) if node.player.is_chance else p[a]

    value: dict[Any, np.ndarray] = {}
    reach: dict[Any, float] = {gg.root: 1.0}
    order = []
    stack = [gg.root]
    while stack:
        node = stack.pop()
        order.append(node)
        if node.children:
            for a, child in zip(list(node.infoset.actions), node.children, strict=True):
                reach[child] = reach[node] * weight(node, a)
                stack.append(child)
    for node in reversed(order):
        v = own(node)
        if node.children:
            for a, child in zip(node.infoset.actions, node.children, strict=True):
                v = v + weight(node, a) * value[child]
        value[node] = v
    return reach, value
