"""Gambit strategic-form files (.nfg): reader and writer.

A strategic-form game is read as an extensive game of simultaneous moves:
player 1 chooses a strategy at the root, and each later player chooses
at one information set holding all the nodes before it. Agent QRE and
Nash equilibria of that tree are those of the strategic form, so every
solver applies unchanged. The writer reproduces the table.

Format: ``NFG 1 R "title" { "player" ... } { { "s" ... } ... } "comment"``
then either outcomes ``{ { "name" payoff, ... } ... }`` followed by the
outcome number of each contingency, or the payoffs of each contingency
listed player by player; in both cases contingencies are ordered with
player 1's strategy changing fastest. The strategy list may also be
given as counts, ``{ 2 3 }``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from escalade.errors import ScenarioError, SolveError
from escalade.game._efg import constant_game
from escalade.game._gambit_text import (
    Token,
    TokenStream,
    format_number,
    iter_tokens,
    player_names,
    quote,
    read_text,
)
from escalade.game._tree import DECISION, TERMINAL, Game, GameValues, action_offsets

__all__ = ["StrategicForm", "parse_nfg", "read_nfg", "write_nfg"]

_MAX_CONTINGENCIES = 200_000


@dataclass(frozen=True)
class StrategicForm:
    """How a game read from .nfg maps contingencies to outcomes.

    Attributes
    ----------
    strategies : tuple of tuple of str
        Strategy names of each player.
    contingency_outcome : ndarray of int
        Outcome index of each contingency (player 1 fastest), -1 for none.
    contingency_terminal : ndarray of int
        Terminal node of each contingency.
    payoff_form : bool
        Whether the file listed payoffs per contingency rather than outcomes
        (the writer then does the same, so Gambit reads the same game back).
    """

    strategies: tuple[tuple[str, ...], ...]
    contingency_outcome: np.ndarray
    contingency_terminal: np.ndarray
    payoff_form: bool = False


def read_nfg(path: str | Path) -> Game:
    """Read a Gambit .nfg file as a simultaneous-move extensive game.

    Examples
    --------
    >>> import tempfile, os
    >>> text = 'NFG 1 R "Coordination" { "A" "B" } { { "L" "R" } { "l" "r" } }\\n' \\
    ...        '1 0 0 0 0 0 2 2\\n'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "c.nfg")
    ...     _ = open(p, "w").write(text)
    ...     g = read_nfg(p)
    >>> g.n_infosets, g.action_names
    (2, ('L', 'R', 'l', 'r'))
    """
    text, shown, name = read_text(path, ".nfg")
    return parse_nfg(text, shown, name=name)


def parse_nfg(text: str, file: str = "<nfg>", *, name: str = "game") -> Game:
    """Parse the text of a Gambit .nfg file; see :func:`read_nfg`."""
    if not text.strip():
        raise ScenarioError("file is empty; expected a Gambit .nfg game", file=file)
    ts = TokenStream(iter_tokens(text, file), file)
    title, players = ts.header("NFG", "1", "strategic-form")
    players = player_names(players)
    strategies = _strategies(ts, len(players))
    comment = ts.next("the comment").text if ts.at("str") else ""
    n_cont = math.prod(len(s) for s in strategies)
    if ts.at("{"):
        table = _outcome_table(ts, players, n_cont)
    else:
        table = _payoff_table(ts, players, n_cont)
    if ts.peek() is not None:
        raise ts.error("expected the end of the file")
    return _tree_of_table(
        replace(table, strategies=strategies), name=name, title=title, comment=comment
    )


def _strategies(ts: TokenStream, n_players: int) -> list[list[str]]:
    """Read ``{ { "s" ... } ... }`` (or counts, ``{ 2 3 }``): each player's strategies."""
    ts.expect("{", "{ and the strategies")
    strategies: list[list[str]] = []
    n_cont = 1
    while ts.at("{") or ts.at("word"):
        tok = ts.peek()
        names = _player_strategies(ts, tok)
        if not names:
            raise ts.error_at(
                f"expected at least one strategy for player {len(strategies) + 1}, found none",
                tok,
            )
        strategies.append(names)
        # Python integers: the product of the counts must not wrap around as int64 would.
        n_cont *= len(names)
        if n_cont > _MAX_CONTINGENCIES:
            raise ts.error_at(
                f"expected at most {_MAX_CONTINGENCIES:,} contingencies (strategy profiles); "
                f"these strategies give {n_cont:,} or more",
                tok,
            )
    ts.expect("}", "} closing the strategies")
    if len(strategies) != n_players:
        raise ts.error_at(
            f"expected strategies for {_count(n_players, 'player')}, found them for "
            f"{len(strategies)}",
            ts.last,
        )
    return strategies


def _player_strategies(ts: TokenStream, tok: Token | None) -> list[str]:
    """One player's strategy names, or ``1 .. count`` when the file gives a count."""
    if ts.at("{"):
        ts.next("{")
        names: list[str] = []
        while ts.at("str"):
            names.append(ts.next("strategy name").text)
        ts.expect("}", "} closing a player's strategies")
        return names
    count = ts.integer("a number of strategies")
    if not 1 <= count <= _MAX_CONTINGENCIES:
        raise ts.error(
            f"expected a number of strategies between 1 and {_MAX_CONTINGENCIES:,}",
            tok,
        )
    return [str(i + 1) for i in range(count)]


@dataclass(frozen=True)
class _Table:
    """What a .nfg file says after its strategies: outcomes and the contingencies' outcomes."""

    players: list[str]
    strategies: list[list[str]]
    outcome_names: list[str]
    payoffs: np.ndarray  # (n_outcomes, n_players)
    table: np.ndarray  # outcome index of each contingency, -1 for none
    payoff_form: bool


def _outcome_table(ts: TokenStream, players: list[str], n_cont: int) -> _Table:
    """Read ``{ { "name" payoffs } ... }`` and then the outcome number of each contingency."""
    outcome_names: list[str] = []
    payoffs: list[list[float]] = []
    ts.next("{")
    while ts.at("{"):
        open_tok = ts.next("{")
        oname = ts.expect("str", "the outcome's name").text
        pays = ts.payoffs()
        ts.expect("}", "} closing the outcome")
        if len(pays) != len(players):
            raise ts.error_at(
                f"outcome {len(payoffs) + 1} lists {_count(len(pays), 'payoff')}; "
                f"expected one per player ({len(players)})",
                open_tok,
            )
        outcome_names.append(oname)
        payoffs.append(pays)
    ts.expect("}", "} closing the outcomes")
    table = np.full(n_cont, -1, dtype=np.int64)
    for k in range(n_cont):
        tok = ts.peek()
        num = ts.integer(f"the outcome number of contingency {k + 1} of {n_cont}")
        if not 0 <= num <= len(payoffs):
            raise ts.error(f"outcome numbers must be 0..{len(payoffs)}", tok)
        table[k] = num - 1
    return _Table(
        players,
        [],
        outcome_names,
        np.array(payoffs, dtype=np.float64).reshape(-1, len(players)),
        table,
        payoff_form=not any(outcome_names)
        and len(payoffs) == n_cont
        and bool((table == np.arange(n_cont)).all()),
    )


def _payoff_table(ts: TokenStream, players: list[str], n_cont: int) -> _Table:
    """Read the payoffs of each contingency, player by player (one outcome each)."""
    payoffs = [
        [ts.number(f"payoffs of contingency {k + 1} of {n_cont}") for _ in players]
        for k in range(n_cont)
    ]
    return _Table(
        players,
        [],
        [""] * n_cont,
        np.array(payoffs, dtype=np.float64).reshape(-1, len(players)),
        np.arange(n_cont, dtype=np.int64),
        payoff_form=True,
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class _Levels:
    """The simultaneous-move tree, breadth first: level i holds the nodes where player i moves."""

    kind: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    player: list[int] = field(default_factory=list)
    infoset: list[int] = field(default_factory=list)
    edge_action: list[int] = field(default_factory=list)
    edge_labels: list[str] = field(default_factory=list)
    leaves: list[int] = field(default_factory=list)  # the terminal nodes
    combos: list[tuple[int, ...]] = field(default_factory=list)  # each leaf's strategies

    def add(self, kind: int, parent: int, mover: int, action: int, label: str) -> int:
        """Append a node (``mover`` -1 for none) and return its index."""
        self.kind.append(kind)
        self.parent.append(parent)
        self.player.append(mover)
        self.infoset.append(mover)
        self.edge_action.append(action)
        self.edge_labels.append(label)
        return len(self.kind) - 1

    @classmethod
    def grow(cls, strat_names: list[list[str]], starts: np.ndarray) -> _Levels:
        n_players = len(strat_names)
        tree = cls()
        tree.add(DECISION if n_players else TERMINAL, -1, 0, -1, "")
        level: list[int] = [0]
        combos: list[tuple[int, ...]] = [()]
        for i, names in enumerate(strat_names):
            last = i == n_players - 1
            next_level: list[int] = []
            next_combos: list[tuple[int, ...]] = []
            for node, combo in zip(level, combos, strict=True):
                for s, strategy in enumerate(names):
                    next_level.append(
                        tree.add(
                            TERMINAL if last else DECISION,
                            node,
                            -1 if last else i + 1,
                            int(starts[i] + s),
                            strategy,
                        )
                    )
                    next_combos.append((*combo, s))
            level, combos = next_level, next_combos
        tree.leaves, tree.combos = level, combos
        return tree


def _tree_of_table(table: _Table, *, name: str, title: str, comment: str) -> Game:
    from escalade.game._efg import _unique

    players, strategies = table.players, table.strategies
    counts = [len(s) for s in strategies]
    n_players = len(players)
    strat_names = [_unique(s, "s") for s in strategies]
    starts = action_offsets(strategies)
    tree = _Levels.grow(strat_names, starts)
    n = len(tree.kind)
    # contingency index with player 1 fastest
    weights = np.cumprod([1, *counts[:-1]])
    terminal_of = np.empty(len(tree.combos), dtype=np.int64)
    for node, combo in zip(tree.leaves, tree.combos, strict=True):
        terminal_of[int(np.dot(combo, weights))] = node
    outcome = np.full(n, -1, dtype=np.int64)
    outcome[terminal_of] = table.table
    if table.payoff_form:
        labels = tuple(
            ",".join(strat_names[i][s] for i, s in enumerate(c))
            for c in sorted(tree.combos, key=lambda c: int(np.dot(c, weights)))
        )
        names = tuple(f"c{k + 1}" for k in range(len(labels)))
    else:
        labels = tuple(table.outcome_names)
        names = tuple(_unique(table.outcome_names, "outcome"))
    return constant_game(
        name=name,
        players=tuple(players),
        outcomes=names,
        payoffs=table.payoffs,
        chance=np.zeros(0),
        kind=np.array(tree.kind, dtype=np.int8),
        parent=np.array(tree.parent, dtype=np.int64),
        player=np.array(tree.player, dtype=np.int64),
        infoset=np.array(tree.infoset, dtype=np.int64),
        outcome=outcome,
        edge_action=np.array(tree.edge_action, dtype=np.int64),
        edge_chance=np.full(n, -1, dtype=np.int64),
        infoset_player=np.arange(n_players, dtype=np.int64),
        infoset_names=tuple("strategy" for _ in players),
        infoset_actions=starts,
        action_names=tuple(a for s in strat_names for a in s),
        title=title,
        description=comment,
        outcome_labels=labels,
        edge_labels=tuple(tree.edge_labels),
        node_labels=tuple("" for _ in range(n)),
        source=StrategicForm(
            tuple(tuple(s) for s in strat_names),
            table.table,
            terminal_of,
            payoff_form=table.payoff_form,
        ),
    )


def write_nfg(game: Game, values: GameValues | None = None, draw: int = 0) -> str:
    """A game read from a .nfg file, written back as .nfg text.

    Raises
    ------
    SolveError
        If the game is not in strategic form (not read from a .nfg file).
    """
    form = game.source
    if not isinstance(form, StrategicForm):
        raise SolveError(
            f"{game.name} is an extensive game; only games read from .nfg "
            "files can be written as .nfg; write this one as .efg"
        )
    if values is None:
        values = game.nominal_values()
    pay = np.asarray(values.payoffs[draw])
    head = (
        f"NFG 1 R {quote(game.title or game.name)} "
        "{ " + " ".join(quote(p) for p in game.players) + " }"
    )
    strat = (
        "{ "
        + " ".join("{ " + " ".join(quote(s) for s in ss) + " }" for ss in form.strategies)
        + " }"
    )
    if form.payoff_form:
        # one outcome per contingency, in contingency order: write the payoffs alone
        body = "\n".join(
            " ".join(format_number(float(x)) for x in pay[o]) for o in form.contingency_outcome
        )
        return f"{head}\n\n{strat}\n{quote(game.description)}\n\n{body}\n"
    outcomes = "\n".join(
        "{ "
        + f"{quote(game.outcome_labels[o] if game.outcome_labels else game.outcomes[o])} "
        + ", ".join(format_number(float(x)) for x in pay[o])
        + " }"
        for o in range(game.n_outcomes)
    )
    table = " ".join(str(int(o) + 1) for o in form.contingency_outcome)
    return f"{head}\n\n{strat}\n{quote(game.description)}\n\n{{\n{outcomes}\n}}\n{table}\n"
