"""The extensive-form game as flat arrays.

Nodes are stored in breadth-first order: the root is node 0, the nodes at
one depth are contiguous, and the children of a node are contiguous and
in the order of its information set's actions. So the children of all
nodes at depth ``d`` are exactly the nodes at depth ``d + 1``, and a
backward or forward pass is a handful of array operations per depth
(``np.add.reduceat`` over the children) rather than a Python loop per node.

Payoffs and chance probabilities are the only things that change from one
parameter draw to the next; :meth:`Game.evaluate` computes them for a
batch of draws, and the structure is shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Sized
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade._text import noun
from escalade.scenario import Draws, ParameterSpace

__all__ = ["CHANCE", "DECISION", "TERMINAL", "Game", "GameValues", "Level"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

TERMINAL, DECISION, CHANCE = 0, 1, 2


def action_offsets(actions: Sequence[Sized]) -> IntArray:
    """Where each information set's actions start (``Game.infoset_actions``), from their lists.

    Examples
    --------
    >>> action_offsets([("L", "R"), ("l", "m", "r")])
    array([0, 2, 5])
    """
    return np.concatenate([[0], np.cumsum([len(a) for a in actions])]).astype(np.int64)


@dataclass(frozen=True)
class GameValues:
    """Payoffs and chance probabilities of a batch of draws.

    Attributes
    ----------
    payoffs : ndarray of shape (n_draws, n_outcomes, n_players)
    chance : ndarray of shape (n_draws, n_chance_edges)
        Probability of each chance branch (see ``Game.edge_chance``).
    """

    payoffs: FloatArray
    chance: FloatArray

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.payoffs.shape[0])


@dataclass(frozen=True)
class Level:
    """The non-terminal nodes at one depth and their children (the next depth).

    Positions of kids are relative to ``kids.start``.

    Attributes
    ----------
    parents : ndarray of int
        Non-terminal nodes at this depth, increasing.
    kids : slice
        Their children: every node of the next depth.
    offsets : ndarray of int
        Start of each parent's children (for ``np.add.reduceat``).
    kid_parent : ndarray of int
        For each kid, the position of its parent in ``parents``.
    dec_kids : ndarray of int
        Kids whose parent is a decision node.
    """

    parents: IntArray
    kids: slice
    offsets: IntArray
    kid_parent: IntArray
    dec_kids: IntArray

    @property
    def n_kids(self) -> int:
        """Number of children at this level."""
        return int(self.kids.stop - self.kids.start)


Evaluator = Callable[..., GameValues]
EnvEvaluator = Callable[[Mapping[str, Any], int], GameValues]


@dataclass(frozen=True, eq=False)
class Game:
    """An extensive-form game: structure as arrays, values as a function of draws.

    Build one from a scenario with :func:`escalade.game.build_game` or from a
    Gambit file with :func:`escalade.game.read_efg`.

    Attributes
    ----------
    name, title : str
    players : tuple of str
        In payoff order (``n_players``).
    outcomes : tuple of str
        ``n_outcomes`` outcome names.
    kind : ndarray of shape (n_nodes,)
        ``TERMINAL`` (0), ``DECISION`` (1) or ``CHANCE`` (2).
    parent, depth, first_child, n_children : ndarray of shape (n_nodes,)
        Tree links (``parent[0] == -1``; ``first_child == -1`` at terminals).
    player, infoset : ndarray of shape (n_nodes,)
        Mover and information set of decision nodes, -1 elsewhere.
    outcome : ndarray of shape (n_nodes,)
        Outcome attached to the node, -1 if none. Scenario games attach
        outcomes to terminal nodes only; Gambit files may attach them to
        any node, and payoffs add up along the path.
    edge_action : ndarray of shape (n_nodes,)
        Action leading to the node from a decision parent, else -1.
    edge_chance : ndarray of shape (n_nodes,)
        Column of ``GameValues.chance`` leading to the node from a chance
        parent, else -1.
    infoset_player : ndarray of shape (n_infosets,)
    infoset_names : tuple of str
    infoset_actions : ndarray of shape (n_infosets + 1,)
        Actions of infoset ``h`` are ``infoset_actions[h]:infoset_actions[h+1]``.
    action_names : tuple of str
        ``n_actions`` names.
    edge_labels : tuple of str
        Name of the action or chance branch leading to each node (``""`` for
        the root); :meth:`node_path` joins them from the root.
    node_labels : tuple of str
    parameters : ParameterSpace
    """

    name: str
    players: tuple[str, ...]
    outcomes: tuple[str, ...]
    kind: NDArray[np.int8]
    parent: IntArray
    player: IntArray
    infoset: IntArray
    outcome: IntArray
    edge_action: IntArray
    edge_chance: IntArray
    infoset_player: IntArray
    infoset_names: tuple[str, ...]
    infoset_actions: IntArray
    action_names: tuple[str, ...]
    evaluator: Evaluator
    parameters: ParameterSpace = field(default_factory=ParameterSpace)
    title: str = ""
    description: str = ""
    outcome_labels: tuple[str, ...] = ()
    edge_labels: tuple[str, ...] = ()
    node_labels: tuple[str, ...] = ()
    source: Any = None
    env_evaluator: EnvEvaluator | None = None

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.kind.shape[0])

    @property
    def n_players(self) -> int:
        """Number of players."""
        return len(self.players)

    @property
    def n_outcomes(self) -> int:
        """Number of outcomes."""
        return len(self.outcomes)

    @property
    def n_infosets(self) -> int:
        """Number of information sets."""
        return len(self.infoset_names)

    @property
    def n_actions(self) -> int:
        """Number of actions over all information sets."""
        return len(self.action_names)

    @property
    def n_chance_edges(self) -> int:
        """Number of chance branches over all chance nodes."""
        return int((self.edge_chance >= 0).sum())

    # ------------------------------------------------------------- structure
    @cached_property
    def depth(self) -> IntArray:
        """Depth of each node (root 0)."""
        depth = np.zeros(self.n_nodes, dtype=np.int64)
        for i in range(1, self.n_nodes):
            depth[i] = depth[self.parent[i]] + 1
        return depth

    @cached_property
    def n_children(self) -> IntArray:
        """Number of children of each node."""
        return np.bincount(self.parent[1:], minlength=self.n_nodes).astype(np.int64)

    @cached_property
    def first_child(self) -> IntArray:
        """Index of each node's first child, -1 at terminals."""
        first = np.full(self.n_nodes, -1, dtype=np.int64)
        # children are contiguous and increasing: a parent's first child is where it first appears
        parents, at = np.unique(self.parent[1:], return_index=True)
        first[parents] = at + 1
        return first

    @cached_property
    def levels(self) -> tuple[Level, ...]:
        """Per-depth index arrays for batched passes, root level first."""
        depth = self.depth
        n_depths = int(depth.max()) + 1
        starts = np.searchsorted(depth, np.arange(n_depths + 1))
        first = self.first_child
        out = []
        for d in range(n_depths - 1):
            lo, hi = int(starts[d]), int(starts[d + 1])
            parents = np.arange(lo, hi)[self.kind[lo:hi] != TERMINAL]
            klo, khi = int(starts[d + 1]), int(starts[d + 2])
            offsets = first[parents] - klo
            kid_parent = np.repeat(np.arange(len(parents)), self.n_children[parents])
            out.append(
                Level(
                    parents=parents,
                    kids=slice(klo, khi),
                    offsets=offsets.astype(np.int64),
                    kid_parent=kid_parent,
                    dec_kids=np.flatnonzero(self.kind[parents][kid_parent] == DECISION),
                )
            )
        return tuple(out)

    @cached_property
    def is_perfect_information(self) -> bool:
        """Whether every information set has a single node."""
        members = np.bincount(self.infoset[self.infoset >= 0], minlength=self.n_infosets)
        return bool((members <= 1).all())

    @cached_property
    def infoset_nodes(self) -> tuple[IntArray, ...]:
        """The decision nodes of each information set."""
        order = np.argsort(self.infoset, kind="stable")
        order = order[self.infoset[order] >= 0]
        bounds = np.searchsorted(self.infoset[order], np.arange(self.n_infosets + 1))
        return tuple(order[bounds[h] : bounds[h + 1]] for h in range(self.n_infosets))

    @cached_property
    def action_infoset(self) -> IntArray:
        """Information set of each action."""
        return np.repeat(np.arange(self.n_infosets), np.diff(self.infoset_actions))

    @cached_property
    def terminals(self) -> IntArray:
        """Indices of terminal nodes."""
        return np.flatnonzero(self.kind == TERMINAL)

    @cached_property
    def outcome_groups(self) -> tuple[IntArray, IntArray, IntArray]:
        """Nodes carrying an outcome sorted by outcome, the outcomes present, and
        where each outcome's nodes start (for summing node probabilities)."""
        has = np.flatnonzero(self.outcome >= 0)
        nodes = has[np.argsort(self.outcome[has], kind="stable")]
        present, starts = np.unique(self.outcome[nodes], return_index=True)
        return nodes, present.astype(np.int64), starts.astype(np.int64)

    def node_reach(self, edge: FloatArray) -> FloatArray:
        """Probability of reaching each node, from the probability of the edge into it.

        Parameters
        ----------
        edge : ndarray of shape (n_nodes,) or (n_nodes, n_draws)
            The chance or choice probability of the edge into each node (the
            root's entry is ignored).

        Returns
        -------
        ndarray of the shape of ``edge``

        Examples
        --------
        >>> import escalade
        >>> from escalade.game import build_game
        >>> g = build_game(escalade.load("iig"))
        >>> edge = np.full(g.n_nodes, 0.5)
        >>> float(g.node_reach(edge)[g.terminals].sum())
        1.0
        """
        reach = np.empty_like(edge, dtype=float)
        reach[0] = 1.0
        for level in self.levels:
            reach[level.kids] = reach[level.parents][level.kid_parent] * edge[level.kids]
        return reach

    def outcome_probabilities(self, reach: FloatArray) -> FloatArray:
        """Probability of each outcome from node probabilities.

        Parameters
        ----------
        reach : ndarray of shape (n_nodes, n_draws)

        Returns
        -------
        ndarray of shape (n_outcomes, n_draws)
        """
        nodes, present, starts = self.outcome_groups
        out = np.zeros((self.n_outcomes, reach.shape[1]))
        if nodes.size:
            out[present] = np.add.reduceat(reach[nodes], starts, axis=0)
        return out

    @cached_property
    def has_inner_outcomes(self) -> bool:
        """Whether any non-terminal node carries an outcome (Gambit files only)."""
        return bool(((self.outcome >= 0) & (self.kind != TERMINAL)).any())

    @cached_property
    def path_actions(self) -> NDArray[np.int32]:
        """Count of each action on the path from the root to each node.

        ndarray of shape (n_nodes, n_actions); entries above 1 only with
        imperfect recall (an information set crossed twice).
        """
        m = np.zeros((self.n_nodes, self.n_actions), dtype=np.int32)
        for i in range(1, self.n_nodes):
            m[i] = m[self.parent[i]]
            if self.edge_action[i] >= 0:
                m[i, self.edge_action[i]] += 1
        return m

    def node_path(self, i: int) -> str:
        """The ``/``-joined actions from the root to node ``i`` (``""`` for the root).

        Examples
        --------
        >>> import escalade
        >>> g = escalade.as_game("iig")
        >>> g.node_path(int(g.terminals[-1]))
        'no_demand/demand/demand/negotiate/force/fight'
        """
        steps = []
        while i > 0:
            steps.append(self.edge_labels[i])
            i = int(self.parent[i])
        return "/".join(reversed(steps))

    @cached_property
    def node_paths(self) -> tuple[str, ...]:
        """:meth:`node_path` of every node. Their total length grows with the nodes
        times the depth: for deep trees ask for the paths needed."""
        out = [""] * self.n_nodes
        for i in range(1, self.n_nodes):
            up = out[self.parent[i]]
            out[i] = f"{up}/{self.edge_labels[i]}" if up else self.edge_labels[i]
        return tuple(out)

    @cached_property
    def chance_names(self) -> tuple[str, ...]:
        """The path of each chance branch (``n_chance_edges``, in column order)."""
        nodes = np.flatnonzero(self.edge_chance >= 0)
        out = [""] * len(nodes)
        for k in nodes:
            out[int(self.edge_chance[k])] = self.node_path(int(k))
        return tuple(out)

    def infoset_label(self, h: int) -> str:
        """``player:infoset`` for messages."""
        return f"{self.players[self.infoset_player[h]]}:{self.infoset_names[h]}"

    def actions_of(self, h: int) -> tuple[str, ...]:
        """Action names of information set ``h``."""
        lo, hi = self.infoset_actions[h], self.infoset_actions[h + 1]
        return self.action_names[lo:hi]

    # ---------------------------------------------------------------- values
    def evaluate(
        self,
        draws: Draws,
        extra: Mapping[str, Any] | None = None,
        levers: Mapping[str, Any] | None = None,
    ) -> GameValues:
        """Payoffs and chance probabilities for a batch of draws.

        Parameters
        ----------
        draws : Draws
            Parameter values, ``n_draws`` of them.
        extra : mapping, optional
            Values of state variables and ``period`` (scenarios with dynamics).
        levers : mapping, optional
            Lever settings (scenarios with levers).

        Returns
        -------
        GameValues
            Arrays of shape ``(n_draws, n_outcomes, n_players)`` and
            ``(n_draws, n_chance_edges)``.

        Examples
        --------
        >>> from escalade.game import build_game
        >>> from escalade.scenario import load_scenario
        >>> g = build_game(load_scenario("iig"))
        >>> g.evaluate(g.parameters.nominal(5)).payoffs.shape
        (5, 8, 2)
        """
        if extra is None and levers is None:
            return self.evaluator(draws)
        return self.evaluator(draws, extra, levers)

    def values_from_env(self, env: Mapping[str, Any], n: int) -> GameValues:
        """Payoffs and chance probabilities from an already computed environment.

        Lets a simulation compute parameters, levers, state and derived
        values once per period and reuse them.
        """
        if self.env_evaluator is None:
            return self.evaluate(self.parameters.nominal(n))
        return self.env_evaluator(env, n)

    def with_context(
        self,
        extra: Mapping[str, Any] | None = None,
        levers: Mapping[str, Any] | None = None,
    ) -> Game:
        """The same game evaluated with some state values and lever settings fixed.

        Examples
        --------
        >>> from escalade.game import build_game
        >>> from escalade.scenario import load_scenario
        >>> g = build_game(load_scenario("korea-2017"))
        >>> g2 = g.with_context(levers={"step1": 1.0})
        >>> g2.evaluate(g2.parameters.nominal()).payoffs.shape
        (1, 21, 5)
        """
        base = self.evaluator
        fixed_extra = dict(extra or {})
        fixed_levers = dict(levers or {})

        def evaluate(
            draws: Draws,
            more_extra: Mapping[str, Any] | None = None,
            more_levers: Mapping[str, Any] | None = None,
        ) -> GameValues:
            return base(
                draws,
                {**fixed_extra, **(more_extra or {})},
                {**fixed_levers, **(more_levers or {})},
            )

        return replace(self, evaluator=evaluate)

    def nominal_values(self) -> GameValues:
        """Values at the parameters' nominal values (one draw)."""
        return self.evaluate(self.parameters.nominal())

    def __repr__(self) -> str:
        return (
            f"<Game {self.name!r}: {self.n_players} players, {self.n_nodes} nodes, "
            f"{self.n_infosets} {noun(self.n_infosets, 'information set')}, "
            f"{self.n_outcomes} {noun(self.n_outcomes, 'outcome')}>"
        )
