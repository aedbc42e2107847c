"""Scenario language: ``expectations:``, what the model should show, tied to claims.

A claim is cited by the elements that encode it; an expectation states
what the model's *results* should then say, so that ``escalade verify``
can check it. Three forms, each about one policy::

    expectations:
      invasion_irrational:
        says: "A U.S. invasion is the United States' worst policy"
        claims: [C12]
        policy: invasion
        is: worst                 # or best: the policy's rank for the actor
        for: USA
        in_worlds: 90%
      four_steps_pay:
        says: "The four steps make strategic impatience better for the U.S."
        policy: strategic_impatience_with_four_steps
        beats: strategic_impatience   # a higher discounted utility for the actor
        for: USA
      rok_exit_likely:
        says: "South Korea leaves the NPT, likelier than not by 2027, under sanctions"
        claims: [C7]
        policy: sanctions_default
        holds: "rok_leaves_npt > 0.5" # a condition on the policy's results
        by: 2027

A ``holds:`` condition is an expression of the usual language whose names
are the scenario's indicators (each the probability that it happens within
the horizon, or by the period ``by:`` names) and players (each one's
discounted utility over the horizon). Without ``in_worlds:`` an
expectation is judged at the parameters' nominal values; with it, by the
share of sampled worlds in which it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escalade.expr import NameKind
from escalade.scenario._checks import (
    Context,
    check_keys,
    check_name,
    claims_note,
    error_at,
    expect_map,
    expect_number,
    expect_text,
    location,
    req,
    suggest,
)
from escalade.scenario._dynamics import Dynamics
from escalade.scenario._params import Formula, Location
from escalade.scenario._policies import Policy
from escalade.scenario._yaml import YMap, YScalar

__all__ = ["Expectation", "parse_expectations"]

_KEYS = (
    "says",
    "claim",
    "claims",
    "note",
    "policy",
    "is",
    "beats",
    "for",
    "holds",
    "by",
    "in_worlds",
)
_FORMS = ("is", "beats", "holds")
_SHARE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*%\s*$")


@dataclass(frozen=True)
class Expectation:
    """What the model should show about a policy.

    Attributes
    ----------
    name : str
    says : str
        The statement, in words.
    claims : tuple of str
        The claims it tests.
    policy : str
    form : {"is", "beats", "holds"}
    rank : str or None
        ``"best"`` or ``"worst"`` (form ``is``).
    than : str or None
        The policy it should beat (form ``beats``).
    actor : str or None
        Whose utility ranks or compares policies (``for:``).
    holds : Formula or None
        The condition (form ``holds``).
    by : int or None
        The period (1, 2, ...) by which indicators are counted; ``None``
        for the whole horizon.
    by_label : str
        ``by:`` as written (a year, or a period number).
    in_worlds : float or None
        The share of sampled worlds in which it must hold; ``None``: at
        the nominal values.
    """

    name: str
    says: str
    policy: str
    form: str
    claims: tuple[str, ...] = ()
    rank: str | None = None
    than: str | None = None
    actor: str | None = None
    holds: Formula | None = None
    by: int | None = None
    by_label: str = ""
    in_worlds: float | None = None
    note: str = ""
    loc: Location | None = None

    @property
    def policies(self) -> tuple[str, ...]:
        """The policies it is about (``is`` ranks every policy: empty means all)."""
        if self.form == "beats" and self.than is not None:
            return (self.policy, self.than)
        if self.form == "holds":
            return (self.policy,)
        return ()

    def condition(self) -> str:
        """The expectation as a short formula (``invasion worst for USA``)."""
        if self.form == "is":
            return f"{self.policy} {self.rank} for {self.actor}"
        if self.form == "beats":
            return f"{self.policy} beats {self.than} for {self.actor}"
        text = self.holds.text if self.holds is not None else ""
        return f"under {self.policy}: {text}" + (f" by {self.by_label}" if self.by_label else "")


def _share(node: YMap, what: str) -> float:
    value = req(node, "in_worlds")
    if isinstance(value, YScalar) and isinstance(value.value, str):
        m = _SHARE.match(value.value)
        if m is None:
            raise value.error(
                f"{what}: in_worlds must be a share such as 0.8 or 80%, found {value.kind}"
            )
        share = float(m.group(1)) / 100
    else:
        share = expect_number(value, f"in_worlds of {what}")
    if not 0.0 < share <= 1.0:
        raise value.error(f"{what}: in_worlds must lie in (0, 1] (or 0% to 100%), found {share:g}")
    return share


def _policy(node: YMap, key: str, names: list[str], what: str) -> str:
    value = req(node, key)
    name = check_name(value, f"{key} of {what}")
    if name not in names:
        raise value.error(
            f"{what}: unknown policy {name!r}{suggest(name, names)}; policies: {', '.join(names)}"
        )
    return name


def _actor(em: YMap, form: str, ctx: Context, what: str) -> str | None:
    """The player of ``for:``, which is: and beats: need and holds: must not have."""
    if form not in ("is", "beats"):
        if "for" in em:
            raise em.key_node("for").error(
                f"{what}: for: goes with is: and beats:; a holds: condition names players itself"
            )
        return None
    if "for" not in em:
        raise em.error(f"{what}: {form}: compares utilities, so it needs for: (a player)")
    actor_node = req(em, "for")
    actor = check_name(actor_node, f"for of {what}")
    if actor not in ctx.players:
        raise actor_node.error(
            f"{what}: unknown player {actor!r}{suggest(actor, ctx.players)}; players: "
            f"{', '.join(ctx.players)}"
        )
    return actor


def parse_expectations(
    m: YMap, ctx: Context, dynamics: Dynamics | None, policies: tuple[Policy, ...]
) -> tuple[Expectation, ...]:
    """The ``expectations:`` section, read once the dynamics and the policies are known."""
    if dynamics is None or not policies:
        raise m.error(
            "expectations: are about the results of policies over time; this scenario needs "
            "dynamics: and policies: sections for them"
        )
    if not m.items:
        raise m.error(
            "expectations is empty; expected at least one expectation (leave the section out "
            "when there is none)"
        )
    names = [p.name for p in policies]
    indicators = [i.name for i in dynamics.indicators]
    out = []
    for key, spec in m.items:
        name = check_name(key, "expectation name")
        what = f"expectation {name}"
        em = expect_map(spec, what)
        check_keys(em, _KEYS, what, required=("says", "policy"))
        says = expect_text(req(em, "says"), f"says of {what}").strip()
        forms = [f for f in _FORMS if f in em]
        if len(forms) != 1:
            raise em.error(
                f"{what} needs exactly one of is: (best or worst), beats: (a policy) or holds: "
                f"(a condition), found {', '.join(forms) or 'none'}"
            )
        form = forms[0]
        policy = _policy(em, "policy", names, what)
        claims, note, _ = claims_note(em, ctx)
        actor = _actor(em, form, ctx, what)
        rank = than = holds = None
        if form == "is":
            rank_node = req(em, "is")
            rank = check_name(rank_node, f"is of {what}")
            if rank not in ("best", "worst"):
                raise rank_node.error(f"{what}: is: must be best or worst, found {rank!r}")
        elif form == "beats":
            than = _policy(em, "beats", names, what)
            if than == policy:
                raise req(em, "beats").error(f"{what}: a policy cannot beat itself ({policy})")
        else:
            holds = _condition(em, ctx, indicators, what)
        by, by_label = _by(em, dynamics, holds, ctx, what)
        share = _share(em, what) if "in_worlds" in em else None
        out.append(
            Expectation(
                name,
                says,
                policy,
                form,
                claims,
                rank,
                than,
                actor,
                holds,
                by,
                by_label,
                share,
                note,
                location(key),
            )
        )
    return tuple(out)


def _condition(em: YMap, ctx: Context, indicators: list[str], what: str) -> Formula:
    clash = sorted(set(indicators) & set(ctx.players))
    kinds: dict[str, NameKind] = dict.fromkeys(indicators, "number")
    kinds.update(dict.fromkeys(ctx.players, "number"))
    for name in clash:
        del kinds[name]  # ambiguous: an indicator and a player share the name
    saved = dict(ctx.kinds)
    ctx.kinds.clear()
    ctx.kinds.update(kinds)
    try:
        return ctx.formula(req(em, "holds"), f"condition of {what}")
    finally:
        ctx.kinds.clear()
        ctx.kinds.update(saved)


def _by(
    em: YMap, dynamics: Dynamics, holds: Formula | None, ctx: Context, what: str
) -> tuple[int | None, str]:
    if "by" not in em:
        return None, ""
    node = req(em, "by")
    if holds is None:
        raise node.error(
            f"{what}: by: counts indicators up to a period, so it goes with holds:; is: and "
            "beats: compare utilities over the whole horizon"
        )
    value = expect_number(node, f"by of {what}")
    first = dynamics.start if dynamics.start is not None else 1
    last = first + dynamics.periods - 1
    if value != int(value) or not first <= value <= last:
        unit = "a year" if dynamics.start is not None else "a period"
        raise node.error(f"{what}: by: must be {unit} from {first} to {last}, found {value:g}")
    players = sorted(holds.expr.names & set(ctx.players))
    if players:
        raise error_at(
            holds.loc,
            f"{what}: with by:, the condition counts indicators by that period, but "
            f"{players[0]!r} is a player, whose utility is over the whole horizon",
        )
    return int(value) - first + 1, str(int(value))
