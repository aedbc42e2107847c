"""Malformed Gambit .efg and .nfg files end in one clear error through the CLI.

As in ``test_errors_scenario.py``, ``@@`` in a file's text marks where the error
must point; each test checks exit code 1, ``file:line:col``, the message and the
absence of a traceback.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from _cli import run, write_marked
from escalade.game import parse_efg

# A valid game: A moves, then chance; outcomes on the leaves.
EFG = """\
EFG 2 R "Tiny" { "A" "B" }
""
p "" 1 1 "" { "L" "R" } 0
c "" 1 "" { "h" 1/2 "t" 1/2 } 0
t "" 1 "x" { 1, 0 }
t "" 2 "y" { 0, 2 }
t "" 3 "z" { 3, 3 }
"""

# Matching pennies-like table, payoffs listed contingency by contingency.
NFG = """\
NFG 1 R "Coordination" { "A" "B" } { { "L" "R" } { "l" "r" } }
""
1 0 0 0 0 0 2 2
"""

# The outcome form: named outcomes, then one outcome number per contingency.
NFG_OUTCOMES = """\
NFG 1 R "C" { "A" "B" } { 2 2 }
""
{ { "a" 1, 2 } { "b" 3, 4 } }
1 2 1 2
"""


def write(tmp_path: Path, text: str, name: str) -> tuple[Path, str | None]:
    path = tmp_path / name
    return path, write_marked(path, text)


def fails(capsys, tmp_path, text: str, name: str, *needles: str, command: str = "check") -> str:
    path, where = write(tmp_path, text, name)
    code, out, err = run(capsys, command, str(path))
    assert code == 1, (out, err)
    prefix = f"escalade: {path}:{where}: " if where else f"escalade: {path}: "
    assert err.startswith(prefix), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err
    return err


def edit(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "name"), [(EFG, "g.efg"), (NFG, "g.nfg"), (NFG_OUTCOMES, "o.nfg")]
)
def test_the_base_games_are_fine(tmp_path, capsys, text, name):
    path, _ = write(tmp_path, text, name)
    code, out, err = run(capsys, "check", str(path))
    assert (code, err) == (0, ""), err
    assert "OK (Gambit file)" in out


# --- .efg ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        # truncated: the chance node is complete, the root gets one of its two children
        (
            't "" 3 "z" { 3, 3 }\n',
            "",
            ("the file ends early: expected 2 children of this node (one per action), found 1",),
        ),
        ('t "" 1 "x" { 1, 0 }', 't "" @@1 "x" { 1 }', ("outcome 1 lists 1 payoff; expected",)),
        ("EFG 2", "@@garbage 2", ("expected the header EFG", "found garbage")),
        ("EFG 2", "EFG @@3", ("expected format version 2, found 3",)),
        ("{ 1, 0 }", "{ 1, @@abc }", ("expected a payoff (a finite number such as 2", "found abc")),
        ("{ 1, 0 }", "{ 1, @@1e999 }", ("expected a payoff", "found 1e999")),
        ("{ 1, 0 }", "{ 1, @@1/0 }", ("found 1/0",)),
        ("{ 1, 0 }", "{ 1, @@nan }", ("found nan",)),
        ("{ 1, 0 }", "{ 1, @@1_0 }", ("found 1_0",)),
        ("{ 1, 0 }", "{ 1, @@1.5/2 }", ("found 1.5/2",)),
        (
            'c "" 1 "" { "h" 1/2 "t" 1/2 }',
            '@@c "" 1 "" { "h" 1/2 "t" 1/3 }',
            ("expected chance probabilities that sum to 1, found a sum of 0.8333333333",),
        ),
        (
            'c "" 1 "" { "h" 1/2 "t" 1/2 }',
            '@@c "" 1 "" { "h" 3/2 "t" -1/2 }',
            ("expected chance probabilities in [0, 1], found 1.5 for action 'h'",),
        ),
        ('p "" 1 1', 'p "" @@3 1', ("expected a player number from 1 to 2, found 3",)),
        ('p "" 1 1', 'p "" @@x 1', ("expected a player number, found x",)),
        ('t "" 3 "z" { 3, 3 }', 't "" @@4', ("outcome 4 is used before its payoffs are given",)),
        ('p "" 1 1', '@@q "" 1 1', ("expected a node type p, c or t, found q",)),
        ('{ "L" "R" } 0', "@@{ } 0", ("expected at least one action, found { }",)),
    ],
)
def test_malformed_efg(tmp_path, capsys, old, new, needles):
    text = edit(EFG, old, new)
    if "@@" not in text:  # the truncated file: the error points at the node missing children
        text = edit(text, 'p "" 1 1', '@@p "" 1 1')
    fails(capsys, tmp_path, text, "g.efg", *needles)


def test_efg_wrong_payoff_count(tmp_path, capsys):
    text = edit(EFG, 't "" 1 "x" { 1, 0 }', 't "" @@1 "x" { 1, 0, 5 }')
    fails(capsys, tmp_path, text, "g.efg", "outcome 1 lists 3 payoffs; expected one per player (2)")


def test_efg_unterminated_string(tmp_path, capsys):
    text = EFG + 't "" @@"broken\n'
    text = edit(text, 't "" 3 "z" { 3, 3 }\n', "")  # keep the tree incomplete before it
    fails(capsys, tmp_path, text, "g.efg", 'unterminated string: expected a closing "')


def test_efg_extra_node_after_a_complete_tree(tmp_path, capsys):
    text = EFG + '@@t "" 4 "w" { 1, 1 }\n'
    fails(capsys, tmp_path, text, "g.efg", "expected the end of the file (the tree is already")


def test_efg_information_set_with_a_different_number_of_actions(tmp_path, capsys):
    text = """\
EFG 2 R "T" { "A" "B" }
""
p "" 1 1 "" { "L" "R" } 0
p "" 2 1 "h" { "a" "b" } 0
t "" 1 "x" { 1, 0 }
t "" 2 "y" { 0, 1 }
p "" 2 @@1 "h" { "a" "b" "c" } 0
t "" 1 "x" { 1, 0 }
t "" 2 "y" { 0, 1 }
t "" 1 "x" { 1, 0 }
"""
    fails(capsys, tmp_path, text, "g.efg", "information set 1 of B has 2 actions elsewhere but 3")


# Outcome 1 and B's information set 1 appear twice, written out in full both times.
TWICE = """\
EFG 2 R "T" { "A" "B" }
""
c "" 1 "nature" { "h" 1/2 "t" 1/2 } 0
p "" 2 1 "h" { "a" "b" } 0
t "" 1 "x" { 1, 0 }
t "" 2 "y" { 0, 1 }
p "" 2 1 "h" { "a" "b" } 0
t "" 1 "x" { 1, 0 }
t "" 3 "z" { 2, 2 }
"""


def test_a_definition_given_twice_the_same_way_is_fine(tmp_path, capsys):
    path, _ = write(tmp_path, edit(TWICE, 'x" { 1, 0 }\nt "" 3', 'x" { 1, 0/1 }\nt "" 3'), "g.efg")
    code, _, err = run(capsys, "check", str(path))
    assert (code, err) == (0, "")


# Gambit (pygambit 16.7) refuses each of these files, and escalade kept the first
# definition without a word: "Outcome payoffs do not match previous definition", "Outcome
# label does not match", "Infoset labels does not match", "Infoset action labels do not
# match", "Chance infoset probabilities do not match".
@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (
            't "" 1 "x" { 1, 0 }\nt "" 3',
            't "" @@1 "x" { 0, 2 }\nt "" 3',
            ("outcome 1 ('x') is given again with other payoffs (0, 2 here, 1, 0 before)",),
        ),
        (
            't "" 1 "x" { 1, 0 }\nt "" 3',
            't "" @@1 "w" { 1, 0 }\nt "" 3',
            ("outcome 1 is given again with another name ('w' here, 'x' before)",),
        ),
        (
            'p "" 2 1 "h" { "a" "b" } 0\nt "" 1 "x" { 1, 0 }\nt "" 3',
            'p "" 2 1 @@"k" { "a" "b" } 0\nt "" 1 "x" { 1, 0 }\nt "" 3',
            ("information set 1 of B is named 'k' here but 'h' at line 4",),
        ),
        (
            'p "" 2 1 "h" { "a" "b" } 0\nt "" 1 "x" { 1, 0 }\nt "" 3',
            'p "" 2 @@1 "h" { "b" "a" } 0\nt "" 1 "x" { 1, 0 }\nt "" 3',
            ("information set 1 of B has actions ['b', 'a'] here but ['a', 'b'] at line 4",),
        ),
    ],
)
def test_efg_definition_given_twice_differently(tmp_path, capsys, old, new, needles):
    fails(capsys, tmp_path, edit(TWICE, old, new), "g.efg", *needles)


def test_efg_chance_information_set_given_twice_differently(tmp_path, capsys):
    text = """\
EFG 2 R "T" { "A" }
""
p "" 1 1 "" { "L" "R" } 0
c "" 1 "n" { "h" 1/2 "t" 1/2 } 0
t "" 1 "x" { 1 }
t "" 2 "y" { 0 }
c "" @@1 "n" { "h" 1/3 "t" 2/3 } 0
t "" 1 "x" { 1 }
t "" 2 "y" { 0 }
"""
    fails(
        capsys,
        tmp_path,
        text,
        "g.efg",
        "information set 1 of chance has chance probabilities ['0.333333', '0.666667'] here "
        "but ['0.5', '0.5'] at line 4",
    )


@pytest.mark.parametrize(
    ("labels", "names"),
    [
        ('"A" "A"', ["A_1", "A_2"]),
        ('"A" "B" "A"', ["A_1", "B", "A_2"]),
        ('"A" "A" "A_1"', ["A_2", "A_3", "A_1"]),
        ('"" "B"', ["_1", "B"]),
    ],
)
@pytest.mark.parametrize("form", ["efg", "nfg"])
def test_repeated_or_empty_player_names_are_numbered_as_gambit_does(
    tmp_path, capsys, labels, names, form
):
    # A repeated name lost a player in the JSON, which is keyed by player. Gambit reads
    # such files, numbering the copies (pygambit 16.7; checked below when installed).
    n = len(names)
    if form == "efg":
        text = f'EFG 2 R "T" {{ {labels} }}\n""\np "" 1 1 "" {{ "L" "R" }} 0\n'
        text += (
            't "" 1 "x" { ' + ", ".join("1" * n) + ' }\nt "" 2 "y" { ' + ", ".join("0" * n) + " }\n"
        )
    else:
        text = f'NFG 1 R "T" {{ {labels} }} {{ {" ".join("1" * n)} }}\n""\n{" ".join("1" * n)}\n'
    path, _ = write(tmp_path, text, f"g.{form}")
    code, out, err = run(capsys, "solve", str(path), "--json")
    assert (code, err) == (0, ""), err
    assert list(json.loads(out)["payoffs"]) == names
    gbt = pytest.importorskip("pygambit")
    read = gbt.read_efg if form == "efg" else gbt.read_nfg
    assert [p.label for p in read(str(path)).players] == names


def test_efg_header_only(tmp_path, capsys):
    text = 'EFG 2 R "T" { "A" } @@""\n'
    fails(capsys, tmp_path, text, "g.efg", "expected the nodes of the tree (p, c or t)")


def test_efg_empty_and_binary(tmp_path, capsys):
    fails(capsys, tmp_path, "  \n", "g.efg", "file is empty; expected a Gambit .efg game")
    path = tmp_path / "b.efg"
    path.write_bytes(b"EFG\x00\x01\x02")
    code, _, err = run(capsys, "check", str(path))
    assert code == 1
    assert err == f"escalade: {path}: this is a binary file, not a Gambit .efg file\n"


def test_efg_long_number_is_shortened_in_the_message(tmp_path, capsys):
    err = fails(capsys, tmp_path, edit(EFG, "{ 1, 0 }", "{ 1, @@1" + "0" * 5000 + " }"), "g.efg")
    assert len(err) < 300


@pytest.mark.parametrize("name", ["g.efg", "g.nfg"])
def test_a_large_garbage_file_fails_at_once(tmp_path, capsys, name):
    # Tokens are read as the parser needs them: 4 MB of braces fail at the first one.
    path = tmp_path / name
    header = 'EFG 2 R "t" { "A" } ' if name.endswith(".efg") else 'NFG 1 R "t" { "A" } '
    path.write_text(header + "{" * 4_000_000)
    start = time.perf_counter()
    code, _, err = run(capsys, "check", str(path))
    assert code == 1
    assert "found {" in err
    assert time.perf_counter() - start < 1.0


def test_efg_repeated_names_load_in_linear_time(tmp_path, capsys):
    # Regression: de-duplicating 3,000 equal outcome names took 108 s (cubic).
    n = 3000
    acts = " ".join('"a"' for _ in range(n))
    leaves = "".join(f't "" {i + 1} "x" {{ {i} }}\n' for i in range(n))
    path, _ = write(
        tmp_path, f'EFG 2 R "T" {{ "A" }}\n""\np "" 1 1 "" {{ {acts} }} 0\n{leaves}', "many.efg"
    )
    start = time.perf_counter()
    code, out, err = run(capsys, "check", str(path))
    assert (code, err) == (0, ""), err
    assert "3000 outcomes" in out
    assert time.perf_counter() - start < 5.0


def test_deep_efg_takes_memory_in_proportion_to_its_nodes():
    # Every node held its path as a string: a tree 90,000 deep took 16 GB; 6,000 deep
    # took about 85 MB (measured, before: 150 MB at 8,000), now 16 MB. Paths are spelt
    # out only when asked for.
    n = 6000
    text = 'EFG 2 R "deep" { "1" "2" } ""\n' + "".join(
        f'p "" {i % 2 + 1} {i + 1} "" {{ "s" "g" }} 0\nt "" {i + 1} "" {{ {i % 3}, {i % 5} }}\n'
        for i in range(n)
    )
    text += f't "" {n + 1} "" {{ 0, 0 }}\n'
    tracemalloc.start()
    try:
        game = parse_efg(text, name="deep")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert game.n_nodes == 2 * n + 1
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"
    assert game.node_path(game.n_nodes - 1) == "/".join(["g"] * n)


# --- .nfg ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "old", "new", "needles"),
    [
        (NFG, "2 2\n", "@@2\n", ("expected payoffs of contingency 4 of 4", "end of the file")),
        (NFG, "2 2\n", "2 2 @@3\n", ("expected the end of the file, found 3",)),
        (NFG, "0 2 2", "0 @@x 2", ("expected payoffs of contingency 4 of 4 (a finite number",)),
        (NFG, "0 2 2", "0 @@inf 2", ("found inf",)),
        (
            NFG,
            ' { "l" "r" } }',
            " @@}",
            ("expected strategies for 2 players, found them for 1",),
        ),
        (NFG, '{ "l" "r" }', "@@{ }", ("expected at least one strategy for player 2, found none",)),
        (NFG, "NFG 1", "@@EFG 1", ("expected the header NFG", "found EFG")),
        (NFG, "NFG 1", "NFG @@2", ("expected format version 1, found 2",)),
        (
            NFG_OUTCOMES,
            "{ 2 2 }",
            "{ 2 @@0 }",
            ("expected a number of strategies between 1 and 200,000, found 0",),
        ),
        (
            NFG_OUTCOMES,
            "{ 2 2 }",
            "{ @@999999999999999999 2 }",
            ("expected a number of strategies between 1 and 200,000",),
        ),
        (
            NFG_OUTCOMES,
            "{ 2 2 }",
            "{ 1000 @@1000 }",
            ("expected at most 200,000 contingencies", "1,000,000"),
        ),
        (NFG_OUTCOMES, "1 2 1 2", "1 2 1 @@5", ("outcome numbers must be 0..2, found 5",)),
        (NFG_OUTCOMES, "1 2 1 2", "1 2 @@x 2", ("expected the outcome number of contingency 3",)),
        (
            NFG_OUTCOMES,
            '{ "b" 3, 4 }',
            '@@{ "b" 3 }',
            ("outcome 2 lists 1 payoff; expected one per player (2)",),
        ),
        (NFG_OUTCOMES, '{ "a" 1, 2 }', "{ @@1, 2 }", ("expected the outcome's name, found 1",)),
    ],
)
def test_malformed_nfg(tmp_path, capsys, base, old, new, needles):
    start = time.perf_counter()
    fails(capsys, tmp_path, edit(base, old, new), "g.nfg", *needles)
    assert time.perf_counter() - start < 1.0  # a huge strategy count is refused, not built


def test_nfg_garbage(tmp_path, capsys):
    fails(capsys, tmp_path, "@@hello world\n", "g.nfg", "expected the header NFG", "found hello")


def test_scenario_exported_as_nfg_is_refused(capsys):
    code, _, err = run(capsys, "export", "iig", "--format", "nfg")
    assert code == 1
    assert "iig is an extensive game; only games read from .nfg files" in err
