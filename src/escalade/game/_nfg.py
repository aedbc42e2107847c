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

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from escalade.errors import ScenarioError, SolveError
from escalade.game._efg import constant_game
from escalade.game._gambit_text import (
    TokenStream,
    format_number,
    iter_tokens,
    player_names,
    quote,
    read_text,
)
from escalade.game._tree import DECISION, TERMINAL, Game, GameValues

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
    head = ts.expect("word", "the header NFG")
    if head.text != "NFG":
        raise ts.error("expected the header NFG (a Gambit strategic-form file)", head)
    version = ts.expect("word", "the format version 1")
    if version.text != "1":
        raise ts.error("expected format version 1", version)
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
    ts.expect("{", "{ and the strategies")
    strategies: list[list[str]] = []
    n_cont = 1
    while ts.at("{") or ts.at("word"):
        tok = ts.peek()
        if ts.at("{"):
            ts.next("{")
            names: list[str] = []
            while ts.at("str"):
                names.append(ts.next("strategy name").text)
            ts.expect("}", "} closing a player's strategies")
        else:
            count = ts.integer("a number of strategies")
            if not 1 <= count <= _MAX_CONTINGENCIES:
                raise ts.error(
                    f"expected a number of strategies between 1 and {_MAX_CONTINGENCIES:,}",
                    tok,
                )
            names = [str(i + 1) for i in range(count)]
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
    if len(strategies) != len(players):
        raise ts.error_at(
            f"expected strategies for {_count(len(players), 'player')}, found them for "
            f"{len(strategies)}",
            ts.last,
        )
    comment = ts.next("the comment").text if ts.at("str") else ""
    outcome_names: list[str] = []
    payoffs: list[list[float]] = []
    table = np.full(n_cont, -1, dtype=np.int64)
    if ts.at("{"):
        ts.next("{")
        while ts.at("{"):
            open_tok = ts.next("{")
            oname = ts.expect("str", "the outcome's name").text
            pays: list[float] = []
            while not ts.at("}"):
                pays.append(ts.number("a payoff"))
                ts.skip_commas()
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
        for k in range(n_cont):
            tok = ts.peek()
            num = ts.integer(f"the outcome number of contingency {k + 1} of {n_cont}")
            if not 0 <= num <= len(payoffs):
                raise ts.error(f"outcome numbers must be 0..{len(payoffs)}", tok)
            table[k] = num - 1
    else:
        for k in range(n_cont):
            payoffs.append(
                [ts.number(f"payoffs of contingency {k + 1} of {n_cont}") for _ in players]
            )
            outcome_names.append("")
            table[k] = k
    if ts.peek() is not None:
        raise ts.error("expected the end of the file")
    return _tree_of_table(
        name,
        title,
        comment,
        players,
        strategies,
        outcome_names,
        np.array(payoffs, dtype=np.float64).reshape(-1, len(players)),
        table,
        payoff_form=not any(outcome_names)
        and len(payoffs) == n_cont
        and bool((table == np.arange(n_cont)).all()),
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _tree_of_table(
    name: str,
    title: str,
    comment: str,
    players: list[str],
    strategies: list[list[str]],
    outcome_names: list[str],
    payoffs: np.ndarray,
    table: np.ndarray,
    *,
    payoff_form: bool,
) -> Game:
    from escalade.game._efg import _unique

    counts = [len(s) for s in strategies]
    n_players = len(players)
    kind: list[int] = []
    parent: list[int] = []
    player: list[int] = []
    infoset: list[int] = []
    edge_action: list[int] = []
    edge_labels: list[str] = []
    strat_names = [_unique(s, "s") for s in strategies]
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    # breadth-first: level i holds the nodes where player i moves
    level_nodes = [0]
    kind.append(DECISION if n_players else TERMINAL)
    parent.append(-1)
    player.append(0)
    infoset.append(0)
    edge_action.append(-1)
    edge_labels.append("")
    combos: list[tuple[int, ...]] = [()]
    for i in range(n_players):
        next_nodes = []
        next_combos = []
        for node, combo in zip(level_nodes, combos, strict=True):
            for s in range(counts[i]):
                idx = len(kind)
                last = i == n_players - 1
                kind.append(TERMINAL if last else DECISION)
                parent.append(node)
                player.append(-1 if last else i + 1)
                infoset.append(-1 if last else i + 1)
                edge_action.append(int(starts[i] + s))
                edge_labels.append(strat_names[i][s])
                next_nodes.append(idx)
                next_combos.append((*combo, s))
        level_nodes, combos = next_nodes, next_combos
    n = len(kind)
    # contingency index with player 1 fastest
    weights = np.cumprod([1, *counts[:-1]])
    terminal_of = np.empty(len(combos), dtype=np.int64)
    for node, combo in zip(level_nodes, combos, strict=True):
        terminal_of[int(np.dot(combo, weights))] = node
    outcome = np.full(n, -1, dtype=np.int64)
    outcome[terminal_of] = table
    if payoff_form:
        labels = tuple(
            ",".join(strat_names[i][s] for i, s in enumerate(c))
            for c in sorted(combos, key=lambda c: int(np.dot(c, weights)))
        )
        names = tuple(f"c{k + 1}" for k in range(len(labels)))
    else:
        labels = tuple(outcome_names)
        names = tuple(_unique(outcome_names, "outcome"))
    return constant_game(
        name=name,
        players=tuple(players),
        outcomes=names,
        payoffs=payoffs,
        chance=np.zeros(0),
        kind=np.array(kind, dtype=np.int8),
        parent=np.array(parent, dtype=np.int64),
        player=np.array(player, dtype=np.int64),
        infoset=np.array(infoset, dtype=np.int64),
        outcome=outcome,
        edge_action=np.array(edge_action, dtype=np.int64),
        edge_chance=np.full(n, -1, dtype=np.int64),
        infoset_player=np.arange(n_players, dtype=np.int64),
        infoset_names=tuple("strategy" for _ in players),
        infoset_actions=starts,
        action_names=tuple(a for s in strat_names for a in s),
        title=title,
        description=comment,
        outcome_labels=labels,
        edge_labels=tuple(edge_labels),
        node_labels=tuple("" for _ in range(n)),
        source=StrategicForm(
            tuple(tuple(s) for s in strat_names), table, terminal_of, payoff_form=payoff_form
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
