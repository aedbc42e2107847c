"""Cost of the perfect-information solvers per node and draw, against one numpy add.

The anchor is ``np.add(a, b, out=c)`` on float64 arrays of n_nodes x
n_draws elements: the cost of touching every node once per draw. SPE and
logit QRE are timed on the same number of node-draws (4e7: 10^5 draws of
a 400-node tree, 1.6 * 10^6 draws of the 25-node iig), on a game whose
payoffs were evaluated beforehand (so the figure is the solver: the
backward and forward passes, the strategies, outcome probabilities and
payoffs written per draw, with ``keep_strategies=True``). The full solve,
evaluating every payoff expression as well, is shown beside it.

The 400-node tree is random (``benchmarks._trees``): three players, about
one inner node in seven a chance node, every terminal its own outcome.
"""

from __future__ import annotations

from benchmarks._common import Ratio, Report, add_anchor, best_time, replay, si
from benchmarks._trees import random_tree_yaml
from escalade.game import Game, build_game
from escalade.scenario import load_scenario, load_scenario_text
from escalade.solvers import logit_qre, spe

__all__ = ["TARGETS", "run"]

#: Largest acceptable cost per node-draw, in anchors, by method.
TARGETS = {"spe": 10.0, "qre": 30.0}

#: Node-draws per timed solve.
NODE_DRAWS = 40_000_000


def _solve(method: str, game: Game, draws: object, lam: float) -> object:
    if method == "spe":
        return spe(game, draws)  # type: ignore[arg-type]
    return logit_qre(game, draws, lam=lam)  # type: ignore[arg-type]


def _measure(label: str, game: Game, node_draws: int, lam: float, quick: bool) -> Report:
    n = node_draws // game.n_nodes
    report = Report(label)
    anchor = add_anchor(game.n_nodes, n)
    report.add(f"{label}: anchor np.add", f"{si(anchor, 's')} per element ({n:,} draws)")
    draws = game.parameters.sample(n, seed=1)
    fixed = replay(game, draws, game.evaluate(draws))
    for method in ("spe", "qre"):
        _solve(method, fixed, draws.take(slice(0, min(n, 5_000))), lam)  # warm up
        seconds = best_time(lambda m=method: _solve(m, fixed, draws, lam), 1 if quick else 3)
        full = best_time(lambda m=method: _solve(m, game, draws, lam), 1)
        per = seconds / (n * game.n_nodes)
        report.add(
            f"{label}: {method}",
            f"{si(per, 's')} per node-draw = {per / anchor:.1f} anchors; "
            f"with payoff evaluation {si(full / (n * game.n_nodes), 's')}",
        )
        report.ratios.append(
            Ratio(
                f"{method.upper()} {label} per node-draw / anchor",
                per / anchor,
                TARGETS[method],
                False,
            )
        )
    return report


def run(*, quick: bool = False, lam: float = 2.0) -> Report:
    """Time SPE and QRE per node-draw on a random 400-node tree and on iig.

    Parameters
    ----------
    quick : bool
        Tiny sizes, for the smoke test.
    lam : float
        Logit precision of the QRE.
    """
    node_draws = 400_000 if quick else NODE_DRAWS
    report = Report(f"Perfect-information passes per node-draw (QRE lam={lam:g})")
    games = [
        ("random-400", build_game(load_scenario_text(random_tree_yaml(400, seed=0)))),
        ("iig", build_game(load_scenario("iig"))),
    ]
    for label, game in games:
        part = _measure(label, game, node_draws, lam, quick)
        report.rows += part.rows
        report.ratios += part.ratios
    return report
