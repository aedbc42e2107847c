"""A :class:`Game` from a tree of nodes given one by one.

Readers and generators of trees (the Gambit ``.efg`` reader, the unrolled
multi-period game) produce nodes with their children in some order;
:func:`assemble` numbers them breadth-first, as :class:`Game` needs
(children contiguous, in the order of their information set's actions),
and gathers the information sets and the edges.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from escalade.game._tree import DECISION

__all__ = ["Assembled", "RawNode", "assemble"]

IntArray = NDArray[np.int64]


@dataclass
class RawNode:
    """A node as a reader or generator produces it.

    Attributes
    ----------
    kind : int
        ``TERMINAL``, ``DECISION`` or ``CHANCE``.
    player : int
        The mover (0-based) of a decision node, else -1.
    infoset : hashable
        Decision nodes with the same key form one information set.
    actions : list of str
        One name per child, in order (a chance node's branch names).
    probs : list of float
        A chance node's probabilities.
    outcome : int
        The node's outcome, -1 if none.
    children : list of int
        Positions of the children in the list of nodes.
    """

    kind: int
    player: int = -1
    infoset: Hashable = None
    actions: list[str] = field(default_factory=list)
    probs: list[float] = field(default_factory=list)
    outcome: int = -1
    children: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Assembled:
    """The arrays of a :class:`Game` (see its attributes), nodes breadth-first.

    ``order[i]`` is the position, in the list given, of node ``i``;
    ``infoset_keys`` the key of each information set (in order of first
    appearance); ``chance`` the probability of each chance branch.
    """

    order: list[int]
    kind: NDArray[np.int8]
    parent: IntArray
    player: IntArray
    infoset: IntArray
    outcome: IntArray
    edge_action: IntArray
    edge_chance: IntArray
    infoset_player: IntArray
    infoset_keys: list[Hashable]
    infoset_actions: IntArray
    action_names: tuple[str, ...]
    chance: NDArray[np.float64]
    edge_labels: tuple[str, ...]

    def structure(self) -> dict[str, object]:
        """The :class:`Game` fields these arrays give (all but the information sets'
        names, which the caller chooses), as keyword arguments."""
        return {
            "kind": self.kind,
            "parent": self.parent,
            "player": self.player,
            "infoset": self.infoset,
            "outcome": self.outcome,
            "edge_action": self.edge_action,
            "edge_chance": self.edge_chance,
            "infoset_player": self.infoset_player,
            "infoset_actions": self.infoset_actions,
            "action_names": self.action_names,
            "edge_labels": self.edge_labels,
        }


def assemble(nodes: list[RawNode]) -> Assembled:
    """Number ``nodes`` (the root first in the list) breadth-first and gather the arrays.

    An information set's actions are named by its first node (breadth-first).

    Examples
    --------
    >>> from escalade.game import TERMINAL
    >>> nodes = [RawNode(DECISION, 0, "h", ["L", "R"], children=[1, 2]),
    ...          RawNode(TERMINAL, outcome=0), RawNode(TERMINAL, outcome=1)]
    >>> a = assemble(nodes)
    >>> a.parent.tolist(), a.action_names, a.edge_labels
    ([-1, 0, 0], ('L', 'R'), ('', 'L', 'R'))
    """
    order: list[int] = [0]
    parent: list[int] = [-1]
    head = 0
    while head < len(order):
        kids = nodes[order[head]].children
        order.extend(kids)
        parent.extend([head] * len(kids))
        head += 1
    n = len(order)
    ordered = [nodes[i] for i in order]
    infoset = np.full(n, -1, dtype=np.int64)
    keys: dict[Hashable, int] = {}
    h_player: list[int] = []
    h_actions: list[list[str]] = []
    for i, nd in enumerate(ordered):
        if nd.kind != DECISION:
            continue
        if nd.infoset not in keys:
            keys[nd.infoset] = len(h_player)
            h_player.append(nd.player)
            h_actions.append(nd.actions)
        infoset[i] = keys[nd.infoset]
    starts = np.concatenate([[0], np.cumsum([len(a) for a in h_actions])]).astype(np.int64)
    edge_action = np.full(n, -1, dtype=np.int64)
    edge_chance = np.full(n, -1, dtype=np.int64)
    chance: list[float] = []
    labels = [""] * n
    first = 1  # breadth-first, the children of node i come right after those of node i - 1
    for i, nd in enumerate(ordered):
        names = h_actions[infoset[i]] if nd.kind == DECISION else nd.actions
        for j in range(len(nd.children)):
            kid = first + j
            labels[kid] = names[j]
            if nd.kind == DECISION:
                edge_action[kid] = starts[infoset[i]] + j
            else:
                edge_chance[kid] = len(chance)
                chance.append(nd.probs[j])
        first += len(nd.children)
    return Assembled(
        order=order,
        kind=np.array([nd.kind for nd in ordered], dtype=np.int8),
        parent=np.array(parent, dtype=np.int64),
        player=np.array([nd.player for nd in ordered], dtype=np.int64),
        infoset=infoset,
        outcome=np.array([nd.outcome for nd in ordered], dtype=np.int64),
        edge_action=edge_action,
        edge_chance=edge_chance,
        infoset_player=np.array(h_player, dtype=np.int64),
        infoset_keys=list(keys),
        infoset_actions=starts,
        action_names=tuple(a for acts in h_actions for a in acts),
        chance=np.array(chance, dtype=np.float64),
        edge_labels=tuple(labels),
    )
