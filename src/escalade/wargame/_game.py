"""A wargame: people play some actors of a scenario, the model plays the others.

Each period, the model solves the stage game at the current state (logit
QRE at the scenario's rationality, or a stated lambda: the same stage
game a simulation plays, see :func:`escalade.simulation.stage_game`).
Every person gives orders: an action at each of their actor's
information sets (what to do if play gets there). The model then
adjudicates: it walks the tree from the root, each chance node and each
model-played actor drawing from its equilibrium probabilities, each
person's actor playing its orders; the outcome reached changes the state
as the scenario says, events fire, the state moves (the simulation's own
steps, for one run). An umpire may instead rule the outcome, with a
reason.

Randomness is drawn per period from the game's seed, one uniform number
per tree node and per event, before anything is chosen: the same seed
and the same orders give the same game, and different orders face the
same luck. A game is therefore its setup plus its log of orders and
rulings, which is how it is stored and replayed.

Foresight: model-played actors solve each period's stage game as the
simulation does, looking ahead as :data:`FORESIGHT` says (default the
scenario's ``dynamics: foresight:``, so a game plays the model
:func:`~escalade.simulation.simulate` plays). Actors who look ahead weigh
each outcome at its payoff plus what follows it from the state it leads
to; the continuation values are computed once per game (its parameter
values and levers, one world) and kept per process, since a game is
replayed from its log. Every equilibrium probability, action value and
order's cost is in those units. A game stored with ``"stage"`` (before
the simulation looked ahead) is played myopically, as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ParameterError
from escalade.game import CHANCE, TERMINAL, GameValues, build_game
from escalade.scenario import FORESIGHT, Policy, Scenario
from escalade.simulation import StageGame, stage_game
from escalade.simulation._chunk import Chunk, Plan
from escalade.simulation._stage import StagePoint, solve_point
from escalade.simulation._stage_ahead import ahead_payoffs, cache_key, foresight_of, lookahead
from escalade.solvers import resolve_fixed

__all__ = ["FORESIGHT", "Choice", "Period", "Setup", "Step", "Wargame"]

#: A stored game's foresight from before the simulation looked ahead: myopic.
LEGACY_STAGE = "stage"

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Setup:
    """How a wargame is set up.

    Attributes
    ----------
    humans : tuple of str
        The actors people play; the model plays the others.
    seed : int
        The game's luck.
    levers : mapping of str to float
        Lever settings for the whole game.
    values : mapping of str to str or float
        Parameters fixed at these values; the others stay nominal.
    lam : float or None
        The model's logit precision (default: the scenario's rationality).
    periods : int or None
        Overrides the scenario's horizon.
    foresight : str or None
        How model-played actors look ahead: one of :data:`FORESIGHT`
        (default None: the scenario's); ``"stage"`` (older games) is myopic.
    """

    humans: tuple[str, ...]
    seed: int = 0
    levers: Mapping[str, float] = field(default_factory=dict)
    values: Mapping[str, str | float] = field(default_factory=dict)
    lam: float | None = None
    periods: int | None = None
    foresight: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for storing the game)."""
        return {
            "humans": list(self.humans),
            "seed": self.seed,
            "levers": dict(self.levers),
            "values": dict(self.values),
            "lam": self.lam,
            "periods": self.periods,
            "foresight": self.foresight,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Setup:
        """The setup :meth:`to_dict` wrote."""
        return cls(
            humans=tuple(data["humans"]),
            seed=int(data["seed"]),
            levers=dict(data.get("levers", {})),
            values=dict(data.get("values", {})),
            lam=data.get("lam"),
            periods=data.get("periods"),
            # a game stored before games had a choice was played on stage payoffs
            foresight=data.get("foresight", LEGACY_STAGE),
        )


@dataclass(frozen=True)
class Step:
    """One move on the path of play: who moved where, and what was played."""

    node: int
    mover: str  # an actor, or "chance"
    by: str  # "human", "model" or "chance"
    infoset: str
    action: str
    probability: float  # the equilibrium's (or chance's) probability of that action


@dataclass(frozen=True)
class Choice:
    """A person's order at one information set, beside the equilibrium there.

    ``cost`` is the expected payoff to the actor of the equilibrium's mix at
    that information set minus that of the chosen action (both with play
    after it by the equilibrium): what the order cost against the model's
    play, in the actor's own payoff units (negative when it did better).
    """

    period: int
    actor: str
    infoset: str
    node: int
    action: str
    equilibrium: dict[str, float]
    values: dict[str, float]
    cost: float
    reached: bool


@dataclass(frozen=True)
class Period:
    """What happened in one period."""

    period: int
    label: str
    orders: dict[str, dict[str, str]]
    path: tuple[Step, ...]
    outcome: str
    ruling: str  # "play", or "override" by the umpire
    reason: str
    events: tuple[str, ...]
    state_before: dict[str, float]
    state_after: dict[str, float]
    choices: tuple[Choice, ...]
    equilibrium: dict[str, float]  # the stage game's outcome probabilities
    ended: bool
    #: each outcome's payoffs this period, shape (n_outcomes, n_players), as lists
    outcome_payoffs: tuple[tuple[float, ...], ...] = ()


class Wargame:
    """One wargame's state: play it period by period with :meth:`play`.

    Parameters
    ----------
    scenario : Scenario
    setup : Setup

    Examples
    --------
    >>> import escalade
    >>> wg = Wargame(escalade.load("korea-2017"), Setup(humans=("USA",), seed=3))
    >>> sorted(wg.infosets_of("USA"))[:3]
    ['US_detected_sanctions', 'US_detected_talks', 'US_track']
    >>> orders = {h: wg.game.actions_of(i)[0] for h, i in wg.infosets_of("USA").items()}
    >>> p = wg.play({"USA": orders})
    >>> p.period, wg.period, wg.foresight
    (1, 2, 'full')
    """

    def __init__(self, scenario: Scenario, setup: Setup) -> None:
        asked = "myopic" if setup.foresight == LEGACY_STAGE else setup.foresight
        #: how model-played actors look ahead (as asked, or the scenario's)
        self.foresight = foresight_of(scenario, asked)
        unknown = [h for h in setup.humans if h not in scenario.player_names]
        if unknown or not setup.humans:
            raise ParameterError(
                f"people must play some of the actors {list(scenario.player_names)}, "
                f"found {list(setup.humans)}"
            )
        if setup.values:
            scenario = replace(scenario, parameters=scenario.parameters.fixed(setup.values))
        self.scenario = scenario
        self.setup = setup
        self.game = build_game(scenario)
        dyn = scenario.dynamics
        self.horizon = 1 if dyn is None else (setup.periods or dyn.periods)
        if self.horizon < 1:
            raise ParameterError(f"periods must be >= 1, found {setup.periods}")
        self.chunk: Chunk | None = None
        #: how the continuation values were computed (``myopic``, ``exact``, ``approximate``)
        self.computed = "myopic"
        if dyn is not None:
            policy = Policy("wargame", levers=dict(setup.levers))
            plan = Plan(scenario, self.game, dyn, policy, None, self.horizon, setup.lam, "qre")
            world = scenario.parameters.nominal()
            key = None
            if scenario.text_hash:  # the text and the setup decide the values
                key = cache_key("wargame", scenario.text_hash, setup.to_dict(), self.horizon)
            values, info = lookahead(plan, world, self.foresight, seed=setup.seed, key=key)
            self.computed = info.method
            self.chunk = Chunk(plan, world, np.random.default_rng(0), values=values)
        self.history: list[Period] = []
        self._stage: StageGame | None = None
        # a one-shot game's payoffs, once played (a game with dynamics keeps them in its chunk)
        self._one_shot = np.zeros(self.game.n_players)

    # ---------------------------------------------------------------- where we are
    @property
    def period(self) -> int:
        """The period to play next (1-based)."""
        return len(self.history) + 1

    @property
    def finished(self) -> bool:
        """Whether the game is over (horizon reached, or an outcome ended it)."""
        return bool(self.history and self.history[-1].ended)

    def period_label(self, t: int) -> str:
        """A period's label (a year when the scenario has a start)."""
        dyn = self.scenario.dynamics
        return dyn.period_label(t) if dyn is not None else str(t)

    def state(self) -> dict[str, float]:
        """The state variables now."""
        if self.chunk is None:
            return {}
        return {k: float(v[0]) for k, v in self.chunk.state.items()}

    def stage(self) -> StageGame:
        """The current period's stage game, solved (the model's equilibrium), with the
        payoffs model-played actors weigh (see the module docstring)."""
        if self._stage is not None:
            return self._stage
        policy = Policy("wargame", levers=dict(self.setup.levers))
        chunk = self.chunk
        if chunk is None:
            self._stage = stage_game(self.scenario, policy, lam=self.setup.lam, game=self.game)
            return self._stage
        chunk._env = None  # a new period: its environment anew, as Chunk.play_period does
        stage = chunk.stage(self.period)
        if stage is None:  # pragma: no cover - a game with no run going is finished
            raise ParameterError("the game is over")
        weighed = ahead_payoffs(chunk.values, chunk, stage)
        point = StagePoint(
            GameValues(weighed[:1], stage.values.chance[:1]), float(stage.lam[0]), stage.env
        )
        self._stage = solve_point(
            self.game,
            point,
            policy,
            fixed=resolve_fixed(self.game, policy.force),
            foresight=self.computed,
            period_payoffs=stage.values.payoffs[0],
        )
        return self._stage

    def infosets_of(self, actor: str) -> dict[str, int]:
        """The information sets where ``actor`` moves: name -> index."""
        g = self.game
        return {
            g.infoset_names[h]: h
            for h in range(g.n_infosets)
            if g.players[g.infoset_player[h]] == actor
        }

    # ---------------------------------------------------------------- orders
    def check_orders(self, actor: str, orders: Mapping[str, str]) -> dict[str, str]:
        """``orders`` for ``actor``, checked: an action at each of its information sets."""
        if actor not in self.setup.humans:
            raise ParameterError(f"{actor} is played by the model, not by a person")
        sets = self.infosets_of(actor)
        missing = sorted(set(sets) - set(orders))
        extra = sorted(set(orders) - set(sets))
        if missing or extra:
            raise ParameterError(
                f"{actor}'s orders must name each of its information sets {sorted(sets)}; "
                f"missing {missing}, unknown {extra}"
            )
        for name, action in orders.items():
            actions = self.game.actions_of(sets[name])
            if action not in actions:
                raise ParameterError(
                    f"{actor} at {name}: no action {action!r}; actions: {', '.join(actions)}"
                )
        return {k: str(v) for k, v in orders.items()}

    # ---------------------------------------------------------------- a period
    def _uniforms(self) -> tuple[FloatArray, FloatArray]:
        """This period's luck: one number per node, one per event, fixed by seed and period."""
        rng = np.random.default_rng([self.setup.seed, self.period])
        n_events = len(self.scenario.dynamics.events) if self.scenario.dynamics else 0
        return rng.random(self.game.n_nodes), rng.random(n_events)

    def _walk(
        self, sg: StageGame, orders: Mapping[str, Mapping[str, str]], u: FloatArray
    ) -> tuple[list[Step], int]:
        g, i, steps = self.game, 0, []
        while g.kind[i] != TERMINAL:
            first = int(g.first_child[i])
            kids = np.arange(first, first + int(g.n_children[i]))
            probs = sg.edge[kids]
            if g.kind[i] == CHANCE:
                mover, by, where = "chance", "chance", g.node_labels[i] or g.node_paths[i] or "root"
            else:
                mover, where = g.players[g.player[i]], g.infoset_names[g.infoset[i]]
                by = "human" if mover in orders else "model"
            if by == "human":
                chosen = orders[mover][where]
                k = next(int(c) for c in kids if g.edge_labels[c] == chosen)
            else:
                cdf = np.cumsum(probs)
                k = int(kids[min(int((cdf < u[i] * cdf[-1]).sum()), kids.size - 1)])
            steps.append(Step(i, mover, by, where, g.edge_labels[k], float(sg.edge[k])))
            i = k
        return steps, int(g.outcome[i])

    def _choices(
        self, sg: StageGame, orders: Mapping[str, Mapping[str, str]], path: list[Step]
    ) -> list[Choice]:
        g, out = self.game, []
        on_path = {s.infoset for s in path if s.by == "human"}
        for actor, given in orders.items():
            for name, action in given.items():
                h = self.infosets_of(actor)[name]
                lo, acts = int(g.infoset_actions[h]), g.actions_of(h)
                probs = sg.strategies[lo : lo + len(acts)]
                values = sg.action_values(h)
                chosen = acts.index(action)
                out.append(
                    Choice(
                        period=self.period,
                        actor=actor,
                        infoset=name,
                        node=int(g.infoset_nodes[h][0]),
                        action=action,
                        equilibrium=dict(zip(acts, map(float, probs), strict=True)),
                        values=dict(zip(acts, map(float, values), strict=True)),
                        cost=float(probs @ values - values[chosen]),
                        reached=name in on_path,
                    )
                )
        return out

    def play(
        self,
        orders: Mapping[str, Mapping[str, str]],
        *,
        override: str | None = None,
        reason: str = "",
    ) -> Period:
        """Adjudicate the current period.

        Parameters
        ----------
        orders : mapping
            Actor -> {information set: action}, for the actors people play
            who gave orders; the model plays the others (and people who gave none).
        override : str, optional
            An outcome the umpire rules instead of play (with ``reason``).

        Returns
        -------
        Period
            Also appended to :attr:`history`.
        """
        if self.finished or self.period > self.horizon:
            raise ParameterError("the game is over")
        checked = {a: self.check_orders(a, o) for a, o in orders.items()}
        sg = self.stage()
        u_nodes, u_events = self._uniforms()
        before = self.state()
        if override is None:
            path, outcome = self._walk(sg, checked, u_nodes)
        else:
            if override not in self.game.outcomes:
                raise ParameterError(
                    f"no outcome {override!r}; outcomes: {', '.join(self.game.outcomes)}"
                )
            if not reason.strip():
                raise ParameterError("an umpire's ruling needs a reason")
            path, outcome = [], self.game.outcomes.index(override)
            self._check_reachable(sg, outcome)
        events, ended = self._advance(outcome, u_events)
        record = Period(
            period=self.period,
            label=self.period_label(self.period),
            orders=checked,
            path=tuple(path),
            outcome=self.game.outcomes[outcome],
            ruling="play" if override is None else "override",
            reason=reason,
            events=events,
            state_before=before,
            state_after=self.state(),
            choices=tuple(self._choices(sg, checked, path)),
            equilibrium=dict(zip(self.game.outcomes, map(float, sg.outcomes), strict=True)),
            ended=ended or self.period >= self.horizon,
            outcome_payoffs=tuple(tuple(map(float, row)) for row in _own(sg)),
        )
        self.history.append(record)
        self._stage = None
        return record

    def _check_reachable(self, sg: StageGame, outcome: int) -> None:
        """Refuse a ruling exact values cannot follow: an outcome that cannot happen at
        this state (a chance branch on every way to it has probability 0) leads to a
        state they never valued."""
        if self.computed != "exact":
            return
        g = self.game
        edge = np.where(g.edge_action >= 0, 1.0, sg.edge)
        reach = g.outcome_probabilities(g.node_reach(edge[:, None]))[:, 0]
        if reach[outcome] <= 0:
            raise ParameterError(
                f"{g.outcomes[outcome]} cannot happen at this state (chance never leads to "
                "it), and the model's exact foresight values only what can; rule another "
                "outcome, or play the game with foresight myopic or approximate"
            )

    def _advance(self, outcome: int, u_events: FloatArray) -> tuple[tuple[str, ...], bool]:
        """Apply the outcome, fire events, move the state: the simulation's steps, one run."""
        chunk, t = self.chunk, self.period
        if chunk is None:
            self._one_shot = _own(self.stage())[outcome].copy()
            return (), True
        stage = chunk.stage(t)
        if stage is None:  # pragma: no cover - play() refuses a finished game
            raise ParameterError("the game is over")
        probs = np.zeros((1, self.game.n_outcomes))
        probs[0, outcome] = 1.0
        chunk.play_outcome(t, stage, probs, np.array([0.5]))
        dyn = chunk.plan.dynamics
        chunk.fired[:] = 0
        if dyn.events and chunk.alive.any():
            chunk.fire_events(t, u_events[None, :])
        if dyn.update and chunk.alive.any():
            chunk.update(t)
        if chunk.values is not None:
            chunk.values.advance(chunk, t)
        chunk.discount *= chunk.delta
        fired = tuple(ev.name for j, ev in enumerate(dyn.events) if int(chunk.fired[0]) >> j & 1)
        return fired, not bool(chunk.alive[0])

    def utility(self) -> dict[str, float]:
        """Each actor's discounted payoff so far (as a simulation scores a run)."""
        values = self._one_shot if self.chunk is None else self.chunk.utility[0]
        return dict(zip(self.game.players, map(float, values), strict=True))


def _own(sg: StageGame) -> FloatArray:
    """Each outcome's payoffs this period alone (without what follows it)."""
    return sg.outcome_payoffs if sg.period_payoffs is None else sg.period_payoffs
