"""``escalade estimate``: the summary, JSON, the output folder, warnings and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from _cli import run, write
from escalade.scenario import bundled_path, load_scenario_text

DATA = Path(str(bundled_path("egame12"))).parent / "data" / "war1800.csv"


def test_the_summary_of_the_bundled_example(capsys) -> None:
    code, out, err = run(capsys, "estimate", "egame12")
    assert code == 0, err
    assert out.startswith("Strategic estimation: egame12 (agent error, probit link)")
    assert "Log-likelihood: -286.1238" in out
    assert "regime2[dem]" in out


def test_json_with_the_error_and_link_changed(capsys) -> None:
    code, out, _ = run(capsys, "estimate", "egame12", "--link", "logit", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["link"] == "logit"
    assert d["n_obs"] == 282
    assert d["loglik"] == pytest.approx(-286.182793894181, abs=1e-6)  # games, reltol = 1e-15


def test_data_given_on_the_command_line_and_an_output_folder(capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "fit"
    code, out, err = run(
        capsys,
        "estimate",
        "egame12",
        "--data",
        str(DATA),
        "--cov",
        "sandwich",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    assert "sandwich" in out
    names = {p.name for p in out_dir.iterdir()}
    assert names == {
        "summary.txt",
        "estimate.json",
        "coefficients.csv",
        "predictions.csv",
        "fitted.yaml",
    }
    assert json.loads((out_dir / "estimate.json").read_text())["cov_type"] == "sandwich"
    assert len(pd.read_csv(out_dir / "predictions.csv")) == 282
    fitted = load_scenario_text((out_dir / "fitted.yaml").read_bytes(), "fitted.yaml")
    assert fitted.name == "egame12-fitted"


def test_bootstrap_on_the_command_line(capsys) -> None:
    code, out, err = run(
        capsys, "estimate", "egame12", "--bootstrap", "12", "--seed", "3", "--json"
    )
    assert code == 0
    d = json.loads(out)
    assert d["cov_type"] == "bootstrap"
    assert d["bootstrap_replicates"] + ("did not converge" in err) * 0 <= 12


def test_bad_data_is_one_line_and_exit_1(capsys, tmp_path: Path) -> None:
    frame = pd.read_csv(DATA).drop(columns=["revis1"])
    path = tmp_path / "war.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, "estimate", "egame12", "--data", str(path))
    assert code == 1
    assert err.startswith("escalade: ")
    assert "no column 'revis1'" in err
    assert "Traceback" not in err
    assert out == ""


def test_a_mistake_in_the_section_is_reported_at_its_place(capsys, tmp_path: Path) -> None:
    text = """escalade: 1
name: tiny
players: [A, B]
parameters: {u: 0}
outcomes:
  x: {payoffs: {A: u, B: 0}}
  y: {payoffs: {A: 0, B: 0}}
tree: {player: A, actions: {left: x, right: y}}
estimation:
  outcome: y
  utilities: {u: @@x1 * x2}
"""
    marked = write(tmp_path, text)
    code, _, err = run(capsys, "estimate", str(marked.path))
    assert code == 1
    assert err.startswith(f"escalade: {marked.where}: ")
    assert "interactions and functions of columns are not supported" in err


def test_warnings_become_lines_on_stderr(capsys, tmp_path: Path) -> None:
    frame = pd.read_csv(DATA)
    frame = frame[frame["war"] == 0]
    path = tmp_path / "no-war.csv"
    frame.to_csv(path, index=False)
    code, _, err = run(capsys, "estimate", "egame12", "--data", str(path))
    assert code == 0
    assert "escalade: warning: the outcome(s) war never occur" in err


def test_usage_errors_exit_2(capsys) -> None:
    code, _, err = run(capsys, "estimate", "egame12", "--error", "random")
    assert code == 2
    assert "invalid choice" in err
