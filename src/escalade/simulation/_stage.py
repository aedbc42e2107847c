"""One stage game at one point: the tree with its equilibrium, node by node.

A simulation solves each period's stage game for thousands of runs and
keeps only the outcome probabilities. To look at one stage game (a
what-if view, a wargame turn) one wants more of it: every node's
probability, the behaviour strategy at each information set, the
expected payoff of every node to every player under that strategy, and
what each action is worth to its mover given what the mover believes.
:func:`stage_game` solves one stage game (one parameter set, one state,
one policy) and returns all of it as a :class:`StageGame`.

The stage game's payoffs come from the same place as the simulation's
(:class:`~escalade.simulation._chunk.Chunk`'s ``stage`` step for a
scenario with dynamics), so whatever the simulation puts into a period's
payoffs, this view shows. Actors who look ahead (``foresight``, by
default the scenario's ``dynamics: foresight:``) play the first period's
stage game with each outcome's payoff plus what follows it, the payoffs
:func:`~escalade.simulation.simulate` plays its start with: the strategies
are then those of the ``start`` of its result, and every node's payoff and
every action's value is in those forward-looking units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import ParameterError
from escalade.game import CHANCE, DECISION, Game, GameValues, build_game
from escalade.scenario import Policy, Scenario
from escalade.simulation._chunk import Chunk, Plan
from escalade.simulation._engine import FREE_PLAY, _policy
from escalade.simulation._stage_ahead import foresight_of, start_ahead
from escalade.solvers import resolve_fixed, solve_values

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["StageGame", "node_values", "solve_point", "stage_game", "stage_values"]

FloatArray = NDArray[np.float64]

#: Logit precision of a scenario without dynamics (no ``rationality:``) when none is given.
STATIC_LAM = 1.0


@dataclass(frozen=True)
class StagePoint:
    """Where a stage game is taken: parameters, levers, state, period.

    Attributes
    ----------
    values : GameValues
        Payoffs and chance probabilities (one draw).
    lam : float
        Logit precision.
    env : dict of str to ndarray
        The environment the values came from (parameters, levers, state, derived).
    """

    values: GameValues
    lam: float
    env: dict[str, Any]


def stage_values(
    scenario: Scenario,
    game: Game,
    policy: Policy,
    *,
    levers: Mapping[str, float] | None = None,
    state: Mapping[str, float] | None = None,
    period: int = 1,
    lam: float | None = None,
) -> StagePoint:
    """The stage game's values at the scenario's nominal parameters.

    Scenarios with dynamics take them from the simulation's own stage step
    (one run, in ``period``, with ``state`` replacing the initial state);
    one-shot scenarios from their parameters.

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("korea-2017")
    >>> pt = stage_values(sc, build_game(sc), Policy("free"))
    >>> pt.values.payoffs.shape, pt.lam > 0
    ((1, 21, 5), True)
    """
    settings = {**policy.levers, **(levers or {})}
    draws = scenario.parameters.nominal()
    if scenario.dynamics is None:
        env = scenario.environment(draws, levers=settings)
        return StagePoint(game.values_from_env(env, 1), STATIC_LAM if lam is None else lam, env)
    plan = Plan(
        scenario, game, scenario.dynamics, replace(policy, levers=settings), None, 1, lam, "qre"
    )
    chunk = Chunk(plan, draws, np.random.default_rng(0))
    for name, value in (state or {}).items():
        if name not in chunk.state:
            raise ParameterError(
                f"{scenario.name} has no state variable {name!r}; state: " + ", ".join(chunk.state)
            )
        chunk.state[name][:] = scenario.dynamics.state_var(name).clip(np.array([float(value)]))
    stage = chunk.stage(period)
    if stage is None:  # pragma: no cover - a fresh chunk has every run going
        raise ParameterError("no run is going")
    return StagePoint(stage.values, float(stage.lam[0]), stage.env)


def node_values(game: Game, values: GameValues, edge: FloatArray) -> FloatArray:
    """Expected payoff of every node to every player under a profile (one draw).

    Parameters
    ----------
    game : Game
    values : GameValues
        One draw.
    edge : ndarray of shape (n_nodes,)
        Probability of the edge into each node (choice or chance).

    Returns
    -------
    ndarray of shape (n_nodes, n_players)

    Examples
    --------
    >>> import escalade
    >>> g = escalade.as_game("iig")
    >>> v = node_values(g, g.nominal_values(), np.full(g.n_nodes, 0.5))
    >>> v.shape
    (25, 2)
    """
    out = np.zeros((game.n_nodes, game.n_players))
    has = np.flatnonzero(game.outcome >= 0)
    out[has] = values.payoffs[0, game.outcome[has], :]
    for level in reversed(game.levels):
        kids = np.arange(level.kids.start, level.kids.stop)
        np.add.at(out, level.parents[level.kid_parent], edge[kids, None] * out[kids])
    return out


@dataclass(frozen=True, eq=False)
class StageGame(ResultMixin):
    """A stage game solved at one point, node by node.

    Attributes
    ----------
    game : Game
    policy : str
        The policy whose levers and forced choices were applied (``"free"``: none).
    method : str
        ``"qre"`` or ``"spe"``.
    lam : float
        Logit precision used.
    strategies : ndarray of shape (n_actions,)
        Behaviour strategy (forced actions at their forced probabilities).
    forced : ndarray of bool, shape (n_actions,)
        Actions whose probability the policy fixed.
    edge, reach : ndarray of shape (n_nodes,)
        Probability of the edge into each node, and of reaching it.
    node_payoffs : ndarray of shape (n_nodes, n_players)
        Expected payoff of each node to each player under the profile.
    outcomes : ndarray of shape (n_outcomes,)
    payoffs : ndarray of shape (n_players,)
    outcome_payoffs : ndarray of shape (n_outcomes, n_players)
        What each outcome is worth to each player as the actors weigh it:
        its payoff this period, plus what follows it unless the actors are
        myopic.
    converged : bool
    env : dict
        The environment (parameter, lever, state and derived values).
    foresight : str
        How the actors looked ahead: ``myopic``, ``exact`` or ``approximate``
        (as computed; a one-shot scenario's actors are myopic).
    period_payoffs : ndarray of shape (n_outcomes, n_players)
        Each outcome's payoff this period alone (``outcome_payoffs`` for
        myopic actors).
    """

    game: Game
    policy: str
    method: str
    lam: float
    strategies: FloatArray
    forced: NDArray[np.bool_]
    edge: FloatArray
    reach: FloatArray
    node_payoffs: FloatArray
    outcomes: FloatArray
    payoffs: FloatArray
    outcome_payoffs: FloatArray
    converged: bool
    env: dict[str, Any]
    foresight: str = "myopic"
    period_payoffs: FloatArray | None = None

    @cached_property
    def beliefs(self) -> FloatArray:
        """Probability of each decision node given its information set is reached.

        Uniform over the set's nodes when it is reached with probability 0.
        NaN off decision nodes. Shape (n_nodes,).
        """
        out = np.full(self.game.n_nodes, np.nan)
        for nodes in self.game.infoset_nodes:
            total = float(self.reach[nodes].sum())
            out[nodes] = self.reach[nodes] / total if total > 0 else 1.0 / nodes.size
        return out

    def action_values(self, h: int) -> FloatArray:
        """Expected payoff to its mover of each action of information set ``h``.

        Given the mover's beliefs over the set's nodes and play after the
        action by the profile: the quantity the logit response weighs.

        Examples
        --------
        >>> sg = stage_game(__import__("escalade").load("iig"), lam=0.0)
        >>> sg.action_values(0).shape
        (2,)
        """
        g = self.game
        nodes = g.infoset_nodes[h]
        mover = int(g.infoset_player[h])
        lo, hi = int(g.infoset_actions[h]), int(g.infoset_actions[h + 1])
        out = np.zeros(hi - lo)
        for node in nodes:
            kids = np.flatnonzero(g.parent == node)
            for kid in kids:
                out[int(g.edge_action[kid]) - lo] += (
                    self.beliefs[node] * self.node_payoffs[kid, mover]
                )
        return out

    def infosets(self) -> list[dict[str, Any]]:
        """Each information set: player, name, label, actions with probability and value."""
        g = self.game
        out = []
        for h in range(g.n_infosets):
            lo = int(g.infoset_actions[h])
            vals = self.action_values(h)
            node = int(g.infoset_nodes[h][0])
            out.append(
                {
                    "infoset": g.infoset_names[h],
                    "player": g.players[g.infoset_player[h]],
                    "label": g.node_labels[node] if g.node_labels else "",
                    "reach": float(self.reach[g.infoset_nodes[h]].sum()),
                    "actions": [
                        {
                            "action": a,
                            "probability": float(self.strategies[lo + i]),
                            "value": float(vals[i]),
                            "forced": bool(self.forced[lo + i]),
                        }
                        for i, a in enumerate(g.actions_of(h))
                    ],
                }
            )
        return out

    def nodes(self) -> list[dict[str, Any]]:
        """Each node of the tree, root first, with its probabilities and payoffs."""
        g = self.game
        kinds = {DECISION: "decision", CHANCE: "chance"}
        out = []
        for i in range(g.n_nodes):
            k = int(g.kind[i])
            o = int(g.outcome[i])
            out.append(
                {
                    "id": i,
                    "parent": int(g.parent[i]),
                    "kind": kinds.get(k, "terminal"),
                    "edge": g.edge_labels[i] if g.edge_labels else "",
                    "label": g.node_labels[i] if g.node_labels else "",
                    "player": g.players[g.player[i]] if k == DECISION else None,
                    "infoset": g.infoset_names[g.infoset[i]] if k == DECISION else None,
                    "outcome": g.outcomes[o] if o >= 0 else None,
                    "p_edge": float(self.edge[i]),
                    "reach": float(self.reach[i]),
                    "payoffs": [float(x) for x in self.node_payoffs[i]],
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain values: the equilibrium, the tree's nodes and the information sets."""
        g = self.game
        return json_dict(
            {
                "game": g.name,
                "policy": self.policy,
                "method": self.method,
                "lam": self.lam,
                "foresight": self.foresight,
                "converged": self.converged,
                "players": list(g.players),
                "payoffs": dict(zip(g.players, self.payoffs.tolist(), strict=True)),
                "outcomes": dict(zip(g.outcomes, self.outcomes.tolist(), strict=True)),
                "infosets": self.infosets(),
                "nodes": self.nodes(),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per node: kind, path, probabilities, payoffs."""
        import pandas as pd

        rows = self.nodes()
        for r in rows:
            for p, v in zip(self.game.players, r.pop("payoffs"), strict=True):
                r[f"payoff_{p}"] = v
        return pd.DataFrame(rows).set_index("id")

    def summary(self, *, max_rows: int | None = 40) -> Summary:
        """Outcome probabilities and each information set's strategy (``max_rows`` each)."""
        g = self.game
        order = np.argsort(-self.outcomes, kind="stable")
        outcome_rows = [(g.outcomes[k], f"{self.outcomes[k]:.4f}") for k in order]
        strategy_rows = [
            (f"{i['player']}:{i['infoset']}", a["action"], f"{a['probability']:.4f}")
            for i in self.infosets()
            for a in i["actions"]
        ]
        ahead = "" if self.foresight == "myopic" else ", with what follows"
        return Summary(
            f"{g.name}: stage game under {self.policy} ({self.method}, lambda={self.lam:g}, "
            f"foresight {self.foresight})",
            tuple(
                f"{p}: expected payoff {v:.4f}{ahead}"
                for p, v in zip(g.players, self.payoffs, strict=True)
            ),
            (
                Table("Outcomes", ("outcome", "probability"), clip_rows(outcome_rows, max_rows)),
                Table(
                    "Strategies",
                    ("information set", "action", "probability"),
                    clip_rows(strategy_rows, max_rows),
                ),
            ),
        )


def stage_game(  # noqa: PLR0913 - keyword options, one per what-if control
    scenario: Scenario,
    policy: str | Policy | None = None,
    *,
    values: Mapping[str, str | float] | None = None,
    levers: Mapping[str, float] | None = None,
    state: Mapping[str, float] | None = None,
    period: int = 1,
    lam: float | None = None,
    method: str = "qre",
    game: Game | None = None,
    foresight: str | None = None,
) -> StageGame:
    """Solve one stage game of a scenario, at one point, node by node.

    Parameters
    ----------
    scenario : Scenario
    policy : str, Policy or None
        Its levers and forced choices apply; ``None`` or ``"free"``: none.
    values : mapping, optional
        Parameters fixed at these values (as ``--set``); the others stay nominal.
    levers : mapping, optional
        Lever settings on top of the policy's.
    state : mapping, optional
        State variables replacing their initial values (scenarios with dynamics).
    period : int
        The period (expressions may use ``period``); actors who look ahead
        value the whole horizon from period 1 only.
    lam : float, optional
        Logit precision; default the scenario's ``rationality`` (1.0 without dynamics).
    method : {"qre", "spe"}
    game : Game, optional
        The scenario's game if already built (saves the build).
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How the actors look ahead (default the scenario's ``foresight:``):
        with any but ``myopic`` they play the stage game with each
        outcome's payoff plus what follows it, from the state given to
        the horizon, as :func:`~escalade.simulation.simulate` plays its
        first period.

    Returns
    -------
    StageGame

    Examples
    --------
    >>> import escalade
    >>> sg = stage_game(escalade.load("korea-2017"), "talks", values={"p_detect": 0.9})
    >>> round(float(sg.outcomes.sum()), 6), sg.policy, sg.foresight
    (1.0, 'talks', 'exact')
    >>> myopic = stage_game(escalade.load("korea-2017"), "talks", foresight="myopic")
    >>> myopic.foresight, bool(np.array_equal(myopic.outcome_payoffs, myopic.period_payoffs))
    ('myopic', True)
    """
    mode = foresight_of(scenario, foresight)
    if values:
        scenario = replace(scenario, parameters=scenario.parameters.fixed(values))
    chosen = _policy(scenario, policy)
    game = build_game(scenario) if game is None else game
    if values:
        game = replace(game, parameters=scenario.parameters)
    point = stage_values(scenario, game, chosen, levers=levers, state=state, period=period, lam=lam)
    fixed = resolve_fixed(game, chosen.force)
    computed, own = "myopic", point.values.payoffs[0]
    if mode != "myopic":
        if period != 1:
            raise ParameterError(
                f"actors who look ahead value the horizon from period 1; found period {period} "
                "(use foresight: myopic for a later period's stage game alone)",
                arguments=("period", "foresight"),
            )
        settings = {**chosen.levers, **(levers or {})}
        ahead, computed = start_ahead(
            scenario, game, replace(chosen, levers=settings), fixed, state, lam, method, mode
        )
        point = replace(point, values=ahead)
    return solve_point(
        game,
        point,
        chosen,
        method=method,
        fixed=fixed,
        foresight=computed,
        period_payoffs=own,
    )


def solve_point(
    game: Game,
    point: StagePoint,
    policy: Policy,
    *,
    method: str = "qre",
    fixed: FloatArray | None = None,
    foresight: str = "myopic",
    period_payoffs: FloatArray | None = None,
) -> StageGame:
    """The stage game at ``point`` (payoffs as the actors weigh them) solved, node by node.

    ``fixed`` holds ``policy``'s forced choices (:func:`~escalade.solvers.resolve_fixed`);
    ``period_payoffs`` each outcome's payoff this period alone, when ``point``'s
    payoffs include what follows (``foresight`` says how that was computed).

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("iig")
    >>> g = build_game(sc)
    >>> sg = solve_point(g, stage_values(sc, g, Policy("free"), lam=0.0), Policy("free"))
    >>> sg.strategies[:2].tolist()
    [0.5, 0.5]
    """
    sol = solve_values(
        game, point.values, method=method, lam=point.lam, fixed=fixed, keep_strategies=True
    )
    if sol.strategies is None:
        raise RuntimeError("the solver kept no strategies though asked to (keep_strategies)")
    strategies = sol.strategies[0]
    edge = np.ones(game.n_nodes)
    dec = game.edge_action >= 0
    edge[dec] = strategies[game.edge_action[dec]]
    chance = game.edge_chance >= 0
    edge[chance] = point.values.chance[0, game.edge_chance[chance]]
    payoffs = point.values.payoffs[0]
    return StageGame(
        game=game,
        policy=policy.name if policy.name else FREE_PLAY,
        method=method,
        lam=point.lam,
        strategies=strategies,
        forced=np.zeros(game.n_actions, dtype=bool) if fixed is None else ~np.isnan(fixed),
        edge=edge,
        reach=game.node_reach(edge),
        node_payoffs=node_values(game, point.values, edge),
        outcomes=sol.outcomes[0],
        payoffs=sol.payoffs[0],
        outcome_payoffs=payoffs,
        converged=bool(sol.converged[0]),
        env=point.env,
        foresight=foresight,
        period_payoffs=payoffs if period_payoffs is None else period_payoffs,
    )
