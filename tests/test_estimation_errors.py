"""Error paths of estimation: the scenario's section, identification, bad data, and warnings.

Every mistake is an EscaladeError subclass with a message saying what was
expected, what was found and where (file:line:col in a scenario, file,
line and column in a CSV file); every doubtful fit is a warning that says
what to do.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from _estimation import scenario_text, variant
from _estimation_trees import general_scenario, simulate, truth
from escalade.errors import (
    ConvergenceWarning,
    DataError,
    EstimationError,
    EstimationWarning,
    ParameterError,
    ScenarioError,
)
from escalade.estimation import fit
from escalade.scenario import bundled_path, load_scenario, load_scenario_text

DATA = Path(str(bundled_path("egame12"))).parent / "data" / "war1800.csv"
UTILITIES = """    u1_sq: s_wt_re1 + revis1              # u1(sq)
    u1_war: regime1                       # u1(war); u1(capit) is 0
    u2_war: balanc + regime2              # u2(war)
"""


def _load(replacements: list[tuple[str, str]]) -> object:
    text = scenario_text("egame12")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return load_scenario_text(text, "war.yaml")


def _recorded(fn: object) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()  # type: ignore[operator]
    return list(caught)


# --------------------------------------------------------------------------- the section


@pytest.mark.parametrize(
    ("replacements", "message"),
    [
        (
            [("  error: agent", "  eror: agent")],
            r"unknown key 'eror' in estimation \(did you mean 'error'\?\)",
        ),
        (
            [("u1_war: regime1 ", "u1_war: regime1:revis1 ")],
            "interactions and functions of columns are not supported",
        ),
        ([("u1_war: regime1 ", "u1_war: 2.5 ")], "a number other than 0 or 1 is not an equation"),
        ([("u1_war: regime1 ", "u1_war: regime1 + ")], "expected a term after the final '\\+'"),
        ([("u1_war: regime1 ", 'u1_war: "regime1 - revis1" ')], "only the constant can be removed"),
        ([("war: fight}", "war: fite}")], "unknown action 'fite'"),
        ([("{esc: escalate, war: fight}", "{esc: escalate}")], "no column records the choice of B"),
        (
            [("  actions: {esc", "  outcome: y\n  actions: {esc")],
            "expected exactly one of outcome: .* found both",
        ),
        (
            [("  error: agent\n  link: probit", "  error: private\n  link: logit")],
            "private-information model is defined with the probit link only",
        ),
        ([("  link: probit", "  link: probit\n  scale: {C: 1}")], "unknown player 'C'"),
        ([("  link: probit", "  link: probit\n  scale: -1")], "scale must be positive"),
        (
            [("  link: probit", "  link: probit\n  offer: offer")],
            "offer belongs to model: ultimatum",
        ),
        ([("  error: agent", "  error: maybe")], "error must be one of agent, private"),
    ],
)
def test_mistakes_in_the_section_point_at_their_place(replacements, message) -> None:
    with pytest.raises(ScenarioError, match=message) as err:
        _load(replacements)
    assert re.match(r"war\.yaml:\d+:\d+: ", str(err.value)), str(err.value)


def test_an_ultimatum_section_needs_its_keys() -> None:
    text = scenario_text("ultimatum").replace("  max_offer: 15\n", "")
    with pytest.raises(ScenarioError, match="model: ultimatum needs max_offer"):
        load_scenario_text(text, "u.yaml")


def test_an_equation_for_something_not_a_parameter_is_refused_where_written() -> None:
    sc = variant("egame12", [("    u2_war: balanc", "    u2_wat: balanc")])
    with pytest.raises(ScenarioError, match=r"'u2_wat' is not a parameter of the scenario") as err:
        fit(sc)
    assert err.value.line is not None


def test_a_scenario_without_the_section_says_what_to_add() -> None:
    with pytest.raises(EstimationError, match="iig has no estimation: section"):
        fit(load_scenario("iig"))


def test_error_and_link_overrides_are_checked() -> None:
    with pytest.raises(ParameterError, match="probit link only"):
        fit(load_scenario("egame12"), error="private", link="logit")
    with pytest.raises(ParameterError, match="error must be one of"):
        fit(load_scenario("egame12"), error="bogus")
    with pytest.raises(ParameterError, match="ultimatum model has private information"):
        fit(load_scenario("ultimatum"), link="probit")


# ---------------------------------------------------------------------------- identification


def test_a_regressor_in_every_utility_of_a_player_is_refused_as_games_does() -> None:
    # games: "Identification problem: the following variables appear in all three of player
    # 1's utility equations: (Intercept)"; here A's utility for capit is estimated too
    sc = variant(
        "egame12",
        [
            ("  u1_war: {value: -0.53", "  u1_cap: 0\n  u1_war: {value: -0.53"),
            ("capit: {payoffs: {A: 0, B: 0}", "capit: {payoffs: {A: u1_cap, B: 0}"),
            ("    u1_war: regime1 ", "    u1_cap: 1\n    u1_war: regime1 "),
        ],
    )
    with pytest.raises(
        EstimationError,
        match=r"identification problem: \(Intercept\) appears in "
        r"every utility of A .* \(sq, capit, war\)",
    ):
        fit(sc)


def test_a_constant_or_repeated_regressor_is_named() -> None:
    sc = variant("egame12", [("u1_war: regime1 ", "u1_war: regime1 + revis1 + revis1c ")])
    data = pd.read_csv(DATA)
    data["revis1c"] = data["revis1"]
    with pytest.raises(EstimationError, match="its term 'revis1c' is constant or a combination"):
        fit(sc, data)


@pytest.mark.parametrize(
    ("key", "message"),
    [("three_way_logit", "moves twice on a path|follows two actions")],
)
def test_private_information_needs_its_assumptions(key: str, message: str) -> None:
    sc = general_scenario(key)
    data = simulate(sc, truth(key), n=200)
    with pytest.raises(EstimationError, match=message):
        fit(sc, data, error="private", link="probit")


# ------------------------------------------------------------------------------------ data


def _csv(tmp_path: Path, frame: pd.DataFrame, **kwargs: object) -> Path:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False, **kwargs)  # type: ignore[arg-type]
    return path


def test_a_missing_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA).rename(columns={"balanc": "balance"})
    with pytest.raises(
        DataError,
        match=r"no column 'balanc' \(a regressor of u2_war\) \(did you mean 'balance'\?\)",
    ):
        fit(load_scenario("egame12"), _csv(tmp_path, frame))


def test_a_word_among_numbers_is_named_with_its_line(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA).astype({"balanc": object})
    frame.loc[4, "balanc"] = "high"
    path = _csv(tmp_path, frame)
    with pytest.raises(
        DataError, match=r"data\.csv: line 6, column balanc: expected a number .* found 'high'"
    ):
        fit(load_scenario("egame12"), path)


def test_an_outcome_code_the_tree_lacks_is_named(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA)
    frame.loc[2, "esc"] = 2
    with pytest.raises(DataError, match=r"line 4, column esc: expected 0 or 1 .* found '2\.0'"):
        fit(load_scenario("egame12"), _csv(tmp_path, frame))
    lebl = pd.read_csv(Path(str(bundled_path("leblang2003"))).parent / "data" / "leblang2003.csv")
    lebl.loc[0, "outcome"] = "default"
    with pytest.raises(
        DataError, match=r"line 2, column outcome: the outcome 'default' is not an outcome"
    ):
        fit(load_scenario("leblang2003"), _csv(tmp_path, lebl))


def test_no_rows_left_says_how_many_were_dropped_and_why(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA)
    frame["regime1"] = None
    with pytest.raises(DataError, match=r"no rows left after dropping the 313 rows .*regime1: 313"):
        fit(load_scenario("egame12"), _csv(tmp_path, frame))


def test_dropped_rows_are_counted_as_r_does() -> None:
    res = fit(load_scenario("egame12"))
    assert res.built.frame.n_dropped == 31  # 313 disputes, 282 used by games
    assert res.built.frame.dropped == {"regime1": 12, "regime2": 19}
    assert "31 of 313 rows dropped for missing values" in str(res.summary())


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters_are_detected(tmp_path: Path, sep: str) -> None:
    frame = pd.read_csv(DATA)
    res = fit(load_scenario("egame12"), _csv(tmp_path, frame, sep=sep))
    assert res.loglik == pytest.approx(-286.1237547, abs=1e-6)


def test_a_file_in_another_encoding_is_named_and_readable_with_its_encoding(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA)
    frame["regime2"] = frame["regime2"].replace({"autoc": "autocratie"})
    frame.loc[frame["regime2"] == "dem", "regime2"] = "démocratie"
    path = _csv(tmp_path, frame, encoding="latin-1")
    with pytest.raises(
        DataError, match=r"data\.csv: line \d+: the file is not UTF-8 text .* encoding"
    ):
        fit(load_scenario("egame12"), path)
    res = fit(load_scenario("egame12"), path, encoding="latin-1")
    assert "u2_war:regime2[démocratie]" in res.names


def test_a_row_with_too_many_fields_is_named(tmp_path: Path) -> None:
    lines = DATA.read_text().splitlines()
    lines[3] += ",extra"
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"line 4: expected 21 fields \(as the header\), found 22"):
        fit(load_scenario("egame12"), path)


@pytest.mark.parametrize(
    ("content", "message"), [("", "the file is empty"), (None, "no such file")]
)
def test_empty_or_missing_files(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=message):
        fit(load_scenario("egame12"), path)


def test_a_dataframe_categorical_keeps_its_level_order() -> None:
    frame = pd.read_csv(DATA)
    frame["regime1"] = pd.Categorical(frame["regime1"], categories=["mixed", "dem", "autoc"])
    res = fit(load_scenario("egame12"), frame)
    assert "u1_war:regime1[dem]" in res.names
    assert "u1_war:regime1[autoc]" in res.names
    assert res.loglik == pytest.approx(-286.1237547, abs=1e-6)  # the same model, other baseline


# -------------------------------------------------------------------------------- warnings


def test_a_flat_likelihood_warns_about_local_identification() -> None:
    # a scale estimated with every utility: multiplying all of them and the scale by the same
    # number changes nothing, so the Hessian is singular at the maximum
    sc = variant("egame12", [("  link: probit", "  link: probit\n  scale: estimated")])
    caught = _recorded(lambda: fit(sc))
    messages = [str(w.message) for w in caught]
    assert any("not negative definite" in m or "did not converge" in m for m in messages), messages
    assert {w.category for w in caught} <= {EstimationWarning, ConvergenceWarning}


def test_a_model_that_does_not_converge_says_so() -> None:
    # the balance-of-power model of games' vuong example, where BFGS also fails to converge
    sc = variant(
        "egame12",
        [
            (
                UTILITIES,
                "    u1_sq: balanc + s_wt_re1\n    u1_war: balanc\n    u2_war: balanc + s_wt_re1\n",
            )
        ],
    )
    frame = pd.read_csv(DATA).dropna(subset=["regime1", "regime2"])
    caught = _recorded(lambda: fit(sc, frame))
    assert any(
        w.category is ConvergenceWarning and "did not converge" in str(w.message) for w in caught
    )


def test_separation_and_outcomes_never_seen_are_warned() -> None:
    frame = pd.read_csv(DATA).dropna(subset=["regime1", "regime2"])
    never = frame[frame["war"] == 0]
    caught = _recorded(lambda: fit(load_scenario("egame12"), never))
    assert any("never occur" in str(w.message) for w in caught)
    separated = frame.copy()
    separated.loc[separated["revis1"] == 0, "esc"] = 0
    separated.loc[separated["revis1"] == 0, "war"] = 0
    caught = _recorded(lambda: fit(load_scenario("egame12"), separated))
    assert any(
        w.category is EstimationWarning
        and "separation" in str(w.message)
        and "revis1" in str(w.message)
        for w in caught
    )


def test_several_starts_keep_the_best_and_are_seeded() -> None:
    a = fit(load_scenario("egame12"), starts=4, seed=3)
    b = fit(load_scenario("egame12"), starts=4, seed=3)
    assert a.start_logliks == b.start_logliks
    assert len(a.start_logliks) == 4
    assert a.loglik == pytest.approx(max(a.start_logliks))
    with pytest.raises(ParameterError, match="starts must be a whole number >= 1"):
        fit(load_scenario("egame12"), starts=0)


def test_an_ultimatum_spec_built_in_python_without_offers_is_refused() -> None:
    sc = load_scenario("ultimatum")
    assert sc.estimation is not None
    spec = dataclasses.replace(sc.estimation, offer=None)
    with pytest.raises(EstimationError, match="ultimatum model needs offer: the column"):
        fit(dataclasses.replace(sc, estimation=spec))
