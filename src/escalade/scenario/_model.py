"""The parsed scenario: players, parameters, outcomes and the game tree.

A :class:`Scenario` is what a scenario file says, checked and with every
expression compiled. Its tree is kept as written (named nodes and
``goto``); :meth:`Scenario.expand` unfolds it into a plain list of
:class:`TreeNode` in breadth-first order, which the ``game`` layer turns
into arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.scenario._params import Draws, Formula, Location, ParameterSpace
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
    "Scenario",
    "TreeNode",
]

FloatArray = NDArray[np.float64]


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


@dataclass(frozen=True)
class Scenario:
    """A checked scenario, as loaded from a file.

    Build one with :func:`escalade.scenario.load_scenario` (or
    :func:`escalade.load`). Attributes mirror the file's sections.

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> sc = load_scenario("iig")
    >>> sc.player_names
    ('A', 'B')
    """

    name: str
    players: tuple[Player, ...]
    parameters: ParameterSpace
    derived: tuple[Derived, ...]
    outcomes: tuple[Outcome, ...]
    tree: NodeSpec
    nodes: Mapping[str, NodeSpec]
    title: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    claims: Mapping[str, Claim] = field(default_factory=dict)
    version: int = 1
    source: str = ""
    text_hash: str = ""
    text: bytes = field(default=b"", repr=False)
    expanded: tuple[TreeNode, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def player_names(self) -> tuple[str, ...]:
        """Player names in payoff order."""
        return tuple(p.name for p in self.players)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Outcome names in file order."""
        return tuple(o.name for o in self.outcomes)

    def expand(self) -> tuple[TreeNode, ...]:
        """The game tree with every ``goto`` unfolded, breadth-first."""
        return self.expanded

    def environment(
        self,
        draws: Draws,
        extra: Mapping[str, Any] | None = None,
        levers: Mapping[str, Any] | None = None,
    ) -> dict[str, FloatArray]:
        """Parameters, levers, state and derived values for a batch of draws.

        Parameters
        ----------
        draws : Draws
        extra : mapping, optional
            Values of further names (state variables, ``period``): scalars or
            arrays of shape (n_draws,). State variables default to their
            initial values.
        levers : mapping of str to float or ndarray, optional
            Lever settings (0 off, 1 on, or an intensity in between; all off by
            default). Each lever's effects replace the parameters and derived
            values they name, blended by the setting.

        Returns
        -------
        dict of str to ndarray of shape (n_draws,)

        Examples
        --------
        >>> from escalade.scenario import load_scenario
        >>> sc = load_scenario("iig")
        >>> env = sc.environment(sc.parameters.nominal())
        >>> sorted(env)[:3]
        ['PA', 'UA_DA', 'UA_DB']
        """
        n = draws.n_draws
        env: dict[str, Any] = dict(draws.items())
        hook = self.extra.get("environment")
        if hook is not None:
            hook.prepare(self, env, n, extra, levers)
        elif extra:
            env.update(extra)
        for d in self.derived:
            env[d.name] = d.formula.evaluate(env, n_draws=n)
            if hook is not None:
                hook.after(d.name, env, n)
        return env

    def citations(self) -> dict[str, list[str]]:
        """Claim id to the model elements citing it (``parameter:p_detect``, ...).

        Examples
        --------
        >>> from escalade.scenario import load_scenario
        >>> load_scenario("iig").citations()
        {}
        """
        found: dict[str, list[str]] = {c: [] for c in self.claims}
        for p in self.parameters:
            for c in p.claims:
                found.setdefault(c, []).append(f"parameter:{p.name}")
        for d in self.derived:
            for c in d.claims:
                found.setdefault(c, []).append(f"derived:{d.name}")
        for o in self.outcomes:
            for c in o.claims:
                found.setdefault(c, []).append(f"outcome:{o.name}")
        seen: set[tuple[str, str]] = set()
        for node in self.expanded:
            if not node.claims:
                continue
            name = node.label or node.path_name
            for c in node.claims:
                if (c, name) not in seen:
                    seen.add((c, name))
                    found.setdefault(c, []).append(f"node:{name}")
        for section, items in self.extra.get("citations", {}).items():
            for element, claims in items.items():
                for c in claims:
                    found.setdefault(c, []).append(f"{section}:{element}")
        return found
