"""Command-line mistakes: usage errors exit 2, wrong input exits 1, never a traceback.

Most tests run the command in-process (``escalade.cli.main`` with ``capsys``);
a few run ``python -m escalade`` in a subprocess to show what a user really sees
on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from _cli import run

EXIT_INPUT, EXIT_USAGE = 1, 2

CATEGORICAL = """\
escalade: 1
name: leaders
players: [A, B]
parameters:
  leader: {value: averse, choices: [averse, bold], weights: [0.8, 0.2]}
  cost: {value: 1, low: 0, high: 2}
outcomes:
  peace: {payoffs: {A: 0, B: 0}}
  war: {payoffs: {A: "1 - cost if leader == 'bold' else -cost", B: -1}}
tree:
  player: A
  actions: {wait: peace, strike: war}
"""

# B does not see A's move: one information set with two nodes.
HIDDEN = """\
escalade: 1
name: hidden
players: [A, B]
outcomes:
  x: {payoffs: {A: 1, B: 0}}
  y: {payoffs: {A: 0, B: 1}}
tree:
  player: A
  actions:
    l: {player: B, infoset: h, actions: {a: x, b: y}}
    r: {player: B, infoset: h, actions: {a: y, b: x}}
"""


def usage_error(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == EXIT_USAGE, (out, err)
    assert out == ""
    assert "usage: escalade" in err
    assert "Traceback" not in err
    return err.splitlines()[-1]


def input_error(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == EXIT_INPUT, (out, err)
    assert out == ""
    assert err.startswith("escalade: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err


@pytest.fixture
def categorical(tmp_path: Path) -> str:
    path = tmp_path / "leaders.yaml"
    path.write_text(CATEGORICAL)
    return str(path)


@pytest.fixture
def hidden(tmp_path: Path) -> str:
    path = tmp_path / "hidden.yaml"
    path.write_text(HIDDEN)
    return str(path)


# --- usage errors: exit 2 ------------------------------------------------------------


def test_unknown_command(capsys):
    last = usage_error(capsys, "frobnicate", "iig")
    assert "invalid choice: 'frobnicate'" in last


def test_no_command(capsys):
    assert "the following arguments are required: COMMAND" in usage_error(capsys)


def test_missing_scenario_argument(capsys):
    assert "required: SCENARIO" in usage_error(capsys, "solve")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "expected a number >= 0 or 'inf', found 'abc'"),
        ("-1", "expected a number >= 0 or 'inf', found '-1'"),
        ("nan", "expected a number >= 0 or 'inf', found 'nan'"),
        ("", "expected a number >= 0 or 'inf', found ''"),
    ],
)
def test_bad_lam(capsys, value, message):
    last = usage_error(capsys, "solve", "iig", "--lam", value)
    assert last == f"escalade solve: error: argument --lam: {message}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("solve", "iig", "--draws", "0"), "argument --draws: expected a number >= 1, found 0"),
        (("solve", "iig", "--draws", "x"), "argument --draws: expected a whole number, found 'x'"),
        (("solve", "iig", "--draws", "1e3"), "expected a whole number, found '1e3'"),
        (("check", "iig", "--draws", "-1"), "argument --draws: expected a number >= 0, found -1"),
        (("check", "iig", "--draws", "many"), "expected a whole number, found 'many'"),
        (("solve", "iig", "--draws", "5", "--seed", "-3"), "expected a number >= 0, found -3"),
    ],
)
def test_bad_draws_and_seed(capsys, argv, message):
    assert message in usage_error(capsys, *argv)


@pytest.mark.parametrize("assignment", ["PA", "=0.3", "PA=", " = ", "PA 0.3"])
def test_malformed_set(capsys, assignment):
    last = usage_error(capsys, "solve", "iig", "--set", assignment)
    assert (
        last == f"escalade solve: error: argument --set: expected NAME=VALUE, found {assignment!r}"
    )


def test_unknown_method(capsys):
    assert "invalid choice: 'nashh'" in usage_error(capsys, "solve", "iig", "--method", "nashh")


def test_unknown_export_format(capsys):
    assert "invalid choice: 'png'" in usage_error(capsys, "export", "iig", "--format", "png")


# --- input errors: exit 1 ------------------------------------------------------------


def test_set_of_an_unknown_parameter_suggests_one(capsys):
    err = input_error(capsys, "solve", "iig", "--set", "PAA=0.3")
    assert err.startswith("escalade: unknown parameter 'PAA' (did you mean 'PA'?); parameters: ")


def test_set_of_a_number_to_text(capsys):
    err = input_error(capsys, "solve", "iig", "--set", "PA=high")
    assert err == "escalade: PA expects a number, found 'high'\n"


def test_set_of_a_number_to_infinity(capsys):
    assert "PA must be finite, found 'inf'" in input_error(
        capsys, "solve", "iig", "--set", "PA=inf"
    )


def test_set_of_a_categorical_to_a_non_choice(capsys, categorical):
    err = input_error(capsys, "solve", categorical, "--set", "leader=reckless")
    assert err == (
        "escalade: leader is categorical; expected one of ['averse', 'bold'], found 'reckless'\n"
    )


def test_set_of_a_categorical_to_a_choice_works(capsys, categorical):
    code, out, err = run(capsys, "solve", categorical, "--set", "leader=bold", "--json")
    assert (code, err) == (0, "")
    assert '"scenario": "leaders"' in out


def test_set_given_twice(capsys):
    err = input_error(capsys, "solve", "iig", "--set", "PA=0.3", "--set", "PA=0.4")
    assert err == "escalade: --set PA is given twice\n"


def test_set_on_a_game_without_parameters(capsys, tmp_path):
    path = tmp_path / "g.nfg"
    path.write_text('NFG 1 R "G" { "A" "B" } { 2 2 }\n""\n1 0 0 0 0 0 2 2\n')
    assert "has no parameters to set" in input_error(capsys, "solve", str(path), "--set", "x=1")


def test_spe_on_a_game_with_information_sets(capsys, hidden):
    err = input_error(capsys, "solve", hidden, "--method", "spe")
    assert "needs perfect information" in err
    assert "use --method qre" in err


def test_nash_without_pygambit(capsys, monkeypatch):
    # None in sys.modules makes `import pygambit` raise ImportError: pygambit is "absent".
    monkeypatch.setitem(sys.modules, "pygambit", None)
    err = input_error(capsys, "solve", "iig", "--method", "nash")
    assert err == (
        "escalade: exact Nash equilibria need pygambit, an optional extra: "
        "pip install 'escalade[gambit]'\n"
    )


@pytest.mark.parametrize("method", ["spe", "nash"])
def test_lam_with_a_method_other_than_qre(capsys, method):
    err = input_error(capsys, "solve", "iig", "--method", method, "--lam", "2")
    assert err == f"escalade: --lam applies to --method qre only, not {method}\n"


@pytest.mark.parametrize(
    ("method", "option"),
    [
        ("qre", ("--algorithm", "lcp")),
        ("spe", ("--algorithm", "auto")),
        ("qre", ("--timeout", "5")),
        ("spe", ("--timeout", "inf")),
    ],
)
def test_nash_options_with_another_method(capsys, method, option):
    # --algorithm was silently ignored without --method nash (while --lam is refused)
    err = input_error(capsys, "solve", "iig", "--method", method, *option)
    assert err == f"escalade: {option[0]} applies to --method nash only, not {method}\n"


def test_spe_on_a_strategic_form_game(capsys, tmp_path):
    path = tmp_path / "table.nfg"
    path.write_text('NFG 1 R "G" { "A" "B" } { 2 2 }\n""\n1 0 0 0 0 0 2 2\n')
    err = input_error(capsys, "solve", str(path), "--method", "spe")
    assert "table is a strategic-form game (a table read from .nfg)" in err
    assert "its players choose at the same time" in err
    assert "information sets with several nodes" not in err


def _wide_information_set(k: int) -> str:
    """A picks one of k actions; B, not seeing which, chooses l or r: one information set
    of B reached from k nodes."""
    acts = " ".join(f'"a{i}"' for i in range(k))
    text = f'EFG 2 R "wide" {{ "A" "B" }} ""\np "" 1 1 "" {{ {acts} }} 0\n'
    text += 'p "" 2 1 "h" { "l" "r" } 0\nt "" 1 "x" { 1, 0 }\nt "" 2 "y" { 0, 1 }\n'
    return text + 'p "" 2 1 0\nt "" 1\nt "" 2\n' * (k - 1)


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("wide.efg", _wide_information_set(4000), "found 4,002"),
        (
            "table.nfg",
            'NFG 1 R "t" { "A" "B" } { 201 201 }\n""\n' + "1 0 " * (201 * 201) + "\n",
            "found 402",
        ),
    ],
)
def test_qre_too_large_to_trace_is_refused_with_the_size(capsys, tmp_path, name, text, found):
    # An information set reached from 4,000 nodes, or a 447 x 447 table, traced with
    # forward-mode derivatives (players x nodes x actions per draw) and a QR decomposition
    # of (actions + 1)^2 matrices at every step, did not finish in minutes.
    path = tmp_path / name
    path.write_text(text)
    err = input_error(capsys, "solve", str(path), "--lam", "2")
    assert "expected at most 400 actions" in err
    assert found in err
    assert "MB per step and draw" in err


def test_lambda_too_large_to_trace(capsys, tmp_path):
    # An absent-minded driver (one information set crossed twice) at lam = 1e308: the
    # tracer's step lengths overflowed to NaN and it never stopped.
    path = tmp_path / "driver.efg"
    path.write_text(
        'EFG 2 R "driver" { "1" } ""\np "" 1 1 "" { "exit" "on" } 0\nt "" 1 "a" { 0 }\n'
        'p "" 1 1 0\nt "" 2 "b" { 4 }\nt "" 3 "c" { 1 }\n'
    )
    err = input_error(capsys, "solve", str(path), "--lam", "1e308")
    assert "lam = 1e+308 is too large for a payoff range of 4: their product (inf)" in err
    assert "use --lam inf for its limit" in err


def test_seed_without_draws(capsys):
    assert input_error(capsys, "solve", "iig", "--seed", "3") == (
        "escalade: --seed needs --draws N\n"
    )


def test_nash_with_draws(capsys):
    err = input_error(capsys, "solve", "iig", "--method", "nash", "--draws", "3")
    assert "--method nash solves one draw" in err


def test_explore_without_its_required_options(capsys):
    assert input_error(capsys, "explore", "korea-2017") == (
        "escalade: explore needs --samples, --out (or --resume FOLDER)\n"
    )


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (("korea-2017",), "SCENARIO"),
        (("--design", "sobol"), "--design"),
        (("--replications", "4"), "--replications"),
        (("--set", "p_detect=0.5"), "--set"),
    ],
)
def test_resume_refuses_the_settings_of_a_new_run(capsys, tmp_path, extra, named):
    # the run folder is not even read: the options are wrong whatever it holds
    err = input_error(capsys, "explore", "--resume", str(tmp_path), *extra)
    assert err == f"escalade: --resume continues a run as it was started; drop {named}\n"


def test_export_to_a_missing_folder(capsys, tmp_path):
    target = tmp_path / "no" / "such" / "x.efg"
    err = input_error(capsys, "export", "iig", "--format", "efg", "-o", str(target))
    assert err == f"escalade: {target}: cannot write (No such file or directory)\n"


def test_too_many_draws_is_an_input_error_not_a_bug(capsys):
    # 10**15 draws cannot be allocated; the user hears what to change, not "a bug", and
    # hears it before anything is allocated (the estimate is made first).
    err = input_error(capsys, "check", "iig", "--draws", str(10**15))
    assert "1,000,000,000,000,000 parameter sets of iig would need about" in err
    assert "GB of memory" in err
    assert err.endswith("; expected a smaller --draws\n")


def test_unknown_bundled_name(capsys):
    err = input_error(capsys, "solve", "iggy")
    assert "no such file, and no bundled scenario called 'iggy'; bundled: " in err


# --- what a user sees: subprocesses --------------------------------------------------


@pytest.mark.parametrize(
    ("content", "args", "code", "message"),
    [
        (b"players: [A, B\n", ("check",), 1, ":2:1: YAML syntax error"),
        (b"\x00\x01binary", ("check",), 1, "expected a YAML text file, found binary data"),
        (b"garbage", ("solve", "--method", "spe"), 1, "expected the header EFG"),
        (b"escalade: 1\n", ("solve", "--lam", "x"), 2, "argument --lam: expected a number"),
    ],
)
def test_subprocess_shows_one_message_and_no_traceback(cli, tmp_path, content, args, code, message):
    name = "g.efg" if content == b"garbage" else "s.yaml"
    path = tmp_path / name
    path.write_bytes(content)
    result = cli(args[0], str(path), *args[1:])
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
