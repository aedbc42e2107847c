"""Gambit files survive escalade: read, write back, and Gambit reads the same game.

Oracle: pygambit 16.7 reading both the catalog's original file and escalade's
rewrite of it (.efg -> .efg, .nfg -> .nfg); the two games pygambit builds must
have the same players, tree, information sets, actions, chance probabilities
and payoffs. The catalog's numbers are rationals, which escalade writes back
as short rationals, so payoffs and probabilities come back exactly.
"""

from __future__ import annotations

import io
from fractions import Fraction

import pytest

pytest.importorskip("pygambit")

import pygambit as gbt

import escalade
from _gambit import catalog_names, load_pair
from escalade.game import parse_efg

pytestmark = pytest.mark.gambit

NAMES = catalog_names()


def _exact(x) -> Fraction:
    """A pygambit number (Rational or Decimal) as a Fraction."""
    return Fraction(str(x))


def _write(eg: escalade.Game, is_tree: bool) -> str:
    if is_tree:
        return escalade.write_efg(eg)
    return escalade.write_nfg(eg)


def _tree_signature(g) -> list[tuple]:
    """Depth-first description of a Gambit tree: one tuple per node.

    Information sets are named by (player, first member's position in depth-first
    order), so two trees get equal signatures exactly when their shapes, movers,
    information-set memberships, action counts, chance probabilities and payoffs agree.
    """
    players = list(g.players)
    order = []
    stack = [g.root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(list(node.children)))
    position = {node: k for k, node in enumerate(order)}
    first_member = {}
    for node in order:
        if node.infoset is not None and node.infoset not in first_member:
            first_member[node.infoset] = position[node]
    outcomes = set(g.outcomes)
    sig = []
    for node in order:
        o = node.outcome
        pays = tuple(_exact(o[p]) for p in players) if o in outcomes else None
        if not node.children:
            sig.append(("t", pays))
            continue
        acts = list(node.infoset.actions)
        if node.player.is_chance:
            probs = tuple(_exact(a.prob) for a in acts)
            sig.append(("c", first_member[node.infoset], probs, pays))
        else:
            who = players.index(node.player)
            sig.append(("p", who, first_member[node.infoset], len(acts), pays))
    return sig


def _table_signature(g) -> list[tuple]:
    """Every contingency of a table with its payoffs, in Gambit's contingency order."""
    players = list(g.players)
    outcomes = set(g.outcomes)
    sig = []
    for cont in g.contingencies:
        o = g[cont]
        pays = tuple(_exact(o[p]) for p in players) if o in outcomes else (0,) * len(players)
        sig.append((tuple(cont), pays))
    return sig


@pytest.mark.parametrize("name", NAMES)
def test_gambit_reads_back_the_same_game(name):
    original, eg = load_pair(name)
    text = _write(eg, original.is_tree)
    reader = gbt.read_efg if original.is_tree else gbt.read_nfg
    back = reader(io.StringIO(text))
    assert back.is_tree == original.is_tree
    assert [p.label for p in back.players] == [p.label for p in original.players]
    if original.is_tree:
        assert len(back.nodes) == len(original.nodes)
        assert back.is_perfect_recall == original.is_perfect_recall
        for p_back, p_orig in zip(back.players, original.players, strict=True):
            assert len(p_back.infosets) == len(p_orig.infosets)
        assert _tree_signature(back) == _tree_signature(original)
    else:
        assert [[s.label for s in p.strategies] for p in back.players] == [
            [s.label for s in p.strategies] for p in original.players
        ]
        assert _table_signature(back) == _table_signature(original)


@pytest.mark.parametrize("name", NAMES)
def test_payoffs_come_back_within_1e12(name):
    # the same check in floating point, as the brief of the format asks: every payoff
    # of every outcome that some node (or contingency) carries, to 1e-12
    original, eg = load_pair(name)
    reader = gbt.read_efg if original.is_tree else gbt.read_nfg
    back = reader(io.StringIO(_write(eg, original.is_tree)))
    sig_o = _tree_signature(original) if original.is_tree else _table_signature(original)
    sig_b = _tree_signature(back) if back.is_tree else _table_signature(back)
    for a, b in zip(sig_o, sig_b, strict=True):
        pa, pb = a[-1], b[-1]
        assert (pa is None) == (pb is None)
        if pa is not None:
            assert max(abs(float(x) - float(y)) for x, y in zip(pa, pb, strict=True)) <= 1e-12


def _labels(g) -> dict[str, object]:
    """Every label pygambit gives a game (after its own normalisation of repeats)."""
    out: dict[str, object] = {
        "title": g.title,
        "description": g.description,
        "players": [p.label for p in g.players],
        "outcomes": [o.label for o in g.outcomes],
    }
    if g.is_tree:
        out["nodes"] = [n.label for n in g.nodes]
        out["infosets"] = [h.label for p in g.players for h in p.infosets]
        out["actions"] = [a.label for n in g.nodes if n.children for a in n.infoset.actions]
    else:
        out["strategies"] = [s.label for s in g.strategies]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_labels_come_back(name):
    original, eg = load_pair(name)
    reader = gbt.read_efg if original.is_tree else gbt.read_nfg
    back = reader(io.StringIO(_write(eg, original.is_tree)))
    assert _labels(back) == _labels(original)


# Computed probabilities are off by rounding (1 - 0.755 = 0.24499999999999997), and
# scenario trees repeat node labels wherever a named node is copied; Gambit 16.7 refuses
# both (probabilities must sum to exactly one, node labels must be unique).
SCENARIO_LIKE = """EFG 2 R "computed" { "A" "B" }
""
c "detected?" 1 "" { "yes" 0.24499999999999997 "no" 0.755 } 0
p "respond" 1 1 "" { "strike" "wait" } 0
t "" 1 "war" { -1, -1 }
t "" 2 "sq" { 0, 0 }
p "respond" 2 1 "" { "strike" "wait" } 0
t "" 3 "war2" { -2, -2 }
t "" 4 "sq2" { 1, 1 }
"""


def test_gambit_reads_computed_probabilities_and_repeated_labels():
    eg = parse_efg(SCENARIO_LIKE)
    back = gbt.read_efg(io.StringIO(escalade.write_efg(eg)))
    probs = [float(a.prob) for a in back.root.infoset.actions]
    assert probs == pytest.approx([0.24499999999999997, 0.755], abs=1e-16)
    assert sum(_exact(a.prob) for a in back.root.infoset.actions) == 1
    assert sorted(n.label for n in back.nodes if n.label) == [
        "detected?",
        "respond",
        "respond_2",
    ]


def test_signature_sees_a_changed_payoff():
    # the comparison can fail: a game with one payoff changed differs
    original, eg = load_pair("journals/ijgt/selten1975/fig1")
    text = escalade.write_efg(eg)
    changed = text.replace("{ 0, 0, 0 }", "{ 0, 0, 1 }", 1)
    assert changed != text
    assert _tree_signature(gbt.read_efg(io.StringIO(changed))) != _tree_signature(original)
