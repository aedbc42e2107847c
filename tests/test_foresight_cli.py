"""Foresight on the command line: ``simulate``'s start block, ``analyze``'s mode and
diagnostics, and ``export --unroll``.

The oracle for the start values is the unrolled game written by ``export --unroll``,
read back and solved by escalade's batch logit QRE (with ``delta = 1``, where the
unrolled game's agent QRE is the engine's; see docs/dynamics.md); Gambit checks the
same tree in tests/test_foresight_exact.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import escalade
from _cli import run
from _foresight import LADDER

SIMULATE = ("--runs", "20", "--seed", "1", "--periods", "2", "--lam", "2")


@pytest.fixture
def ladder(tmp_path):
    path = tmp_path / "ladder.yaml"
    path.write_text(LADDER, encoding="utf-8")
    return path


@pytest.mark.parametrize("policy", [None, "soft"])
def test_simulate_json_start_is_the_exported_unrolled_games_solution(
    capsys, tmp_path, ladder, policy
):
    chosen = () if policy is None else ("--policy", policy)
    code, out, err = run(capsys, "simulate", str(ladder), *SIMULATE, *chosen, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["foresight"]["mode"] == "full"
    assert data["foresight"]["method"] == "exact"
    assert data["foresight"]["diagnostics"]["states"][0] == 1
    start = data["start"]
    efg = tmp_path / "unrolled.efg"
    code, _, err = run(
        capsys, "export", str(ladder), "--unroll", "--periods", "2", "--format", "efg",
        *chosen, "-o", str(efg),
    )  # fmt: skip
    assert code == 0, err
    sol = escalade.logit_qre(escalade.load(efg), lam=2.0)
    np.testing.assert_allclose(
        [start["value"][p] for p in ("A", "B")], sol.payoffs[0], rtol=0, atol=1e-9
    )
    for infosets in start["strategies"].values():
        for probs in infosets.values():
            assert sum(probs.values()) == pytest.approx(1.0)
    if policy is None:
        # A's first move: the unrolled game's root is A's choice in period 1
        root = sol.game.infoset[0]
        lo, hi = sol.game.infoset_actions[root], sol.game.infoset_actions[root + 1]
        (a_moves,) = start["strategies"]["A"].values()
        np.testing.assert_allclose(
            [a_moves["push"], a_moves["wait"]], sol.strategy_mean[lo:hi], atol=1e-9
        )


def test_simulate_text_shows_the_start_and_the_mode(capsys, ladder):
    code, out, err = run(capsys, "simulate", str(ladder), *SIMULATE)
    assert code == 0, err
    assert "First period at the start: strategies" in out
    assert "Value of the whole game at the start" in out
    assert "Foresight: full; exact values, 6 reachable states per world" in out
    code, out, err = run(capsys, "simulate", str(ladder), *SIMULATE, "--foresight", "myopic")
    assert code == 0, err
    assert "Foresight: myopic" in out


def test_analyze_says_the_mode_in_its_summary_json_and_report(capsys, tmp_path, ladder):
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "analyze", str(ladder), "--runs", "50", "--out", str(out_dir), "--workers", "1"
    )
    assert code == 0, err
    # the policies reach different numbers of states: one line each
    assert "Foresight under soft: full; exact values, 15 reachable states per world." in out
    data = json.loads((out_dir / "results.json").read_text())
    for res in data["policies"].values():
        assert res["foresight"]["method"] == "exact"
        assert res["foresight"]["diagnostics"]["max_states_per_world"] >= 1
        assert set(res["start"]["value"]) == {"A", "B"}
    assert "Foresight under soft: full; exact values" in (out_dir / "report.html").read_text()


def test_export_unroll_refuses_a_tree_too_large_with_its_size(capsys):
    code, _, err = run(capsys, "export", "korea-2017", "--unroll", "--format", "efg")
    assert code == 1
    assert "korea-2017: the unrolled game over 10 years would have more than" in err
    assert "nodes; expected at most" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (("--unroll", "--format", "nfg"), "--unroll writes a game tree: use --format efg"),
        (("--format", "efg", "--periods", "2"), "--policy and --periods apply to --unroll only"),
        (("--unroll", "--format", "efg", "--policy", "firmm"), "no policy 'firmm'"),
    ],
)
def test_export_unroll_options_are_checked(capsys, ladder, extra, needle):
    code, _, err = run(capsys, "export", str(ladder), *extra)
    assert code == 1
    assert needle in err
