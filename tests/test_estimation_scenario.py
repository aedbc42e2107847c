"""The estimation: section in the scenario, and the fitted scenario as the loader reads it.

The bundled estimation scenarios and their fitted versions pass ``escalade audit``
with nothing to report: the numbers a fit writes into expressions are accepted in
the fitted file's ``audit:`` section, with the fit as the reason, and the author's
own acceptances follow their expressions to their new lines.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import escalade
from _cli import run
from _estimation import scenario_text
from escalade.estimation import fit
from escalade.scenario import bundled_path, load_scenario, load_scenario_text

ESTIMATION_SCENARIOS = [
    "egame12",
    "egame122",
    "egame123",
    "ultimatum",
    "leblang2003",
    "student-offers",
]
WAR1800 = Path(__file__).resolve().parents[1] / "docs" / "examples" / "war1800.yaml"


def test_the_section_is_a_typed_field_of_the_scenario() -> None:
    spec = load_scenario("egame12").estimation
    assert spec is not None
    assert (spec.model, spec.error, spec.link) == ("tree", "agent", "probit")
    assert [name for name, _ in spec.utilities] == ["u1_sq", "u1_war", "u2_war"]
    assert load_scenario("iig").estimation is None


@pytest.mark.parametrize("name", ESTIMATION_SCENARIOS)
def test_the_bundled_estimation_scenarios_pass_the_audit(capsys, name: str) -> None:
    code, out, err = run(capsys, "audit", name, "--strict")
    assert (code, err) == (0, "")
    assert "0 errors, 0 warnings" in out


@pytest.mark.parametrize("name", ESTIMATION_SCENARIOS)
def test_their_fitted_scenarios_pass_the_audit_too(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation in the simulated data_123
        fitted = escalade.estimate(name).to_scenario()
    result = escalade.audit(fitted)
    assert result.findings == ()
    # every number the fit wrote is accepted, for the fit's reason, and no acceptance is stale
    assert result.silenced
    for entry in result.silenced:
        assert entry.findings, entry.acceptance
        assert "estimated from data/" in entry.acceptance.reason


def test_a_fitted_scenario_with_dynamics_accepts_its_rationality_and_audits_clean() -> None:
    fitted = escalade.estimate(str(WAR1800)).to_scenario()
    assert fitted.dynamics is not None
    accepted = {a.element: a.reason for a in fitted.accepted}
    line = next(
        n
        for n, text in enumerate(fitted.text.decode().split("\n"), 1)
        if text.strip().startswith("rationality:")
    )
    assert "scale of the shocks" in accepted[f"expression:{line}"]
    assert escalade.audit(fitted, samples=8, replications=2).findings == ()


def test_the_authors_acceptances_follow_their_expressions_to_their_new_lines() -> None:
    # the war1800 example with an audit: section of its own: a number in a payoff, and a
    # parameter that the fit turns into a derived value
    text = WAR1800.read_text(encoding="utf-8")
    text = text.replace(
        "capit: {payoffs: {A: 0, B: 0}, label: B capitulates, "
        'then: {concessions: "concessions + 1"}}',
        'capit: {payoffs: {A: 0, B: "0.3 * balanc"}, label: B capitulates, '
        'then: {concessions: "concessions + 1"}}',
    )
    old_line = text.split("\n").index(next(t for t in text.split("\n") if "0.3 * balanc" in t)) + 1
    text += (
        "audit:\n  accept:\n"
        f'    - {{kind: unexplained_constant, element: "expression:{old_line}", '
        'reason: "a capitulation costs B a third of its share"}\n'
        '    - {kind: dead_parameter, element: "parameter:u2_war", reason: "kept"}\n'
    )
    sc = load_scenario_text(text, str(WAR1800))
    fitted = escalade.estimate(sc).to_scenario()
    lines = fitted.text.decode().split("\n")
    new_line = next(n for n, t in enumerate(lines, 1) if "0.3 * balanc" in t)
    assert new_line != old_line
    by_reason = {a.reason: a.element for a in fitted.accepted}
    assert by_reason["a capitulation costs B a third of its share"] == f"expression:{new_line}"
    assert by_reason["kept"] == "derived:u2_war"  # the parameter is a derived value now
    audit = escalade.audit(fitted, samples=8, replications=2)
    assert audit.findings == ()
    authors = next(e for e in audit.silenced if e.acceptance.reason.startswith("a capitulation"))
    assert [f.element.split(":")[-2] for f in authors.findings] == [str(new_line)]


def test_the_ultimatum_fit_becomes_a_scenario_without_its_unread_scales() -> None:
    # a one-shot game's precision is chosen when it is solved: the fitted scales, which
    # nothing in the scenario reads, are left out with their draws
    res = escalade.estimate("ultimatum")
    fitted = res.to_scenario()
    scales = [n for n in res.names if n.startswith("log_scale")]
    assert len(scales) == 2
    assert len(fitted.parameters.uncertain_names) == res.n_coef - len(scales)
    assert not any("log_scale" in d.name for d in fitted.derived)


def test_the_loader_reads_the_section_after_the_tree() -> None:
    # actions: names actions of the tree, so the section may come first in the file
    text = scenario_text("egame12")
    head, section = text.split("estimation:\n", 1)
    moved = head.replace("escalade: 1\n", "escalade: 1\nestimation:\n" + section, 1)
    sc = load_scenario_text(moved, str(bundled_path("egame12")))
    assert sc.estimation is not None
    assert sc.estimation.actions == load_scenario("egame12").estimation.actions
    assert round(fit(sc).loglik, 4) == -286.1238
