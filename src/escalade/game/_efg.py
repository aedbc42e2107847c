"""Gambit extensive-form files (.efg, format version 2): the reader.

The reader builds a :class:`Game` whose outcomes may sit on any node
(payoffs add up along the path, as in Gambit) and whose payoffs are
constants. The writer (:mod:`._efg_write`) prints any game at one draw of
its parameters, so a scenario can be handed to Gambit.

Format: a header ``EFG 2 R "title" { "player" ... } "comment"`` and the
nodes in depth-first order, one per line::

    p "name" player infoset "infoset name" { "action" ... } outcome "name" { payoffs }
    c "name" infoset "infoset name" { "action" prob ... } outcome ...
    t "name" outcome "name" { payoffs }

Infoset names, action lists and outcome payoffs may be omitted after
their first appearance; outcome 0 means none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from escalade.errors import ScenarioError
from escalade.game._assemble import RawNode, assemble
from escalade.game._efg_nodes import Node, check_probs, same_infoset, same_outcome
from escalade.game._gambit_text import (
    Token,
    TokenStream,
    iter_tokens,
    player_names,
    read_text,
)
from escalade.game._tree import CHANCE, DECISION, TERMINAL, Game, GameValues
from escalade.scenario import Draws, ParameterSpace

__all__ = ["ExtensiveFormLabels", "constant_game", "parse_efg", "read_efg"]

_MAX_EFG_NODES = 1_000_000


@dataclass(frozen=True)
class ExtensiveFormLabels:
    """The labels a Gambit .efg file gave, kept so that writing the game back gives them back.

    escalade names every action and outcome uniquely and non-emptily (``a1``,
    ``x#2``, ``outcome1``), while the file may repeat or omit labels; the
    writer prints these instead so that Gambit reads the same labels again.

    Attributes
    ----------
    infosets : tuple of str
        Label of each information set (``n_infosets``).
    actions : tuple of str
        Label of each action (``n_actions``, in the game's action order).
    chance : tuple of str
        Label of each chance branch (``n_chance_edges``).
    outcomes : tuple of str
        Label of each outcome (``n_outcomes``).
    """

    infosets: tuple[str, ...]
    actions: tuple[str, ...]
    chance: tuple[str, ...]
    outcomes: tuple[str, ...]


def read_efg(path: str | Path) -> Game:
    """Read a Gambit .efg file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Game
        With constant payoffs and no parameters.

    Raises
    ------
    ScenarioError
        For unreadable or malformed files, at ``file:line:col``.

    Examples
    --------
    >>> import tempfile, os
    >>> text = 'EFG 2 R "Tiny" { "A" "B" }\\n' \\
    ...        'p "" 1 1 "" { "L" "R" } 0\\n' \\
    ...        't "" 1 "x" { 1, 0 }\\n' \\
    ...        't "" 2 "y" { 0, 2 }\\n'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "tiny.efg")
    ...     _ = open(p, "w").write(text)
    ...     g = read_efg(p)
    >>> g.players, g.outcomes, g.n_nodes
    (('A', 'B'), ('x', 'y'), 3)
    """
    text, shown, name = read_text(path, ".efg")
    return parse_efg(text, shown, name=name)


def parse_efg(text: str, file: str = "<efg>", *, name: str = "game") -> Game:
    """Parse the text of a Gambit .efg file; see :func:`read_efg`."""
    if not text.strip():
        raise ScenarioError("file is empty; expected a Gambit .efg game", file=file)
    reader = _EfgReader(TokenStream(iter_tokens(text, file), file))
    title, comment = reader.header()
    while reader.ts.peek() is not None:
        reader.node()
    reader.finish()
    return _to_game(reader.nodes, reader.players, reader.outcomes, title, comment, name)


class _EfgReader:
    """The state of a file being read: players, nodes so far, and what was declared."""

    def __init__(self, ts: TokenStream) -> None:
        self.ts = ts
        self.players: list[str] = []
        self.nodes: list[Node] = []
        self.infosets: dict[tuple[int, int], tuple[list[str], list[float], Token]] = {}
        self.infoset_labels: dict[tuple[int, int], str] = {}
        self.outcomes: dict[int, tuple[str, list[float]]] = {}
        self.stack: list[int] = []  # nodes still expecting children

    def header(self) -> tuple[str, str]:
        """Read ``EFG 2 R "title" { players } "comment"``; return the title and comment."""
        ts = self.ts
        title, players = ts.header("EFG", "2", "extensive-form")
        self.players = player_names(players)
        comment = ts.next("the comment").text if ts.at("str") else ""
        return title, comment

    def node(self) -> None:
        """Read one node line and hang it under the node still expecting children."""
        ts = self.ts
        tok = ts.expect("word", "a node (p, c or t)")
        if tok.text not in ("p", "c", "t"):
            raise ts.error("expected a node type p, c or t", tok)
        if self.nodes and not self.stack:
            raise ts.error_at(
                "expected the end of the file (the tree is already complete), found another node",
                tok,
            )
        if len(self.nodes) >= _MAX_EFG_NODES:
            raise ts.error_at(f"expected at most {_MAX_EFG_NODES:,} nodes, found more", tok)
        node = Node(tok.text, ts.expect("str", "the node's name in quotes").text, tok)
        if node.kind == "p":
            node.player = ts.integer("a player number")
            if not 1 <= node.player <= len(self.players):
                raise ts.error(f"expected a player number from 1 to {len(self.players)}", ts.last)
        if node.kind in ("p", "c"):
            self._infoset(node, tok)
        self._outcome(node)
        index = len(self.nodes)
        self.nodes.append(node)
        if self.stack:
            parent = self.nodes[self.stack[-1]]
            parent.children.append(index)
            if len(parent.children) == len(parent.actions):
                self.stack.pop()
        if node.kind != "t":
            self.stack.append(index)

    def _infoset(self, node: Node, tok: Token) -> None:
        """Read a decision or chance node's information set, and its actions on first use."""
        ts = self.ts
        iset_tok = ts.peek()
        node.infoset = ts.integer("an information set number")
        key = (node.player, node.infoset)
        if ts.at("str"):
            label_tok = ts.next("infoset name")
            self._actions(node)
            if key in self.infosets:
                owner = "chance" if node.kind == "c" else self.players[node.player - 1]
                what = f"information set {node.infoset} of {owner}"
                first = (*self.infosets[key], self.infoset_labels[key])
                same_infoset(ts, what, node, first, label_tok, iset_tok)
            self.infoset_labels.setdefault(key, label_tok.text)
            self.infosets.setdefault(key, (node.actions, node.probs, tok))
        elif key in self.infosets:
            node.actions, node.probs = self.infosets[key][0], self.infosets[key][1]
        else:
            raise ts.error("expected the information set's name and actions (first use)")
        node.infoset_label = self.infoset_labels.get(key, "")
        if node.kind == "c":
            check_probs(node, ts)

    def _actions(self, node: Node) -> None:
        """Read ``{ "action" ... }`` (with a probability after each chance action)."""
        ts = self.ts
        open_tok = ts.expect("{", "{ and the actions")
        while ts.at("str"):
            node.actions.append(ts.next("action").text)
            if node.kind == "c":
                node.probs.append(ts.number("a chance probability"))
            ts.skip_commas()
        ts.expect("}", "} closing the actions")
        if not node.actions:
            raise ts.error_at("expected at least one action, found { }", open_tok)

    def _outcome(self, node: Node) -> None:
        """Read the node's outcome number, and its name and payoffs on first use."""
        ts = self.ts
        out_tok = ts.peek()
        node.outcome = ts.integer("an outcome number (a whole number, 0 for none)")
        if node.outcome < 0:
            raise ts.error("expected an outcome number of 0 or more", out_tok)
        if not ts.at("str"):
            if node.outcome and node.outcome not in self.outcomes:
                raise ts.error_at(
                    f"outcome {node.outcome} is used before its payoffs are given; expected its "
                    "name and payoffs where it first appears",
                    out_tok,
                )
            return
        oname = ts.next("outcome name").text
        ts.expect("{", "{ and the payoffs")
        pays = ts.payoffs()
        ts.expect("}", "} closing the payoffs")
        n = len(self.players)
        if len(pays) != n:
            raise ts.error_at(
                f"outcome {node.outcome} lists {len(pays)} payoff"
                f"{'' if len(pays) == 1 else 's'}; expected one per player ({n})",
                out_tok,
            )
        if node.outcome == 0:
            raise ts.error_at(
                "outcome 0 means no outcome and cannot have payoffs; expected a number "
                "of 1 or more",
                out_tok,
            )
        if node.outcome in self.outcomes:
            same_outcome(ts, node.outcome, self.outcomes[node.outcome], (oname, pays), out_tok)
        self.outcomes.setdefault(node.outcome, (oname, pays))

    def finish(self) -> None:
        """Check that the file held a whole tree."""
        if not self.nodes:
            raise self.ts.error("expected the nodes of the tree (p, c or t) after the header")
        if self.stack:
            missing = self.nodes[self.stack[-1]]
            shown = f"node {missing.name!r}" if missing.name else "this node"
            raise self.ts.error_at(
                f"the file ends early: expected {len(missing.actions)} children of {shown} "
                f"(one per action), found {len(missing.children)}",
                missing.token,
            )


def _unique(names: list[str], fallback: str) -> list[str]:
    """Non-empty, distinct names (empty ones get ``fallback + index``)."""
    out: list[str] = []
    taken: set[str] = set()
    # next suffix to try per base name, so that n repeats of one name cost O(n), not O(n^3)
    next_suffix: dict[str, int] = {}
    for i, n in enumerate(names):
        base = n if n else f"{fallback}{i + 1}"
        candidate = base
        if candidate in taken:
            k = next_suffix.get(base, 2)
            while f"{base}#{k}" in taken:
                k += 1
            candidate = f"{base}#{k}"
            next_suffix[base] = k + 1
        taken.add(candidate)
        out.append(candidate)
    return out


def _to_game(
    raw: list[Node],
    players: list[str],
    outcome_defs: dict[int, tuple[str, list[float]]],
    title: str,
    comment: str,
    name: str,
) -> Game:
    numbers = sorted(outcome_defs)
    out_index = {num: i for i, num in enumerate(numbers)}
    outcome_names = _unique([outcome_defs[k][0] for k in numbers], "outcome")
    payoffs = np.array([outcome_defs[k][1] for k in numbers], dtype=np.float64).reshape(
        len(numbers), len(players)
    )
    tree = assemble(
        [
            RawNode(
                {"p": DECISION, "c": CHANCE, "t": TERMINAL}[nd.kind],
                player=nd.player - 1 if nd.kind == "p" else -1,
                infoset=(nd.player, nd.infoset) if nd.kind == "p" else None,
                actions=_unique(nd.actions, "a"),
                probs=nd.probs,
                outcome=out_index[nd.outcome] if nd.outcome else -1,
                children=nd.children,
            )
            for nd in raw
        ]
    )
    nodes = [raw[i] for i in tree.order]
    # the file's own labels, and the infosets' numbers within their player, as Gambit numbers them
    first_of: dict[object, Node] = {}
    chance_raw: list[str] = []
    for nd in nodes:
        if nd.kind == "p":
            first_of.setdefault((nd.player, nd.infoset), nd)
        elif nd.kind == "c":
            chance_raw += nd.actions
    firsts = [first_of[key] for key in tree.infoset_keys]
    return constant_game(
        name=name,
        players=tuple(players),
        outcomes=tuple(outcome_names),
        payoffs=payoffs,
        chance=tree.chance,
        infoset_names=tuple(str(nd.infoset) for nd in firsts),
        **tree.structure(),
        title=title,
        description=comment,
        outcome_labels=tuple(outcome_defs[k][0] for k in numbers),
        node_labels=tuple(nd.name for nd in nodes),
        source=ExtensiveFormLabels(
            infosets=tuple(nd.infoset_label for nd in firsts),
            actions=tuple(a for nd in firsts for a in nd.actions),
            chance=tuple(chance_raw),
            outcomes=tuple(outcome_defs[k][0] for k in numbers),
        ),
    )


def constant_game(*, payoffs: np.ndarray, chance: np.ndarray, **structure: object) -> Game:
    """A :class:`Game` whose payoffs and chance probabilities are constants.

    Parameters
    ----------
    payoffs : ndarray of shape (n_outcomes, n_players)
    chance : ndarray of shape (n_chance_edges,)
    **structure
        The :class:`Game` fields other than ``evaluator``.
    """
    payoffs = np.asarray(payoffs, dtype=np.float64)
    chance = np.asarray(chance, dtype=np.float64)

    def evaluate(draws: Draws, *_: object) -> GameValues:
        n = draws.n_draws
        # Read-only broadcast views: no copy per draw.
        return GameValues(
            np.broadcast_to(payoffs, (n, *payoffs.shape)),
            np.broadcast_to(chance, (n, *chance.shape)),
        )

    structure.setdefault("parameters", ParameterSpace())
    # `structure` is forwarded whole: Game's constructor checks its names and mypy cannot
    # match **kwargs typed `object` to Game's fields.
    return Game(evaluator=evaluate, **structure)  # type: ignore[arg-type]
