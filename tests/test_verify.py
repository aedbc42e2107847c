"""expectations: and verify: what a scenario expects of its results, checked at the nominal
values and in sampled worlds; failing expectations are findings, not errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from tests._cli import fails_at, run, write

import escalade
from escalade.auditing import verify_exploration
from escalade.errors import ScenarioError

FIXTURES = Path(__file__).parent / "fixtures"
KOREA = (FIXTURES / "korea-2017-v1.yaml").read_text(encoding="utf-8")
STANDOFF = Path(__file__).parents[1] / "docs" / "examples" / "standoff.yaml"

KOREA_EXPECTATIONS = """
expectations:
  invasion_irrational:
    says: "A U.S. invasion is the United States' worst policy"
    claims: [C12]
    policy: invasion
    is: worst
    for: USA
  four_steps_pay:
    says: "The four steps make strategic impatience better for the U.S."
    policy: strategic_impatience_with_four_steps
    beats: strategic_impatience
    for: USA
  rok_exit_likely:
    says: "South Korea leaves the NPT, likelier than not by 2027, under sanctions"
    claims: [C7]
    policy: sanctions_default
    holds: "rok_leaves_npt > 0.5"
    by: 2027
  talks_worst:
    says: "Talks are the worst the U.S. can do"
    claims: [C4]
    policy: talks
    is: worst
    for: USA
"""


@pytest.fixture(scope="module")
def korea_checks():
    scenario = escalade.scenario.load_scenario_text(KOREA + KOREA_EXPECTATIONS, "korea.yaml")
    return {c.expectation.name: c for c in escalade.verify(scenario, samples=0).checks}


def test_korea_expectations_at_the_nominal_values(korea_checks):
    assert korea_checks["invasion_irrational"].verdict == "holds"
    assert "rank 7 of 7" in korea_checks["invasion_irrational"].found
    assert korea_checks["four_steps_pay"].verdict == "holds"
    assert korea_checks["four_steps_pay"].values["nominal"]["difference"] > 0
    rok = korea_checks["rok_exit_likely"]
    assert rok.verdict == "holds"
    assert rok.values["nominal"]["rok_leaves_npt"] > 0.5
    # a claim the model does not bear out is a finding, reported as such
    assert korea_checks["talks_worst"].verdict == "fails"


def test_an_indicator_by_an_earlier_year_counts_fewer_runs():
    text = KOREA + KOREA_EXPECTATIONS.replace("by: 2027", "by: 2019")
    scenario = escalade.scenario.load_scenario_text(text, "korea.yaml")
    early = escalade.verify(scenario, samples=0, runs=4000).checks[2]
    assert early.values["nominal"]["rok_leaves_npt"] < 0.5
    assert early.verdict == "fails"


def test_standoff_verify_in_sampled_worlds():
    result = escalade.verify(STANDOFF, samples=50, runs=2000)
    beats, rare = result.checks
    assert beats.nominal is True
    assert beats.share is not None
    assert 0.5 < beats.share <= 1.0
    assert rare.expectation.in_worlds == pytest.approx(0.8)
    assert rare.holds == (rare.share >= 0.8)
    data = result.to_dict()
    assert data["expectations"][1]["condition"] == "under push_back: war < 0.1"
    assert data["counts"] == {"holds": 2, "fails": 0, "not evaluated": 0}
    frame = result.to_frame()
    assert list(frame["verdict"]) == ["holds", "holds"]
    assert "What the model says about each claim" in str(result.summary())


def test_verify_command_json_and_exit_codes(tmp_path, capsys):
    path = tmp_path / "k.yaml"
    path.write_text(KOREA + KOREA_EXPECTATIONS, encoding="utf-8")
    args = ("verify", str(path), "--samples", "0", "--runs", "2000")
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [e["verdict"] for e in data["expectations"]] == ["holds", "holds", "holds", "fails"]
    assert data["expectations"][0]["claims"] == ["C12"]
    code, out, err = run(capsys, *args, "--strict")
    assert code == 1
    assert "fails  talks_worst  (C4)" in out


def test_analyze_report_shows_what_the_model_says_about_each_claim(tmp_path):
    escalade.analyze(STANDOFF, runs=1000, out=tmp_path / "a")
    page = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert "What the model says about each claim" in page
    assert "push_back beats hold for Defender" in page
    data = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in data["expectations"]] == ["push_back_pays", "war_is_rare"]
    # judged in sampled worlds, so the analysis (nominal values) does not judge it
    assert data["expectations"][1]["verdict"] == "not evaluated"
    assert data["expectations"][1]["nominal"] is True


def test_exploration_report_shows_the_share_of_worlds(tmp_path, capsys):
    out = tmp_path / "run"
    escalade.explore(STANDOFF, samples=24, seed=2, out=out, replications=4)
    assert run(capsys, "report", str(out))[0] == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "What the model says about each claim" in page
    result = escalade.open_run(out)
    checks = verify_exploration(result.to_frame(), result.scenario).checks
    assert checks[0].holds is None  # judged at the nominal values, which explore has not
    assert checks[0].share is not None
    assert checks[1].holds == (checks[1].share >= 0.8)


# ---------------------------------------------------------------------------
# mistakes in expectations: are located


@pytest.mark.parametrize(
    ("entry", "needles"),
    [
        ("    policy: @@invasio\n    is: worst\n    for: USA", ["unknown policy 'invasio'"]),
        ("    policy: invasion\n    is: @@worse\n    for: USA", ["best or worst"]),
        ("    policy: invasion\n    is: worst\n    for: @@USB", ["unknown player 'USB'"]),
        ("    policy: invasion\n    is: worst", ["needs for:"]),
        ("    policy: invasion\n    beats: @@invasion\n    for: USA", ["cannot beat itself"]),
        (
            '    policy: talks\n    holds: "@@setlement > 0.1"',
            ["unknown name 'setlement'", "did you mean 'settlement'"],
        ),
        ('    policy: talks\n    holds: "settlement > 0.1"\n    by: @@2030', ["2018 to 2027"]),
        ('    policy: talks\n    holds: "@@USA > 0"\n    by: 2020', ["'USA' is a player"]),
        (
            "    policy: talks\n    beats: invasion\n    for: USA\n    by: @@2020",
            ["goes with holds:"],
        ),
        (
            '    policy: talks\n    holds: "settlement > 0.1"\n    in_worlds: @@120%',
            ["(0, 1]"],
        ),
        ('    policy: talks\n    holds: "settlement > 0.1"\n    in_worlds: @@most', ["80%"]),
        (
            '    policy: talks\n    is: best\n    for: USA\n    holds: "settlement > 0"',
            ["exactly one of is:"],
        ),
    ],
)
def test_a_wrong_expectation_is_a_located_error(entry, needles, tmp_path, capsys):
    # an error about the whole entry points at the entry (its first key)
    at_entry = "" if "@@" in entry else "@@"
    text = KOREA + f'\nexpectations:\n  e1:\n    {at_entry}says: "something"\n{entry}\n'
    fails_at(capsys, write(tmp_path, text), *needles)


def test_expectations_need_a_crisis_over_time(tmp_path, capsys):
    text = (Path(__file__).parents[1] / "docs" / "examples" / "crisis.yaml").read_text()
    text += "\nexpectations:\n  @@e1: {says: x, policy: p, is: best, for: C}\n"
    fails_at(capsys, write(tmp_path, text), "needs dynamics: and policies:")


def test_an_expectation_built_in_python_without_its_condition_is_refused():
    scenario = escalade.scenario.load_scenario(STANDOFF)
    broken = dataclasses.replace(scenario.expectations[1], holds=None)
    scenario = dataclasses.replace(scenario, expectations=(broken,))
    with pytest.raises(ScenarioError, match=r"standoff\.yaml:\d+:\d+: expectation war_is_rare"):
        escalade.verify(scenario, samples=0, runs=100)


def test_a_condition_on_a_rare_indicator_says_its_share_of_worlds_is_judged_on_zeros():
    """War under push_back in 5% of runs, 4 runs per world: most worlds see no war in
    their runs, so the share of worlds a condition on war holds in says little; the
    check says so (and says nothing when runs per world are unknown, or war is common)."""
    import pandas as pd

    sc = escalade.load(str(STANDOFF))

    def frame(war: float) -> pd.DataFrame:
        rows = []
        for k in range(10):
            for p, u in [("hold", -8.0), ("push_back", -1.0), ("push_back_with_hotline", -2.0)]:
                rows.append(
                    {
                        "sample": k,
                        "policy": p,
                        "utility:Challenger": 0.0,
                        "utility:Defender": u,
                        "P:war": war if k < 2 else 0.0,
                        "P:probed": 1.0,
                    }
                )
        return pd.DataFrame(rows)

    def found(war: float, replications: int | None) -> str:
        checks = verify_exploration(frame(war), sc, replications=replications).checks
        return next(c.found for c in checks if c.expectation.name == "war_is_rare")

    assert "rare: war" in found(0.25, 4)  # mean 0.05: 0.2 runs of 4 per world
    assert "rare" not in found(0.25, None)
    assert "rare" not in found(1.0, 16)  # mean 0.2: 3.2 runs of 16 per world
