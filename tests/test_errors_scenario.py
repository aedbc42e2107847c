"""Every kind of mistake in a scenario file ends in one clear error through the CLI.

Each test writes a small scenario with one mistake, runs ``escalade check`` (or
``solve``) in-process and checks: exit code 1, the exact ``file:line:col`` of the
mistake, a message saying what was expected and what was found, no traceback.

The expected position is marked in the scenario text with ``@@`` right before the
offending character; :func:`write` removes the marker and remembers where it was.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from _cli import fails_at, run, write
from escalade.errors import ScenarioError
from escalade.game import build_game
from escalade.scenario import (
    MAX_AUTO_NAME,
    DecisionSpec,
    GotoSpec,
    LeafSpec,
    TextEdit,
    edit_scenario_text,
    load_scenario_text,
)
from escalade.scenario._load_tree import expand

BASE = """\
escalade: 1
name: tiny
players: [A, B]
parameters:
  p: {value: 0.5, low: 0.1, high: 0.9}
  c: 2
outcomes:
  x: {payoffs: {A: p, B: 0}}
  y: {payoffs: {A: 0, B: c}}
tree:
  player: A
  actions: {l: x, r: y}
"""

TREE = """\
tree:
  player: A
  actions: {l: x, r: y}
"""


def edit(old: str, new: str, base: str = BASE) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def test_the_base_scenario_is_fine(tmp_path, capsys):
    code, out, err = run(capsys, "check", str(write(tmp_path, BASE).path))
    assert (code, err) == (0, "")
    assert "tiny: OK" in out


# --- YAML syntax --------------------------------------------------------------------


def test_yaml_unclosed_bracket(tmp_path, capsys):
    m = write(tmp_path, edit("players: [A, B]\nparameters:", "players: [A, B\nparameters@@:"))
    fails_at(capsys, m, "YAML syntax error: expected ',' or ']', but got ':'")


def test_yaml_tab_indentation(tmp_path, capsys):
    m = write(tmp_path, edit("  c: 2\n", "@@\tc: 2\n"))
    fails_at(capsys, m, "YAML syntax error", "'\\t'")


def test_yaml_several_documents(tmp_path, capsys):
    m = write(tmp_path, BASE + "@@---\nname: second\n")
    fails_at(capsys, m, "expected one YAML document", "found a second one")


def test_yaml_python_tags_are_refused(tmp_path, capsys):
    m = write(tmp_path, edit("  c: 2", "  c: @@!!python/object/apply:os.system [ls]"))
    fails_at(capsys, m, "YAML tag", "python/object/apply:os.system", "not allowed")


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ("  c: 2\n", "  c: 2  # a bell @@\x07 in a comment\n", "U+0007, a control character"),
        ("  c: 2\n", "  c: @@\x1b[31m2\n", "U+001B, a control character"),
        ("name: tiny", "name: ti@@\x7fny", "U+007F, a control character"),
        ("name: tiny", "name: ti@@\x9fny", "U+009F, a control character"),
        ("name: tiny", "name: ti@@\ufffeny", "U+FFFE, a character"),
    ],
)
def test_characters_yaml_does_not_allow(tmp_path, capsys, old, new, shown):
    # PyYAML's reader refuses these anywhere, comments included; its error was an
    # internal error (exit 3) with a character offset, not a line and column
    m = write(tmp_path, edit(old, new))
    fails_at(capsys, m, f"expected printable text, found {shown} that YAML does not allow")


def test_yaml_merge_keys_are_refused(tmp_path, capsys):
    m = write(tmp_path, edit("  c: 2", "  c: {@@<<: {value: 1}}"))
    fails_at(capsys, m, "merge keys (<<) are not supported")


# --- unknown keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("name: tiny", "@@nmae: tiny", ("unknown key 'nmae' in the scenario", "'name'?")),
        (
            "x: {payoffs:",
            "x: {@@payofs:",
            ("unknown key 'payofs' in outcome x", "did you mean 'payoffs'?", "expected one of"),
        ),
        (
            "p: {value: 0.5,",
            "p: {@@vaule: 0.5, value: 0.5,",
            ("unknown key 'vaule' in parameter p", "did you mean 'value'?"),
        ),
        (
            "  player: A\n",
            "  player: A\n  @@lable: first move\n",
            ("unknown key 'lable' in decision node tree", "did you mean 'label'?"),
        ),
    ],
)
def test_unknown_keys_suggest_the_right_one(tmp_path, capsys, old, new, needles):
    fails_at(capsys, write(tmp_path, edit(old, new)), *needles)


# --- missing required keys -----------------------------------------------------------


def test_missing_language_version(tmp_path, capsys):
    m = write(tmp_path, "@@" + edit("escalade: 1\n", ""))
    fails_at(capsys, m, "missing the required key 'escalade'")


def test_missing_name(tmp_path, capsys):
    m = write(tmp_path, "@@" + edit("name: tiny\n", ""))
    fails_at(capsys, m, "missing the required key 'name'")


def test_missing_payoffs(tmp_path, capsys):
    m = write(tmp_path, edit("x: {payoffs: {A: p, B: 0}}", "x: @@{label: quiet}"))
    fails_at(capsys, m, "outcome x is missing the required key 'payoffs'")


def test_missing_actions(tmp_path, capsys):
    m = write(tmp_path, edit(TREE, "tree:\n  @@player: A\n"))
    fails_at(capsys, m, "decision node tree is missing the required key 'actions'")


def test_payoff_missing_for_a_player(tmp_path, capsys):
    m = write(tmp_path, edit("{A: 0, B: c}", "@@{A: 0}"))
    fails_at(capsys, m, "payoffs of y are missing for B")


# --- wrong types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("  c: 2", "  c: @@high", ("parameter c must be a number, found text 'high'",)),
        ("  c: 2", "  c: @@[1, 2]", ("parameter c must be a number, found a list",)),
        (
            "p: {value: 0.5, low: 0.1",
            "p: {value: 0.5, low: @@yes",
            ("low of parameter p must be a number, found a boolean (yes)",),
        ),
        (
            "{A: p, B: 0}",
            "@@[p, 0, 1]",
            ("payoffs of x list 3 values; expected one per player (A, B)",),
        ),
        ("{A: 0, B: c}", "@@hello", ("payoffs of y must be a mapping, found text 'hello'",)),
        (
            "actions: {l: x, r: y}",
            "actions: @@[x, y]",
            ("actions of decision node tree must be a mapping, found a list",),
        ),
        ("players: [A, B]", "players: @@3", ("players must be a list or a mapping", "a number")),
        (
            "name: tiny\n",
            "name: tiny\nreferences: @@{a: 1}\n",
            ("references must be a list of texts, found a mapping",),
        ),
        ("name: tiny\n", "name: tiny\ntitle: @@12\n", ("title must be text, found a number (12)",)),
        (
            "l: x, r: y",
            "l: @@5, r: y",
            ("tree/l: expected an outcome name", "found a number (5)"),
        ),
        (
            "{A: p, B: 0}",
            "{A: @@[p], B: 0}",
            ("payoff of A at x must be a number or an expression, found a list",),
        ),
    ],
)
def test_wrong_types_say_what_was_expected_and_found(tmp_path, capsys, old, new, needles):
    fails_at(capsys, write(tmp_path, edit(old, new)), *needles)


def test_a_list_is_not_a_scenario(tmp_path, capsys):
    m = write(tmp_path, "@@- escalade: 1\n- name: tiny\n")
    fails_at(capsys, m, "a scenario must be a mapping of sections, found a list")


# --- unknown names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("  player: A", "  player: @@C", ("unknown player 'C'; players: A, B",)),
        ("  player: A", "  player: @@AA", ("unknown player 'AA' (did you mean 'A'?)",)),
        ("{A: 0, B: c}", "{A: 0, B: c, @@D: 1}", ("unknown player 'D'",)),
        ("l: x, r: y", "l: x, r: @@yy", ("tree/r: unknown outcome 'yy' (did you mean 'y'?)",)),
        (
            "{A: p, B: 0}",
            "{A: @@pp, B: 0}",
            ("payoff of A at x: unknown name 'pp' (did you mean 'p'?)", "in expression 'pp'"),
        ),
        (
            "{A: p, B: 0}",
            '{A: "2 * p + @@q", B: 0}',
            ("unknown name 'q'", "known names: c, p", "in expression '2 * p + q'"),
        ),
        (
            "  c: 2",
            "  c: {value: 2, claim: @@C2}",
            ("unknown claim 'C2'", "none (add a claims: section)"),
        ),
        (
            "l: x, r: y",
            "l: {goto: @@after}, r: y",
            ("goto to unknown node 'after'", "nodes: none"),
        ),
    ],
)
def test_unknown_names(tmp_path, capsys, old, new, needles):
    fails_at(capsys, write(tmp_path, edit(old, new)), *needles)


def test_unknown_claim_suggests_a_known_one(tmp_path, capsys):
    text = edit("players:", 'claims:\n  C1: {quote: "a", source: "b"}\nplayers:')
    m = write(tmp_path, edit("  c: 2", "  c: {value: 2, claim: @@C11}", text))
    fails_at(capsys, m, "unknown claim 'C11' (did you mean 'C1'?); claims: C1")


def test_derived_value_used_before_it_is_defined(tmp_path, capsys):
    m = write(tmp_path, BASE + 'derived:\n  d: "@@e + 1"\n  e: "2 * c"\n')
    fails_at(capsys, m, "unknown name 'e'", "defined later (line 15)")


# --- gotos ---------------------------------------------------------------------------

GOTO = edit(
    TREE,
    """\
tree: {goto: n1}
nodes:
  n1: {player: A, actions: {l: {goto: n2}, r: y}}
  n2: {player: B, actions: {l: GOTO, r: x}}
""",
)


def test_goto_cycle_direct(tmp_path, capsys):
    m = write(tmp_path, GOTO.replace("GOTO", "{goto: @@n2}"))
    fails_at(capsys, m, "goto cycle: n2 -> n2")


def test_goto_cycle_indirect(tmp_path, capsys):
    m = write(tmp_path, GOTO.replace("GOTO", "{goto: @@n1}"))
    fails_at(capsys, m, "goto cycle: n1 -> n2 -> n1")


def test_goto_to_a_misspelt_node(tmp_path, capsys):
    m = write(tmp_path, GOTO.replace("GOTO", "{goto: @@n3}"))
    fails_at(capsys, m, "goto to unknown node 'n3'", "nodes: n1, n2")


def test_goto_with_extra_keys(tmp_path, capsys):
    m = write(tmp_path, GOTO.replace("GOTO", "{goto: n1, @@player: A}"))
    fails_at(capsys, m, "unknown key 'player' in n2/l (a goto)", "expected one of: goto")


# --- information sets ----------------------------------------------------------------

INFOSETS = edit(
    TREE,
    """\
tree:
  player: A
  actions:
    l: {player: B, infoset: h, actions: {a: x, b: y}}
    r: {player: B, infoset: h, actions: {a: y, b: x}}
""",
)


def test_information_set_consistent_is_fine(tmp_path, capsys):
    code, out, _ = run(capsys, "check", str(write(tmp_path, INFOSETS).path))
    assert code == 0, out


def test_information_set_mixing_players(tmp_path, capsys):
    m = write(tmp_path, INFOSETS.replace("r: {player: B", "r: @@{player: A"))
    err = fails_at(capsys, m, "information set 'h' mixes players: A here, B at its first node")
    assert f"({m.path}:13:8)" in err  # where the first node is


def test_information_set_with_different_actions(tmp_path, capsys):
    m = write(
        tmp_path,
        INFOSETS.replace(
            "r: {player: B, infoset: h, actions: {a: y, b: x}}",
            "r: @@{player: B, infoset: h, actions: {a: y, c: x}}",
        ),
    )
    fails_at(capsys, m, "must offer the same actions: ['a', 'c'] here, ['a', 'b'] at its first")


# --- chance probabilities ------------------------------------------------------------

CHANCE = edit(TREE, "tree:\n  chance: {l: PL, r: PR}\n  actions: {l: x, r: y}\n")


def chance(pl: str, pr: str) -> str:
    return CHANCE.replace("PL", pl).replace("PR", pr)


def test_constant_chance_probability_above_one(tmp_path, capsys):
    m = write(tmp_path, chance("@@1.5", "-0.5"))
    fails_at(capsys, m, "expected a chance probability of tree/l in [0, 1], found 1.5")


def test_constant_chance_probability_below_zero(tmp_path, capsys):
    m = write(tmp_path, chance("0.2", "@@-0.2"))
    fails_at(capsys, m, "chance probability of tree/r in [0, 1], found -0.2")


def test_constant_chance_probabilities_not_summing_to_one(tmp_path, capsys):
    m = write(
        tmp_path,
        edit("chance: {l: PL", "chance: @@{l: PL", CHANCE)
        .replace("PL", "0.5")
        .replace("PR", "0.6"),
    )
    fails_at(capsys, m, "expected chance probabilities at tree that sum to 1, found a sum of 1.1")


def test_chance_branch_without_subtree(tmp_path, capsys):
    m = write(tmp_path, chance("0.5", "0.5").replace("{l: 0.5, r: 0.5}", "{l: 0.5, @@q: 0.5}"))
    fails_at(capsys, m, "chance branch 'q' has a probability but no subtree")


def test_parameter_dependent_probability_fails_only_in_some_draws(tmp_path, capsys):
    # p * 1.5 exceeds 1 for p > 2/3; the nominal p = 0.5 is fine, so only draws find it.
    m = write(tmp_path, chance('"@@p * 1.5"', '"1 - p * 1.5"'))
    code, out, _ = run(capsys, "check", str(m.path), "--draws", "0")
    assert code == 0, out
    err = fails_at(capsys, m, "chance probability of root/l is", "outside [0, 1], in draw")
    value = float(err.split("(p=")[1].split(")")[0])
    assert value > 2 / 3  # the draw's parameter value is named, and it is one that fails


@pytest.mark.parametrize("method", ["qre", "spe"])
def test_parameter_dependent_probability_found_by_solve_draws(tmp_path, capsys, method):
    m = write(tmp_path, chance('"@@p * 1.5"', '"1 - p * 1.5"'))
    code, out, _ = run(capsys, "solve", str(m.path), "--method", method)
    assert code == 0, out  # nominal values are fine
    err = fails_at(
        capsys,
        m,
        "outside [0, 1], in draw",
        "(p=",
        command=("solve",),
        extra=("--method", method, "--draws", "200", "--seed", "1"),
    )
    assert float(err.split("(p=")[1].split(")")[0]) > 2 / 3


def test_parameter_dependent_probabilities_not_summing_to_one(tmp_path, capsys):
    # p + 0.1 and 1 - p sum to 1.1 whatever p is, but neither is constant.
    m = write(
        tmp_path, edit("tree:\n  chance:", "tree:\n  @@chance:", chance('"p + 0.1"', '"1 - p"'))
    )
    fails_at(capsys, m, "chance probabilities at root sum to 1.1, not 1", "(nominal values: p=0.5)")


def test_parameter_dependent_sum_found_over_draws_naming_values(tmp_path, capsys):
    # Sums to 0.9 for p > 0.8 (the nominal 0.5 passes); the draws catch it.
    m = write(
        tmp_path,
        edit("tree:\n  chance:", "tree:\n  @@chance:", chance('"p - 0.1 * (p > 0.8)"', '"1 - p"')),
    )
    err = fails_at(capsys, m, "chance probabilities at root sum to", "not 1, in draw")
    assert float(err.split("(p=")[1].split(")")[0]) > 0.8


# --- distributions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "needles"),
    [
        (
            "{value: 0.5, dist: beta, @@a: 0, b: 2}",
            ("parameter c: beta needs a > 0 and b > 0, found a=0, b=2",),
        ),
        (
            "{value: 0.5, dist: beta, a: 2, @@b: -1}",
            ("beta needs a > 0 and b > 0, found a=2, b=-1",),
        ),
        ("{value: 0.5, low: 2, @@high: 1}", ("low must be below high, found low=2, high=1",)),
        ("{value: 1, low: 1, @@high: 1}", ("low must be below high, found low=1, high=1",)),
        ("{@@value: 5, low: 0, high: 1}", ("nominal value 5 lies outside uniform[0, 1]",)),
        (
            "{@@value: 1.5, dist: beta, a: 2, b: 2}",
            ("nominal value 1.5 lies outside beta(a=2, b=2)",),
        ),
        (
            "{value: 0.5, dist: @@gamma}",
            ("unknown distribution 'gamma'", "expected one of: uniform, beta, normal"),
        ),
        ("{value: 0.5, dist: @@betta, a: 1, b: 1}", ("did you mean 'beta'?",)),
        (
            "{value: a, choices: [a, b], weights: @@[0.5, 0.6]}",
            ("weights of parameter c must sum to 1, found a sum of 1.1",),
        ),
        (
            "{value: a, choices: [a, b], weights: [1.5, @@-0.5]}",
            ("weights of parameter c must be 0 or more, found -0.5",),
        ),
        (
            "{value: a, choices: [a, b], weights: @@[1]}",
            ("weights of parameter c must be a list of 2 numbers, one per choice",),
        ),
        (
            "{value: 0.5, low: 0, high: 1, @@sd: 2}",
            ("'sd' does not apply to dist: uniform (it is used by normal)",),
        ),
        (
            "{value: 0.5, dist: normal, sd: 1, @@a: 1}",
            ("'a' does not apply to dist: normal (it is used by beta)",),
        ),
        (
            "{value: a, choices: [a, b], @@low: 0}",
            ("'low' does not apply to categorical parameter c",),
        ),
        ("{value: 0.5, dist: normal, @@sd: 0}", ("sd must be positive, found 0",)),
        (
            "{value: 0.5, @@dist: uniform}",
            ("parameter c: dist: uniform needs 'low'",),
        ),
        (
            "{value: 0.5, dist: triangular, low: 0, high: 1, @@mode: 2}",
            ("mode 2 must lie in [0, 1]",),
        ),
        (
            "{value: @@c, choices: [a, b]}",
            ("nominal value of categorical parameter c must be one of its choices", "found 'c'"),
        ),
        (
            "{value: @@0.5, choices: [a, b]}",
            ("must be one of its choices ['a', 'b'], found a number (0.5)",),
        ),
        ("{value: a, choices: [a, @@a]}", ("duplicate choice 'a'",)),
        ("@@{low: 0, high: 1}", ("parameter c needs a nominal value (value: ...)",)),
        ("{value: @@.nan}", ("value of parameter c must be a finite number, found .nan",)),
    ],
)
def test_bad_distributions(tmp_path, capsys, spec, needles):
    fails_at(capsys, write(tmp_path, edit("  c: 2", "  c: " + spec)), *needles)


def test_numbers_in_scientific_notation_are_numbers(tmp_path, capsys):
    # PyYAML alone reads 1e-3 as text (YAML 1.1 wants a dot); scenarios mean a number.
    text = edit("  c: 2", "  c: {value: 1e-3, low: -1E2, high: 2e+2}")
    code, out, err = run(capsys, "check", str(write(tmp_path, text).path))
    assert (code, err) == (0, ""), out


# --- duplicate and ill-formed names --------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("  c: 2", "  c: 2\n  @@c: 3", ("duplicate key 'c'", "first given at line 6, column 3")),
        (
            "  y: {payoffs: {A: 0, B: c}}",
            "  y: {payoffs: {A: 0, B: c}}\n  @@x: {payoffs: {A: 1, B: 1}}",
            ("duplicate key 'x'", "line 8"),
        ),
        ("players: [A, B]", "players: [A, B, @@A]", ("duplicate player 'A'", "column 11")),
        ("{A: p, B: 0}", "{A: p, B: 0, @@A: 1}", ("duplicate key 'A'",)),
        ("  c: 2", "  @@2c: 2", ("parameter name '2c' is not a valid name", "letters, digits")),
        ("  c: 2", "  @@c-d: 2", ("parameter name 'c-d' is not a valid name",)),
        ("  c: 2", "  @@lambda: 2", ("parameter name 'lambda' is a reserved word",)),
        ("  c: 2", "  @@max: 2", ("parameter name 'max' is a reserved word",)),
        ("  c: 2", "  @@" + "c" * 65 + ": 2", ("at most 64 characters",)),
        ("players: [A, B]", 'players: [A, @@"B C"]', ("player name 'B C' is not a valid name",)),
        ("name: tiny", "name: @@Tiny_Game", ("scenario name 'Tiny_Game' is not a valid name",)),
        ("  x: {payoffs", "  @@x y: {payoffs", ("outcome name 'x y' is not a valid name",)),
        ("l: x, r: y", '@@"l m": x, r: y', ("action name 'l m' is not a valid name",)),
    ],
)
def test_duplicate_and_ill_formed_names(tmp_path, capsys, old, new, needles):
    fails_at(capsys, write(tmp_path, edit(old, new)), *needles)


def test_derived_name_repeating_a_parameter(tmp_path, capsys):
    m = write(tmp_path, BASE + "derived:\n  @@p: c * 2\n")
    fails_at(capsys, m, "'p' is already defined (line 5)", "must differ from parameters")


# --- NaN and infinity from expressions -----------------------------------------------


def test_division_by_zero_at_the_nominal_values(tmp_path, capsys):
    m = write(tmp_path, edit("{A: p, B: 0}", '{A: "@@1 / (p - 0.5)", B: 0}'))
    fails_at(capsys, m, "payoff of A at x: '1 / (p - 0.5)' gives an infinite value", "p=0.5")


def test_nan_only_in_some_draws_names_the_draw(tmp_path, capsys):
    # sqrt(p - 0.3) is NaN for the draws with p < 0.3 (p ranges over [0.1, 0.9]).
    m = write(tmp_path, edit("{A: p, B: 0}", '{A: "@@sqrt(p - 0.3)", B: 0}'))
    code, out, _ = run(capsys, "check", str(m.path), "--draws", "0")
    assert code == 0, out
    err = fails_at(capsys, m, "'sqrt(p - 0.3)' gives NaN in draw", "draws affected")
    assert float(err.split("where p=")[1].split(" ")[0]) < 0.3


def test_overflow_found_by_solve_draws(tmp_path, capsys):
    # exp(1000 * p) overflows for p > 0.7098 (log of the largest double / 1000).
    m = write(tmp_path, edit("{A: p, B: 0}", '{A: "@@exp(1000 * p) / 1e300", B: 0}'))
    err = fails_at(
        capsys,
        m,
        "gives an infinite value in draw",
        command=("solve",),
        extra=("--draws", "100", "--seed", "2"),
    )
    assert float(err.split("where p=")[1].split(" ")[0]) > 0.7


def test_derived_value_giving_nan(tmp_path, capsys):
    m = write(tmp_path, BASE + 'derived:\n  d: "@@log(p - 0.5)"\n')
    fails_at(capsys, m, "derived d: 'log(p - 0.5)' gives an infinite value", "where p=0.5")


def test_number_beyond_the_float_range(tmp_path, capsys):
    m = write(tmp_path, edit("{A: p, B: 0}", "{A: @@1e400, B: 0}"))
    fails_at(capsys, m, "payoff of A at x: expected a finite number")


def test_nan_written_in_yaml(tmp_path, capsys):
    m = write(tmp_path, edit("{A: p, B: 0}", "{A: @@.nan, B: 0}"))
    fails_at(capsys, m, "payoff of A at x: expected a finite number, found nan")


def test_expression_not_allowed_points_at_the_offending_character(tmp_path, capsys):
    m = write(tmp_path, edit("{A: p, B: 0}", '{A: "p@@.__class__", B: 0}'))
    fails_at(capsys, m, "attribute access is not allowed", "in expression 'p.__class__'")


# --- language version ----------------------------------------------------------------


def test_unsupported_language_version(tmp_path, capsys):
    m = write(tmp_path, edit("escalade: 1", "escalade: @@2"))
    fails_at(capsys, m, "unsupported scenario language version 2", "reads version 1")


def test_language_version_as_text(tmp_path, capsys):
    m = write(tmp_path, edit("escalade: 1", 'escalade: @@"1"'))
    fails_at(capsys, m, "must be the language version number (1), found text '1'")


# --- files ---------------------------------------------------------------------------


def check_file_error(capsys, path: Path, *needles: str, where: str | None = None) -> None:
    code, out, err = run(capsys, "check", str(path))
    assert code == 1, (out, err)
    assert err.startswith(f"escalade: {where or path}: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    check_file_error(capsys, path, "file is empty; expected a YAML scenario")


def test_file_of_comments(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"# nothing yet\n\n")
    check_file_error(capsys, path, "only comments or blank lines; expected a YAML scenario")


def test_binary_file(tmp_path, capsys):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    check_file_error(capsys, path, "expected a YAML text file, found binary data")


def test_non_utf8_file_points_at_the_bad_byte(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("title", "x").encode() + b"# caf\xe9\n")
    check_file_error(
        capsys, path, "expected UTF-8 text, found a byte that is not UTF-8", where=f"{path}:13:6"
    )


def test_folder_given_as_a_file(tmp_path, capsys):
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    check_file_error(capsys, folder, "expected a file, found a folder")


def test_missing_file(tmp_path, capsys):
    check_file_error(capsys, tmp_path / "nope.yaml", "no such file")


def test_missing_name_that_is_not_a_path(capsys):
    code, _, err = run(capsys, "check", "no-such-scenario")
    assert code == 1
    assert "no such file, and no bundled scenario called 'no-such-scenario'; bundled:" in err


def test_empty_name(capsys):
    code, _, err = run(capsys, "check", "")
    assert code == 1
    assert err == "escalade: expected a file name or a bundled scenario's name, found ''\n"


def test_unreadable_file(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, BASE).path

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    # Simulated: tests may run as root, who can read any file.
    monkeypatch.setattr(Path, "open", refuse)
    check_file_error(capsys, path, "cannot read the file: permission denied")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_unreadable_file_for_real(tmp_path, capsys):
    path = write(tmp_path, BASE).path
    path.chmod(0)
    try:
        check_file_error(capsys, path, "cannot read the file: permission denied")
    finally:
        path.chmod(0o600)


def test_file_too_large(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"#" * 5_000_001)
    check_file_error(capsys, path, "file is 5,000,001 bytes; the limit is 5,000,000")


def endless_fifo(path: Path, chunk: bytes) -> threading.Thread:
    """A named pipe at ``path`` fed with ``chunk`` until its reader closes it."""
    os.mkfifo(path)

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), path.open("wb") as pipe:
            while True:
                pipe.write(chunk)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return writer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize(
    ("name", "chunk"),
    [
        ("s.yaml", b"# comment\n" * 1000),
        ("g.efg", b'EFG 2 R "" { "A" } "" ' + b"p " * 5000),
        ("g.nfg", b'NFG 1 R "" { "A" } { 2 } ' + b"   " * 5000),
    ],
)
def test_a_pipe_that_never_ends_is_read_up_to_the_limit(tmp_path, capsys, name, chunk):
    # Only the size reported by the file system was checked: a pipe (size 0) or a device
    # such as /dev/zero was read until memory ran out.
    path = tmp_path / name
    writer = endless_fifo(path, chunk)
    tracemalloc.start()
    try:
        check_file_error(capsys, path, "expected a file of at most 5,000,000 bytes, found more")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"
    writer.join(timeout=10)
    assert not writer.is_alive()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="a device that never ends")
def test_dev_zero(capsys):
    check_file_error(capsys, Path("/dev/zero"), "at most 5,000,000 bytes, found more")


# --- size limits ---------------------------------------------------------------------


def goto_chain(n: int, branches: int) -> str:
    """n named nodes, each going to the next one `branches` times."""
    lines = ["tree: {goto: n0}", "nodes:"]
    for i in range(n):
        acts = ", ".join(f"a{k}: {{goto: n{i + 1}}}" for k in range(branches))
        lines.append(f"  n{i}: {{player: A, actions: {{{acts}, stop: y}}}}")
    lines.append(f"  n{n}: {{player: B, actions: {{l: x, r: y}}}}")
    return edit(TREE, "\n".join(lines) + "\n")


def test_exponential_goto_chain_fails_fast(tmp_path, capsys):
    # 2**60 nodes once unfolded: refused from the file's graph, without unfolding it.
    m = write(tmp_path, goto_chain(60, 2).replace("tree: {goto: n0}", "tree: {goto: @@n0}"))
    start = time.perf_counter()
    fails_at(capsys, m, "the tree has more than 200,000 nodes once every goto is unfolded")
    assert time.perf_counter() - start < 2.0


def test_long_goto_chain_does_not_exhaust_the_stack(tmp_path, capsys):
    # Regression: a chain of 600 named nodes used to end in a RecursionError (exit 3).
    code, out, err = run(
        capsys, "check", str(write(tmp_path, goto_chain(600, 1)).path), "--draws", "0"
    )
    assert (code, err) == (0, ""), err
    assert "1203 nodes" in out  # 600 x (decision + "stop" leaf) + the last node and 2 leaves


def test_long_goto_chain_takes_memory_in_proportion_to_its_nodes():
    # A chain of named nodes, each going to the next: every node held its path, and the
    # gotos that led to it, as tuples, and its name as the full path; 20,000 nodes took
    # 6 GB and 56 s to check. 4,000 nodes took 245 MB (measured, before); paths are now
    # links shared with the parent and names are bounded.
    n = 4000
    named = {
        f"n{i}": DecisionSpec(
            player="AB"[i % 2],
            actions=(
                ("stop", LeafSpec("x")),
                ("go", GotoSpec(f"n{i + 1}") if i + 1 < n else LeafSpec("y")),
            ),
        )
        for i in range(n)
    }
    base = load_scenario_text(BASE, "chain.yaml")
    tracemalloc.start()
    try:
        expanded = expand(GotoSpec("n0"), named)
        game = build_game(replace(base, tree=GotoSpec("n0"), nodes=named, expanded=expanded))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert game.n_nodes == 2 * n + 1
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"
    deepest = expanded[-3]  # the last decision node
    assert len(deepest.path) == n - 1
    assert deepest.via == tuple(f"n{i}" for i in range(n))
    assert max(len(name) for name in game.infoset_names) <= MAX_AUTO_NAME
    assert game.infoset_names[-1] == deepest.path_name
    assert deepest.path_name.startswith(".../go/go/")
    assert deepest.path_name.endswith(f" #{deepest.index}")
    assert game.node_path(game.n_nodes - 1) == "/".join(["go"] * n)  # spelt out on demand


def test_expression_too_long(tmp_path, capsys):
    long = " + ".join(["p"] * 700)  # 2797 characters; the error points at the 2001st
    m = write(tmp_path, edit("{A: p, B: 0}", f'{{A: "{long[:2000]}@@{long[2000:]}", B: 0}}'))
    err = fails_at(capsys, m, "expected an expression of at most 2000 characters, found 2797")
    assert len(err) < 400  # the expression is shortened in the message


def test_expression_nested_too_deep(tmp_path, capsys):
    deep = "-" * 130 + "p"
    m = write(tmp_path, edit("{A: p, B: 0}", f'{{A: "{"-" * 121}@@{deep[121:]}", B: 0}}'))
    fails_at(capsys, m, "expected operations nested at most 120 levels deep")


def test_yaml_nested_too_deep(tmp_path, capsys):
    m = write(tmp_path, BASE + "description: " + "[" * 199 + "@@" + "[" * 101 + "]" * 300 + "\n")
    fails_at(capsys, m, "expected values nested at most 200 levels deep")


def test_yaml_nested_very_deep_fails_fast(tmp_path, capsys):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    start = time.perf_counter()
    check_file_error(capsys, path, "nested at most 200 levels deep", where=f"{path}:1:203")
    assert time.perf_counter() - start < 3.0


def test_billion_laughs(tmp_path, capsys):
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        mark = "@@" if name == "f" else ""  # 9**5 * ... first exceeds 500,000 values here
        text += f"{name}: {mark}&{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    start = time.perf_counter()
    fails_at(capsys, write(tmp_path, text), "expected at most 500,000 values once aliases")
    assert time.perf_counter() - start < 1.0


def test_alias_containing_itself(tmp_path, capsys):
    m = write(tmp_path, "a: @@&a [1, *a]\n")
    fails_at(capsys, m, "an alias refers to a value that contains it")


def test_editing_a_scenario_whose_text_is_not_a_mapping_is_a_located_error():
    sc = replace(load_scenario_text(BASE, "tiny.yaml"), text=b"- a\n- b\n")
    with pytest.raises(ScenarioError, match=r"tiny\.yaml:1:1: .*mapping of sections, found"):
        edit_scenario_text(sc, TextEdit(name="other"))
