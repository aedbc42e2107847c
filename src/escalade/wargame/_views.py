"""What each seat of a wargame may see, and the narrative of what happened.

A person playing an actor sees what the actor knows: the period, the
state (public), the actor's own payoffs this period and, when the model's
actors look ahead, what each outcome is worth to the actor with what
follows it (the units the model weighs and orders are costed in), and at each of its
information sets the moves that lead to every node of the set (the moves
that tell its nodes apart are hidden: another actor's private
information, or chance's). After a period, a seat sees the outcome, the
events and the state, its own orders, and the other actors' decisions on
the path of play; chance's moves (private information, such as a type)
stay hidden until the game is over. The umpire sees everything.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from escalade.game import CHANCE
from escalade.wargame._game import Period, Wargame

__all__ = ["narrative", "seat_view", "umpire_view"]


def _path_steps(wg: Wargame, node: int) -> list[tuple[int, str, str]]:
    """(depth, mover, move) of each step from the root to ``node``."""
    g, out = wg.game, []
    i = node
    while i > 0:
        parent = int(g.parent[i])
        mover = "chance" if g.kind[parent] == CHANCE else g.players[g.player[parent]]
        out.append((int(g.depth[i]), mover, g.edge_labels[i]))
        i = parent
    return out[::-1]


def seen_at(wg: Wargame, h: int) -> list[dict[str, str]]:
    """The moves an actor knows were made when it is at information set ``h``."""
    nodes = [int(n) for n in wg.game.infoset_nodes[h]]
    paths = [set(_path_steps(wg, n)) for n in nodes]
    common = set.intersection(*paths) if paths else set()
    return [{"mover": m, "move": a} for _d, m, a in sorted(common)]


def _describe(wg: Wargame, outcome: str) -> str:
    label = wg.scenario.outcomes[wg.game.outcomes.index(outcome)].label
    return f"{label} ({outcome})" if label else outcome


def narrative(wg: Wargame, record: Period, *, actor: str | None = None) -> list[str]:
    """Sentences telling a period; for ``actor``, only what that actor may know."""
    lines = []
    if record.ruling == "override":
        lines.append(f"The umpire ruled: {_describe(wg, record.outcome)}. Reason: {record.reason}")
    for step in record.path:
        if step.mover == "chance":
            if actor is None:
                lines.append(f"Chance at {step.infoset}: {step.action}.")
            continue
        who = "chose" if step.by == "human" else "(model) chose"
        lines.append(f"{step.mover} {who} {step.action} at {step.infoset}.")
    if record.ruling == "play":
        lines.append(f"Outcome: {_describe(wg, record.outcome)}.")
    for name in record.events:
        lines.append(f"Event: {name}.")
    moved = [
        f"{k} {record.state_before[k]:.3g} → {v:.3g}"
        for k, v in record.state_after.items()
        if not np.isclose(v, record.state_before.get(k, v))
    ]
    if moved:
        lines.append("State: " + "; ".join(moved) + ".")
    if record.ended:
        lines.append("The game is over.")
    return lines


def _history(wg: Wargame, actor: str | None) -> list[dict[str, Any]]:
    reveal = actor is None or wg.finished
    out = []
    for r in wg.history:
        entry: dict[str, Any] = {
            "period": r.period,
            "label": r.label,
            "outcome": r.outcome,
            "events": list(r.events),
            "state": r.state_after,
            "orders": r.orders if actor is None else r.orders.get(actor, {}),
            "narrative": narrative(wg, r, actor=None if reveal else actor),
        }
        if actor is None:  # the umpire can go back to any period: where it started, the
            # model's probabilities then, how it was ruled
            entry.update(
                state_before=r.state_before,
                equilibrium=r.equilibrium,
                ruling=r.ruling,
                reason=r.reason,
                path=[vars(step) for step in r.path],
            )
        out.append(entry)
    return out


def seat_view(wg: Wargame, actor: str) -> dict[str, Any]:
    """What the person playing ``actor`` may see now."""
    out: dict[str, Any] = {
        "actor": actor,
        "period": wg.period,
        "label": wg.period_label(wg.period),
        "finished": wg.finished,
        "state": wg.state(),
        "history": _history(wg, actor),
        "foresight": wg.foresight,
        "infosets": [],
        "payoffs": {},
        "period_payoffs": {},
    }
    if wg.finished:
        return out
    sg = wg.stage()
    k = wg.game.players.index(actor)
    own = sg.outcome_payoffs if sg.period_payoffs is None else sg.period_payoffs
    # the actor's own column only: what the outcomes are worth to the others is theirs
    out["payoffs"] = dict(zip(wg.game.outcomes, map(float, sg.outcome_payoffs[:, k]), strict=True))
    out["period_payoffs"] = dict(zip(wg.game.outcomes, map(float, own[:, k]), strict=True))
    for name, h in wg.infosets_of(actor).items():
        # a node's label may name what only that node knows (a type): shown only when
        # every node of the set has the same one
        labels = {wg.game.node_labels[int(n)] for n in wg.game.infoset_nodes[h]}
        out["infosets"].append(
            {
                "infoset": name,
                "label": labels.pop() if len(labels) == 1 else "",
                "actions": list(wg.game.actions_of(h)),
                "seen": seen_at(wg, h),
            }
        )
    return out


def umpire_view(wg: Wargame) -> dict[str, Any]:
    """Everything: the seats' views, the model's equilibrium, the full narrative."""
    out: dict[str, Any] = {
        "period": wg.period,
        "label": wg.period_label(wg.period),
        "finished": wg.finished,
        "state": wg.state(),
        "humans": list(wg.setup.humans),
        "foresight": wg.foresight,
        "history": _history(wg, None),
        "utility": wg.utility(),
        "outcomes": list(wg.game.outcomes),
    }
    if not wg.finished:
        sg = wg.stage()
        out["equilibrium"] = dict(zip(wg.game.outcomes, map(float, sg.outcomes), strict=True))
    return out
