"""Analyses of an exploration: sensitivity, claims, robustness, scenario discovery, report.

The oracle is Sobol's G function written as a one-period crisis: the
utility of policy ``go`` is G(x1, x2, x3) with a = (0, 1, 9), whose Sobol'
indices are known in closed form; ``stop`` pays according to a
categorical parameter only, ``lean`` pays x3. Nothing is random in it
(every choice is forced, no chance node), so each world's utility is the
function's value.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

import escalade
from escalade.errors import ParameterError
from escalade.exploration import explore
from escalade.report import render_exploration

G_SCENARIO = """\
escalade: 1
name: gfun
title: Sobol's G function as a crisis
claims:
  A: {quote: "claim a", source: "test"}
  B: {quote: "claim b", source: "test"}
players: [P, Q]
parameters:
  x1: {value: 0.5, low: 0, high: 1, claim: A}
  x2: {value: 0.5, low: 0, high: 1, claims: [A, B]}
  x3: {value: 0.5, low: 0, high: 1}
  mode: {value: calm, choices: [calm, wild], weights: [0.5, 0.5], claim: B}
dynamics:
  periods: 1
  discount: 1
  rationality: 1
  state:
    s: {initial: 0}
  indicators:
    hi: {any_of: [high], label: High}
policies:
  go:
    force: {pick: go}
  stop:
    force: {pick: stop}
  lean:
    force: {pick: lean}
outcomes:
  high:
    payoffs: {P: "abs(4*x1 - 2) * (abs(4*x2 - 2) + 1) / 2 * (abs(4*x3 - 2) + 9) / 10", Q: 0}
  low:
    payoffs: {P: "0.5 + (mode == 'wild')", Q: 0}
  mid:
    payoffs: {P: "x3", Q: 0}
tree:
  player: P
  infoset: pick
  actions:
    go: high
    stop: low
    lean: mid
"""

# Sobol' G function, g_i = (|4 x_i - 2| + a_i) / (1 + a_i), with a = (0, 1, 9):
# V_i = 1 / (3 (1 + a_i)^2), V = prod(1 + V_i) - 1, S_i = V_i / V,
# ST_i = V_i prod_{j != i}(1 + V_j) / V (Saltelli et al. 2010, CPC 181, 259-270, sec. 4;
# Sobol' 1998). The categorical parameter does not enter G: its indices are 0.
A_COEF = np.array([0.0, 1.0, 9.0])
V_I = 1 / (3 * (1 + A_COEF) ** 2)
V = np.prod(1 + V_I) - 1
S1_TRUE = V_I / V
ST_TRUE = np.array([V_I[i] * np.prod(np.delete(1 + V_I, i)) / V for i in range(3)])

N_SOBOL = 256  # base samples; the design has N * (D + 2) = 1536 worlds


def g_function(x: np.ndarray) -> np.ndarray:
    return np.prod((np.abs(4 * x[:, :3] - 2) + A_COEF) / (1 + A_COEF), axis=1)


@pytest.fixture(scope="module")
def gfun(tmp_path_factory):
    path = tmp_path_factory.mktemp("g") / "gfun.yaml"
    path.write_text(G_SCENARIO)
    return escalade.load(str(path))


@pytest.fixture(scope="module")
def sobol_run(gfun, tmp_path_factory):
    # several chunks, so the order of the design's rows must survive reading them back
    out = tmp_path_factory.mktemp("gs") / "run"
    return explore(
        gfun, samples=N_SOBOL * 6, design="sobol", seed=3, out=out, replications=1, chunk_size=300
    )


@pytest.fixture(scope="module")
def lhs_run(gfun, tmp_path_factory):
    out = tmp_path_factory.mktemp("gl") / "run"
    return explore(gfun, samples=600, seed=3, out=out, replications=1, chunk_size=250)


@pytest.fixture(scope="module")
def korea_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("k") / "run"
    # the machinery, not the model's answer: myopic actors keep it quick
    return explore(
        escalade.load("korea-2017"),
        samples=40,
        seed=4,
        out=out,
        replications=2,
        foresight="myopic",
    )


# ----------------------------------------------------------------- sensitivity
def test_sobol_indices_are_salib_s_on_the_same_design(sobol_run):
    from SALib.analyze import sobol
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 4, "names": ["a", "b", "c", "d"], "bounds": [[0, 1]] * 4}
    x = sobol_sample.sample(problem, N_SOBOL, calc_second_order=False, scramble=True, seed=3)
    expected = sobol.analyze(problem, g_function(x), calc_second_order=False, seed=1)
    got = sobol_run.sensitivity("utility:P", policy="go").to_frame().loc[["x1", "x2", "x3", "mode"]]
    np.testing.assert_allclose(got["S1"], expected["S1"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["ST"], expected["ST"], rtol=1e-9, atol=1e-12)


def test_sobol_indices_approach_the_g_function_s_closed_form(sobol_run):
    sens = sobol_run.sensitivity("utility:P", policy="go")
    frame = sens.to_frame().loc[["x1", "x2", "x3"]]
    np.testing.assert_allclose(frame["S1"], S1_TRUE, atol=0.05)
    np.testing.assert_allclose(frame["ST"], ST_TRUE, atol=0.05)


def test_sobol_ranks_by_total_index_and_leaves_the_unused_category_at_zero(sobol_run):
    sens = sobol_run.sensitivity("utility:P", policy="go")
    assert sens.method == "sobol"
    assert sens.ranking() == ["x1", "x2", "x3", "mode"]
    assert sens.to_frame().at["mode", "ST"] == 0.0


def test_a_categorical_parameter_alone_has_the_whole_variance(sobol_run):
    frame = sobol_run.sensitivity("utility:P", policy="stop").to_frame()
    # stop pays 0.5 + [mode == wild]: mode explains everything, the others nothing
    assert frame.at["mode", "S1"] == pytest.approx(1.0, abs=0.05)
    assert frame.loc[["x1", "x2", "x3"], "ST"].abs().max() < 1e-12


def test_morris_effects_rank_the_g_function_s_inputs_by_their_coefficients(gfun, tmp_path):
    # G's importance falls with a_i (Saltelli et al. 2010): x1 (a=0) > x2 (a=1) > x3 (a=9)
    run = explore(
        gfun, samples=100 * 5, design="morris", seed=2, out=tmp_path / "m", replications=1
    )
    sens = run.sensitivity("utility:P", policy="go")
    assert sens.method == "morris"
    assert sens.ranking() == ["x1", "x2", "x3", "mode"]
    assert sens.to_frame().at["mode", "mu_star"] == 0.0


def test_claims_count_their_most_influential_parameter(sobol_run):
    sens = sobol_run.sensitivity("utility:P", policy="go")
    st = sens.to_frame()["ST"]
    claims = sens.claims()
    assert list(claims.index) == ["A", "B"]
    assert claims.at["A", "influence"] == st["x1"]
    assert claims.at["A", "total"] == pytest.approx(st["x1"] + st["x2"])
    assert claims.at["B", "influence"] == st["x2"]
    assert claims.at["B", "parameters"] == ("x2", "mode")


def test_pawn_on_an_lhs_run_ranks_the_g_function_s_inputs(lhs_run):
    sens = lhs_run.sensitivity("utility:P", policy="go")
    assert sens.method == "pawn"
    assert sens.ranking(2) == ["x1", "x2"]
    assert sens.ranking(above_noise=True) == ["x1", "x2"]


def test_pawn_finds_the_categorical_parameter_through_its_unit_coordinate(lhs_run):
    sens = lhs_run.sensitivity("utility:P", policy="stop")
    assert sens.ranking(above_noise=True) == ["mode"]


def test_pawn_noise_level_is_the_ks_critical_value_of_one_slide(lhs_run):
    sens = lhs_run.sensitivity("utility:P", policy="go")
    # 600 worlds, 10 slides of 60: c(0.05) sqrt((600 + 60) / (600 * 60)), c(0.05) = 1.3581
    # (two-sample Kolmogorov-Smirnov critical value, e.g. Massey 1951)
    assert sens.noise == pytest.approx(1.3581 * np.sqrt(660 / 36000), rel=1e-4)


def test_a_contrast_analyses_the_difference_of_two_policies(lhs_run):
    sens = lhs_run.sensitivity("utility:P", contrast=("lean", "stop"))
    # lean - stop = x3 - 0.5 - [mode == wild]: only x3 and mode matter
    assert set(sens.ranking(above_noise=True)) == {"x3", "mode"}
    assert sens.description == "utility:P, lean minus stop"


def test_delta_ranks_like_pawn_and_leaves_numpy_s_global_generator_alone(lhs_run):
    # SALib's delta seeds numpy's legacy global generator; the caller's must be untouched
    np.random.seed(11)  # noqa: NPY002
    before = np.random.random()  # noqa: NPY002
    np.random.seed(11)  # noqa: NPY002
    sens = lhs_run.sensitivity("utility:P", policy="go", method="delta", resamples=3)
    after = np.random.random()  # noqa: NPY002
    assert sens.ranking(2) == ["x1", "x2"]
    assert after == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "sobol"}, "need a sobol design"),
        ({"method": "morris"}, "need a morris design"),
        ({"method": "fast"}, "unknown method 'fast'"),
        ({"output": "P:war"}, "unknown output 'P:war'"),
        ({"policy": "hold"}, "unknown policy 'hold'"),
        ({"contrast": ("go", "go")}, "compares a policy with itself"),
        ({"policy": "go", "contrast": ("go", "stop")}, "either policy or contrast"),
        ({"policy": "stop", "method": "delta"}, "takes only 2 distinct values"),
        ({"policy": "go", "slides": 1}, "slides must be from 2"),
    ],
)
def test_sensitivity_errors_say_what_was_expected(lhs_run, kwargs, message):
    args = {"output": "utility:P", **kwargs}
    with pytest.raises(ParameterError, match=re.escape(message)):
        lhs_run.sensitivity(args.pop("output"), **args)


def test_sensitivity_to_dict_is_json(lhs_run):
    data = lhs_run.sensitivity("utility:P", policy="go").to_dict()
    assert json.loads(json.dumps(data))["parameters"]["x1"]["rank"] == 1


# ----------------------------------------------------------------- robustness
def test_regret_is_the_best_utility_in_the_world_minus_the_policy_s(lhs_run):
    rob = lhs_run.robustness(actor="P", tolerance=0.25)
    util = lhs_run.pivot("utility:P")
    expected = util.max(axis=1).to_numpy()[:, None] - util.to_numpy()
    np.testing.assert_array_equal(rob.regret.to_numpy(), expected)
    shares = (expected <= 0.25).mean(axis=0)
    np.testing.assert_allclose(rob.to_frame()["share_satisficing"], shares)


def test_share_best_agrees_with_the_result_s_shares(lhs_run):
    table = lhs_run.robustness().to_frame()
    shares = lhs_run.best_policy_shares()
    assert table["share_best"].to_dict() == pytest.approx(shares)


def test_risk_shares_use_the_named_indicator(lhs_run):
    table = lhs_run.robustness(risk="P:hi", risk_max=0.5).to_frame()
    # only go reaches the outcome "high", in every world
    assert table["share_safe"].to_dict() == {"go": 0.0, "stop": 1.0, "lean": 1.0}


def test_robustness_drops_the_default_risk_when_the_run_has_no_war_indicator(lhs_run):
    rob = lhs_run.robustness()
    assert rob.risk is None
    assert "share_safe" not in rob.to_frame().columns


def test_compare_counts_the_worlds_where_one_policy_beats_another(lhs_run):
    rob = lhs_run.robustness()
    util = lhs_run.pivot("utility:P")
    assert rob.compare("lean", "stop")["share_better"] == float(
        (util["lean"] > util["stop"]).mean()
    )


def test_unknown_risk_is_an_error(lhs_run):
    with pytest.raises(ParameterError, match="unknown risk 'P:war'"):
        lhs_run.robustness(risk="P:war")


def test_lever_effects_pair_the_policies_that_differ_only_by_levers(korea_run):
    effects = korea_run.lever_effects()
    pairs = set(zip(effects["with"], effects["without"], strict=True))
    assert pairs == {
        ("strategic_impatience", "unannounced_strikes"),
        ("four_steps_with_talks", "talks"),
    }
    util = korea_run.pivot("utility:USA")
    row = effects[effects["with"] == "four_steps_with_talks"].iloc[0]
    diff = util["four_steps_with_talks"] - util["talks"]
    assert row["share_better"] == float((diff > 0).mean())
    assert row["mean_change"] == pytest.approx(float(diff.mean()))


# ----------------------------------------------------------------- discovery
def test_prim_finds_the_range_of_the_only_parameter_that_matters(lhs_run):
    found = lhs_run.discover("utility:P > 0.7", policy="lean")
    assert list(found.restrictions.index) == ["x3"]
    assert found.box.coverage == 1.0
    # the peel that first reaches density 0.8 keeps some worlds with x3 below 0.7
    assert 0.6 < found.restrictions.at["x3", "min"] < 0.7
    assert found.box.density >= 0.8


def test_prim_restricts_a_categorical_parameter_to_the_category(lhs_run):
    found = lhs_run.discover("utility:P > 1", policy="stop")
    assert found.restrictions.at["mode", "categories"] == ("wild",)
    assert (found.box.coverage, found.box.density) == (1.0, 1.0)


def test_best_condition_marks_the_worlds_where_the_policy_wins(lhs_run):
    found = lhs_run.discover("best:lean")
    util = lhs_run.pivot("utility:P")
    assert found.interest.to_numpy().tolist() == (util.idxmax(axis=1) == "lean").tolist()


def test_quasi_p_is_a_one_sided_binomial_test_without_the_restriction(lhs_run):
    from scipy.stats import binomtest

    found = lhs_run.discover("utility:P > 0.7", policy="lean")
    box = found.box
    # dropping the only restriction leaves all worlds, of which 30% are of interest
    p0 = float(found.interest.mean())
    expected = binomtest(box.k, box.n, p0, alternative="greater").pvalue
    assert found.restrictions.at["x3", "quasi_p"] == pytest.approx(expected)


def test_an_explicit_box_overrides_the_choice(lhs_run):
    found = lhs_run.discover("utility:P > 0.7", policy="lean", box=0)
    assert found.chosen == 0
    assert found.restrictions.empty


@pytest.mark.parametrize(
    ("condition", "kwargs", "message"),
    [
        ("war", {}, "cannot read the condition 'war'"),
        ("best:hold", {}, "unknown policy 'hold'"),
        ("best:go", {"policy": "go"}, "names its policy"),
        ("P:hi > 2", {"policy": "go"}, "in none of the 600 worlds"),
        ("utility:P > 0", {"policy": "go", "columns": ["y"]}, "unknown: y"),
        ("utility:P > 0", {"policy": "go", "box": 999}, "box must be from"),
    ],
)
def test_discovery_errors_say_what_was_expected(lhs_run, condition, kwargs, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        lhs_run.discover(condition, **kwargs)


# ----------------------------------------------------------------- report
@pytest.fixture(scope="module")
def korea_page(korea_run):
    return render_exploration(korea_run)


def test_report_answers_with_the_run_s_numbers(korea_run, korea_page):
    share = korea_run.best_policy_shares()["strategic_impatience_with_four_steps"]
    text = (
        "strategic impatience with the four steps (the article's proposal) is USA's best "
        f"policy in {100 * share:.1f}% of them"
    )
    assert html.escape(text) in korea_page
    # the lever pairs: the four steps added to talks, the announcement added to strikes
    assert html.escape("The four steps, no strikes") in korea_page


def test_report_is_self_contained(korea_page):
    assert "<script" not in korea_page
    assert not re.search(r'(src|href)="(https?:)?//', korea_page)


def test_report_shows_the_claims_the_sensitivity_ranks_first(korea_run, korea_page):
    focus = korea_run.sensitivity("regret:USA")
    top_claim = focus.claims().index[0]
    assert f"<td>{top_claim}</td>" in korea_page


def test_report_of_a_scenario_without_a_question(lhs_run):
    page = render_exploration(lhs_run)
    assert "Which policy serves P best, and where?" in page
    assert page.count("<table>") >= 2


# ----------------------------------------------------------------- ties for best
# The G scenario with one more policy, go_quietly: go plus a lever whose only effect adds 0
# to x3. The two tie, exactly, in every world, by construction.
TIED_SCENARIO = G_SCENARIO.replace(
    "policies:\n",
    'levers:\n  nothing:\n    label: Does nothing\n    effects:\n      x3: "x3 + 0 * nothing"\n'
    "policies:\n",
).replace("  stop:\n", "  go_quietly:\n    extends: go\n    levers: {nothing: 1}\n  stop:\n")


@pytest.fixture(scope="module")
def tied_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tie")
    (folder / "tied.yaml").write_text(TIED_SCENARIO)
    scenario = escalade.load(str(folder / "tied.yaml"))
    return explore(scenario, samples=200, seed=3, out=folder / "run", replications=1)


def _shares_by_hand(util):
    """Each world split evenly among the policies with its highest utility."""
    u = util.to_numpy()
    best = u == u.max(axis=1, keepdims=True)
    k = best.sum(axis=1, keepdims=True)
    return dict(zip(util.columns, (best / k).mean(axis=0), strict=True)), best, k[:, 0]


def test_policies_that_tie_by_construction_share_the_worlds_they_win(tied_run):
    util = tied_run.pivot("utility:P")
    np.testing.assert_array_equal(util["go"].to_numpy(), util["go_quietly"].to_numpy())
    expected, best, _ = _shares_by_hand(util)
    shares = tied_run.best_policy_shares()
    assert shares == pytest.approx(expected, abs=1e-12)
    assert shares["go"] == shares["go_quietly"] > 0.1  # argmax gave go_quietly nothing
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["go"] == pytest.approx(best[:, 0].mean() / 2)


def test_ties_are_counted_in_every_figure_built_on_best(tied_run):
    util = tied_run.pivot("utility:P")
    _, best, k = _shares_by_hand(util)
    table = tied_run.robustness().to_frame()
    assert table["share_best"].to_dict() == pytest.approx(tied_run.best_policy_shares())
    go = list(util.columns).index("go")
    assert table.at["go", "share_tied"] == pytest.approx((best[:, go] & (k > 1)).mean())
    assert table.at["go", "share_best_alone"] == 0.0
    assert table.at["stop", "share_tied"] == 0.0
    effects = tied_run.lever_effects()
    row = effects[effects["with"] == "go_quietly"].iloc[0]
    assert row["share_best_with"] == row["share_best_without"] == table.at["go", "share_best"]
    data = json.loads(json.dumps(tied_run.to_dict(), allow_nan=False))
    policies = data["policies"]
    assert policies["go_quietly"]["share_best"] == pytest.approx(table.at["go", "share_best"])
    assert policies["go"]["share_tied"] == pytest.approx(table.at["go", "share_tied"])


def test_summaries_show_a_tied_column_and_say_how_ties_count(tied_run, lhs_run):
    for text in (str(tied_run.summary()), str(tied_run.robustness().summary())):
        assert "tied" in text.splitlines()[-6]  # the table's header
        assert "a world where k policies give the same highest utility counts 1/k" in text
    assert "tied" not in str(lhs_run.summary())  # no ties, no column


def test_best_holds_for_every_policy_tied_for_best(tied_run):
    util = tied_run.pivot("utility:P")
    go = tied_run.discover("best:go", columns="all")
    quiet = tied_run.discover("best:go_quietly", columns="all")
    assert go.interest.tolist() == quiet.interest.tolist()
    assert go.interest.tolist() == (util["go"] == util.max(axis=1)).tolist()
    ties = int(go.interest.sum())
    assert f"(a tie for best counts as best: {ties:,} worlds)" in go.description
    not_best = tied_run.discover("not best:go", columns="all")
    assert not_best.interest.tolist() == (~go.interest).tolist()


def test_the_report_s_answer_says_how_ties_count(tied_run):
    page = html.unescape(render_exploration(tied_run))
    table = tied_run.robustness().to_frame()
    share, tied = table.at["go", "share_best"], table.at["go", "share_tied"]
    assert (
        f"go is P's best policy in {100 * share:.1f}% of them (best alone in 0.0%; in "
        f"{100 * tied:.1f}% it ties for best with another policy, and a world where k "
        "policies tie counts 1/k for each)"
    ) in page
    assert "Tied for best" in page
