"""The claims, simulate and analyze commands, and the files analyze writes."""

from __future__ import annotations

import json
import re

import pytest

from _korea import POLICIES
from escalade.cli import main

EVENTS = [
    "settlement",
    "major_war",
    "war_by_miscalculation",
    "nuclear_use",
    "seoul_attacked",
    "japan_hit",
    "launch_unanswered",
    "force_contained",
    "china_moves_in",
    "regime_change_by_us",
    "regime_change_by_china",
    "rok_leaves_npt",
    "jpn_leaves_npt",
    "continued_buildup",
]


def test_claims_json_lists_every_claim_with_its_elements(capsys):
    assert main(["claims", "korea-2017", "--json"]) == 0
    cites = json.loads(capsys.readouterr().out)
    assert set(cites) == {f"C{i}" for i in range(1, 27)}
    assert all(cites.values())
    assert "parameter:p_detect" in cites["C16"]


def test_claims_text_shows_quotes(capsys):
    assert main(["claims", "korea-2017"]) == 0
    out = capsys.readouterr().out
    assert "C13  Seoul would be the martyr city" in out


def test_simulate_prints_a_summary_and_json(capsys):
    run = ["simulate", "korea-2017", "--runs", "300", "--seed", "1", "--policy"]
    assert main([*run, "strategic_impatience"]) == 0
    assert "Probability within 10 years" in capsys.readouterr().out
    assert main([*run, "talks", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "talks"
    assert data["runs"] == 300
    assert set(EVENTS) <= set(data["outcomes"])


def test_simulate_unknown_policy_is_a_clear_error(capsys):
    assert main(["simulate", "korea-2017", "--policy", "talk", "--runs", "10"]) == 1
    err = capsys.readouterr().err
    assert "no policy 'talk' (did you mean 'talks'?)" in err


def test_simulate_a_game_without_dynamics_is_a_clear_error(capsys):
    assert main(["simulate", "iig", "--runs", "10"]) == 1
    assert "no dynamics: section" in capsys.readouterr().err


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    out = tmp_path_factory.mktemp("analysis")
    assert main(["analyze", "korea-2017", "--out", str(out), "--runs", "400", "--seed", "3"]) == 0
    return out


def test_analyze_writes_every_policy_and_event(analysis):
    data = json.loads((analysis / "results.json").read_text())
    assert list(data["policies"]) == POLICIES
    for body in data["policies"].values():
        assert set(EVENTS) <= set(body["outcomes"])
        assert set(body["utility"]) == {"USA", "DPRK", "PRC", "ROK", "JPN"}
        assert all(0.0 <= p <= 1.0 for p in body["outcomes"].values())


def test_same_seed_gives_identical_results_json(analysis, tmp_path):
    assert (
        main(["analyze", "korea-2017", "--out", str(tmp_path), "--runs", "400", "--seed", "3"]) == 0
    )
    assert _timeless(tmp_path / "results.json") == _timeless(analysis / "results.json")


def _timeless(path):
    """results.json without the seconds the foresight computation took (the one field
    that measures the machine, not the model)."""

    def drop(value):
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k != "seconds"}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    return drop(json.loads(path.read_text(encoding="utf-8")))


def test_report_is_self_contained(analysis):
    page = (analysis / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    # no resource is fetched: the only URLs are SVG namespace declarations
    urls = set(re.findall(r"https?://[^\"' )]+", page))
    assert urls <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
        "http://purl.org/dc/elements/1.1/",
        "http://creativecommons.org/ns#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    }
    assert not re.search(r"\b(src|href)=\"(https?:|//)", page)


def test_report_has_every_part(analysis):
    page = (analysis / "report.html").read_text()
    for part in (
        "Policies compared",
        "How the odds build up",
        "The yearly crisis game",
        "Claims and where the model encodes them",
        "In this model",
    ):
        assert part in page
    assert page.count("<svg") >= 4


def test_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = str(blocker / "sub")
    assert main(["analyze", "korea-2017", "--out", out, "--runs", "50", "--policy", "talks"]) == 1
    assert "cannot create the folder" in capsys.readouterr().err


def test_analyze_with_samples_answers_across_worlds_in_the_same_report(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["analyze", "korea-2017", "--out", str(out), "--runs", "200", "--samples", "12"]
    argv += ["--worlds-foresight", "myopic", "--policy", "talks", "--policy", "invasion"]
    assert main(argv) == 0
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    worlds = data["worlds"]
    assert (worlds["worlds"], worlds["foresight"]) == (12, "myopic")
    shares = [row["share_best"] for row in worlds["policies"].values()]
    assert sum(shares) >= 1 - 1e-9
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Across 12 plausible worlds" in page
    assert "foresight: <b>myopic</b>" in page
    assert (out / "worlds" / "manifest.json").exists()
    assert "Robustness of policies across worlds" in capsys.readouterr().err
