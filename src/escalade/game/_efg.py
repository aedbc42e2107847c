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

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from escalade.errors import ScenarioError
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


@dataclass
class _Node:
    kind: str  # "p", "c" or "t"
    name: str
    token: Token
    player: int = 0  # 1-based; 0 for chance
    infoset: int = 0
    infoset_label: str = ""
    actions: list[str] = field(default_factory=list)
    probs: list[float] = field(default_factory=list)
    outcome: int = 0
    children: list[int] = field(default_factory=list)


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
    ts = TokenStream(iter_tokens(text, file), file)
    head = ts.expect("word", "the header EFG")
    if head.text != "EFG":
        raise ts.error("expected the header EFG (a Gambit extensive-form file)", head)
    version = ts.expect("word", "the format version 2")
    if version.text != "2":
        raise ts.error("expected format version 2", version)
    kind = ts.expect("word", "R or D after the version")
    if kind.text not in ("R", "D"):
        raise ts.error("expected R or D after the version", kind)
    title = ts.expect("str", "the game's title in quotes").text
    ts.expect("{", "{ and the player names")
    players: list[str] = []
    while ts.at("str"):
        players.append(ts.next("player name").text)
    ts.expect("}", "} closing the player names")
    if not players:
        raise ts.error("expected at least one player")
    players = player_names(players)
    comment = ts.next("the comment").text if ts.at("str") else ""

    nodes: list[_Node] = []
    infosets: dict[tuple[int, int], tuple[list[str], list[float], Token]] = {}
    infoset_labels: dict[tuple[int, int], str] = {}
    outcomes: dict[int, tuple[str, list[float]]] = {}
    stack: list[int] = []  # nodes still expecting children
    while ts.peek() is not None:
        tok = ts.expect("word", "a node (p, c or t)")
        if tok.text not in ("p", "c", "t"):
            raise ts.error("expected a node type p, c or t", tok)
        if nodes and not stack:
            raise ts.error_at(
                "expected the end of the file (the tree is already complete), found another node",
                tok,
            )
        if len(nodes) >= _MAX_EFG_NODES:
            raise ts.error_at(f"expected at most {_MAX_EFG_NODES:,} nodes, found more", tok)
        node = _Node(tok.text, ts.expect("str", "the node's name in quotes").text, tok)
        if node.kind == "p":
            node.player = ts.integer("a player number")
            if not 1 <= node.player <= len(players):
                raise ts.error(f"expected a player number from 1 to {len(players)}", ts.last)
        if node.kind in ("p", "c"):
            iset_tok = ts.peek()
            node.infoset = ts.integer("an information set number")
            key = (node.player, node.infoset)
            if ts.at("str"):
                label_tok = ts.next("infoset name")
                open_tok = ts.expect("{", "{ and the actions")
                while ts.at("str"):
                    node.actions.append(ts.next("action").text)
                    if node.kind == "c":
                        node.probs.append(ts.number("a chance probability"))
                    ts.skip_commas()
                ts.expect("}", "} closing the actions")
                if not node.actions:
                    raise ts.error_at("expected at least one action, found { }", open_tok)
                if key in infosets:
                    owner = "chance" if node.kind == "c" else players[node.player - 1]
                    what = f"information set {node.infoset} of {owner}"
                    first = (*infosets[key], infoset_labels[key])
                    _same_infoset(ts, what, node, first, label_tok, iset_tok)
                infoset_labels.setdefault(key, label_tok.text)
                infosets.setdefault(key, (node.actions, node.probs, tok))
            elif key in infosets:
                node.actions, node.probs = infosets[key][0], infosets[key][1]
            else:
                raise ts.error("expected the information set's name and actions (first use)")
            node.infoset_label = infoset_labels.get(key, "")
            if node.kind == "c":
                _check_probs(node, ts)
        out_tok = ts.peek()
        node.outcome = ts.integer("an outcome number (a whole number, 0 for none)")
        if node.outcome < 0:
            raise ts.error("expected an outcome number of 0 or more", out_tok)
        if ts.at("str"):
            oname = ts.next("outcome name").text
            ts.expect("{", "{ and the payoffs")
            pays: list[float] = []
            while not ts.at("}"):
                pays.append(ts.number("a payoff"))
                ts.skip_commas()
            ts.expect("}", "} closing the payoffs")
            if len(pays) != len(players):
                raise ts.error_at(
                    f"outcome {node.outcome} lists {len(pays)} payoff"
                    f"{'' if len(pays) == 1 else 's'}; expected one per player ({len(players)})",
                    out_tok,
                )
            if node.outcome == 0:
                raise ts.error_at(
                    "outcome 0 means no outcome and cannot have payoffs; expected a number "
                    "of 1 or more",
                    out_tok,
                )
            if node.outcome in outcomes:
                _same_outcome(ts, node.outcome, outcomes[node.outcome], (oname, pays), out_tok)
            outcomes.setdefault(node.outcome, (oname, pays))
        elif node.outcome and node.outcome not in outcomes:
            raise ts.error_at(
                f"outcome {node.outcome} is used before its payoffs are given; expected its "
                "name and payoffs where it first appears",
                out_tok,
            )
        index = len(nodes)
        nodes.append(node)
        if stack:
            parent = nodes[stack[-1]]
            parent.children.append(index)
            if len(parent.children) == len(parent.actions):
                stack.pop()
        if node.kind != "t":
            stack.append(index)
    if not nodes:
        raise ts.error("expected the nodes of the tree (p, c or t) after the header")
    if stack:
        missing = nodes[stack[-1]]
        shown = f"node {missing.name!r}" if missing.name else "this node"
        raise ts.error_at(
            f"the file ends early: expected {len(missing.actions)} children of {shown} "
            f"(one per action), found {len(missing.children)}",
            missing.token,
        )
    return _to_game(nodes, players, outcomes, title, comment, name)


def _same_outcome(
    ts: TokenStream,
    number: int,
    first: tuple[str, list[float]],
    again: tuple[str, list[float]],
    where: Token | None,
) -> None:
    """An outcome given twice must be given the same way (Gambit refuses the file too)."""
    if again[0] != first[0]:
        raise ts.error_at(
            f"outcome {number} is given again with another name ({again[0]!r} here, "
            f"{first[0]!r} before); expected the same name and payoffs each time, or only "
            "its number after the first",
            where,
        )
    if again[1] != first[1]:
        shown = ", ".join(f"{x:g}" for x in again[1]), ", ".join(f"{x:g}" for x in first[1])
        raise ts.error_at(
            f"outcome {number} ({first[0]!r}) is given again with other payoffs "
            f"({shown[0]} here, {shown[1]} before); expected the same payoffs each time, or "
            "only its number after the first",
            where,
        )


def _same_infoset(
    ts: TokenStream,
    what: str,
    node: _Node,
    first: tuple[list[str], list[float], Token, str],
    label: Token,
    where: Token | None,
) -> None:
    """An information set given twice must be given the same way (as Gambit requires)."""
    actions, probs, first_node, first_label = first
    if len(actions) != len(node.actions):
        raise ts.error_at(
            f"{what} has {len(actions)} actions elsewhere but {len(node.actions)} here", where
        )
    before = f"at line {first_node.line}"
    again = "expected the same each time, or only its number after the first"
    if label.text != first_label:
        raise ts.error_at(
            f"{what} is named {label.text!r} here but {first_label!r} {before}; {again}", label
        )
    if node.actions != actions:
        raise ts.error_at(
            f"{what} has actions {node.actions} here but {actions} {before}; {again}", where
        )
    if node.probs != probs:
        shown = [f"{p:g}" for p in node.probs], [f"{p:g}" for p in probs]
        raise ts.error_at(
            f"{what} has chance probabilities {shown[0]} here but {shown[1]} {before}; {again}",
            where,
        )


def _check_probs(node: _Node, ts: TokenStream) -> None:
    for action, p in zip(node.actions, node.probs, strict=True):
        if not -1e-12 <= p <= 1 + 1e-12:
            raise ts.error_at(
                f"expected chance probabilities in [0, 1], found {p:g} for action {action!r}",
                node.token,
            )
    total = sum(node.probs)
    if abs(total - 1.0) > 1e-9:
        raise ts.error_at(
            f"expected chance probabilities that sum to 1, found a sum of {total:.10g}",
            node.token,
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
    raw: list[_Node],
    players: list[str],
    outcome_defs: dict[int, tuple[str, list[float]]],
    title: str,
    comment: str,
    name: str,
) -> Game:
    order: list[int] = []
    parent: list[int] = []
    queue = [(0, -1)]
    head = 0
    while head < len(queue):
        old, par = queue[head]
        head += 1
        me = len(order)
        order.append(old)
        parent.append(par)
        queue.extend((child, me) for child in raw[old].children)
    nodes = [raw[i] for i in order]
    n = len(nodes)
    numbers = sorted(outcome_defs)
    out_index = {num: i for i, num in enumerate(numbers)}
    outcome_names = _unique([outcome_defs[k][0] for k in numbers], "outcome")
    payoffs = np.array([outcome_defs[k][1] for k in numbers], dtype=np.float64).reshape(
        len(numbers), len(players)
    )

    kind = np.array(
        [{"p": DECISION, "c": CHANCE, "t": TERMINAL}[nd.kind] for nd in nodes], dtype=np.int8
    )
    player = np.array([nd.player - 1 if nd.kind == "p" else -1 for nd in nodes], dtype=np.int64)
    outcome = np.array(
        [out_index[nd.outcome] if nd.outcome else -1 for nd in nodes], dtype=np.int64
    )
    infoset = np.full(n, -1, dtype=np.int64)
    keys: dict[tuple[int, int], int] = {}
    h_player: list[int] = []
    h_actions: list[list[str]] = []
    h_raw: list[list[str]] = []
    h_labels: list[str] = []
    h_numbers: list[int] = []
    for i, nd in enumerate(nodes):
        if nd.kind != "p":
            continue
        key = (nd.player, nd.infoset)
        if key not in keys:
            keys[key] = len(h_player)
            h_player.append(nd.player - 1)
            h_actions.append(_unique(nd.actions, "a"))
            h_raw.append(list(nd.actions))
            h_labels.append(nd.infoset_label)
            h_numbers.append(nd.infoset)
        infoset[i] = keys[key]
    # infoset names: the number within its player, as Gambit numbers them
    h_names = [str(num) for num in h_numbers]
    starts = np.concatenate([[0], np.cumsum([len(a) for a in h_actions])]).astype(np.int64)
    edge_action = np.full(n, -1, dtype=np.int64)
    edge_chance = np.full(n, -1, dtype=np.int64)
    chance_probs: list[float] = []
    chance_raw: list[str] = []
    edge_labels = [""] * n
    labels = [nd.name for nd in nodes]
    kids_of: list[list[int]] = [[] for _ in range(n)]
    for i in range(1, n):
        kids_of[parent[i]].append(i)
    for i, nd in enumerate(nodes):
        names = h_actions[infoset[i]] if nd.kind == "p" else _unique(nd.actions, "a")
        for j, kid in enumerate(kids_of[i]):
            edge_labels[kid] = names[j]
            if nd.kind == "p":
                edge_action[kid] = starts[infoset[i]] + j
            else:
                edge_chance[kid] = len(chance_probs)
                chance_probs.append(nd.probs[j])
                chance_raw.append(nd.actions[j])
    return constant_game(
        name=name,
        players=tuple(players),
        outcomes=tuple(outcome_names),
        payoffs=payoffs,
        chance=np.array(chance_probs, dtype=np.float64),
        kind=kind,
        parent=np.array(parent, dtype=np.int64),
        player=player,
        infoset=infoset,
        outcome=outcome,
        edge_action=edge_action,
        edge_chance=edge_chance,
        infoset_player=np.array(h_player, dtype=np.int64),
        infoset_names=tuple(h_names),
        infoset_actions=starts,
        action_names=tuple(a for acts in h_actions for a in acts),
        title=title,
        description=comment,
        outcome_labels=tuple(outcome_defs[k][0] for k in numbers),
        edge_labels=tuple(edge_labels),
        node_labels=tuple(labels),
        source=ExtensiveFormLabels(
            infosets=tuple(h_labels),
            actions=tuple(a for acts in h_raw for a in acts),
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
    return Game(evaluator=evaluate, **structure)  # type: ignore[arg-type]
