"""Scenario language: ``question``, what a scenario is built to judge.

The question names the policy to judge, for which actor, and optionally
the baseline it is measured against, the indicators tables and answers
headline (``watch``) and the indicator whose probability robustness keeps
under a ceiling (``risk``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    error_at,
    listing,
    location,
    opt_text,
    req,
    suggest,
)
from escalade.scenario._dynamics import Dynamics
from escalade.scenario._params import Location
from escalade.scenario._policies import Policy
from escalade.scenario._yaml import YMap, YSeq

__all__ = ["Question", "check_question", "parse_question"]


@dataclass(frozen=True)
class Question:
    """The question a scenario is built to answer: is ``policy`` rational for ``actor``?

    ``watch`` names the indicators that tables and answers headline, most
    important first; ``risk`` the indicator whose probability robustness
    keeps under a ceiling. Both are optional.
    """

    text: str
    actor: str
    policy: str
    baseline: str | None = None
    loc: Location | None = None
    watch: tuple[str, ...] = ()
    risk: str | None = None
    #: Where each indicator name of ``watch`` and ``risk`` is written, for errors.
    refs: tuple[tuple[str, Location], ...] = field(default=(), compare=False, repr=False)
    #: Where ``policy`` and ``baseline`` are written, for errors.
    policy_refs: tuple[tuple[str, Location], ...] = field(default=(), compare=False, repr=False)


def parse_question(m: YMap, ctx: Context) -> Question:
    """The ``question:`` section (its policies and indicators are checked later)."""
    check_keys(
        m,
        ("text", "actor", "policy", "baseline", "watch", "risk"),
        "question",
        required=("text", "actor", "policy"),
    )
    actor_node = req(m, "actor")
    actor = check_name(actor_node, "actor")
    if actor not in ctx.players:
        raise actor_node.error(
            f"question: unknown player {actor!r}; players: {', '.join(ctx.players)}"
        )
    refs: list[tuple[str, Location]] = []
    watch: list[str] = []
    if "watch" in m:
        node = req(m, "watch")
        if not isinstance(node, YSeq) or not node.items:
            raise node.error(
                f"question: watch must be a list of indicator names, found {node.kind}"
            )
        for item in node.items:
            name = check_name(item, "question: watch: indicator")
            if name in watch:
                raise item.error(f"question: watch lists the indicator {name!r} twice")
            watch.append(name)
            refs.append((name, location(item)))
    risk = None
    if "risk" in m:
        node = req(m, "risk")
        risk = check_name(node, "question: risk indicator")
        refs.append((risk, location(node)))
    policy_node = req(m, "policy")
    policy = check_name(policy_node, "policy")
    policy_refs = [(policy, location(policy_node))]
    baseline = None
    if "baseline" in m:
        baseline_node = req(m, "baseline")
        baseline = check_name(baseline_node, "baseline")
        if baseline == policy:
            raise baseline_node.error(
                f"question: the baseline is the policy itself ({policy!r}); expected the "
                "policy it is measured against"
            )
        policy_refs.append((baseline, location(baseline_node)))
    return Question(
        opt_text(m, "text"),
        actor,
        policy,
        baseline,
        location(m),
        tuple(watch),
        risk,
        tuple(refs),
        tuple(policy_refs),
    )


def check_question(q: Question, policies: tuple[Policy, ...], dynamics: Dynamics | None) -> None:
    """The question's policies and indicators must exist."""
    names = [p.name for p in policies]
    for value, loc in q.policy_refs or ((q.policy, q.loc), (q.baseline, q.loc)):
        if value is not None and value not in names:
            raise error_at(
                loc,
                f"question: unknown policy {value!r}{suggest(value, names)}; policies: "
                f"{', '.join(names) or 'none (add a policies: section)'}",
            )
    indicators = [i.name for i in dynamics.indicators] if dynamics is not None else []
    for name, loc in q.refs:
        if name not in indicators:
            raise error_at(
                loc,
                f"question: unknown indicator {name!r}{suggest(name, indicators)}; "
                f"indicators: {listing(indicators)}",
            )
