"""The scenario loader as a library: what a valid file becomes, and the located errors
(``ScenarioError.file/line/col``) that the CLI prints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalade.errors import ParameterError, ScenarioError
from escalade.scenario import (
    Beta,
    CategoricalDist,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    load_scenario_text,
)
from escalade.scenario._yaml import YMap, YScalar, YSeq, parse_yaml

FULL = """\
escalade: 1
name: full
title: Everything at once
claims:
  C1: {quote: "Strikes are costly", source: "Somebody (2020), p. 3"}
  C2: "A claim given as plain text"
players:
  A: {label: State A}
  B: State B
parameters:
  fixed: 2
  uni: {value: 0.5, low: 0, high: 1, claim: C1}
  bet: {value: 0.4, dist: beta, a: 2, b: 3}
  nor: {value: 1, dist: normal, sd: 0.5, low: 0}
  logn: {value: 2, dist: lognormal, sigma: 0.3}
  tri: {value: 0.2, dist: triangular, low: 0, high: 1}
  small: {value: 1e-3, low: 0, high: 2E-3}
  leader: {value: bold, choices: [averse, bold], weights: [0.75, 0.25], claims: [C1, C2]}
  answer: {value: yes, choices: [yes, no]}
derived:
  d1: "uni * fixed"
  d2: {expr: "d1 + 1", claim: C2}
outcomes:
  quiet: {payoffs: {A: 0, B: 0}, label: Nothing happens}
  war: {payoffs: [d2, "-fixed if leader == 'bold' else -1"]}
tree:
  player: A
  actions:
    wait: quiet
    strike: {goto: respond}
nodes:
  respond:
    chance: {hit: bet, miss: "1 - bet"}
    actions:
      hit: {player: B, infoset: after, actions: {fold: quiet, fight: war}}
      miss: {player: B, infoset: after, actions: {fold: quiet, fight: war}}
"""


@pytest.fixture(scope="module")
def full():
    return load_scenario_text(FULL, "full.yaml")


def test_players_as_mapping_with_labels(full):
    assert full.player_names == ("A", "B")
    assert [p.label for p in full.players] == ["State A", "State B"]


def test_parameters_and_their_distributions(full):
    space = full.parameters
    assert space.names == (
        "fixed", "uni", "bet", "nor", "logn", "tri", "small", "leader", "answer",
    )  # fmt: skip
    assert space["fixed"].dist is None
    assert space["uni"].dist == Uniform(0.0, 1.0)
    assert space["bet"].dist == Beta(2.0, 3.0)
    assert space["nor"].dist == Normal(1.0, 0.5, 0.0, math.inf)  # mean defaults to the value
    assert space["logn"].dist == LogNormal(2.0, 0.3)  # median defaults to the value
    assert space["tri"].dist == Triangular(0.0, 0.2, 1.0)  # mode defaults to the value
    assert space["small"].nominal == 1e-3  # 1e-3 is a number, not text
    assert space["small"].dist == Uniform(0.0, 2e-3)
    assert space["leader"].dist == CategoricalDist(("averse", "bold"), (0.75, 0.25))
    assert space["leader"].nominal == 1.0  # the code of "bold"
    assert space["answer"].choices == ("yes", "no")  # YAML booleans stay names here
    assert space["uni"].claims == ("C1",)
    assert space["leader"].claims == ("C1", "C2")


def test_derived_values_are_computed_in_order(full):
    env = full.environment(full.parameters.nominal(2))
    np.testing.assert_array_equal(env["d1"], [1.0, 1.0])
    np.testing.assert_array_equal(env["d2"], [2.0, 2.0])


def test_payoffs_given_as_a_list_follow_player_order(full):
    war = full.outcomes[1]
    env = full.environment(full.parameters.nominal())
    assert [float(f.evaluate(env, n_draws=1)[0]) for f in war.payoffs] == [2.0, -2.0]


def test_gotos_are_copied_and_information_sets_kept(full):
    kinds = [n.kind for n in full.expanded]
    # root, quiet, chance; hit/miss decisions; four leaves
    assert kinds == ["decision", "terminal", "chance", "decision", "decision"] + ["terminal"] * 4
    assert full.expanded[2].via == ("respond",)
    assert {n.infoset for n in full.expanded if n.kind == "decision"} == {None, "after"}
    assert full.expanded[3].path == ("strike", "hit")


def test_claims_are_cited(full):
    assert full.citations() == {
        "C1": ["parameter:uni", "parameter:leader"],
        "C2": ["parameter:leader", "derived:d2"],
    }


def test_sampling_respects_ranges(full):
    draws = full.parameters.sample(2000, seed=3)
    assert draws["uni"].min() >= 0.0
    assert draws["uni"].max() <= 1.0
    assert draws["nor"].min() >= 0.0  # truncated at low: 0
    assert set(np.unique(draws["leader"])) == {0.0, 1.0}
    # Weights 0.75/0.25: 2000 draws give about 500 "bold" (binomial sd about 19).
    assert 400 < int((draws["leader"] == 1.0).sum()) < 600


# --- located YAML --------------------------------------------------------------------


def test_parse_yaml_keeps_positions():
    root = parse_yaml('a:\n  b: [1, "two", {c: 3}]\n', "x.yaml")
    assert isinstance(root, YMap)
    seq = root.get("a").get("b")  # type: ignore[union-attr]
    assert isinstance(seq, YSeq)
    assert (seq.line, seq.col) == (2, 6)
    one, two, three = seq.items
    assert isinstance(one, YScalar)
    assert one.value == 1
    assert (two.line, two.col, two.value) == (2, 10, "two")
    assert (three.line, three.col) == (2, 17)


def test_text_position_inside_quotes():
    root = parse_yaml("e: 'p + q'\nf: p + q\n", "x.yaml")
    quoted, plain = root.get("e"), root.get("f")  # type: ignore[union-attr]
    assert quoted.text_position(4) == (1, 9)  # type: ignore[union-attr]
    assert plain.text_position(4) == (2, 8)  # type: ignore[union-attr]


def test_aliases_expand_to_copies():
    root = parse_yaml("a: &x [1, 2]\nb: *x\n", "x.yaml")
    assert [i.value for i in root.get("b").items] == [1, 2]  # type: ignore[union-attr]


# --- errors carry their location -----------------------------------------------------


def located(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "bad.yaml")
    return info.value


def test_error_attributes_locate_the_mistake():
    err = located(FULL.replace("player: A\n  actions:", "player: Z\n  actions:"))
    assert (err.file, err.line, err.col) == ("bad.yaml", 27, 11)
    assert err.message.startswith("unknown player 'Z'")
    assert str(err) == f"bad.yaml:27:11: {err.message}"


def test_error_in_a_named_node_points_into_nodes():
    err = located(FULL.replace('miss: "1 - bet"', 'miss: "1 - bett"'))
    assert (err.line, err.col) == (33, 35)  # the 'bett' inside the quotes
    assert "unknown name 'bett' (did you mean 'bet'?)" in err.message


def test_later_derived_name_is_explained():
    err = located(FULL.replace('d1: "uni * fixed"', 'd1: "uni * d2"'))
    assert "it is defined later (line 22)" in err.message


def test_unknown_section_suggests_a_known_one():
    err = located(FULL.replace("title:", "titel:"))
    assert "unknown key 'titel' in the scenario (did you mean 'title'?)" in err.message


def test_bytes_and_text_give_the_same_scenario():
    a = load_scenario_text(FULL, "a.yaml")
    b = load_scenario_text(FULL.encode("utf-8"), "a.yaml")
    assert a.text_hash == b.text_hash
    assert a.outcome_names == b.outcome_names


def test_a_utf8_byte_order_mark_is_accepted():
    sc = load_scenario_text(b"\xef\xbb\xbf" + FULL.encode("utf-8"), "bom.yaml")
    assert sc.name == "full"


# --- parameters fixed from outside (--set) -------------------------------------------


def test_fixing_parameters(full):
    fixed = full.parameters.fixed({"uni": "0.9", "leader": "averse"})
    assert fixed["uni"].nominal == 0.9
    assert fixed["uni"].dist is None
    assert fixed["leader"].nominal == 0.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"unii": "1"}, "unknown parameter 'unii' (did you mean 'uni'?); parameters: fixed, uni"),
        ({"uni": "big"}, "uni expects a number, found 'big'"),
        ({"uni": "nan"}, "uni must be finite, found 'nan'"),
        ({"leader": "brave"}, "leader is categorical; expected one of ['averse', 'bold']"),
    ],
)
def test_fixing_parameters_wrongly(full, values, message):
    with pytest.raises(ParameterError) as info:
        full.parameters.fixed(values)
    assert message in str(info.value)


def test_zero_draws(full):
    with pytest.raises(ParameterError, match="the number of draws must be at least 1, found 0"):
        full.parameters.sample(0)
