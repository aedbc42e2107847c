"""The korea-2017 scenario (second version): what must hold whatever the numbers.

The article (Toucas 2017, claims C1-C26 in the scenario's claims:
section) is qualitative; these tests check the model's structure, not
that it agrees with the article: talks can fail and be followed by war,
talks are worth nothing without a chance of settlement, every parameter
reaches some result. Whether the model agrees with the article's definite
statements is the scenario's ``expectations:``, checked by ``escalade
verify`` and reported, not asserted. Runs share one seed, so differences
between policies are paired.
"""

from __future__ import annotations

import pytest
import yaml

import escalade
from _korea import POLICIES
from escalade import simulate
from escalade.scenario import Uniform, bundled_path, load_scenario_text

RUNS = 4000
#: Every parameter that sets a chance of settlement (C4, C9, C24, C26).
SETTLEMENT_CHANCES = {"p_settle": 0, "leverage_boost": 0, "s2_leverage": 0, "s4_talks": 0}


def _text() -> str:
    return bundled_path("korea-2017").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scenario():
    return escalade.load("korea-2017")


@pytest.fixture(scope="module")
def without_talks():
    """korea-2017 plus the article's proposal on the sanctions track: no talks."""
    data = yaml.safe_load(_text())
    proposal = dict(data["policies"]["strategic_impatience_with_four_steps"])
    proposal["force"] = {"US_track": "sanctions", "US_detected_sanctions": "strike"}
    data["policies"]["proposal_without_talks"] = proposal
    return load_scenario_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _utility(scenario, policy, **overrides):
    res = simulate(scenario, policy, runs=RUNS, seed=5, overrides=overrides or None)
    return res.utility("USA"), res


def test_every_claim_is_encoded_by_some_element(scenario):
    cites = scenario.citations()
    assert sorted(cites, key=lambda c: int(c[1:])) == [f"C{i}" for i in range(1, 27)]
    assert all(cites[c] for c in cites), [c for c in cites if not cites[c]]


def test_the_eight_policies_exist_with_these_exact_names(scenario):
    assert [p.name for p in scenario.policies] == POLICIES


def test_every_parameter_has_a_reason_and_a_range(scenario):
    for p in scenario.parameters:
        assert p.note, f"{p.name} has no note"
        fixed_by_definition = p.name in ("first_strike_at", "second_strike_at")
        assert p.dist is not None or fixed_by_definition, f"{p.name} has no range"


def test_the_model_looks_ahead(scenario):
    assert scenario.dynamics.foresight == "full"


def test_talks_can_fail_stall_and_end_in_war(scenario):
    _, res = _utility(scenario, "talks")
    stage = res.to_dict()["stage_outcomes"]
    assert res.probability("major_war") > 0
    assert stage["talks_stalled"] > 0
    assert stage["provocation_unanswered"] > 0
    assert res.probability("settlement") < 0.5


@pytest.mark.parametrize(
    ("with_talks", "without"),
    [
        ("talks", "sanctions_default"),
        ("strategic_impatience_with_four_steps", "proposal_without_talks"),
    ],
)
def test_without_a_chance_of_settlement_talks_are_no_better(without_talks, with_talks, without):
    u_talks, res = _utility(without_talks, with_talks, **SETTLEMENT_CHANCES)
    u_none, _ = _utility(without_talks, without, **SETTLEMENT_CHANCES)
    assert res.probability("settlement") == 0
    assert u_talks <= u_none


def test_the_proposal_is_the_strategic_impatience_of_the_article(scenario):
    policy = {p.name: p for p in scenario.policies}["strategic_impatience_with_four_steps"]
    assert policy.force["US_track"]["talks"] == 1
    assert policy.force["US_detected_talks"]["strike"] == 1
    assert {k for k, v in policy.levers.items() if v} == {
        "announce",
        "step1",
        "step2",
        "step3",
        "step4",
    }


def test_the_us_leadership_s_risk_attitude_is_a_curve_not_a_prize(scenario):
    (curve,) = scenario.utility
    assert curve.player == "USA"
    assert {"x", "us_risk"} <= curve.formula.expr.names
    assert "prc_opportunity" not in {p.name for p in scenario.parameters}


def test_same_seed_gives_identical_results(scenario):
    a = simulate(scenario, "strategic_impatience", runs=500, seed=3)
    b = simulate(scenario, "strategic_impatience", runs=500, seed=3)
    assert a.utility("USA") == b.utility("USA")
    assert a.to_dict()["outcomes"] == b.to_dict()["outcomes"]


#: The policies tried in turn until a parameter moves a result: the article's proposal
#: reaches most of the model, the others the rest (campaigns, invasion, no strikes).
_ORDER = [
    "strategic_impatience_with_four_steps",
    "unannounced_strikes",
    "air_campaign",
    "invasion",
    "talks",
    "sanctions_default",
]


def _ends(parameter):
    """The low and high ends of a parameter's range (choices for a categorical one)."""
    dist = parameter.dist
    if parameter.choices:
        return list(parameter.choices)
    if isinstance(dist, Uniform):
        return [dist.low, dist.high]
    return [float(dist.ppf(0.01)), float(dist.ppf(0.99))]


def _results(scenario, policy, name, value):
    res = simulate(scenario, policy, runs=300, seed=9, foresight="myopic", overrides={name: value})
    utilities = [res.utility(p) for p in res.players]
    return [*utilities, *(res.probability(n) for n in res.indicator_names)]


def test_every_parameter_moves_some_policy_s_utility_or_indicator(scenario):
    """Each uncertain parameter, from one end of its range to the other, changes some
    actor's utility or an indicator under some policy (same random numbers at both ends; myopic
    actors keep it quick, the audit screens the same with its threshold)."""
    still = []
    for parameter in scenario.parameters:
        if parameter.dist is None and not parameter.choices:
            continue
        low, high = _ends(parameter)[:2]
        moved = any(
            _results(scenario, p, parameter.name, low)
            != _results(scenario, p, parameter.name, high)
            for p in _ORDER
        )
        if not moved:
            still.append(parameter.name)
    assert still == []
