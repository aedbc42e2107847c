"""Every kind of mistake in ``dynamics:``, ``levers:``, ``policies:`` and ``question:``
ends in one clear error through the CLI.

Each test writes a small scenario with one mistake, runs ``escalade check`` (or
``simulate``/``analyze`` for mistakes only a run can find) in-process and checks:
exit code 1, the exact ``file:line:col`` of the mistake, a message saying what was
expected and what was found, no traceback.

The expected position is marked in the scenario text with ``@@`` right before the
offending character; :func:`write` removes the marker and remembers where it was.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import escalade
from _cli import fails_at, run, write
from escalade.errors import ScenarioError
from escalade.scenario import Draws
from escalade.simulation import simulate

BASE = """\
escalade: 1
name: dyn
claims:
  K1: {quote: "a claim", source: "a source"}
players: [A, B]
parameters:
  p: {value: 0.5, low: 0.1, high: 0.9}
  c: 2
  leader: {value: dove, choices: [dove, hawk]}
dynamics:
  periods: 3
  unit: year
  start: 2030
  discount: 0.9
  rationality: 1
  state:
    tension: {initial: 0.2, low: 0, high: 1, label: Tension, claims: [K1]}
    open: {initial: true}
    mood: {initial: calm, choices: [calm, angry]}
  update:
    tension: "tension * 0.8"
  events:
    incident:
      probability: "0.1 * tension"
      when: open
      then: {tension: "tension + 0.2", mood: angry}
    collapse:
      probability: 0.01
      end: war
  indicators:
    fought: {any_of: [war, collapse], label: War}
    cool: {at_end: "alive * (tension < 0.5)"}
levers:
  talks:
    kind: intensity
    effects:
      c: "c * 0.5"
  hotline:
    effects:
      p: "p * 0.5"
policies:
  hold:
    force: {answer: hold}
  mixed:
    force: {answer: {hold: 0.5, strike: 0.5}}
  mixed_talks:
    extends: mixed
    levers: {talks: 0.5, hotline: 1}
question:
  text: "Should B strike?"
  actor: B
  policy: mixed
  baseline: hold
derived:
  d: "2 * c"
outcomes:
  quiet: {payoffs: {A: 0, B: 0}}
  probed: {payoffs: {A: p, B: "-p"}, then: {tension: "tension + 0.3"}}
  war: {payoffs: {A: "-c", B: "-c"}, end: true}
tree:
  player: A
  actions:
    stay: quiet
    probe:
      player: B
      infoset: answer
      actions: {hold: probed, strike: war}
"""

# A one-shot game: no dynamics, levers, policies or question.
FLAT = """\
escalade: 1
name: flat
players: [A, B]
outcomes:
  quiet: {payoffs: {A: 0, B: 0}}
  war: {payoffs: {A: -1, B: -1}}
tree: {player: A, actions: {stay: quiet, fight: war}}
"""

SIMULATE = ("simulate",)
FEW_RUNS = ("--runs", "20", "--seed", "1")


def edit(old: str, new: str, base: str = BASE) -> str:
    assert base.count(old) == 1, old
    return base.replace(old, new, 1)


def section(name: str, new: str, base: str = BASE) -> str:
    """``base`` with its top-level section ``name`` replaced by ``new``."""
    found = re.search(rf"^{name}:.*?(?=^\S)", base, flags=re.M | re.S)
    assert found, name
    return base[: found.start()] + new + base[found.end() :]


def check_table(tmp_path, capsys, old: str, new: str, needles: tuple[str, ...]) -> None:
    fails_at(capsys, write(tmp_path, edit(old, new)), *needles)


def test_the_base_scenario_is_fine(tmp_path, capsys):
    path = write(tmp_path, BASE).path
    code, out, err = run(capsys, "check", str(path))
    assert (code, err) == (0, ""), err
    code, out, err = run(capsys, "simulate", str(path), "--policy", "mixed_talks", *FEW_RUNS)
    assert (code, err) == (0, ""), err
    assert "20 runs over 3 years (2030-2032)" in out


def test_a_category_is_set_by_naming_a_choice(tmp_path):
    # then: {mood: angry} sets mood to the code of 'angry' (1), as 'mood == "angry"' reads it.
    scenario = escalade.load(write(tmp_path, BASE).path)
    (event,) = [e for e in scenario.dynamics.events if e.name == "incident"]
    assignments = dict(event.then)
    assert assignments["mood"].evaluate({}, n_draws=1).tolist() == [1.0]


# --- the dynamics: section itself ------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("  periods: 3", "  @@perods: 3", ("unknown key 'perods' in dynamics", "'periods'?")),
        ("  periods: 3\n  unit", "  @@unit", ("dynamics is missing the required key 'periods'",)),
        ("  periods: 3", "  periods: @@ten", ("periods must be a number, found text 'ten'",)),
        ("  periods: 3", "  periods: @@2.5", ("a whole number from 1 to 1000, found 2.5",)),
        ("  periods: 3", "  periods: @@0", ("a whole number from 1 to 1000, found 0",)),
        ("  periods: 3", "  periods: @@-2", ("a whole number from 1 to 1000, found -2",)),
        ("  periods: 3", "  periods: @@1001", ("a whole number from 1 to 1000, found 1001",)),
        ("  periods: 3", "  periods: @@.inf", ("periods must be a finite number, found .inf",)),
        ("  periods: 3", "  periods: @@true", ("periods must be a number, found a boolean",)),
        ("  periods: 3", "  periods:@@", ("periods must be a number, found nothing (null)",)),
        ("  unit: year", "  unit: @@5", ("unit must be text, found a number (5)",)),
        ("  unit: year", "  unit: @@[a]", ("unit must be text, found a list",)),
        ("  start: 2030", "  start: @@2030.5", ("start must be a whole number", "found 2030.5")),
        ("  start: 2030", "  start: @@soon", ("start must be a number, found text 'soon'",)),
        ("  start: 2030", "  start: @@.nan", ("start must be a finite number, found .nan",)),
    ],
)
def test_periods_unit_start(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


def test_dynamics_must_be_a_mapping(tmp_path, capsys):
    m = write(tmp_path, section("dynamics", "dynamics: @@5\n"))
    fails_at(capsys, m, "dynamics must be a mapping, found a number (5)")


def test_dynamics_without_state(tmp_path, capsys):
    text = section("dynamics", "dynamics:\n  @@periods: 3\n")
    fails_at(capsys, write(tmp_path, text), "dynamics is missing the required key 'state'")


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        ("@@dd", ("discount: unknown name 'dd' (did you mean 'd'?)", "in expression 'dd'")),
        ("@@[0.9]", ("discount must be a number or an expression, found a list",)),
        ("@@.nan", ("discount: expected a finite number, found nan",)),
        ("@@true", ("discount must be a number or an expression, found a boolean",)),
        ("@@1.5", ("discount must lie in (0, 1], found 1.5",)),
        ("@@0", ("discount must lie in (0, 1], found 0",)),
        ("@@-0.1", ("discount must lie in (0, 1], found -0.1",)),
        # computed once per run: state variables and period would be frozen at their start
        ('"0.9 - 0.1 * @@tension"', ("cannot use 'tension' (a state variable or period)",)),
        ('"0.9 ** @@period"', ("cannot use 'period'", "found '0.9 ** period'")),
    ],
)
def test_bad_discount(tmp_path, capsys, value, needles):
    check_table(tmp_path, capsys, "  discount: 0.9", f"  discount: {value}", needles)


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        ("@@lamb", ("rationality (lambda): unknown name 'lamb'", "known names:")),
        ("@@.inf", ("rationality (lambda): expected a finite number, found inf",)),
        ("@@-1", ("rationality (lambda) must be 0 or more, found -1",)),
        ("@@{value: 1}", ("rationality (lambda) must be a number or an expression",)),
    ],
)
def test_bad_rationality(tmp_path, capsys, value, needles):
    check_table(tmp_path, capsys, "  rationality: 1", f"  rationality: {value}", needles)


# --- state variables -------------------------------------------------------------------

TENSION = "    tension: {initial: 0.2, low: 0, high: 1, label: Tension, claims: [K1]}"
MOOD = "    mood: {initial: calm, choices: [calm, angry]}"


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (TENSION, "    @@2x: {initial: 0.2}", ("state variable '2x' is not a valid name",)),
        (TENSION, "    @@lambda: {initial: 0.2}", ("state variable 'lambda' is a reserved word",)),
        (TENSION, "    @@p: {initial: 0.2}", ("state variable 'p' is already defined",)),
        (TENSION, "    @@period: {initial: 0.2}", ("state variable 'period' is already defined",)),
        (TENSION, "    tension: @@[0.2]", ("initial value of tension must be a number or an",)),
        (TENSION, "    tension: {@@inital: 0.2}", ("unknown key 'inital'", "'initial'?")),
        (TENSION, "    tension: @@{low: 0, high: 1}", ("missing the required key 'initial'",)),
        (TENSION, "    tension: {initial: 0.2, low: @@zero}", ("low of tension must be a number",)),
        (
            TENSION,
            "    tension: {initial: 0.2, low: 1, @@high: 0}",
            ("low must be below high, found low=1, high=0",),
        ),
        (TENSION, "    tension: {initial: 0.2, high: @@.inf}", ("must be a finite number",)),
        (TENSION, "    tension: {initial: @@.nan}", ("expected a finite number, found nan",)),
        (
            TENSION,
            "    tension: {initial: @@5, low: 0, high: 1}",
            ("initial value of tension: found 5", "within its bounds [0, 1]"),
        ),
        (
            TENSION,
            '    tension: {initial: "@@tension2"}',
            ("unknown name 'tension2' (did you mean 'tension'?)",),
        ),
        (
            TENSION,
            '    tension: {initial: "@@log(p - 0.5)"}',
            ("'log(p - 0.5)' gives an infinite value", "where p=0.5"),
        ),
        # initial values are computed before later state variables and derived values
        (
            TENSION,
            '    tension: {initial: "@@open + 0.1"}',
            ("'open' has no value yet in 'open + 0.1'", "computed in order"),
        ),
        (TENSION, '    tension: {initial: "@@d"}', ("'d' has no value yet", "derived values")),
        (TENSION, "    tension: {initial: 0.2, claims: [@@K9]}", ("unknown claim 'K9'",)),
        (TENSION, "    tension: {initial: 0.2, note: @@[x]}", ("note must be text, found a list",)),
        (
            "    open: {initial: true}",
            "    open: {initial: true, @@low: 0}",
            ("state variable open is true/false and takes no bounds",),
        ),
        (MOOD, "    mood: {initial: calm, choices: @@calm}", ("must be a non-empty list",)),
        (MOOD, "    mood: {initial: calm, choices: @@[]}", ("must be a non-empty list",)),
        (MOOD, "    mood: {initial: calm, choices: [calm, @@2b]}", ("choice '2b' is not a valid",)),
        (MOOD, "    mood: {initial: calm, choices: [calm, @@{a: 1}]}", ("choice must be a name",)),
        (
            MOOD,
            "    mood: {initial: calm, choices: [calm, @@calm]}",
            ("duplicate choice 'calm' of state variable mood",),
        ),
        (
            MOOD,
            "    mood: {initial: calm, choices: [calm, angry], @@low: 0}",
            ("'low' does not apply to state variable mood, a category",),
        ),
        (
            MOOD,
            "    mood: {initial: @@furious, choices: [calm, angry]}",
            ("initial value 'furious' of mood is not one of its choices ['calm', 'angry']",),
        ),
        (MOOD, "    mood: {initial: @@1, choices: [calm, angry]}", ("'1' is not a valid name",)),
        (MOOD, "    mood: {initial: @@[a], choices: [calm]}", ("must be a name, found a list",)),
        # a category needs its choices: without them, 'calm' is read as a name
        (MOOD, "    mood: {initial: @@calm}", ("initial value of mood: unknown name 'calm'",)),
    ],
)
def test_bad_state_variables(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


STATE = "  state:\n" + TENSION + "\n    open: {initial: true}\n" + MOOD + "\n"


@pytest.mark.parametrize(
    ("new", "needles"),
    [
        ("  state: @@[tension]\n", ("dynamics: state must be a mapping, found a list",)),
        # outcomes, read before the rest of dynamics:, assign tension: the empty state:
        # is still the first mistake reported
        ("  state: @@{}\n", ("dynamics: state must declare at least one variable",)),
    ],
)
def test_state_must_be_a_mapping_of_variables(tmp_path, capsys, new, needles):
    check_table(tmp_path, capsys, STATE, new, needles)


def test_initial_value_outside_the_bounds_in_some_draws(tmp_path, capsys):
    # p * 1.5 exceeds 1 for p > 2/3: the nominal p = 0.5 is fine, draws find it.
    m = write(tmp_path, edit(TENSION, '    tension: {initial: "@@p * 1.5", low: 0, high: 1}'))
    code, out, _ = run(capsys, "check", str(m.path), "--draws", "0")
    assert code == 0, out
    err = fails_at(capsys, m, "initial value of tension: 'p * 1.5' gives", "within its bounds")
    assert float(err.split("where p=")[1].split(" ")[0]) > 2 / 3
    # and a run whose parameters put it outside
    fails_at(
        capsys,
        m,
        "'p * 1.5' gives 1.2 in draw 0 where p=0.8",
        command=SIMULATE,
        extra=(*FEW_RUNS, "--set", "p=0.8"),
    )


# --- update: and then: -----------------------------------------------------------------

UPDATE = '    tension: "tension * 0.8"'


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (UPDATE, "    @@tensoin: 1", ("update: unknown state variable 'tensoin'", "'tension'?")),
        (UPDATE, "    @@p: 1", ("unknown state variable 'p'; state variables: tension, open",)),
        (UPDATE, "    @@period: 1", ("unknown state variable 'period'",)),
        (UPDATE, '    tension: "tension * O@@.8"', ("not a valid expression",)),
        (UPDATE, '    tension: "tension * @@x"', ("unknown name 'x'", "known names:")),
        (UPDATE, '    tension: "@@alive"', ("unknown name 'alive'",)),
        (UPDATE, '    tension: "tension@@.real"', ("attribute access is not allowed",)),
        (UPDATE, "    tension: @@[1]", ("new value of tension must be a number or an expression",)),
        (UPDATE, "    tension: @@.nan", ("expected a finite number, found nan",)),
        (
            "  update:\n" + UPDATE,
            "  update: @@[tension]",
            ("dynamics: update must be a mapping, found a list",),
        ),
        ("  update:\n" + UPDATE, "  update:@@", ("dynamics: update must be a mapping",)),
        ("  update:\n" + UPDATE, "  update: @@{}", ("dynamics: update is empty",)),
        # constants a variable cannot take
        (UPDATE, "    tension: @@5", ("new value of tension: found 5", "bounds [0, 1]")),
        (UPDATE, UPDATE + "\n    open: @@0.5", ("new value of open: found 0.5", "true or false")),
        (UPDATE, UPDATE + "\n    mood: @@7", ("new value of mood: found 7", "one of its choices")),
        (
            UPDATE,
            UPDATE + "\n    mood: @@angyr",
            ("new value 'angyr' of mood is not one of its choices", "(did you mean 'angry'?)"),
        ),
        (
            UPDATE,
            UPDATE + "\n    mood: \"@@'angry'\"",
            ("expected an expression giving a number, found a string",),
        ),
        (
            UPDATE,
            UPDATE + '\n    mood: "1 - @@mood"',
            ("'-' needs a number, found categorical name 'mood'",),
        ),
    ],
)
def test_bad_updates(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


PROBED = 'then: {tension: "tension + 0.3"}'


@pytest.mark.parametrize(
    ("new", "needles"),
    [
        ("then: {@@tensoin: 1}", ("outcome probed: unknown state variable 'tensoin'",)),
        ("then: @@[tension]", ("then: of outcome probed must be a mapping, found a list",)),
        ('then: {tension: "@@x + 1"}', ("outcome probed: new value of tension: unknown name",)),
        ("then: {tension: @@7}", ("outcome probed: new value of tension: found 7",)),
        ("then: {open: @@2}", ("new value of open: found 2", "true or false (1 or 0)")),
        ("then: {mood: @@furious}", ("new value 'furious' of mood is not one of its choices",)),
    ],
)
def test_bad_outcome_then(tmp_path, capsys, new, needles):
    check_table(tmp_path, capsys, PROBED, new, needles)


@pytest.mark.parametrize(
    ("value", "needles"),
    [
        ("@@1", ("end: of outcome war must be true or false, found a number (1)",)),
        ("@@war", ("end: of outcome war must be true or false, found text 'war'",)),
    ],
)
def test_bad_outcome_end(tmp_path, capsys, value, needles):
    check_table(tmp_path, capsys, "end: true}", f"end: {value}}}", needles)


def test_then_and_end_need_dynamics(tmp_path, capsys):
    quiet = "quiet: {payoffs: {A: 0, B: 0}}"
    then = edit(quiet, "quiet: {payoffs: {A: 0, B: 0}, then: {@@t: 1}}", FLAT)
    fails_at(
        capsys,
        write(tmp_path, then),
        "outcome quiet: then: sets state variables, and this scenario declares none",
    )
    war = "war: {payoffs: {A: -1, B: -1}}"
    end = edit(war, "war: {payoffs: {A: -1, B: -1}, end: @@true}", FLAT)
    fails_at(capsys, write(tmp_path, end), "end: true ends a run of the dynamics", "no dynamics:")


# --- events ----------------------------------------------------------------------------

INCIDENT = """\
    incident:
      probability: "0.1 * tension"
      when: open
      then: {tension: "tension + 0.2", mood: angry}
"""
COLLAPSE = "    collapse:\n      probability: 0.01\n      end: war\n"


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("  events:\n" + INCIDENT + COLLAPSE, "  events: @@[incident]\n", ("must be a mapping",)),
        ("  events:\n" + INCIDENT + COLLAPSE, "  events: @@{}\n", ("dynamics: events is empty",)),
        ("    incident:\n", "    @@2bad:\n", ("event name '2bad' is not a valid name",)),
        ("    incident:\n", "    @@war:\n", ("event 'war' has the name of an outcome",)),
        (COLLAPSE, "    collapse: @@0.01\n", ("event collapse must be a mapping, found a number",)),
        (COLLAPSE, COLLAPSE + "      @@labl: x\n", ("unknown key 'labl' in event collapse",)),
        (
            COLLAPSE,
            "    collapse:\n      @@end: war\n",
            ("event collapse is missing the required key 'probability'",),
        ),
        ("probability: 0.01", "probability: @@pp", ("unknown name 'pp' (did you mean 'p'?)",)),
        ("probability: 0.01", "probability: @@true", ("must be a number or an expression",)),
        ("probability: 0.01", "probability: @@1.5", ("must lie in [0, 1], found 1.5",)),
        ("probability: 0.01", "probability: @@-0.1", ("must lie in [0, 1], found -0.1",)),
        ("probability: 0.01", "probability: @@.nan", ("expected a finite number, found nan",)),
        (
            COLLAPSE,
            COLLAPSE + "    @@collapse:\n      probability: 0.02\n",
            ("duplicate key 'collapse'", "first given at line 27, column 5"),
        ),
        ("end: war", "end: @@warr", ("unknown outcome 'warr'; outcomes: quiet, probed, war",)),
        ("end: war", "end: @@true", ("end: names the outcome the run ends in",)),
        ("end: war", "end: @@[war]", ("end: of event collapse must be a name, found a list",)),
        ("when: open", "when: @@opne", ("condition of event incident: unknown name 'opne'",)),
        ("when: open", "when: @@[open]", ("condition of event incident must be a number",)),
        (
            'then: {tension: "tension + 0.2", mood: angry}',
            "then: {@@tensoin: 1}",
            ("event incident: unknown state variable 'tensoin' (did you mean 'tension'?)",),
        ),
        (
            'then: {tension: "tension + 0.2", mood: angry}',
            "then: @@[tension]",
            ("then: of event incident must be a mapping, found a list",),
        ),
        (
            'then: {tension: "tension + 0.2", mood: angry}',
            'then: {tension: "@@alive"}',
            ("event incident: new value of tension: unknown name 'alive'",),
        ),
        (
            'then: {tension: "tension + 0.2", mood: angry}',
            "then: {open: @@3}",
            ("event incident: new value of open: found 3",),
        ),
        (COLLAPSE, COLLAPSE + "      claims: [@@K2]\n", ("unknown claim 'K2'; claims: K1",)),
        (COLLAPSE, COLLAPSE + "      label: @@[x]\n", ("label must be text, found a list",)),
    ],
)
def test_bad_events(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


# --- indicators ------------------------------------------------------------------------

FOUGHT = "    fought: {any_of: [war, collapse], label: War}"
INDICATORS = "  indicators:\n" + FOUGHT + '\n    cool: {at_end: "alive * (tension < 0.5)"}\n'


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (INDICATORS, "  indicators: @@[fought]\n", ("dynamics: indicators must be a mapping",)),
        (INDICATORS, "  indicators: @@{}\n", ("dynamics: indicators is empty",)),
        (FOUGHT, "    @@2f: {any_of: [war]}", ("indicator name '2f' is not a valid name",)),
        (FOUGHT, "    fought: @@[war]", ("indicator fought must be a mapping, found a list",)),
        (FOUGHT, "    fought: {any_of: [war], @@lable: x}", ("unknown key 'lable'", "'label'?")),
        (FOUGHT, "    fought: @@{label: War}", ("needs exactly one of any_of: (outcomes and",)),
        (FOUGHT, "    fought: @@{any_of: [war], at_end: alive}", ("needs exactly one of",)),
        (
            FOUGHT,
            "    fought: {any_of: @@war}",
            ("any_of: of indicator fought must be a non-empty",),
        ),
        (FOUGHT, "    fought: {any_of: @@[]}", ("must be a non-empty list of outcome and event",)),
        (
            FOUGHT,
            "    fought: {any_of: [@@warr]}",
            ("unknown outcome or event 'warr'; known: quiet, probed, war, incident, collapse",),
        ),
        # indicators are not outcomes or events, nor are state variables
        (FOUGHT, "    fought: {any_of: [war, @@cool]}", ("unknown outcome or event 'cool'",)),
        (FOUGHT, "    fought: {any_of: [@@tension]}", ("unknown outcome or event 'tension'",)),
        (FOUGHT, "    fought: {any_of: [@@{a: 1}]}", ("outcome or event must be a name",)),
        (
            FOUGHT,
            "    fought: {at_end: @@alvie}",
            ("unknown name 'alvie' (did you mean 'alive'?)",),
        ),
        (FOUGHT, "    fought: {at_end: @@war}", ("indicator fought (at the end): unknown name",)),
        (
            FOUGHT,
            "    fought: {at_end: @@[1]}",
            ("must be a number or an expression, found a list",),
        ),
        (
            FOUGHT,
            "    fought: {at_end: @@true}",
            ("must be a number or an expression, found a bool",),
        ),
        (FOUGHT, "    fought: {any_of: [war], claims: [@@K2]}", ("unknown claim 'K2'",)),
    ],
)
def test_bad_indicators(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


def test_alive_is_known_only_at_the_end(tmp_path, capsys):
    m = write(tmp_path, edit("probability: 0.01", "probability: @@alive"))
    fails_at(capsys, m, "probability of event collapse: unknown name 'alive'")


# --- levers ----------------------------------------------------------------------------

TALKS = '  talks:\n    kind: intensity\n    effects:\n      c: "c * 0.5"\n'


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (TALKS, "  talks: @@1\n", ("lever talks must be a mapping, found a number (1)",)),
        (TALKS, TALKS.replace("  talks:", "  @@p:"), ("lever 'p' is already defined",)),
        (TALKS, TALKS.replace("  talks:", "  @@tension:"), ("lever 'tension' is already",)),
        (TALKS, TALKS.replace("  talks:", "  @@period:"), ("lever 'period' is already defined",)),
        (TALKS, TALKS.replace("  talks:", "  @@max:"), ("lever name 'max' is a reserved word",)),
        (TALKS, TALKS.replace("  talks:", "  @@2t:"), ("lever name '2t' is not a valid name",)),
        ("kind: intensity", "kind: @@dial", ("kind of lever talks must be switch or intensity",)),
        ("kind: intensity", "kind: @@[switch]", ("kind must be a name, found a list",)),
        ("kind: intensity", "@@knd: intensity", ("unknown key 'knd' in lever talks", "'kind'?")),
        (
            TALKS,
            "  talks:\n    @@kind: intensity\n",
            ("lever talks is missing the required key 'effects'",),
        ),
        (
            '    effects:\n      c: "c * 0.5"',
            "    effects: @@[c]",
            ("effects of lever talks must",),
        ),
        (
            '      c: "c * 0.5"',
            '      @@cc: "c * 0.5"',
            ("an effect replaces a parameter or a derived value; 'cc' is neither", "'c'?"),
        ),
        ('      c: "c * 0.5"', "      @@tension: 0.5", ("'tension' is a state variable",)),
        ('      c: "c * 0.5"', "      @@hotline: 0.5", ("'hotline' is a lever",)),
        ('      c: "c * 0.5"', "      @@period: 2", ("'period' is the period number",)),
        ('      c: "c * 0.5"', "      @@leader: 1", ("'leader' is a categorical parameter",)),
        ('      c: "c * 0.5"', '      c: "c * @@x"', ("lever talks: effect on c: unknown name",)),
        (
            '      c: "c * 0.5"',
            "      c: @@[1]",
            ("effect on c must be a number or an expression",),
        ),
        (
            '      c: "c * 0.5"',
            "      c: @@true",
            ("effect on c must be a number or an expression",),
        ),
        ('      c: "c * 0.5"', "      @@2c: 1", ("effect target '2c' is not a valid name",)),
        ("    kind: intensity\n", "    kind: intensity\n    claims: [@@K7]\n", ("unknown claim",)),
    ],
)
def test_bad_levers(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


def test_lever_named_like_a_derived_value(tmp_path, capsys):
    # levers are declared before derived: the derived value is the second definition
    m = write(
        tmp_path, edit('  d: "2 * c"', '  @@d: "2 * c"', edit(TALKS, TALKS.replace("talks", "d")))
    )
    fails_at(capsys, m, "'d' is already defined (line", "derived names must differ")


@pytest.mark.parametrize(
    ("new", "needles"),
    [
        ("levers: @@5\n", ("levers must be a mapping, found a number (5)",)),
        ("levers: @@{}\n", ("levers is empty; expected at least one lever",)),
    ],
)
def test_levers_section_shape(tmp_path, capsys, new, needles):
    fails_at(capsys, write(tmp_path, section("levers", new)), *needles)


# --- policies --------------------------------------------------------------------------

HOLD = "  hold:\n    force: {answer: hold}\n"
MIXED_TALKS = "    extends: mixed\n    levers: {talks: 0.5, hotline: 1}"


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (HOLD, "  @@2h:\n    force: {answer: hold}\n", ("policy name '2h' is not a valid name",)),
        (HOLD, "  hold: @@answer\n", ("policy hold must be a mapping, found text 'answer'",)),
        (HOLD, "  hold:\n    @@forse: {answer: hold}\n", ("unknown key 'forse'", "'force'?")),
        # simulate and analyze read 'free' as free play: such a policy could never run
        (HOLD, "  @@free:\n    force: {answer: hold}\n", ("policy name 'free' is reserved",)),
        ("extends: mixed", "extends: @@mixd", ("extends unknown policy 'mixd'; policies: hold",)),
        ("extends: mixed", "extends: @@free", ("extends unknown policy 'free'",)),
        ("extends: mixed", "extends: @@[mixed]", ("extends must be a name, found a list",)),
        (
            "extends: mixed",
            "extends: @@mixed_talks",
            ("policies extend each other in a cycle: mixed_talks -> mixed_talks",),
        ),
        ("levers: {talks: 0.5,", "levers: {@@tlaks: 0.5,", ("unknown lever 'tlaks'; levers:",)),
        ("levers: {talks: 0.5,", "levers: {@@p: 0.5,", ("unknown lever 'p'; levers: talks",)),
        ("levers: {talks: 0.5,", "levers: {talks: @@2,", ("lie in [0, 1] (0 off, 1 on), found 2",)),
        ("levers: {talks: 0.5,", "levers: {talks: @@-1,", ("in [0, 1] (0 off, 1 on), found -1",)),
        ("levers: {talks: 0.5,", "levers: {talks: @@.nan,", ("must be a finite number",)),
        ("levers: {talks: 0.5,", 'levers: {talks: @@"p / 2",', ("must be a number, found text",)),
        (
            "levers: {talks: 0.5, hotline: 1}",
            "levers: @@[talks]",
            ("levers of policy mixed_talks must be a mapping, found a list",),
        ),
        # a switch is on or off
        (
            "hotline: 1}",
            "hotline: @@0.5}",
            ("lever hotline is a switch, set to 0 or 1 (off or on), found 0.5",),
        ),
        ("    force: {answer: hold}", "    force: @@[answer]", ("force of policy hold must be",)),
        (
            "    force: {answer: hold}",
            "    force: {@@answr: hold}",
            ("unknown information set 'answr'; named information sets: root, answer",),
        ),
        ("    force: {answer: hold}", "    force: {@@probe: stay}", ("information set 'probe'",)),
        ("    force: {answer: hold}", '    force: {@@"B:answer": hold}', ("set 'B:answer'",)),
        (
            "    force: {answer: hold}",
            "    force: {answer: @@hld}",
            ("policy hold at answer: unknown action 'hld'; actions: hold, strike",),
        ),
        # an action of another information set
        ("    force: {answer: hold}", "    force: {answer: @@stay}", ("unknown action 'stay'",)),
        ("    force: {answer: hold}", "    force: {answer: {@@hld: 1}}", ("action 'hld'",)),
        (
            "    force: {answer: hold}",
            "    force: {answer: @@[hold]}",
            ("(an action, or {action: probability}) must be a mapping, found a list",),
        ),
        ("    force: {answer: hold}", "    force: {answer: @@1}", ("found a number (1)",)),
        ("    force: {answer: hold}", "    force: {answer: @@true}", ("found a boolean",)),
        (
            "    force: {answer: hold}",
            "    force: {answer: @@{hold: 0.5}}",
            ("forced probabilities must sum to 1, found 0.5",),
        ),
        (
            "    force: {answer: hold}",
            "    force: {answer: @@{}}",
            ("forced probabilities must sum to 1, found 0",),
        ),
        (
            "    force: {answer: hold}",
            "    force: {answer: {hold: @@1.5, strike: -0.5}}",
            ("probabilities lie in [0, 1], found 1.5",),
        ),
        (
            "    force: {answer: hold}",
            "    force: {answer: @@{hold: 0.5, strike: 0.6}}",
            ("forced probabilities must sum to 1, found 1.1",),
        ),
        (
            "    force: {answer: hold}",
            "    force: {answer: {hold: @@half, strike: 0.5}}",
            ("probability of hold must be a number, found text 'half'",),
        ),
        (
            "    force: {answer: hold}",
            "    force: {answer: {hold: @@.nan, strike: 0.5}}",
            ("probability of hold must be a finite number",),
        ),
        (
            "    force: {answer: hold}",
            "    force: {answer: hold}\n    claims: [@@K3]",
            ("unknown claim 'K3'",),
        ),
    ],
)
def test_bad_policies(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


def test_policies_extending_each_other_in_a_cycle(tmp_path, capsys):
    # reported where the chain, followed from the first policy, comes back
    text = edit("    force: {answer: {hold: 0.5, strike: 0.5}}", "    extends: mixed_talks")
    m = write(tmp_path, edit("extends: mixed\n", "extends: @@mixed\n", text))
    fails_at(capsys, m, "policies extend each other in a cycle: mixed -> mixed_talks -> mixed")


@pytest.mark.parametrize(
    ("new", "needles"),
    [
        ("policies: @@[hold]\n", ("policies must be a mapping, found a list",)),
        ("policies: @@{}\n", ("policies is empty; expected at least one policy",)),
    ],
)
def test_policies_section_shape(tmp_path, capsys, new, needles):
    text = section("question", "", section("policies", new))
    fails_at(capsys, write(tmp_path, text), *needles)


def test_policy_levers_need_a_levers_section(tmp_path, capsys):
    text = section("levers", "", edit("levers: {talks: 0.5,", "levers: {@@talks: 0.5,"))
    fails_at(capsys, write(tmp_path, text), "unknown lever 'talks'; levers: none (add a levers:")


# --- question --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ('  text: "Should B strike?"\n  actor', "  @@actor", ("missing the required key 'text'",)),
        ('  text: "Should B strike?"', "  text: @@5", ("text must be text, found a number (5)",)),
        ('  text: "Should B strike?"', '  @@txt: "Should"', ("unknown key 'txt' in question",)),
        ("  actor: B", "  actor: @@C", ("question: unknown player 'C'; players: A, B",)),
        ("  actor: B", "  actor: @@[B]", ("actor must be a name, found a list",)),
        (
            "  policy: mixed",
            "  policy: @@mixd",
            ("question: unknown policy 'mixd' (did you mean 'mixed'?); policies: hold, mixed",),
        ),
        ("  policy: mixed", "  policy: @@free", ("question: unknown policy 'free'",)),
        ("  policy: mixed", "  policy: @@[mixed]", ("policy must be a name, found a list",)),
        ("  baseline: hold", "  baseline: @@hld", ("unknown policy 'hld' (did you mean 'hold'?)",)),
        ("  baseline: hold", "  baseline: @@mixed", ("the baseline is the policy itself",)),
        ("  baseline: hold", "  baseline: hold\n  risk: @@peace", ("unknown indicator 'peace'",)),
    ],
)
def test_bad_question(tmp_path, capsys, old, new, needles):
    check_table(tmp_path, capsys, old, new, needles)


def test_question_without_its_policy(tmp_path, capsys):
    text = edit("  policy: mixed\n", "", edit('  text: "Should', '  @@text: "Should'))
    fails_at(capsys, write(tmp_path, text), "question is missing the required key 'policy'")


def test_question_must_be_a_mapping(tmp_path, capsys):
    m = write(tmp_path, section("question", "question: @@Should B strike?\n"))
    fails_at(capsys, m, "question must be a mapping, found text")


def test_question_without_policies(tmp_path, capsys):
    question = 'question: {text: "Fight?", actor: A, policy: @@fight}\n'
    fails_at(
        capsys,
        write(tmp_path, FLAT + question),
        "question: unknown policy 'fight'; policies: none (add a policies: section)",
    )


# --- mistakes only a run finds (simulate, analyze) -------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (
            'probability: "0.1 * tension"',
            'probability: "@@3 * tension"',
            ("probability of event incident: '3 * tension' gives 1.5 in run", "in [0, 1]"),
        ),
        (
            'probability: "0.1 * tension"',
            'probability: "@@tension - 0.3"',
            ("gives -0.1 in run", "where tension=0.2", "expected a probability in [0, 1]"),
        ),
        (
            'probability: "0.1 * tension"',
            'probability: "@@sqrt(tension - 0.3)"',
            ("'sqrt(tension - 0.3)' gives NaN",),
        ),
        (
            "  discount: 0.9",
            '  discount: "@@1 + p"',
            # the policy's hotline halves p
            ("discount: '1 + p' gives 1.25 in run 0 where p=0.25", "expected a value in (0, 1]"),
        ),
        (
            "  rationality: 1",
            '  rationality: "@@1 - 5 * tension"',
            ("rationality (lambda): '1 - 5 * tension' gives -1 in run", "of 0 or more"),
        ),
        (
            "  rationality: 1",
            '  rationality: "@@log(tension - 0.2)"',
            ("'log(tension - 0.2)' gives an infinite value", "where tension=0.2"),
        ),
        (UPDATE, '    tension: "@@log(tension - 0.2)"', ("update: new value of tension: 'log",)),
        (PROBED, 'then: {tension: "@@1 / (tension - 0.2)"}', ("outcome probed: new value of",)),
        ("when: open", 'when: "@@log(tension - 0.2)"', ("condition of event incident: 'log",)),
        (
            '{at_end: "alive * (tension < 0.5)"}',
            '{at_end: "@@log(tension - 0.2)"}',
            ("indicator cool (at the end): 'log(tension - 0.2)' gives",),
        ),
        # levers are off when a file is checked: their effects are evaluated in runs
        (
            '      c: "c * 0.5"',
            '      c: "@@1 / (c - 2)"',
            ("effect on c: '1 / (c - 2)' gives an",),
        ),
    ],
)
def test_mistakes_found_by_simulate(tmp_path, capsys, old, new, needles):
    # myopic actors: the runs meet the mistake (actors who look ahead meet it first, below)
    m = write(tmp_path, edit(old, new))
    extra = ("--policy", "mixed_talks", "--foresight", "myopic", *FEW_RUNS)
    fails_at(capsys, m, *needles, command=SIMULATE, extra=extra)


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (
            'probability: "0.1 * tension"',
            'probability: "@@3 * tension"',
            ("probability of event incident: '3 * tension' gives 1.5 in a state of period 1",),
        ),
        (
            "  rationality: 1",
            '  rationality: "@@1 - 5 * tension"',
            ("rationality (lambda): '1 - 5 * tension' gives -0.6 in a state of period 2",),
        ),
    ],
)
def test_mistakes_found_looking_ahead(tmp_path, capsys, old, new, needles):
    m = write(tmp_path, edit(old, new))
    err = fails_at(capsys, m, *needles, command=SIMULATE, extra=("--policy", "mixed_talks"))
    assert "states affected" in err


def test_analyze_reports_mistakes_found_in_a_run(tmp_path, capsys):
    m = write(tmp_path, edit('probability: "0.1 * tension"', 'probability: "@@3 * tension"'))
    fails_at(
        capsys,
        m,
        "'3 * tension' gives 1.5 in a state of period 1",
        command=("analyze",),
        extra=("--runs", "20", "--out", str(tmp_path / "out")),
    )
    assert not (tmp_path / "out" / "report.html").exists()


def test_run_numbers_count_across_chunks(tmp_path):
    # Run 999 alone has p = 0.8, so 'p * 1.5' = 1.2; its chunk (of 600 runs) starts at 600.
    text = edit("probability: 0.01", 'probability: "p * 1.5"')
    scenario = escalade.load(write(tmp_path, text).path)
    nominal = scenario.parameters.nominal(1000)
    values = {name: np.array(nominal[name]) for name in nominal}
    values["p"][999] = 0.8
    draws = Draws(values, 1000, nominal.space)
    with pytest.raises(ScenarioError, match=r"'p \* 1.5' gives 1.2 in run 999 where p=0.8"):
        # myopic: actors who look ahead find it first, in a state of period 1
        simulate(scenario, draws=draws, runs=1000, seed=1, chunk_size=600, foresight="myopic")


@pytest.mark.parametrize(
    ("text", "command", "needles"),
    [
        (FLAT, SIMULATE, ("flat has no dynamics: section, so there is nothing to simulate",)),
        (FLAT, ("analyze",), ("flat needs dynamics: and policies: sections",)),
        (
            section("question", "", section("policies", "")),
            ("analyze",),
            ("dyn needs dynamics: and policies: sections to compare policies",),
        ),
    ],
)
def test_simulating_a_scenario_that_cannot_run(tmp_path, capsys, text, command, needles):
    path = write(tmp_path, text).path
    extra = ("--out", str(tmp_path / "out")) if command == ("analyze",) else ()
    code, out, err = run(capsys, *command, str(path), *extra)
    assert code == 1, (out, err)
    assert err.startswith(f"escalade: {path}: "), err
    for needle in needles:
        assert needle in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("simulate", "--policy", "nope"), "dyn has no policy 'nope'; policies: hold, mixed"),
        (("analyze", "--policy", "nope"), "dyn has no policy 'nope'; policies: hold, mixed"),
        (("simulate", "--set", "q=1"), "unknown parameter 'q'; parameters: p, c, leader"),
    ],
)
def test_unknown_policy_or_parameter_on_the_command_line(tmp_path, capsys, argv, needle):
    path = write(tmp_path, BASE).path
    extra = ("--out", str(tmp_path / "out"), "--runs", "20") if argv[0] == "analyze" else FEW_RUNS
    code, out, err = run(capsys, argv[0], str(path), *argv[1:], *extra)
    assert code == 1, (out, err)
    assert err.startswith("escalade: "), err
    assert needle in err, err
    assert "Traceback" not in err
    assert err.count("\n") == 1
