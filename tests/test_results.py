"""Every result object follows one protocol; the analyses are functions of plain arrays.

The protocol (``escalade.Result``): ``summary(*, max_rows=...)``,
``to_frame()``, ``to_dict()`` (strict JSON: no NaN, no infinity) and
``_repr_html_()``. The analyses' plain functions must give what the
result's methods give, since the methods only read their inputs from the
run.
"""

from __future__ import annotations

import json
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import escalade
from _cli import run
from escalade.analysis import compare_policies, what_if
from escalade.errors import OutputError, ParameterError
from escalade.exploration import (
    Problem,
    discover,
    explore,
    lever_effects,
    robustness,
    sensitivity,
)
from escalade.report import render_exploration
from escalade.simulation import stage_game


@pytest.fixture(scope="module")
def korea():
    return escalade.load("korea-2017")


@pytest.fixture(scope="module")
def run_korea(korea, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "run"
    policies = ["sanctions_default", "four_steps_with_talks", "strategic_impatience", "talks"]
    return explore(
        korea,
        samples=60,
        seed=4,
        out=out,
        replications=2,
        policies=policies,
        foresight="myopic",
    )


@pytest.fixture(scope="module")
def comparison(korea):
    return compare_policies(korea, runs=300, seed=2)


@pytest.fixture(scope="module")
def fits():
    """A strategic estimation (war1800, as games' example), and the same model bootstrapped."""
    fit = escalade.estimate("egame12")
    return fit, fit.bootstrap(20, seed=1)


@pytest.fixture(scope="module")
def results(run_korea, comparison, fits):
    """One result of every kind, by name."""
    from escalade.estimation import fit_qre

    analyses = run_korea.analyses()
    found = run_korea.discover("P:rok_leaves_npt > 0.4", policy="sanctions_default")
    fit, booted = fits
    return {
        "solution": escalade.solve("iig", method="qre", lam=2.0, draws=20, seed=1),
        "simulation": escalade.simulate("korea-2017", "talks", runs=200, seed=1),
        "comparison": comparison,
        "exploration": run_korea,
        "robustness": analyses.robustness,
        "sensitivity": analyses.sensitivity,
        "discovery": found,
        "prim": found.prim,
        "analyses": analyses,
        "audit": escalade.audit("docs/examples/flawed.yaml", samples=16, replications=4),
        "verification": escalade.verify("docs/examples/standoff.yaml", samples=10, runs=500),
        "stage_game": stage_game(escalade.load("korea-2017"), "talks"),
        "what_if": what_if(escalade.load("korea-2017"), values={"p_detect": 0.7}),
        "estimation": fit,
        "bootstrap": booted,
        "profile": fit.profile("u2_war:balanc", steps=2),
        "vuong": fit.vuong(escalade.estimate("egame12", error="private")),
        "qre_fit": fit_qre("selten-horse", {"root": {"R": 70, "L": 30}}),
    }


KINDS = [
    "solution",
    "simulation",
    "comparison",
    "exploration",
    "robustness",
    "sensitivity",
    "discovery",
    "prim",
    "analyses",
    "audit",
    "verification",
    "stage_game",
    "what_if",
    "estimation",
    "bootstrap",
    "profile",
    "vuong",
    "qre_fit",
]


# ----------------------------------------------------------------- the protocol
@pytest.mark.parametrize("kind", KINDS)
def test_every_result_follows_the_protocol(results, kind):
    res = results[kind]
    assert isinstance(res, escalade.Result)
    summary = res.summary()
    assert isinstance(summary, escalade.Summary)
    assert str(summary).startswith(summary.heading)
    assert isinstance(res.to_frame(), pd.DataFrame)
    assert res._repr_html_() == summary.html()
    assert res._repr_html_().startswith("<div class='escalade-summary'>")


@pytest.mark.parametrize("kind", KINDS)
def test_every_to_dict_is_strict_json(results, kind):
    data = results[kind].to_dict()
    text = json.dumps(data, allow_nan=False)  # raises on NaN or infinity
    assert json.loads(text) == data


@pytest.mark.parametrize("kind", KINDS)
def test_max_rows_caps_every_table_the_same_way(results, kind):
    res = results[kind]
    full = res.summary(max_rows=None)
    short = res.summary(max_rows=1)
    assert len(short.tables) == len(full.tables)
    for whole, cut in zip(full.tables, short.tables, strict=True):
        if len(cut.rows) < len(whole.rows):
            # the first row kept, then one saying how many more there are
            assert cut.rows[0] == whole.rows[0]
            assert cut.rows[-1][:2] == ("...", f"{len(whole.rows) - 1} more")
            assert len(cut.rows) == 2


def test_a_solution_caps_its_strategies_not_its_outcomes():
    # fearon-risk-return has 41 outcomes and 421 information sets
    sol = escalade.solve("fearon-risk-return", method="spe")
    _, outcomes, strategies = sol.summary().tables
    assert len(outcomes.rows) == 41
    assert len(strategies.rows) == 41
    assert strategies.rows[-1] == ("...", "381 more", "")


def test_clip_rows_keeps_all_rows_with_none_and_rejects_negative_counts():
    from escalade._results import clip_rows

    rows = [("a", "1"), ("b", "2")]
    assert clip_rows(rows, None) == tuple(rows)
    assert clip_rows(rows, 0) == (("...", "2 more"),)
    with pytest.raises(ParameterError, match="max_rows must be a non-negative integer"):
        clip_rows(rows, -1)


def test_json_ready_spells_out_what_strict_json_cannot_hold():
    from escalade._results import json_ready

    data = {"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "n": np.int64(3)}
    assert json_ready(data) == {"nan": None, "inf": "inf", "ninf": "-inf", "n": 3}
    assert type(json_ready(np.float32(0.5))) is float


def test_renamed_keywords_still_work_for_one_release(results):
    sol = results["solution"]
    with pytest.warns(
        DeprecationWarning, match=r"max_infosets=\.\.\.\) is deprecated.*use max_rows="
    ):
        old = sol.summary(max_infosets=3)
    assert old == sol.summary(max_rows=3)
    sens = results["sensitivity"]
    with pytest.warns(DeprecationWarning, match=r"n=\.\.\.\) is deprecated.*use max_rows="):
        old = sens.summary(n=2)
    assert old == sens.summary(max_rows=2)


def test_summary_and_table_have_one_home():
    from escalade import _results, solvers

    assert escalade.Summary is _results.Summary is solvers.Summary
    assert escalade.Table is _results.Table is solvers.Table


def test_atomic_write_lives_in_the_io_module(tmp_path):
    from escalade._io import atomic_write

    atomic_write(tmp_path / "a.txt", b"x")
    assert (tmp_path / "a.txt").read_bytes() == b"x"
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(tmp_path / "missing" / "a.txt", b"x")
    assert list(tmp_path.iterdir()) == [tmp_path / "a.txt"]


# ----------------------------------------------------------------- new tables
def test_a_policy_comparison_has_one_row_per_policy(comparison):
    frame = comparison.to_frame()
    assert list(frame.index) == comparison.policies
    for p in comparison.policies:
        d, se = comparison.difference(p)
        assert frame.at[p, "difference"] == d
        assert frame.at[p, "difference_se"] == se
        assert frame.at[p, "utility:USA"] == comparison.utility(p, "USA")
        assert frame.at[p, "P:major_war"] == comparison.probability(p, "major_war")
    assert frame["rank"].sort_values().index.tolist() == comparison.ranking()


def test_an_exploration_s_dict_holds_each_policy_s_shares_and_means(run_korea):
    data = run_korea.to_dict()
    shares = run_korea.best_policy_shares()
    assert data["worlds"] == 60
    assert data["design"]["samples"] == 60
    for p in run_korea.policies:
        assert data["policies"][p]["share_best"] == shares[p]
        war = run_korea.pivot("P:major_war")[p].mean()
        assert data["policies"][p]["mean"]["P:major_war"] == pytest.approx(war, rel=1e-15)


def test_explore_json_prints_the_result_s_dict(run_korea, capsys):
    code, out, err = run(capsys, "explore", "--resume", str(run_korea.path), "--json")
    assert code == 0, err
    assert json.loads(out) == escalade.open_run(run_korea.path).to_dict()
    assert "run folder:" in err


# ----------------------------------------------------------------- plain arrays
def test_sensitivity_on_arrays_is_what_the_run_s_method_gives(run_korea):
    by_run = run_korea.sensitivity("utility:USA", policy="talks")
    y = run_korea.pivot("utility:USA")["talks"].sort_index()
    x = run_korea.unit_sample().loc[y.index].to_numpy()
    seed = run_korea.store.manifest.design.seed
    direct = sensitivity(
        run_korea.problem(), x, y.to_numpy(), seed=seed, description=by_run.description
    )
    pd.testing.assert_frame_equal(direct.to_frame(), by_run.to_frame())
    pd.testing.assert_frame_equal(direct.claims(), by_run.claims())
    assert (by_run.output, by_run.policy) == ("utility:USA", "talks")
    assert direct.output is None


def test_discovery_on_arrays_is_what_the_run_s_method_gives(run_korea):
    by_run = run_korea.discover("P:rok_leaves_npt > 0.4", policy="sanctions_default")
    values = run_korea.pivot("P:rok_leaves_npt")["sanctions_default"]
    direct = discover(run_korea.problem(), run_korea.worlds(), (values > 0.4).to_numpy())
    pd.testing.assert_frame_equal(direct.restrictions_frame(), by_run.restrictions_frame())
    pd.testing.assert_frame_equal(direct.trajectory(), by_run.trajectory())
    assert direct.chosen == by_run.chosen
    assert by_run.policy == "sanctions_default"


def test_robustness_and_levers_on_tables_are_what_the_run_s_methods_give(run_korea):
    utility = run_korea.pivot("utility:USA")
    indicators = {o: run_korea.pivot(o) for o in run_korea.outputs if o.startswith("P:")}
    direct = robustness(utility, indicators, actor="USA", risk="P:major_war")
    pd.testing.assert_frame_equal(direct.to_frame(), run_korea.robustness().to_frame())
    # the one pair among the explored policies: four_steps_with_talks adds the four steps
    pairs = [("four_steps_with_talks", "talks", ("step1", "step2", "step3", "step4"))]
    pd.testing.assert_frame_equal(
        lever_effects(utility, indicators, pairs), run_korea.lever_effects()
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: sensitivity(p, np.zeros((5, 2)), np.zeros(5)), "x must have shape (5, 3)"),
        (lambda p: sensitivity(p, None, np.arange(50.0)), "needs the sample x"),
        (
            lambda p: sensitivity(Problem(("a", "b", "c"), design="sobol"), None, np.zeros(7)),
            "Sobol' indices need whole blocks of 5 rows",
        ),
        (lambda p: discover(p, np.zeros((4, 3)), [0.5, 0, 0, 1]), "booleans or 0/1"),
        (lambda p: discover(p, np.zeros((4, 3)), [False] * 4), "in none of the 4 worlds"),
        (
            lambda p: robustness(pd.DataFrame({"a": [1.0]}), risk="P:war"),
            "unknown risk 'P:war'",
        ),
        (lambda p: Problem(("a", "a")), "distinct input names"),
    ],
)
def test_the_plain_analyses_check_their_inputs(call, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        call(Problem(("a", "b", "c")))


# ----------------------------------------------------------------- the report renders
def test_the_report_renders_the_analyses_it_is_given(run_korea):
    analyses = run_korea.analyses()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = render_exploration(analyses)
    assert page == render_exploration(run_korea)
    assert "Policies across worlds" in page
