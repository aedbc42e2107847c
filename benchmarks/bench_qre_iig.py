"""Logit QRE throughput on the International Interaction Game: escalade against Gambit.

Gambit solves one game per call: ``pygambit.qre.logit_solve_lambda`` on
the game exported as an .efg, tracing the principal branch up to
``lam``. escalade solves a whole batch of parameter draws of the same
scenario in one call. The figure compared is games solved per CPU second.
Gambit's games are read from their .efg files before timing, so its
figure leaves out building or changing the game between draws, which a
batch of draws would need; escalade's figure includes sampling nothing
(the draws are given) but does include evaluating every payoff
expression for every draw.

A few draws are also solved by both and their behaviour strategies
compared, so that the two sides are known to compute the same thing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from benchmarks._common import Ratio, Report, best_time, si
from escalade.game import Game, build_game, write_efg
from escalade.scenario import load_scenario
from escalade.solvers import logit_qre

__all__ = ["run"]

#: The throughput ratio to reach (escalade draws per second / Gambit games per second).
TARGET = 1000.0


def _gambit_order(game: Game, efg: object) -> np.ndarray:
    """escalade's action index of each entry of a Gambit behaviour profile of ``efg``.

    Gambit lists a profile player by player, information set by
    information set; the sets are matched by their labels, which
    ``write_efg`` writes from escalade's names.
    """
    index = {
        (game.infoset_names[h], game.action_names[a]): a
        for h in range(game.n_infosets)
        for a in range(game.infoset_actions[h], game.infoset_actions[h + 1])
    }
    return np.asarray(
        [
            index[(infoset.label, action.label)]
            for player in efg.players  # type: ignore[attr-defined]
            for infoset in player.infosets
            for action in infoset.actions
        ]
    )


def run(*, quick: bool = False, lam: float = 2.0) -> Report:
    """Time both solvers on ``iig`` and compare their throughput.

    Parameters
    ----------
    quick : bool
        Tiny sizes, for the smoke test.
    lam : float
        Logit precision.
    """
    import pygambit

    game = build_game(load_scenario("iig"))
    n_draws = 2_000 if quick else 1_000_000
    n_games = 2 if quick else 5
    draws = game.parameters.sample(n_draws, seed=0)
    values = game.evaluate(draws.take(slice(0, n_games)))
    report = Report(f"Logit QRE on iig (lam={lam:g}): escalade batch vs pygambit")

    worst = 0.0
    gambit_seconds = 0.0
    ours = logit_qre(game, draws.take(slice(0, n_games)), lam=lam)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_games):
            path = Path(tmp) / f"iig-{i}.efg"
            path.write_text(write_efg(game, values, draw=i))
            efg = pygambit.read_efg(str(path))
            result: list = []

            def solve(efg=efg, result=result) -> None:
                result[:] = pygambit.qre.logit_solve_lambda(efg, lam=[lam])

            gambit_seconds += best_time(solve, repeats=1 if quick else 3)
            profile = result[0]
            theirs = np.array([profile[j] for j in range(len(profile))])
            order = _gambit_order(game, efg)
            worst = max(worst, float(np.abs(theirs - ours.strategies[i][order]).max()))
    gambit_rate = n_games / gambit_seconds

    logit_qre(game, draws.take(slice(0, min(n_draws, 20_000))), lam=lam)  # warm up
    ours_seconds = best_time(lambda: logit_qre(game, draws, lam=lam), repeats=1 if quick else 2)
    our_rate = n_draws / ours_seconds

    report.add("pygambit logit_solve_lambda", f"{gambit_rate:,.1f} games/s ({n_games} games)")
    report.add("escalade logit_qre, one batch", f"{our_rate:,.0f} draws/s ({n_draws:,} draws)")
    report.add("escalade time per draw", si(ours_seconds / n_draws, "s"))
    report.add("largest strategy difference", f"{worst:.1e} (escalade vs Gambit, same draws)")
    report.ratios.append(
        Ratio("QRE iig throughput, escalade / pygambit", our_rate / gambit_rate, TARGET, True)
    )
    return report
