"""Random perfect-information scenarios for the benchmarks, written as YAML text.

The trees are grown by expanding a uniformly chosen leaf into two or three
children until the requested number of nodes is reached, so depths vary
along the tree the way hand-written crisis trees do. About one inner node
in seven is a chance node whose probabilities are expressions of an
uncertain parameter; every terminal is its own outcome, and each payoff is
a linear expression of a few uncertain parameters, so evaluating a batch
of draws costs what a real scenario of that size would.
"""

from __future__ import annotations

import numpy as np

__all__ = ["random_tree_yaml"]

PARAMETERS = ("x1", "x2", "x3", "x4")
CHANCE_PARAMETERS = ("q1", "q2")


def _signed(x: float) -> str:
    return f"- {-x:.3f}" if x < 0 else f"+ {x:.3f}"


def random_tree_yaml(
    n_nodes: int = 400, *, n_players: int = 3, chance_share: float = 0.15, seed: int = 0
) -> str:
    """The text of a scenario whose tree has exactly ``n_nodes`` nodes.

    Parameters
    ----------
    n_nodes : int
        Total number of nodes (at least 3).
    n_players : int
        Number of players (2 or more).
    chance_share : float
        Probability that an inner node is a chance node.
    seed : int
        Seed of the tree's shape, movers and payoff coefficients.
    """
    if n_nodes < 3:
        raise ValueError(f"n_nodes must be at least 3, found {n_nodes}")
    rng = np.random.default_rng(seed)
    children: list[list[int]] = [[]]
    leaves = [0]
    count = 1
    while count < n_nodes:
        left = n_nodes - count
        # two or three children, never leaving exactly one node to place
        k = left if left <= 3 else int(rng.integers(2, 4))
        if left - k == 1:
            k = 2
        at = leaves.pop(int(rng.integers(len(leaves))))
        for _ in range(k):
            children[at].append(count)
            children.append([])
            leaves.append(count)
            count += 1
    players = [f"P{i + 1}" for i in range(n_players)]
    lines = [
        "escalade: 1",
        f"name: random-{n_nodes}",
        f"title: Random perfect-information tree with {n_nodes} nodes",
        "players: [" + ", ".join(players) + "]",
        "parameters:",
    ]
    lines += [f"  {p}: {{value: 0.5, low: 0.0, high: 1.0}}" for p in PARAMETERS]
    lines += [f"  {q}: {{value: 0.5, low: 0.2, high: 0.8}}" for q in CHANCE_PARAMETERS]
    outcome_of: dict[int, str] = {}
    lines.append("outcomes:")
    for node in range(n_nodes):
        if children[node]:
            continue
        name = f"o{len(outcome_of)}"
        outcome_of[node] = name
        pays = []
        for player in players:
            a, b, c = rng.uniform(-1.0, 1.0, 3)
            x, y = rng.choice(PARAMETERS, 2, replace=False)
            pays.append(f'{player}: "{a:.3f}*{x} {_signed(b)}*{y} {_signed(c)}"')
        lines.append(f"  {name}: {{payoffs: {{{', '.join(pays)}}}}}")

    def write(node: int, indent: str) -> list[str]:
        kids = children[node]
        if rng.random() < chance_share:
            q = CHANCE_PARAMETERS[int(rng.integers(len(CHANCE_PARAMETERS)))]
            probs = [q, f"1 - {q}"] if len(kids) == 2 else [f"{q}/2", f"{q}/2", f"1 - {q}"]
            out = [f"{indent}chance: {{{', '.join(f'c{i}: {p}' for i, p in enumerate(probs))}}}"]
            names = [f"c{i}" for i in range(len(kids))]
        else:
            out = [f"{indent}player: {players[int(rng.integers(n_players))]}"]
            names = [f"a{i}" for i in range(len(kids))]
        out.append(f"{indent}actions:")
        for name, kid in zip(names, kids, strict=True):
            if children[kid]:
                out.append(f"{indent}  {name}:")
                out += write(kid, indent + "    ")
            else:
                out.append(f"{indent}  {name}: {outcome_of[kid]}")
        return out

    lines.append("tree:")
    lines += write(0, "  ")
    return "\n".join(lines) + "\n"
