"""The ``question:`` section: which indicators are headlined, which is the risk.

Mistakes end in one located error through ``escalade check``; the chosen
indicators reach the tables and the robustness analysis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import escalade
from _cli import fails_at, write
from escalade.scenario import headline_indicators

STANDOFF = Path(__file__).resolve().parents[1] / "docs" / "examples" / "standoff.yaml"
BASELINE = "  baseline: hold\n"


def _with(question_lines: str) -> str:
    text = STANDOFF.read_text(encoding="utf-8")
    assert text.count(BASELINE) == 1
    return text.replace(BASELINE, BASELINE + question_lines, 1)


@pytest.mark.parametrize(
    ("lines", "needles"),
    [
        ("  watch: [war, @@wars]\n", ["unknown indicator 'wars'", "(did you mean 'war'?)"]),
        ("  watch: [war, probed, @@war]\n", ["lists the indicator 'war' twice"]),
        ("  watch: @@war\n", ["watch must be a list of indicator names, found text 'war'"]),
        ("  watch: @@[]\n", ["watch must be a list of indicator names, found a list"]),
        ("  watch: [@@{a: 1}]\n", ["indicator must be a name, found a mapping"]),
        ("  risk: @@peace\n", ["unknown indicator 'peace'", "indicators: war, probed"]),
        ("  @@risks: war\n", ["risks"]),
    ],
)
def test_question_mistakes_are_located(tmp_path, capsys, lines, needles):
    fails_at(capsys, write(tmp_path, _with(lines)), *needles)


def test_headline_indicators_follow_watch_else_the_declared_order(tmp_path):
    plain = escalade.load(STANDOFF)
    # no watch: every indicator, in the order dynamics: declares them
    assert headline_indicators(plain) == ["war", "probed"]
    path = tmp_path / "w.yaml"
    path.write_text(_with("  watch: [probed]\n  risk: war\n"), encoding="utf-8")
    watched = escalade.load(path)
    assert headline_indicators(watched) == ["probed"]
    assert watched.question.risk == "war"
    assert headline_indicators(escalade.load("korea-2017"), 2) == ["major_war", "settlement"]


def test_robustness_takes_its_default_risk_from_the_question(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(_with("  risk: war\n"), encoding="utf-8")
    common = {"samples": 4, "seed": 1, "replications": 2}
    with_risk = escalade.explore(path, out=tmp_path / "a", **common).robustness()
    assert with_risk.risk == "P:war"
    # standoff names no risk: robustness has none unless one is given
    without = escalade.explore(STANDOFF, out=tmp_path / "b", **common)
    assert without.robustness().risk is None
    assert without.robustness(risk="P:war").risk == "P:war"
