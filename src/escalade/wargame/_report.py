"""The after-action report: each person's choices against the model, and the game
against the games the model would have played.

For every order a person gave: the equilibrium's probabilities at that
information set at that moment, the expected value of each action to the
actor, and the order's cost against the equilibrium's mix (see
:class:`~escalade.wargame.Choice`). Then the game as a whole: each
actor's discounted payoff beside the distribution of the same payoff in
simulated games where the model plays every actor (same scenario, same
levers, same rationality, same foresight), and each indicator beside how often it
happens there. Last, the claims the decisive moments touch: those cited
by the information sets of the costliest orders, and by the outcomes
and events of their periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.scenario import Policy
from escalade.simulation import SimulationResult, simulate
from escalade.wargame._game import Choice, Wargame
from escalade.wargame._views import narrative

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AfterAction", "after_action"]

#: Orders costing less than this (in payoff units) are not decisive moments.
DECISIVE = 1e-3


@dataclass(frozen=True, eq=False)
class AfterAction(ResultMixin):
    """A finished (or stopped) wargame reviewed.

    Attributes
    ----------
    wargame : Wargame
    simulated : SimulationResult or None
        Games with the model playing every actor (None for a one-shot game).
    """

    wargame: Wargame
    simulated: SimulationResult | None

    @property
    def choices(self) -> list[Choice]:
        """Every order people gave, period by period."""
        return [c for p in self.wargame.history for c in p.choices]

    def comparison(self) -> list[dict[str, Any]]:
        """Each actor's payoff in this game beside the model's games."""
        wg, sim = self.wargame, self.simulated
        out = []
        for k, (actor, value) in enumerate(wg.utility().items()):
            row: dict[str, Any] = {"actor": actor, "game": value, "human": actor in wg.setup.humans}
            if sim is not None and sim.run_utility is not None:
                runs = sim.run_utility[:, k]
                row.update(
                    model_mean=float(runs.mean()),
                    model_p05=float(np.quantile(runs, 0.05)),
                    model_p95=float(np.quantile(runs, 0.95)),
                    percentile=float((runs <= value).mean()),
                )
            elif wg.history:  # one period: the model's game is the stage game's lottery
                first = wg.history[0]
                probs = np.array(list(first.equilibrium.values()))
                payoffs = np.array(first.outcome_payoffs)[:, k]
                row.update(
                    model_mean=float(probs @ payoffs),
                    percentile=float(probs[payoffs <= value + 1e-12].sum()),
                )
            out.append(row)
        return out

    def indicators(self) -> list[dict[str, Any]]:
        """Each indicator: whether it happened in this game, how often in the model's games."""
        wg, sim = self.wargame, self.simulated
        if wg.chunk is None or sim is None:
            return []
        flags = wg.chunk.indicators()[0]
        dyn = wg.chunk.plan.dynamics
        t = len(wg.history)
        return [
            {
                "indicator": ind.name,
                "game": bool(flags[j]),
                "model": float(sim.cum_indicators[t - 1, j]),
            }
            for j, ind in enumerate(dyn.indicators)
        ]

    def claims(self) -> list[dict[str, Any]]:
        """The claims the decisive moments touch, costliest moment first."""
        wg = self.wargame
        sc = wg.scenario
        decisive = sorted(
            (c for c in self.choices if c.reached and c.cost > DECISIVE), key=lambda c: -c.cost
        )
        seen: dict[str, dict[str, Any]] = {}
        for c in decisive:
            record = wg.history[c.period - 1]
            cited = list(sc.expanded[c.node].claims)
            cited += sc.outcomes[sc.outcome_names.index(record.outcome)].claims
            if sc.dynamics is not None:
                events = {e.name: e for e in sc.dynamics.events}
                for name in record.events:
                    cited += events[name].claims
            for claim in cited:
                if claim not in seen and claim in sc.claims:
                    seen[claim] = {
                        "claim": claim,
                        "quote": sc.claims[claim].quote,
                        "moment": f"period {c.period}: {c.actor} chose {c.action} at {c.infoset}",
                        "cost": c.cost,
                    }
        return list(seen.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain values: setup, periods with narratives, choices, comparison, claims."""
        wg = self.wargame
        return json_dict(
            {
                "scenario": wg.scenario.name,
                "setup": wg.setup.to_dict(),
                "foresight": {"mode": wg.foresight, "method": wg.computed},
                "finished": wg.finished,
                "periods": [
                    {
                        "period": p.period,
                        "label": p.label,
                        "outcome": p.outcome,
                        "ruling": p.ruling,
                        "reason": p.reason,
                        "events": list(p.events),
                        "state": p.state_after,
                        "equilibrium": p.equilibrium,
                        "narrative": narrative(wg, p),
                    }
                    for p in wg.history
                ],
                "choices": [vars(c) for c in self.choices],
                "comparison": self.comparison(),
                "indicators": self.indicators(),
                "claims": self.claims(),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per order: period, actor, information set, action, its equilibrium
        probability and value, the equilibrium's value, the cost."""
        import pandas as pd

        rows = [
            {
                "period": c.period,
                "actor": c.actor,
                "infoset": c.infoset,
                "action": c.action,
                "reached": c.reached,
                "p_equilibrium": c.equilibrium[c.action],
                "value": c.values[c.action],
                "equilibrium_value": c.values[c.action] + c.cost,
                "cost": c.cost,
            }
            for c in self.choices
        ]
        columns = [
            "period",
            "actor",
            "infoset",
            "action",
            "reached",
            "p_equilibrium",
            "value",
            "equilibrium_value",
            "cost",
        ]
        return pd.DataFrame(rows, columns=columns)

    def summary(self, *, max_rows: int | None = 40) -> Summary:
        """Choices (``max_rows``), payoffs against the model's games, claims touched."""
        wg = self.wargame
        choice_rows = [
            (
                str(c.period),
                c.actor,
                c.infoset,
                c.action,
                f"{c.equilibrium[c.action]:.3f}",
                f"{c.cost:+.4f}",
                "yes" if c.reached else "no",
            )
            for c in self.choices
        ]
        comp_rows = [
            (
                r["actor"] + (" (person)" if r["human"] else ""),
                f"{r['game']:.3f}",
                f"{r.get('model_mean', float('nan')):.3f}",
                f"{r.get('percentile', float('nan')):.2f}",
            )
            for r in self.comparison()
        ]
        claim_rows = [(r["claim"], r["moment"], r["quote"]) for r in self.claims()]
        notes = (
            f"{len(wg.history)} period(s) played, seed {wg.setup.seed}; people played "
            + ", ".join(wg.setup.humans)
            + ".",
            "Cost: the equilibrium's expected payoff at that information set minus the "
            "chosen action's (positive: the order did worse than the model's play).",
            _foresight_note(wg),
        )
        return Summary(
            f"{wg.scenario.name}: after-action report",
            notes,
            (
                Table(
                    "Orders against the equilibrium",
                    (
                        "period",
                        "actor",
                        "information set",
                        "order",
                        "p(equilibrium)",
                        "cost",
                        "on path",
                    ),
                    clip_rows(choice_rows, max_rows),
                ),
                Table(
                    "This game against the model's games",
                    ("actor", "payoff", "model mean", "percentile"),
                    clip_rows(comp_rows, max_rows),
                ),
                Table(
                    "Claims the decisive moments touch",
                    ("claim", "moment", "quote"),
                    clip_rows(claim_rows, max_rows),
                ),
            ),
        )


def after_action(wargame: Wargame, *, runs: int = 2_000) -> AfterAction:
    """Review a wargame: its orders, and ``runs`` games with the model playing everyone.

    Examples
    --------
    >>> import escalade
    >>> from escalade.wargame import Setup, Wargame
    >>> wg = Wargame(escalade.load("korea-2017"), Setup(humans=("USA",), seed=1, periods=2))
    >>> orders = {h: wg.game.actions_of(i)[-1] for h, i in wg.infosets_of("USA").items()}
    >>> while not wg.finished:
    ...     _ = wg.play({"USA": orders})
    >>> aar = after_action(wg, runs=200)
    >>> aar.to_frame().shape[0] == len(orders) * len(wg.history)
    True
    """
    simulated = None
    if wargame.chunk is not None:
        setup = wargame.setup
        simulated = simulate(
            wargame.scenario,
            Policy("model play", levers=dict(setup.levers)),
            runs=runs,
            seed=setup.seed,
            lam=setup.lam,
            periods=wargame.horizon,
            game=wargame.game,
            foresight=wargame.foresight,
        )
    return AfterAction(wargame, simulated)


def _foresight_note(wg: Wargame) -> str:
    """Which foresight the model played with: the units of the equilibrium and the costs."""
    if wg.foresight == "myopic":
        return (
            "Model foresight myopic: actors weigh each period's payoffs alone, and costs are "
            "in those payoffs."
        )
    return (
        f"Model foresight {wg.foresight} ({wg.computed} continuation values): actors weigh "
        "each outcome at its payoff plus what follows it to the horizon, and equilibrium "
        "probabilities and costs are in those forward-looking payoffs."
    )
