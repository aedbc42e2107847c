"""The elements of a parsed scenario: claims, players, derived values,
outcomes and the game tree.

The tree is kept as written (:class:`DecisionSpec`, :class:`ChanceSpec`,
leaves and ``goto``); the loader also unfolds it into a plain list of
:class:`TreeNode` in breadth-first order, which the ``game`` layer turns
into arrays. :class:`~escalade.scenario.Scenario` (in ``_scenario``)
holds them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from escalade.scenario._params import Formula, Location
from escalade.scenario._trail import Trail, path_name

__all__ = [
    "ChanceSpec",
    "Claim",
    "DecisionSpec",
    "Derived",
    "GotoSpec",
    "LeafSpec",
    "NodeSpec",
    "Outcome",
    "Player",
    "TreeNode",
]


@dataclass(frozen=True)
class Claim:
    """A statement the model encodes, with its quote and source."""

    id: str
    quote: str
    source: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class Player:
    """A player (actor); ``label`` is a longer display name."""

    name: str
    label: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class Derived:
    """A named quantity computed from parameters and earlier derived values."""

    name: str
    formula: Formula
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class Outcome:
    """An outcome: payoff formulas per player, in player order.

    In a scenario with ``dynamics:``, ``then`` holds the state changes the
    outcome causes and ``end`` whether it ends the run (the outcome then
    persists for the rest of the horizon).
    """

    name: str
    payoffs: tuple[Formula, ...]
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None
    then: tuple[tuple[str, Formula], ...] = ()
    end: bool = False


@dataclass(frozen=True)
class LeafSpec:
    """A leaf naming an outcome."""

    outcome: str
    loc: Location | None = None


@dataclass(frozen=True)
class GotoSpec:
    """A reference to a named node of ``nodes:`` (copied at each use)."""

    target: str
    loc: Location | None = None


@dataclass(frozen=True)
class DecisionSpec:
    """A decision node as written."""

    player: str
    actions: tuple[tuple[str, NodeSpec], ...]
    infoset: str | None = None
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


@dataclass(frozen=True)
class ChanceSpec:
    """A chance node as written: a probability formula per branch."""

    actions: tuple[tuple[str, Formula, NodeSpec], ...]
    label: str = ""
    claims: tuple[str, ...] = ()
    note: str = ""
    loc: Location | None = None


NodeSpec = LeafSpec | GotoSpec | DecisionSpec | ChanceSpec


@dataclass(frozen=True)
class TreeNode:
    """One node of the expanded tree (breadth-first order, root first).

    Attributes
    ----------
    kind : {"decision", "chance", "terminal"}
    parent : int
        Index of the parent, -1 for the root.
    action : str
        Name of the action (or chance branch) leading here from the parent.
    trail : Trail or None
        The path from the root, as links shared with the parent (None at the
        root); :attr:`path` spells it out.
    children : tuple of int
        Indices of the children, in action order.
    actions : tuple of str
        Action names of the children (same order).
    player : str or None
        Who moves (decision nodes).
    infoset : str or None
        Information-set name given in the file, if any.
    outcome : str or None
        Outcome reached (terminal nodes).
    probs : tuple of Formula
        Chance probabilities of the children (chance nodes).
    index : int
        The node's place in the breadth-first unfolding.
    """

    kind: str
    parent: int
    action: str
    trail: Trail | None
    children: tuple[int, ...] = ()
    actions: tuple[str, ...] = ()
    player: str | None = None
    infoset: str | None = None
    outcome: str | None = None
    probs: tuple[Formula, ...] = ()
    label: str = ""
    claims: tuple[str, ...] = ()
    gotos: Trail | None = None
    loc: Location | None = None
    index: int = 0

    @property
    def path(self) -> tuple[str, ...]:
        """Actions from the root to this node."""
        return self.trail.steps() if self.trail is not None else ()

    @property
    def via(self) -> tuple[str, ...]:
        """Named nodes whose ``goto`` led here, outermost first."""
        return self.gotos.steps() if self.gotos is not None else ()

    @property
    def path_name(self) -> str:
        """The node's name made from its path (see :func:`path_name`); ``root`` at the root."""
        return path_name(self.trail, self.index)
