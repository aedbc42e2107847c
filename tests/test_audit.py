"""The audit finds every defect planted in a clean scenario, each under its kind, and no
error on a clean one; on korea-2017 as first written, it finds the defects a modeller
found by reading it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests._cli import run

import escalade
from escalade.auditing import KINDS, AuditResult, literals
from escalade.scenario import load_scenario_text

FIXTURES = Path(__file__).parent / "fixtures"
BORDER = (FIXTURES / "border.yaml").read_text(encoding="utf-8")
KOREA = FIXTURES / "korea-2017-v1.yaml"

# small settings: the border scenario is tiny and its planted defects are not subtle
SMALL = {"samples": 16, "replications": 8}


def audit_text(text: str, **options: int) -> AuditResult:
    return escalade.audit(load_scenario_text(text, "border.yaml"), **{**SMALL, **options})


def insert(text: str, after: str, lines: str) -> str:
    """``text`` with ``lines`` inserted after the line that is exactly ``after``."""
    marker = after + "\n"
    assert marker in text, after
    return text.replace(marker, marker + lines, 1)


def found(result, kind: str) -> dict[str, str]:
    """Element -> severity of the findings of one kind."""
    return {f.element: f.severity for f in result.findings if f.kind == kind}


# ---------------------------------------------------------------------------
# a clean scenario, and one planted defect of each kind


def test_clean_scenario_has_no_finding():
    result = audit_text(BORDER)
    assert result.findings == ()
    assert result.threshold is not None


def test_a_parameter_nothing_reads_is_dead():
    text = insert(BORDER, "parameters:", "  unused: {value: 1.0, low: 0.0, high: 2.0}\n")
    assert found(audit_text(text), "dead_parameter") == {"parameter:unused": "error"}


def test_a_parameter_read_where_it_can_never_count_is_dead_by_simulation():
    # tension stays within [0, 1], so max(tension - 2, 0) is always 0: the logic of the file
    # lets ghost matter, the simulation shows it never does
    text = insert(BORDER, "parameters:", "  ghost: {value: 0.5, low: 0.0, high: 1.0}\n")
    text = text.replace(
        'B: "-gain * tension"}', 'B: "-gain * tension - ghost * max(tension - 2, 0)"}'
    )
    result = audit_text(text)
    assert found(result, "dead_parameter") == {"parameter:ghost": "error"}
    finding = result.of_kind("dead_parameter")[0]
    assert "identical results" in finding.evidence
    assert "--set ghost=0" in finding.evidence


def test_a_lever_whose_effect_never_reaches_a_decision_is_inert():
    text = insert(BORDER, "policies:", "  hold_hotline: {extends: hold, levers: {hotline: 1}}\n")
    result = audit_text(text)
    assert found(result, "inert_lever") == {"lever:hotline@hold_hotline": "error"}
    assert "p_accident" in result.of_kind("inert_lever")[0].message


def test_two_policies_written_alike_are_duplicates():
    text = insert(
        BORDER,
        "  push_back_hotline: {extends: push_back, levers: {hotline: 1}}",
        "  wait_and_see: {force: {answer: hold}}\n",
    )
    assert found(audit_text(text), "duplicate_policy") == {"policy:wait_and_see": "error"}


def test_an_outcome_no_leaf_names_is_unreachable():
    text = insert(BORDER, "outcomes:", "  surrender: {payoffs: {A: 1, B: -1}}\n")
    assert found(audit_text(text), "unreachable_outcome") == {"outcome:surrender": "error"}


def test_a_branch_every_policy_fixes_a_choice_away_from_is_unreachable():
    text = BORDER.replace(
        "        hold: probe_unanswered\n",
        "        hold: probe_unanswered\n"
        "        concede: {player: A, label: A after a concession, "
        "actions: {accept: quiet, press: probe_unanswered}}\n",
    )
    result = audit_text(text)
    assert found(result, "unreachable_outcome") == {"node:A after a concession": "error"}


def test_an_event_that_changes_nothing_is_inert():
    text = insert(
        BORDER,
        '    tension: "tension * ease"',
        "  events:\n    rumour: {probability: 0.1, label: A rumour of war}\n",
    )
    assert found(audit_text(text), "inert_event") == {"event:rumour": "error"}


def test_an_indicator_that_never_varies_is_constant():
    text = insert(BORDER, "  indicators:", '    boiling: {at_end: "tension > 2"}\n')
    assert found(audit_text(text), "constant_indicator") == {"indicator:boiling": "warning"}


def test_an_indicator_of_unreachable_outcomes_is_constant_by_the_logic():
    text = insert(BORDER, "outcomes:", "  surrender: {payoffs: {A: 1, B: -1}}\n")
    text = insert(text, "  indicators:", "    surrendered: {any_of: [surrender]}\n")
    assert found(audit_text(text), "constant_indicator") == {"indicator:surrendered": "error"}


def test_an_indicator_counting_mostly_what_its_name_does_not_say_is_misnamed():
    text = insert(
        BORDER, "  indicators:", "    war_scare: {any_of: [war, probe_unanswered], label: War}\n"
    )
    result = audit_text(text)
    assert found(result, "misnamed_indicator") == {"indicator:war_scare": "warning"}
    assert "probe_unanswered" in result.of_kind("misnamed_indicator")[0].message


def test_a_state_variable_nothing_changes_is_static():
    text = insert(BORDER, "  state:", "    mood: {initial: 0.5, low: 0, high: 1}\n")
    text = text.replace("quiet: {payoffs: {A: 0, B: 0}}", 'quiet: {payoffs: {A: "mood", B: 0}}')
    assert found(audit_text(text), "static_state") == {"state:mood": "error"}


def test_a_player_without_a_decision_is_idle():
    text = BORDER.replace("players: [A, B]", "players: [A, B, C]")
    text = re.sub(r"payoffs: \{A: ([^,]+), B: ([^}]+)\}", r"payoffs: {A: \1, B: \2, C: 0}", text)
    assert found(audit_text(text), "idle_player") == {"player:C": "warning"}


def test_a_player_whose_choices_change_nothing_is_idle():
    text = BORDER.replace("players: [A, B]", "players: [A, B, C]")
    text = re.sub(r"payoffs: \{A: ([^,]+), B: ([^}]+)\}", r"payoffs: {A: \1, B: \2, C: 0}", text)
    text = text.replace(
        "    stay: quiet\n", "    stay: {player: C, actions: {wait: quiet, nap: quiet}}\n"
    )
    assert found(audit_text(text), "idle_player") == {"player:C": "error"}


def test_a_number_inside_an_expression_is_an_unexplained_constant():
    text = BORDER.replace('tension: "tension * ease"', 'tension: "tension * ease * 0.97"')
    line = text.split("\n").index('    tension: "tension * ease * 0.97"') + 1
    col = text.split("\n")[line - 1].index("0.97") + 1
    result = audit_text(text)
    assert found(result, "unexplained_constant") == {
        f"expression:border.yaml:{line}:{col}": "warning"
    }
    assert "tension * ease * 0.97" in result.of_kind("unexplained_constant")[0].evidence


def test_a_claim_cited_only_by_dead_elements_is_unsupported():
    text = BORDER.replace(
        'K2: {quote: "Accidents', 'K3: {quote: "Pride matters."}\n  K2: {quote: "Accidents'
    )
    text = insert(text, "parameters:", "  pride: {value: 1.0, low: 0.0, high: 2.0, claim: K3}\n")
    result = audit_text(text)
    assert found(result, "unsupported_claim") == {"claim:K3": "error"}


def test_every_kind_is_planted_above():
    planted = {
        "dead_parameter",
        "inert_lever",
        "duplicate_policy",
        "unreachable_outcome",
        "inert_event",
        "constant_indicator",
        "misnamed_indicator",
        "static_state",
        "idle_player",
        "unexplained_constant",
        "unsupported_claim",
    }
    assert planted == set(KINDS)


# ---------------------------------------------------------------------------
# accepting a finding in the file


ACCEPT = """
audit:
  accept:
    - kind: dead_parameter
      element: parameter:unused
      reason: "kept for the variant with a third player"
    - kind: unexplained_constant
      element: "expression:*"
      reason: "the file's numbers are its own"
    - kind: inert_event
      element: event:rumour
      reason: "no event of that name any more"
"""


def test_accepted_findings_are_set_aside_with_their_reason():
    text = insert(BORDER, "parameters:", "  unused: {value: 1.0, low: 0.0, high: 2.0}\n")
    text = text.replace('tension: "tension * ease"', 'tension: "tension * ease * 0.97"')
    text = insert(
        text,
        '    tension: "tension * ease * 0.97"',
        '  events:\n    rumour: {probability: 0.1, then: {tension: "tension"}}\n',
    )
    # myopic actors: with foresight the challenger stops probing a defender who pushes back,
    # war vanishes from this small sample and is reported; this test is about acceptances
    text = insert(text, "  periods: 5", "  foresight: myopic\n")
    result = audit_text(text + ACCEPT)
    assert [f.kind for f in result.findings] == []
    reasons = {
        s.acceptance.element: (s.acceptance.reason, len(s.findings)) for s in result.silenced
    }
    assert reasons["parameter:unused"] == ("kept for the variant with a third player", 1)
    assert reasons["expression:*"][1] == 1
    data = result.to_dict()
    assert data["silenced"][0]["silenced"][0]["element"] == "parameter:unused"
    assert "accepted" in result.text()


def test_an_acceptance_that_matches_nothing_is_listed_as_stale():
    stale = ACCEPT.split("    - kind: unexplained")[0].replace("parameter:unused", "parameter:gain")
    result = audit_text(BORDER + stale)
    assert result.silenced[0].findings == ()
    assert "no finding matches it any more" in result.text()


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ("    - {kind: dead_parameters, element: parameter:gain, reason: x}", "unknown kind"),
        ("    - {kind: dead_parameter, element: parameter:gian, reason: x}", "did you mean 'gain'"),
        ("    - {kind: dead_parameter, element: lever:hotline, reason: x}", "are about parameter:"),
        ("    - {kind: dead_parameter, element: parameter:gain}", "needs a reason"),
        ("    - {kind: inert_lever, element: lever:hotline@hold, reason: x}", "unknown lever"),
        (
            "    - {kind: unexplained_constant, element: expression:4, reason: x}",
            "where an expression",
        ),
        ("    - {kind: dead_parameter, element: parameter:gain, reason: x, why: y}", "unknown key"),
    ],
)
def test_a_wrong_acceptance_is_a_located_error(entry, needle, tmp_path, capsys):
    text = BORDER + "audit:\n  accept:\n" + entry + "\n"
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    code, _out, err = run(capsys, "check", str(path))
    line = text.count("\n")
    assert code == 1
    assert err.startswith(f"escalade: {path}:{line}:"), err
    assert needle in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------
# the command line


def test_audit_json_has_the_findings_threshold_and_exit_codes(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(insert(BORDER, "parameters:", "  unused: {value: 1, low: 0, high: 2}\n"))
    code, out, err = run(capsys, "audit", str(path), "--json", "--samples", "8")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "border"
    assert set(data["findings"][0]) >= {"kind", "element", "severity", "message", "evidence"}
    assert data["threshold"]["probability"] == pytest.approx(0.01)
    code, out, err = run(capsys, "audit", str(path), "--strict", "--samples", "8")
    assert code == 1
    assert "error  dead_parameter  parameter:unused" in out
    path.write_text(BORDER)
    assert run(capsys, "audit", str(path), "--strict", "--samples", "8")[0] == 0


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["audit", "no-such.yaml"], "no such file"),
        (["audit", "docs/examples/crisis.efg"], "is a Gambit game"),
        (["verify", "iig"], "no expectations: section"),
    ],
)
def test_bad_input_to_audit_and_verify_is_a_clear_error(argv, needle, capsys):
    code, _out, err = run(capsys, *argv)
    assert code == 1
    assert needle in err
    assert "Traceback" not in err


def test_a_gambit_game_cannot_be_audited(tmp_path, capsys):
    game = escalade.as_game("iig")
    path = tmp_path / "g.efg"
    path.write_text(escalade.write_efg(game))
    code, _out, err = run(capsys, "audit", str(path))
    assert code == 1
    assert "is a Gambit game" in err


# ---------------------------------------------------------------------------
# bundled scenarios and korea-2017 as first written


@pytest.mark.parametrize("name", [n for n in escalade.bundled_scenarios() if n != "korea-2017"])
def test_no_error_on_the_bundled_one_shot_scenarios(name):
    assert escalade.audit(name).errors == []


def test_trivial_literals_are_left_alone():
    assert literals("1 - p") == []
    assert literals("clip(x, 0, 1) * 100 / 2 + 0.5 - y ** 3") == []
    assert [x.text for x in literals("0.3 * (1.2 if averse else 0.8)")] == ["0.3", "1.2", "0.8"]
    assert literals("-3") == []  # a value written as a number, not a number inside one
    assert literals("period >= 4") == []


@pytest.fixture(scope="module")
def korea():
    return escalade.audit(escalade.load(str(KOREA)))


def _line_of(text: str) -> int:
    lines = KOREA.read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.slow
def test_korea_dead_parameters(korea):
    dead = found(korea, "dead_parameter")
    for name in ("convinced_boost", "drag_us", "us_win", "rc_us"):
        assert f"parameter:{name}" in dead, name
    # what the article's steps set, through effects that change nothing
    for name in ("s2_leverage", "s3_talks", "s4_talks"):
        assert dead[f"parameter:{name}"] == "error"
    for live in ("p_settle", "face", "s3_face", "p_launch", "kim_control", "lam"):
        assert f"parameter:{live}" not in dead


@pytest.mark.slow
def test_korea_inert_levers(korea):
    inert = {f.element: f.message for f in korea.of_kind("inert_lever")}
    si4, fso = "strategic_impatience_with_four_steps", "four_steps_only"
    # step 2's and step 4's talks effects, in both policies that turn them on
    for lever, target in (("step2", "leverage_boost"), ("step4", "p_settle")):
        for policy in (si4, fso):
            assert target in inert[f"lever:{lever}@{policy}"]
    # step 3's face effect in four_steps_only (it does count under strategic impatience)
    assert "effect on face" in inert[f"lever:step3@{fso}"]
    assert "effect on face" not in inert[f"lever:step3@{si4}"]
    assert f"lever:step1@{si4}" not in inert


@pytest.mark.slow
def test_korea_inert_event_unreachable_branches_and_misnamed_indicator(korea):
    assert found(korea, "inert_event") == {"event:prc_attempt_fails": "error"}
    unreachable = found(korea, "unreachable_outcome")
    assert "node:DPRK facing invasion: fight or use it before losing it" in unreachable
    assert "outcome:regime_change_us" in unreachable
    assert "outcome:nuclear_use" in unreachable
    assert "indicator:regime_change" in found(korea, "misnamed_indicator")


@pytest.mark.slow
def test_korea_unexplained_constants(korea):
    constants = found(korea, "unexplained_constant")
    clash = _line_of('clash: "0.3 * (1.2 if averse else 0.8)"')
    step2 = _line_of('p_prc_intervene_base: "p_prc_intervene_base * 0.7"')
    places = {tuple(map(int, e.split(":")[2:4])) for e in constants}
    assert {line for line, _ in places} >= {clash, step2}
    row = KOREA.read_text(encoding="utf-8").split("\n")[clash - 1]
    assert (clash, row.index("0.3") + 1) in places
    assert (clash, row.index("1.2") + 1) in places
    assert all(severity == "warning" for severity in constants.values())


@pytest.mark.slow
def test_korea_audit_states_its_threshold(korea):
    data = korea.to_dict()
    assert data["threshold"]["probability"] == pytest.approx(0.01)
    assert "10,000-run" in data["threshold"]["rule"]
    assert data["settings"]["samples"] == 64
    assert "no effect larger than the threshold" in korea.text()


def test_the_screen_moves_parameters_in_bounded_groups_when_actors_look_ahead():
    """Forward-looking actors keep values for every world a simulation holds: the screen
    splits korea-2017's parameters into simulations of at most FORESIGHT_WORLDS worlds
    (one simulation of 18,000 worlds passed 17 GB; groups of 1,024 still peaked at 17 GB),
    and keeps them in one simulation with myopic actors, whose worlds cost nothing to keep."""
    import numpy as np

    from escalade.auditing._audit import with_foresight
    from escalade.auditing._instrument import instrument
    from escalade.auditing._screen import FORESIGHT_WORLDS, Screen, Threshold, parameter_values

    korea = escalade.load("korea-2017")
    worlds = korea.parameters.sample(64, np.random.default_rng(1))
    plan = [(p, parameter_values(p)) for p in korea.parameters]
    for mode, expect_one in (("full", False), ("myopic", True)):
        inst = instrument(with_foresight(korea, mode))
        screen = Screen(inst, worlds, 4, np.random.SeedSequence(1), Threshold.default())
        groups = screen._groups(plan)
        assert [item for group in groups for item in group] == plan
        if expect_one:
            assert len(groups) == 1
        else:
            sizes = [sum(len(v) for _, v in group) * 64 for group in groups if len(group) > 1]
            assert sizes
            assert max(sizes) <= FORESIGHT_WORLDS
            assert len(groups) > 1
