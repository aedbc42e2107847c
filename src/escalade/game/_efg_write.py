"""Writing a game as a Gambit extensive-form file (.efg, format version 2).

Any game, at one draw of its parameters (the nominal values by default),
so that a scenario can be handed to Gambit; a game read from .efg is
written back with the labels its file gave (see
:class:`~escalade.game._efg.ExtensiveFormLabels`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from escalade.game._efg import ExtensiveFormLabels
from escalade.game._gambit_text import format_number, quote
from escalade.game._tree import DECISION, TERMINAL, Game, GameValues

__all__ = ["write_efg"]


def write_efg(game: Game, values: GameValues | None = None, draw: int = 0) -> str:
    """A game as the text of a Gambit .efg file.

    Parameters
    ----------
    game : Game
    values : GameValues, optional
        Payoffs and chance probabilities to write (default: the nominal values).
    draw : int
        Which draw of ``values`` to write.

    Returns
    -------
    str

    Examples
    --------
    >>> from escalade.game import build_game
    >>> from escalade.scenario import load_scenario
    >>> text = write_efg(build_game(load_scenario("iig")))
    >>> text.splitlines()[0]
    'EFG 2 R "International Interaction Game" { "A" "B" }'
    """
    if values is None:
        values = game.nominal_values()
    pay = np.asarray(values.payoffs[draw])
    chance = np.asarray(values.chance[draw])
    lines = [
        f"EFG 2 R {quote(game.title or game.name)} "
        "{ " + " ".join(quote(p) for p in game.players) + " }",
        quote(game.description),
        "",
    ]
    # infosets are numbered within each player, in the game's order
    number = np.zeros(game.n_infosets, dtype=np.int64)
    counts = [0] * game.n_players
    for h in range(game.n_infosets):
        counts[game.infoset_player[h]] += 1
        number[h] = counts[game.infoset_player[h]]
    first = game.first_child
    nch = game.n_children
    labels = _labels(game)
    node_labels = _distinct_node_labels(game)
    written_outcomes: set[int] = set()
    chance_no = 0
    stack = [0]
    while stack:
        i = stack.pop()
        label = quote(node_labels[i])
        o = int(game.outcome[i])
        if o >= 0:
            part = (
                f"{o + 1} {quote(labels.outcomes[o])} "
                + "{ "
                + ", ".join(format_number(float(x)) for x in pay[o])
                + " }"
            )
            written_outcomes.add(o)
        else:
            part = "0"
        kids = list(range(first[i], first[i] + nch[i])) if nch[i] else []
        if game.kind[i] == TERMINAL:
            lines.append(f"t {label} {part}")
        elif game.kind[i] == DECISION:
            h = int(game.infoset[i])
            lo, hi = game.infoset_actions[h], game.infoset_actions[h + 1]
            acts = " ".join(quote(a) for a in labels.actions[lo:hi])
            lines.append(
                f"p {label} {game.infoset_player[h] + 1} {number[h]} "
                f"{quote(labels.infosets[h])} {{ {acts} }} {part}"
            )
        else:
            chance_no += 1
            probs = _exact_probabilities([float(chance[game.edge_chance[k]]) for k in kids])
            branch = " ".join(
                f"{quote(labels.chance[game.edge_chance[k]])} {p}"
                for k, p in zip(kids, probs, strict=True)
            )
            lines.append(f'c {label} {chance_no} "" {{ {branch} }} {part}')
        stack.extend(reversed(kids))
    return "\n".join(lines) + "\n"


def _distinct_node_labels(game: Game) -> list[str]:
    """Node labels with repeats renamed ``label_2``, ``label_3``, ...

    Gambit 16 refuses a file where two nodes share a non-empty label, which
    scenario trees do wherever a named node is copied (``goto``).
    """
    raw = list(game.node_labels) if game.node_labels else [""] * game.n_nodes
    taken = set(raw)
    seen: set[str] = set()
    out = []
    for label in raw:
        if label and label in seen:
            k = 2
            while f"{label}_{k}" in taken:
                k += 1
            label = f"{label}_{k}"
            taken.add(label)
        seen.add(label)
        out.append(label)
    return out


def _exact_probabilities(probs: list[float]) -> list[str]:
    """Chance probabilities as Gambit text that sums to exactly 1.

    Gambit reads numbers exactly and refuses probabilities whose sum is not
    exactly one, while computed ones (``1 - 0.755``) are off by a rounding
    error. The largest probability is written as 1 minus the others, exactly.
    """
    texts = [format_number(p) for p in probs]
    big = max(range(len(probs)), key=lambda j: probs[j])
    rest = 1 - sum(Fraction(t) for j, t in enumerate(texts) if j != big)
    texts[big] = str(rest.numerator) if rest.denominator == 1 else f"{rest}"
    return texts


def _labels(game: Game) -> ExtensiveFormLabels:
    """The labels to write: the file's own for a game read from .efg, else the names."""
    if isinstance(game.source, ExtensiveFormLabels):
        return game.source
    chance = [""] * game.n_chance_edges
    for k in np.flatnonzero(game.edge_chance >= 0):
        chance[game.edge_chance[k]] = game.edge_labels[k] if game.edge_labels else ""
    return ExtensiveFormLabels(game.infoset_names, game.action_names, tuple(chance), game.outcomes)
