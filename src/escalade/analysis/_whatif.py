"""What if: one point of a scenario's parameters, its stage game and every policy's.

An analyst moves one assumption and wants to see, at once, how the stage
game's equilibrium moves and how the policies compare there.
:func:`what_if` solves the stage game at the given parameter values,
lever settings and policy, and the same stage game under every policy of
the scenario (free play first), and returns them as a :class:`WhatIf`.
:func:`controls` describes what can be moved: each parameter with its
nominal value and range (a number) or its categories, each lever, each
policy, each state variable.

The stage game is the one a simulation plays in its first period (see
:func:`escalade.simulation.stage_game`): it is not a simulation of the
crisis over time, which :func:`escalade.analyze` runs. Its actors look
ahead as the scenario's ``dynamics: foresight:`` says (or as asked): then
each outcome is weighed at its payoff plus what follows it to the
horizon, and the equilibrium is the one
:func:`~escalade.simulation.simulate` starts from (its ``start``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict, json_ready
from escalade.errors import ParameterError
from escalade.game import Game, build_game
from escalade.scenario import FORESIGHT, Parameter, Scenario
from escalade.simulation import FREE_PLAY, StageGame, stage_game

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["WhatIf", "controls", "parameter_range", "what_if"]

#: Quantiles bounding a slider over a distribution with unbounded support.
TAIL = 0.005


def parameter_range(param: Parameter) -> tuple[float, float]:
    """The range a slider over ``param`` spans: its support, or its 0.5%-99.5% quantiles
    when the support is unbounded; a fixed parameter's own value at both ends.

    Examples
    --------
    >>> import escalade
    >>> sc = escalade.load("iig")
    >>> parameter_range(sc.parameters["PA"])
    (0.2, 0.8)
    """
    if param.dist is None:
        return (param.nominal, param.nominal)
    low, high = param.dist.support
    if not math.isfinite(low) or not math.isfinite(high):
        q = param.dist.ppf(np.array([TAIL, 1.0 - TAIL]))
        low = low if math.isfinite(low) else float(q[0])
        high = high if math.isfinite(high) else float(q[1])
    return (float(low), float(high))


def controls(scenario: Scenario) -> dict[str, Any]:
    """What a what-if can move: parameters, levers, policies, state variables.

    Returns
    -------
    dict
        ``parameters``: name, label, note, claims, ``kind`` (``number`` or
        ``category``), ``nominal``, and ``low``/``high`` (numbers; equal for
        a fixed parameter) or ``choices`` (categories); ``levers``: name,
        label, kind, note; ``policies``: name, label, note (free play
        first); ``state``: name, initial value, bounds; ``foresight``: the
        scenario's and the choices (None without dynamics).

    Examples
    --------
    >>> import escalade
    >>> c = controls(escalade.load("korea-2017"))
    >>> c["policies"][0]["name"], len(c["levers"]) > 0
    ('free', True)
    """
    params = []
    for p in scenario.parameters:
        entry: dict[str, Any] = {
            "name": p.name,
            "label": p.label,
            "note": p.note,
            "claims": list(p.claims),
            "uncertain": p.uncertain,
        }
        if p.choices is not None:
            entry.update(
                kind="category", nominal=p.format_value(p.nominal), choices=list(p.choices)
            )
        else:
            low, high = parameter_range(p)
            entry.update(kind="number", nominal=p.nominal, low=low, high=high)
        params.append(entry)
    levers = [
        {"name": lv.name, "label": lv.label, "kind": lv.kind, "note": lv.note}
        for lv in scenario.levers
    ]
    policies = [{"name": FREE_PLAY, "label": "Free play (no policy)", "note": ""}]
    policies += [{"name": p.name, "label": p.label, "note": p.note} for p in scenario.policies]
    state = []
    foresight = None
    if scenario.dynamics is not None:
        for v in scenario.dynamics.state:
            state.append({"name": v.name, "low": v.low, "high": v.high})
        foresight = {"default": scenario.dynamics.foresight, "choices": list(FORESIGHT)}
    return json_dict(
        {
            "parameters": params,
            "levers": levers,
            "policies": policies,
            "state": state,
            "foresight": foresight,
        }
    )


@dataclass(frozen=True, eq=False)
class WhatIf(ResultMixin):
    """A stage game at one point, and the same stage game under every policy.

    Attributes
    ----------
    scenario : Scenario
        With the what-if's parameter values fixed.
    stage : StageGame
        Under the chosen policy and lever settings.
    policies : dict of str to StageGame
        Under each policy (free play first), with only the policy's levers;
        empty when the what-if was asked without its policy table.
    actor : str or None
        The question's actor, whose payoff the policy table ranks by.
    seconds : float
        How long solving took (with foresight: computing the continuation
        values of the policies solved too).
    """

    scenario: Scenario
    stage: StageGame
    policies: dict[str, StageGame]
    actor: str | None
    seconds: float = 0.0

    def policy_rows(self) -> list[dict[str, Any]]:
        """One row per policy: payoffs per player, outcome probabilities."""
        g = self.stage.game
        return [
            {
                "policy": name,
                "payoffs": dict(zip(g.players, sg.payoffs.tolist(), strict=True)),
                "outcomes": dict(zip(g.outcomes, sg.outcomes.tolist(), strict=True)),
            }
            for name, sg in self.policies.items()
        ]

    def to_dict(self) -> dict[str, Any]:
        """The stage game's dict and the policy table."""
        out = json_dict(
            {
                "scenario": self.scenario.name,
                "actor": self.actor,
                "foresight": self.stage.foresight,
                "seconds": self.seconds,
            }
        )
        out["stage"] = self.stage.to_dict()  # plain values already
        out["policies"] = json_ready(self.policy_rows())
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per policy: each player's payoff and each outcome's probability."""
        import pandas as pd

        rows = []
        for r in self.policy_rows():
            row: dict[str, Any] = {"policy": r["policy"]}
            row.update({f"payoff_{k}": v for k, v in r["payoffs"].items()})
            row.update({f"p_{k}": v for k, v in r["outcomes"].items()})
            rows.append(row)
        if not rows:  # asked without the policy table
            return pd.DataFrame(index=pd.Index([], name="policy"))
        return pd.DataFrame(rows).set_index("policy")

    def summary(self, *, max_rows: int | None = 40) -> Summary:
        """The policy table (``max_rows`` policies; none without one), then the stage
        game's summary."""
        g = self.stage.game
        actor = self.actor or g.players[0]
        k = g.players.index(actor)
        rows = [
            (name, f"{sg.payoffs[k]:.4f}", g.outcomes[int(np.argmax(sg.outcomes))])
            for name, sg in self.policies.items()
        ]
        ahead = "" if self.stage.foresight == "myopic" else " with what follows"
        table = Table(
            f"Policies (stage game, payoff to {actor}{ahead})",
            ("policy", "payoff", "likeliest outcome"),
            clip_rows(rows, max_rows),
        )
        inner = self.stage.summary(max_rows=max_rows)
        tables = (table, *inner.tables) if rows else inner.tables
        return Summary(f"{self.scenario.name}: what if", inner.notes, tables)


def what_if(  # noqa: PLR0913 - keyword options, one per what-if control
    scenario: Scenario,
    *,
    values: Mapping[str, str | float] | None = None,
    levers: Mapping[str, float] | None = None,
    policy: str | None = None,
    state: Mapping[str, float] | None = None,
    lam: float | None = None,
    game: Game | None = None,
    foresight: str | None = None,
    table: bool | Sequence[str] = True,
) -> WhatIf:
    """The stage game at one point, under a policy and under every policy.

    Parameters
    ----------
    scenario : Scenario
    values : mapping, optional
        Parameter values (numbers, or category names), the others nominal.
    levers : mapping, optional
        Lever settings added to the chosen policy's (0 off, 1 on).
    policy : str, optional
        The policy of the main stage game (default free play).
    state : mapping, optional
        State variables replacing their initial values.
    lam : float, optional
        Logit precision (default the scenario's rationality).
    game : Game, optional
        The scenario's game if already built: a server answering many
        what-ifs builds it once.
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How the actors look ahead (default the scenario's ``foresight:``).
    table : bool or sequence of str
        Solve every policy's stage game too (True, the default), none
        (False), or those named (free play is ``"free"``), in the
        scenario's order. With foresight each one needs its own
        continuation values: a view that redraws as a slider moves can ask
        for the stage game first and the table's rows after.

    Returns
    -------
    WhatIf

    Examples
    --------
    >>> import escalade
    >>> w = what_if(escalade.load("korea-2017"), values={"p_detect": 0.8}, policy="talks")
    >>> list(w.policies)[:2], w.stage.policy, w.stage.foresight
    (['free', 'sanctions_default'], 'talks', 'exact')
    >>> what_if(escalade.load("korea-2017"), policy="talks", table=False).policies
    {}
    >>> list(what_if(escalade.load("korea-2017"), table=["talks", "free"]).policies)
    ['free', 'talks']
    """
    started = time.perf_counter()
    game = build_game(scenario) if game is None else game
    if values:
        scenario = replace(scenario, parameters=scenario.parameters.fixed(values))
        game = replace(game, parameters=scenario.parameters)
    common: dict[str, Any] = {"state": state, "lam": lam, "game": game, "foresight": foresight}
    stage = stage_game(scenario, policy, levers=levers, **common)
    names = [FREE_PLAY, *(p.name for p in scenario.policies)]
    if isinstance(table, str):
        table = [table]
    if not isinstance(table, bool):
        unknown = sorted(set(table) - set(names))
        if unknown:
            raise ParameterError(
                f"unknown policy {unknown[0]!r} in the policy table; policies: {', '.join(names)}"
            )
        names = [n for n in names if n in set(table)]
    elif not table:
        names = []
    policies = {n: stage_game(scenario, n, **common) for n in names}
    actor = scenario.question.actor if scenario.question is not None else None
    return WhatIf(scenario, stage, policies, actor, time.perf_counter() - started)
