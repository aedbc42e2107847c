"""Every benchmark runs at tiny size, so that ``make bench`` cannot rot unnoticed.

The figures themselves are not checked here (the machines are small and
shared); only that each benchmark runs, reports rows and gives finite
ratios, and that the two solvers compared agree on what they compute.
"""

import math

import pytest
from benchmarks import bench_memory, bench_passes, bench_qre_iig, run


def check(report):
    assert report.rows
    assert report.ratios
    for ratio in report.ratios:
        assert math.isfinite(ratio.value), ratio
        assert ratio.value > 0, ratio
        assert ratio.line().startswith("ratio: ")


def test_qre_iig_runs_and_escalade_agrees_with_gambit(gambit):
    report = bench_qre_iig.run(quick=True)
    check(report)
    difference = dict(report.rows)["largest strategy difference"]
    # pygambit traces lam with its own predictor-corrector; 1e-8 is far above that
    # path's error at lam=2 and far below any real disagreement
    assert float(difference.split()[0]) < 1e-8


@pytest.fixture(scope="module")
def passes():
    return bench_passes.run(quick=True)


def test_passes_runs(passes):
    check(passes)
    assert {r.name.split()[0] for r in passes.ratios} == {"SPE", "QRE"}


def test_memory_runs_in_a_child_process():
    report = bench_memory.run(quick=True)
    check(report)
    assert "GB" in dict(report.rows)["peak resident memory (child)"]


def test_run_prints_one_ratio_line_per_target(capsys, monkeypatch, passes):
    monkeypatch.setattr(run, "BENCHMARKS", {"passes": lambda quick: passes})
    assert run.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert out.count("ratio: ") == 4


def test_ratio_verdicts():
    assert bench_passes.TARGETS == {"spe": 10.0, "qre": 30.0}
    low = run.Ratio("x", 5.0, 10.0, higher_is_better=False)
    high = run.Ratio("y", 5.0, 10.0, higher_is_better=True)
    assert low.met
    assert not high.met
    assert "MISSED" in high.line()


@pytest.mark.parametrize("name", sorted(run.BENCHMARKS))
def test_every_benchmark_is_documented(name):
    module = run.BENCHMARKS[name].__module__
    assert __import__(module, fromlist=["run"]).__doc__


def test_korea_analysis_benchmark_runs():
    from benchmarks import bench_korea

    check(bench_korea.run(quick=True))


def test_every_foresight_case_names_a_policy_of_its_scenario():
    # the quick run covers two cases; the others must not fail only in the full run
    from benchmarks import bench_foresight

    import escalade

    for source, policy, _ in bench_foresight.CASES:
        assert policy is None or policy in {p.name for p in escalade.load(source).policies}


def test_foresight_benchmark_runs():
    from benchmarks import bench_foresight

    report = bench_foresight.run(quick=True)
    check(report)
    assert {r.name for r in report.ratios} == {
        "foresight_probability_gap",
        "foresight_value_gap",
    }


def test_startup_benchmark_runs():
    from benchmarks import bench_startup

    report = bench_startup.run(quick=True)
    check(report)
    assert {r.name for r in report.ratios} == {
        "startup_version_ms",
        "startup_list_ms",
        "startup_check_ms",
    }


def test_audit_benchmark_runs():
    from benchmarks import bench_audit

    report = bench_audit.run(quick=True)
    check(report)
    assert "0.01 on a probability" in dict(report.rows)["threshold"]


def test_exploration_memory_benchmark_runs():
    from benchmarks import bench_explore_memory

    check(bench_explore_memory.run(quick=True))


def test_ema_comparison_runs_the_same_worlds():
    pytest.importorskip("ema_workbench")
    from benchmarks import bench_explore_vs_ema

    report = bench_explore_vs_ema.run(quick=True)
    check(report)
    assert dict(report.rows)["same worlds"] == "True"


def test_whatif_benchmark_runs():
    from benchmarks import bench_whatif

    report = bench_whatif.run(quick=True)
    check(report)


def test_estimation_benchmark_runs_without_r():
    from benchmarks import bench_estimation

    report = bench_estimation.run(quick=True, games=False)
    rows = dict(report.rows)
    assert rows["escalade: log-likelihood"] == "-482.015485"  # games: -482.0155 (leblang2003)
    assert rows["games"].startswith("skipped")
    assert not report.ratios
