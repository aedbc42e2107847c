"""PRIM: agreement with EMA Workbench 2.5.3, the definitions of coverage and density, errors.

The reference is ``ema_workbench.analysis.prim.Prim(...).find_box()`` of EMA
Workbench 2.5.3 (a dev dependency), run on the same data: every number it
gives (trajectory, limits, chosen box) must come out the same here.
"""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from escalade.errors import EscaladeError, ParameterError
from escalade.exploration._peeling import _quantile
from escalade.exploration._prim import prim


def planted(seed: int, n: int = 2000, d: int = 6, noise: float = 0.1, decimals: int | None = None):
    """Uniform inputs; cases of interest in a random box on x0 and x1, a share ``noise`` flipped.

    Rounding (``decimals``) makes many equal values, which exercises the
    quantile's tie rule and the tie-break between equally good cuts.
    """
    rng = np.random.default_rng(seed)
    values = rng.uniform(size=(n, d))
    if decimals is not None:
        values = np.round(values, decimals)
    x = pd.DataFrame(values, columns=[f"x{j}" for j in range(d)])
    low0, low1 = rng.uniform(0.1, 0.4, size=2)
    inside = (values[:, 0] > low0) & (values[:, 0] < low0 + 0.5) & (values[:, 1] > low1)
    return x, inside ^ (rng.uniform(size=n) < noise)


@pytest.fixture(scope="module")
def ema():
    """EMA Workbench's prim module, or skip (it is a dev dependency)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns that optional parallel back-ends are missing
        return pytest.importorskip("ema_workbench.analysis.prim")


# (seed, n_columns, noise, decimals), peel_alpha (= paste_alpha), objective, threshold.
# The last column says what EMA's find_box returned on that data: a box from the
# trajectory, or (False) its "dump box" of all cases because the last box missed the
# threshold; the test checks ours says the same.
CASES = [
    ((1, 6, 0.10, None), 0.05, "lenient1", 0.8, True),
    ((2, 6, 0.10, None), 0.10, "lenient2", 0.8, True),
    ((3, 6, 0.10, None), 0.05, "original", 0.8, True),
    ((4, 8, 0.20, None), 0.10, "original", 0.9, True),
    ((4, 8, 0.20, None), 0.05, "lenient1", 0.8, True),
    ((5, 5, 0.10, 1), 0.05, "original", 0.8, True),
    ((5, 5, 0.10, 1), 0.10, "lenient1", 0.5, True),
    ((6, 7, 0.05, 2), 0.10, "lenient1", 0.95, True),
    ((6, 7, 0.05, 2), 0.05, "lenient1", 0.99, False),
    ((7, 6, 0.35, None), 0.05, "lenient1", 0.8, False),
    ((7, 6, 0.35, None), 0.10, "original", 0.8, True),
]


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # raised inside EMA by pandas 3
@pytest.mark.parametrize(("data", "alpha", "objective", "threshold", "found"), CASES)
def test_agrees_with_ema_workbench(ema, data, alpha, objective, threshold, found):
    seed, d, noise, decimals = data
    x, y = planted(seed, d=d, noise=noise, decimals=decimals)
    ref = ema.Prim(
        x,
        y.astype(int),
        threshold=threshold,
        obj_function=ema.PRIMObjectiveFunctions[objective.upper()],
        peel_alpha=alpha,
        paste_alpha=alpha,
        mass_min=0.05,
    )
    ref_box = ref.find_box()
    ours = prim(x, y, threshold=threshold, peel_alpha=alpha, paste_alpha=alpha, objective=objective)

    # EMA returns a fresh one-box trajectory (all cases) when no box meets the threshold.
    ema_found = len(ref_box.peeling_trajectory) > 1
    assert (ema_found, ours.meets_threshold) == (found, found)
    assert ours.chosen_index == (len(ours) - 1 if found else 0)
    chosen = ours.chosen
    ref_dims = list(ema.sdutil._determine_restricted_dims(ref_box.box_lim, ref.box_init))
    assert list(chosen.restricted) == ref_dims
    np.testing.assert_array_equal(
        chosen.limits[["min", "max"]].to_numpy(), ref_box.box_lim[ref_dims].to_numpy().T
    )
    assert (chosen.coverage, chosen.density, chosen.mass) == (
        ref_box.coverage,
        ref_box.density,
        ref_box.mass,
    )
    if not found:
        return

    # The whole trajectory, step by step: statistics and limits, exactly.
    ref_traj = ref_box.peeling_trajectory
    assert len(ours) == len(ref_traj)
    for column in ["coverage", "density", "mass", "res_dim", "n", "k"]:
        np.testing.assert_array_equal(ours.trajectory[column], ref_traj[column], err_msg=column)
    for i, ref_lim in enumerate(ref_box.box_lims):
        dims = list(ema.sdutil._determine_restricted_dims(ref_lim, ref.box_init))
        box = ours.box(i)
        assert list(box.restricted) == dims, i
        np.testing.assert_array_equal(
            box.limits[["min", "max"]].to_numpy(), ref_lim[dims].to_numpy().T, err_msg=str(i)
        )


def test_quantile_rule_matches_ema_workbench(ema):
    # EMA's get_quantile (prim_util) on columns full of ties, for the cuts PRIM makes.
    from ema_workbench.analysis.prim_util import get_quantile

    rng = np.random.default_rng(11)
    for size in (1, 2, 3, 7, 20, 101):
        columns = rng.integers(0, 4, size=(size, 5)).astype(float)
        columns[:, 4] = 2.0  # one constant column
        s = np.sort(columns, axis=0)
        for q in (0.05, 0.1, 0.5, 0.9, 0.95):
            expected = [get_quantile(columns[:, j], q) for j in range(5)]
            np.testing.assert_array_equal(_quantile(s, q), expected, err_msg=f"{size}, {q}")


def test_planted_box_is_recovered():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(size=(2000, 5)), columns=list("abcde"))
    y = x["a"].between(0.2, 0.6).to_numpy() & (x["b"] > 0.5).to_numpy()
    box = prim(x, y, objective="lenient1").chosen
    assert box.restricted == ("a", "b")
    assert box.density == 1.0
    assert box.coverage > 0.85  # each peel cuts a little past the edge
    limits = box.limits
    assert abs(limits.loc["a", "min"] - 0.2) < 0.03
    assert abs(limits.loc["a", "max"] - 0.6) < 0.03
    assert abs(limits.loc["b", "min"] - 0.5) < 0.03


def test_coverage_density_mass_follow_their_definitions():
    x, y = planted(4, d=8, noise=0.2)
    result = prim(x, y, peel_alpha=0.1, paste_alpha=0.1)
    assert set(result.trajectory["phase"]) == {"start", "peel", "paste"}
    for i in range(len(result)):
        box = result.box(i)
        inside = box.mask
        assert box.n == inside.sum() == result.trajectory["n"][i]
        assert box.k == (inside & y).sum() == result.trajectory["k"][i]
        assert box.coverage == (inside & y).sum() / y.sum()
        assert box.density == (inside & y).sum() / inside.sum()
        assert box.mass == inside.mean()
        assert box.res_dim == len(box.restricted) == result.trajectory["res_dim"][i]
    first = result.box(0)
    assert (first.coverage, first.mass, first.restricted) == (1.0, 1.0, ())


def test_peeling_shrinks_and_pasting_raises_density():
    x, y = planted(6, d=7, noise=0.05, decimals=2)
    result = prim(x, y, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
    phases = result.trajectory["phase"].tolist()
    assert phases.count("paste") > 5
    for i in range(1, len(result)):
        before, after = result.box(i - 1), result.box(i)
        assert after.mass >= 0.05
        if phases[i] == "peel":
            assert after.n < before.n
            assert not (after.mask & ~before.mask).any()
        else:  # EMA accepts a paste only if it raises the density and adds cases
            assert after.density > before.density
            assert after.n > before.n
            assert not (before.mask & ~after.mask).any()


def test_no_box_when_the_last_misses_the_threshold():
    x, y = planted(7, noise=0.35)
    last = prim(x, y, objective="lenient1").trajectory["density"].iloc[-1]
    missed = prim(x, y, objective="lenient1", threshold=min(1.0, last + 0.01))
    assert (missed.meets_threshold, missed.chosen_index, missed.chosen.restricted) == (
        False,
        0,
        (),
    )
    assert "No box found" in str(missed.summary())
    met = prim(x, y, objective="lenient1", threshold=last)  # the threshold is inclusive
    assert (met.meets_threshold, met.chosen_index) == (True, len(met) - 1)


def test_categories_are_peeled_one_at_a_time():
    rng = np.random.default_rng(2)
    n = 1500
    x = pd.DataFrame(
        {
            "regime": rng.choice(["calm", "tense", "war", "thaw"], size=n),
            "u": rng.uniform(size=n),
            "flag": rng.uniform(size=n) < 0.5,
        }
    )
    y = (x["regime"] == "tense").to_numpy() & (x["u"] > 0.5).to_numpy()
    result = prim(x, y, objective="lenient1")
    box = result.chosen
    assert set(box.restricted) == {"regime", "u"}
    assert box.limits.loc["regime", "categories"] == ("tense",)
    assert abs(box.limits.loc["u", "min"] - 0.5) < 0.03
    assert box.density == 1.0
    sizes = [
        len(result.box(i).limits["categories"].get("regime") or ("calm", "tense", "war", "thaw"))
        for i in range(len(result))
    ]
    assert all(a - b in (0, 1) for a, b in itertools.pairwise(sizes))
    out = json.loads(json.dumps(result.to_dict()))
    assert out["chosen"]["limits"]["regime"] == {"categories": ["tense"]}


def test_integer_columns_get_whole_number_limits():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"k": rng.integers(0, 10, size=1000), "u": rng.uniform(size=1000)})
    box = prim(x, (x["k"] >= 6).to_numpy(), objective="lenient1").chosen
    assert box.restricted == ("k",)
    assert box.limits.loc["k"].tolist() == [6.0, 9.0]
    assert (box.coverage, box.density) == (1.0, 1.0)


def test_numeric_y_is_classified_by_y_threshold():
    x, _ = planted(3)
    score = x["x0"].to_numpy() + 0.1 * np.random.default_rng(0).normal(size=len(x))
    above = prim(x, score, y_threshold=0.7)
    pd.testing.assert_frame_equal(above.trajectory, prim(x, score >= 0.7).trajectory)
    below = prim(x, score, y_threshold=0.3, threshold_type="below")
    pd.testing.assert_frame_equal(below.trajectory, prim(x, score <= 0.3).trajectory)


def test_arrays_work_like_frames():
    x, y = planted(1)
    from_array = prim(x.to_numpy(), y.astype(int))
    pd.testing.assert_frame_equal(from_array.trajectory, prim(x, y).trajectory)
    assert from_array.chosen.restricted == prim(x, y).chosen.restricted


def test_to_dict_is_json():
    x, y = planted(2)
    out = json.loads(json.dumps(prim(x, y).to_dict()))
    assert out["chosen"]["index"] == out["chosen_index"] == len(out["trajectory"]) - 1
    assert set(out["chosen"]["limits"]) == set(out["chosen"]["restricted"])


GOOD_X = pd.DataFrame({"a": [0.1, 0.5, 0.9, 0.3], "b": [1.0, 2.0, 3.0, 4.0]})
GOOD_Y = np.array([True, False, True, False])


@pytest.mark.parametrize(
    ("x", "y", "options", "match"),
    [
        (pd.DataFrame({"a": []}), np.array([], bool), {}, r"expected cases and columns"),
        (pd.DataFrame(index=range(4)), GOOD_Y, {}, r"expected cases and columns"),
        (np.zeros(4), GOOD_Y, {}, r"2-d array"),
        (GOOD_X, GOOD_Y[:3], {}, r"shape \(4,\).*found shape \(3,\)"),
        (GOOD_X, np.zeros(4, bool), {}, r"at least one case of interest"),
        (GOOD_X.assign(a=[0.1, np.nan, 0.2, 0.3]), GOOD_Y, {}, r"'a'.*finite.*nan in row 1"),
        (GOOD_X.assign(b=[1.0, 2.0, np.inf, 4.0]), GOOD_Y, {}, r"'b'.*finite.*inf in row 2"),
        (GOOD_X.assign(c=["p", None, "q", "p"]), GOOD_Y, {}, r"'c'.*missing value in row 1"),
        (GOOD_X, np.array([1.0, np.nan, 0.0, 1.0]), {}, r"finite values in y.*nan"),
        (GOOD_X, np.array([0.2, 0.4, 0.9, 0.1]), {}, r"y_threshold.*0\.2"),
        (GOOD_X, GOOD_Y, {"y_threshold": 0.5}, r"boolean y"),
        (GOOD_X, np.array([0.2, 0.4, 0.9, 0.1]), {"y_threshold": 2.0}, r"case of interest"),
        (GOOD_X, GOOD_Y, {"threshold_type": "below"}, r"no y_threshold"),
        (GOOD_X, GOOD_Y, {"threshold_type": "over"}, r"'above' or 'below'.*'over'"),
        (GOOD_X, GOOD_Y, {"peel_alpha": 0.0}, r"peel_alpha in \(0\.0, 0\.5\), found 0\.0"),
        (GOOD_X, GOOD_Y, {"paste_alpha": 0.6}, r"paste_alpha in \(0\.0, 0\.5\), found 0\.6"),
        (GOOD_X, GOOD_Y, {"mass_min": -0.1}, r"mass_min in \[0\.0, 1\.0\]"),
        (GOOD_X, GOOD_Y, {"threshold": 1.5}, r"threshold in \[0\.0, 1\.0\], found 1\.5"),
        (GOOD_X, GOOD_Y, {"objective": "mean"}, r"objective one of .*'mean'"),
        (GOOD_X.set_axis(["a", "a"], axis=1), GOOD_Y, {}, r"distinct column names.*'a'"),
        (GOOD_X, np.array(["x", "y", "x", "y"]), {}, r"booleans or numbers"),
    ],
)
def test_user_errors(x, y, options, match):
    with pytest.raises(ParameterError, match=match):
        prim(x, y, **options)


def test_box_index_out_of_range():
    result = prim(GOOD_X, GOOD_Y)
    assert issubclass(ParameterError, EscaladeError)
    with pytest.raises(ParameterError, match=rf"from {-len(result)} to {len(result) - 1}"):
        result.box(len(result))


# ----------------------------------------------------------------- quasi-p of each cut
def _ema_limits(x: pd.DataFrame, box) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A box as EMA Workbench holds it: rows 0 (lower) and 1 (upper) for every column."""
    initial = pd.DataFrame([x.min(), x.max()]).reset_index(drop=True)
    limits = initial.copy()
    for name, r in box.limits.iterrows():
        limits.at[0, name], limits.at[1, name] = r["min"], r["max"]
    return limits, initial


@pytest.mark.parametrize("seed", [1, 4, 6])
def test_quasi_p_of_each_cut_agrees_with_ema_workbench(ema, seed):
    # Reference: ema_workbench.analysis.prim_util.calculate_qp (EMA Workbench 2.5.3), which
    # relaxes one end of one restricted range at a time; -1 marks an end not cut.
    from ema_workbench.analysis.prim_util import calculate_qp

    from escalade.exploration._screen import quasi_p

    x, y = planted(seed, n=1000, d=4)
    found = prim(x, y, threshold=0.8)
    both_ends = 0
    for i in range(1, len(found)):
        box = found.box(i)
        ours = quasi_p(x, y, box)
        limits, initial = _ema_limits(x, box)
        for name in box.restricted:
            low, high = calculate_qp(limits[name], x, y, box.k, box.n, limits, initial)
            for side, ref in (("low", low), ("high", high)):
                mine = ours.at[name, f"quasi_p_{side}"]
                if ref == -1:
                    assert np.isnan(mine), (i, name, side)
                else:
                    assert mine == pytest.approx(ref, rel=1e-12, abs=1e-300), (i, name, side)
            both_ends += low != -1 and high != -1
            assert ours.at[name, "quasi_p"] == max(q for q in (low, high) if q != -1)
    assert both_ends > 0, "the planted boxes must cut some range at both ends"


def test_a_cut_that_is_chance_no_longer_hides_behind_a_real_one():
    # Interest where a > 0.6 (a real cut at the low end of a); the box also cuts a at 0.98,
    # which only drops a few worlds of interest: chance. Dropping both cuts at once (the
    # old test) gives a tiny p-value, as the low cut alone does; the high cut alone does not.
    from scipy.stats import binomtest

    from escalade.exploration._prim import PrimBox
    from escalade.exploration._screen import quasi_p

    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.random(2000), "b": rng.random(2000)})
    y = ((x["a"] > 0.6) & (rng.random(2000) < 0.9)).to_numpy()
    a = x["a"].to_numpy()
    mask = (a >= 0.6) & (a <= 0.98)
    limits = pd.DataFrame({"min": [0.6], "max": [0.98]}, index=pd.Index(["a"], name="column"))
    n, k = int(mask.sum()), int(y[mask].sum())
    box = PrimBox(1, "peel", k / y.sum(), k / n, n / len(y), n, k, ("a",), limits, mask)
    qp = quasi_p(x, y, box)
    low, high = qp.at["a", "quasi_p_low"], qp.at["a", "quasi_p_high"]
    both = binomtest(k, n, y.mean(), alternative="greater").pvalue
    assert both < 1e-6
    assert low < 1e-6
    assert high > 0.3
    assert qp.at["a", "quasi_p"] == high


def test_discovery_reports_the_quasi_p_of_each_end_of_a_range():
    # A band 0.3 < a < 0.7 where the condition holds 90% of the time: the box cuts a at both
    # ends. Each end's value is the one quasi_p (checked against EMA Workbench above) gives,
    # and the restrictions, the JSON and the summary carry both.
    from escalade.exploration import Problem, discover
    from escalade.exploration._screen import quasi_p

    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.random((1000, 2)), columns=["a", "b"])
    y = ((x["a"] > 0.3) & (x["a"] < 0.7) & (rng.random(1000) < 0.9)).to_numpy()
    found = discover(Problem(("a", "b")), x, y, columns="all")
    r = found.restrictions.loc["a"]
    assert r["low"] < r["min"] < r["max"] < r["high"]  # cut at both ends
    expected = quasi_p(x, y, found.box)
    low, high = expected.at["a", "quasi_p_low"], expected.at["a", "quasi_p_high"]
    assert 0 < high < low < 1e-20
    assert (r["quasi_p_low"], r["quasi_p_high"], r["quasi_p"]) == (low, high, low)
    data = json.loads(json.dumps(found.to_dict(), allow_nan=False))
    item = data["restrictions"]["a"]
    assert (item["quasi_p_low"], item["quasi_p_high"]) == (low, high)
    row = next(line for line in str(found.summary()).splitlines() if line.startswith("a "))
    assert f"low {low:.3g}, high {high:.3g}" in row
