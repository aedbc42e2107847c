"""Oracle: the precision of an imperfect-information game's logit QRE, fitted as pygambit does.

pygambit's ``logit_estimate`` fits one lam to a behaviour profile of
counts (the agent QRE, along the principal branch). In pygambit 16.7 its
public wrapper fails on behaviour profiles (building the fitted profile
raises "Cannot create a MixedBehaviorProfile outside a Game", and the
global search crashes the process), so the comparison calls the routine
it wraps, ``_logit_behavior_estimate`` with ``local_max=True``, in a child
process. Counts are those of the QRE at lam = 1.5 on Selten's horse (three
information sets, one of them with two nodes), times 1000, rounded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from escalade.errors import EstimationError
from escalade.estimation import fit_qre
from escalade.game import build_game, write_efg
from escalade.scenario import load_scenario
from escalade.solvers import logit_qre


def _counts(game, lam: float, scale: float = 1000.0) -> dict[str, dict[str, float]]:
    sol = logit_qre(game, lam=lam)
    out: dict[str, dict[str, float]] = {}
    for h, name in enumerate(game.infoset_names):
        lo, hi = game.infoset_actions[h], game.infoset_actions[h + 1]
        out[name] = {
            game.action_names[a]: round(scale * sol.strategy_mean[a]) for a in range(lo, hi)
        }
    return out


_GAMBIT = textwrap.dedent(
    """
    import io, json, sys
    import pygambit as gbt
    from pygambit import gambit as libgbt
    efg, counts = sys.stdin.read().split("\\n%%\\n")
    counts = json.loads(counts)
    game = gbt.read_efg(io.StringIO(efg))
    profile = game.mixed_behavior_profile(rational=False)
    for player in game.players:
        for infoset in player.infosets:
            for action in infoset.actions:
                profile[action] = counts[infoset.label][action.label]
    res = libgbt._logit_behavior_estimate(profile, local_max=True, first_step=0.03, max_accel=1.1)
    print(json.dumps({"lam": res.lam, "loglik": res.log_like}))
    """
)


@pytest.mark.gambit
def test_lam_and_loglik_match_pygambit_logit_estimate(gambit) -> None:
    game = build_game(load_scenario("selten-horse"))
    counts = _counts(game, 1.5)
    done = subprocess.run(
        [sys.executable, "-c", _GAMBIT],
        input=write_efg(game) + "\n%%\n" + json.dumps(counts),
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(done.stdout)
    ours = fit_qre(game, counts)
    assert ours.lam == pytest.approx(theirs["lam"], rel=1e-4)
    assert ours.loglik == pytest.approx(theirs["loglik"], abs=1e-6)
    assert ours.n_obs == pytest.approx(3000.0)
    assert np.isfinite(ours.se_lam)
    assert 0 < ours.se_lam < 0.5


def test_outcome_counts_recover_the_precision() -> None:
    game = build_game(load_scenario("selten-horse"))
    sol = logit_qre(game, lam=2.0)
    counts = {o: 10_000 * p for o, p in zip(game.outcomes, sol.outcomes[0], strict=True)}
    fit = fit_qre(game, counts)
    assert fit.kind == "outcomes"
    assert fit.lam == pytest.approx(2.0, rel=1e-5)


def test_a_payoff_parameter_is_fitted_with_the_precision() -> None:
    scenario = load_scenario("selten-horse")
    game = build_game(scenario)
    true = game.parameters.fixed({"u1_end": 1.2})
    from dataclasses import replace

    counts = _counts(replace(game, parameters=true), 1.5, scale=1e6)
    fit = fit_qre(game, counts, parameters=["u1_end"])
    assert fit.parameters["u1_end"] == pytest.approx(1.2, abs=1e-3)
    assert fit.lam == pytest.approx(1.5, rel=1e-3)
    assert "u1_end" in fit.to_frame().index


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"nowhere": {"R": 1}}, "unknown information set or outcome 'nowhere'"),
        ({"root": {"X": 1}}, "unknown action 'X'"),
        ({"root": {"R": -1}}, "must be a number >= 0"),
        ({}, "no counts given"),
    ],
)
def test_bad_counts_are_named(counts, message) -> None:
    with pytest.raises(EstimationError, match=message):
        fit_qre("selten-horse", counts)
