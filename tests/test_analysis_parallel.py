"""Policies spread over worker processes give the numbers one process gives."""

from __future__ import annotations

import escalade
from escalade.analysis import compare_policies


def _numbers(cmp):
    data = cmp.to_dict()
    for res in data["policies"].values():
        res["foresight"]["diagnostics"].pop("seconds", None)
    return data


def test_two_workers_give_the_numbers_of_one():
    standoff = escalade.load("docs/examples/standoff.yaml")
    one = compare_policies(standoff, runs=300, seed=4, workers=1)
    two = compare_policies(standoff, runs=300, seed=4, workers=2)
    assert one.ranking() == two.ranking()
    assert _numbers(one) == _numbers(two)
    assert two.foresight_notes() == one.foresight_notes()
