"""What the simulation decides: the screen of a crisis over time and its findings.

Every policy (and free play) is simulated in the sampled worlds with every
part of the tree reported (:mod:`._instrument`): outcomes, branches and
events no run reaches, indicators that never vary or count mostly what
their name does not say, state that never moves and policies that give
the same results are read from those runs. Then every parameter the logic
leaves alive is moved across its range under each policy until one shows
an effect (a quick look with a quarter of the runs, then every run, then
four times the worlds for what is still unclear), and every lever effect
a policy turns on is removed in turn (:mod:`._screen`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from escalade._text import noun
from escalade.auditing._findings import ERROR, WARNING, Finding
from escalade.auditing._graph import Logic, PolicyLogic
from escalade.auditing._indicators import misnamed_indicators
from escalade.auditing._instrument import instrument
from escalade.auditing._screen import Effect, Screen, Threshold, parameter_values
from escalade.auditing._structure import Command, Progress, listing, topmost_unreached
from escalade.scenario import Draws, Parameter, Policy, as_generator

__all__ = ["Dynamic"]

#: How many more worlds the second look at unclear effects takes.
_SECOND_LOOK = 4


@dataclass
class Dynamic:
    """The screen of a scenario with dynamics, and the findings it supports."""

    logic: Logic
    worlds: Draws
    replications: int
    seeds: list[np.random.SeedSequence]
    threshold: Threshold
    command: Command
    say: Progress
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scenario = self.logic.scenario
        self.inst = instrument(self.scenario)
        self.judged = self.logic.judged()
        self.free = self.logic.policies["free"]
        self.screen = Screen(
            self.inst, self.worlds, self.replications, self.seeds[1], self.threshold
        )
        self._second: Screen | None = None
        self._quick: Screen | None = None

    def simulated_runs(self) -> int:
        return sum(s.simulated_runs for s in (self.screen, self._quick, self._second) if s)

    def quick(self) -> Screen:
        """The same worlds with a quarter of the runs, to settle clear effects cheaply."""
        if self._quick is None:
            r = max(1, self.replications // 4)
            self._quick = Screen(self.inst, self.worlds, r, self.seeds[1], self.threshold)
        return self._quick

    def second(self) -> Screen:
        """A screen with four times the worlds, for effects still unclear."""
        if self._second is None:
            n = self.worlds.n_draws * _SECOND_LOOK
            worlds = self.scenario.parameters.sample(n, as_generator(self.seeds[2]))
            self._second = Screen(
                self.inst, worlds, self.replications, self.seeds[3], self.threshold
            )
        return self._second

    # ---------------------------------------------------------------- findings
    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        for pl in [*self.judged, self.free]:
            self.say(f"simulating {pl.policy.name}")
            self.screen.base_run(pl.policy)
        out += self._unreached()
        out += self._constant_indicators()
        out += self._misnamed_indicators()
        out += self._static_state()
        out += self._duplicates()
        out += self._dead_parameters()
        out += self._levers()
        return out

    def _policy_names(self) -> list[str]:
        return [p.policy.name for p in self.judged]

    def _scope(self) -> str:
        n = len(self.judged)
        runs = self.screen.runs
        worlds = self.screen.n_worlds
        who = "free play" if self.judged[0] is self.free else f"{n} {noun(n, 'policy', 'policies')}"
        return (
            f"{runs:,} {noun(runs, 'run')} ({worlds} {noun(worlds, 'sampled world')} x "
            f"{self.replications}) under each of {who}"
        )

    def _observed(self, column: int) -> dict[str, float]:
        """Share of runs in which an output column is true, under every judged policy."""
        return {
            p.policy.name: float(self.screen.base[p.policy.name][:, column].mean())
            for p in self.judged
        }

    def _free_share(self, column: int) -> float:
        return float(self.screen.base[self.free.policy.name][:, column].mean())

    def _free(self, column: int) -> str:
        return f"{100 * self._free_share(column):.2f}% of runs"

    def _column(self, name: str) -> int:
        return self.screen.output_names().index(name)

    def _unreached(self) -> list[Finding]:
        sc = self.scenario
        out = []
        structural = set().union(*(p.outcomes for p in self.judged))
        for o in sc.outcomes:
            if o.name not in structural:
                continue  # already an error of the structure
            col = self._column(f"outcome:{o.name}")
            if any(self._observed(col).values()):
                continue
            free = self._free_share(col)
            out.append(
                Finding(
                    "unreachable_outcome",
                    f"outcome:{o.name}",
                    WARNING,
                    f"the outcome {o.name} ({o.label or o.name}) happened in no simulated run "
                    f"under any policy: its probability is below about {3 / self.screen.runs:.1g} "
                    "per run in every world tried",
                    f"in {self._scope()}; under free play {100 * free:.2f}% of runs",
                    {"runs": self.screen.runs, "free_play": free},
                )
            )
        # branches: a node is reached in a run when a leaf below it is
        reached = self._node_reach()
        structural_nodes = set().union(*(p.nodes for p in self.judged))
        unreached = topmost_unreached(sc, lambda i: bool(reached[i]) or i not in structural_nodes)
        for i, element in unreached:
            node = sc.expanded[i]
            out.append(
                Finding(
                    "unreachable_outcome",
                    element,
                    WARNING,
                    f"the branch {'/'.join(node.path)} ({node.label or 'unlabelled'}) was reached "
                    "in no simulated run under any policy",
                    f"in {self._scope()}",
                    {"runs": self.screen.runs, "path": "/".join(node.path)},
                )
            )
        dyn = sc.require_dynamics()
        for ev in dyn.events:
            col = self._column(f"event:{ev.name}")
            if any(self._observed(col).values()):
                continue
            out.append(
                Finding(
                    "unreachable_outcome",
                    f"event:{ev.name}",
                    WARNING,
                    f"the event {ev.name} ({ev.label or ev.name}) fired in no simulated run under "
                    "any policy",
                    f"in {self._scope()}; under free play {self._free(col)}",
                    {"runs": self.screen.runs},
                )
            )
        return out

    def _node_reach(self) -> np.ndarray:
        """Whether each node of the tree was reached in some run of some judged policy."""
        sc = self.scenario
        hit = np.zeros(len(sc.expanded), dtype=bool)
        for p in self.judged:
            seen = np.flatnonzero(self.screen.leaves[p.policy.name].any(axis=0))
            hit[[self.inst.leaves[k] for k in seen]] = True
        for i in sorted(range(len(sc.expanded)), key=lambda j: -len(sc.expanded[j].path)):
            if hit[i] and sc.expanded[i].parent >= 0:
                hit[sc.expanded[i].parent] = True
        return hit

    def _constant_indicators(self) -> list[Finding]:
        dyn = self.scenario.require_dynamics()
        out = []
        reached = set().union(*(p.outcomes for p in self.judged))
        events = {e.name for e in dyn.events}
        for ind in dyn.indicators:
            if ind.any_of and not any(n in reached or n in events for n in ind.any_of):
                continue  # already an error of the structure
            col = self._column(f"indicator:{ind.name}")
            values = np.concatenate([self.screen.base[p.policy.name][:, col] for p in self.judged])
            if values.min() != values.max():
                continue
            value = "true" if values[0] else "false"
            out.append(
                Finding(
                    "constant_indicator",
                    f"indicator:{ind.name}",
                    WARNING,
                    f"the indicator {ind.name} ({ind.label or ind.name}) was {value} in every "
                    "simulated run under every policy: it tells nothing about the policies",
                    f"in {self._scope()}; under free play {self._free(col)}",
                    {"value": bool(values[0])},
                )
            )
        return out

    def _misnamed_indicators(self) -> list[Finding]:
        runs = {p.policy.name: self.screen.base[p.policy.name] for p in self.judged}
        return misnamed_indicators(self.scenario, runs, self._column, self._scope())

    def _static_state(self) -> list[Finding]:
        dyn = self.scenario.require_dynamics()
        out = []
        for j, var in enumerate(dyn.state):
            moved = False
            for p in self.judged:
                mean, q = self.screen.state[p.policy.name]
                if not (np.all(mean[:, j] == mean[0, j]) and np.all(q[:, j] == q[0, j])):
                    moved = True
                    break
            if moved:
                continue
            out.append(
                Finding(
                    "static_state",
                    f"state:{var.name}",
                    WARNING,
                    f"the state variable {var.name} ({var.label or var.name}) kept its initial "
                    "value in every simulated run under every policy",
                    f"its mean and 5/50/95% quantiles never moved, {self._scope()}",
                    {},
                )
            )
        return out

    def _duplicates(self) -> list[Finding]:
        out = []
        structural = {
            (a.policy.name, b.policy.name)
            for a in self.judged
            for b in self.judged
            if _same_policy(a.policy, b.policy)
        }
        for j, b in enumerate(self.judged):
            for a in self.judged[:j]:
                if (a.policy.name, b.policy.name) in structural:
                    continue
                effect = self.screen.compare(
                    b.policy, self.screen.base[a.policy.name], self.screen.base[b.policy.name]
                )
                if effect.status not in ("identical", "none"):
                    continue
                same = (
                    "identical to the last bit"
                    if effect.status == "identical"
                    else (f"within the threshold ({effect.describe()})")
                )
                out.append(
                    Finding(
                        "duplicate_policy",
                        f"policy:{b.policy.name}",
                        ERROR if effect.status == "identical" else WARNING,
                        f"the policies {a.policy.name} and {b.policy.name} give the same results: "
                        "what they set differently changes nothing",
                        f"{same}, {self._scope()}; compare "
                        f"{self.command(a.policy.name, {})} with {self.command(b.policy.name, {})}",
                        {"same_as": a.policy.name},
                    )
                )
                break
        return out

    # -------------------------------------------------------------- parameters
    def _dead_parameters(self) -> list[Finding]:
        sc = self.scenario
        params = [p for p in sc.parameters if self.logic.live_anywhere(p.name)]
        effects: dict[str, dict[str, Effect]] = {p.name: {} for p in params}
        remaining = {p.name for p in params}
        # a quick look with a quarter of the runs settles the clear effects; the rest
        # get every run, and what stays unclear four times the worlds. Actors who look
        # ahead cost their continuation values in every world, far more than the runs:
        # a quick look would cost about as much as a full one, so they get the full one.
        looks: list[tuple[str, Screen | None]] = [("full", self.screen), ("second", None)]
        if sc.require_dynamics().foresight == "myopic":
            looks.insert(0, ("quick", self.quick()))
        for look, screen in looks:
            for pl in self.judged:
                name = pl.policy.name
                todo = [
                    p
                    for p in params
                    if p.name in remaining
                    and p.name in pl.live
                    and (
                        name not in effects[p.name] or effects[p.name][name].status in _AGAIN[look]
                    )
                ]
                if not todo:
                    continue
                moving = f"{len(todo)} {noun(len(todo), 'parameter')}"
                self.say(f"moving {moving} under {name} ({look} look)")
                for pname, eff in (screen or self.second()).parameter(pl.policy, todo).items():
                    effects[pname][name] = eff
                    if eff.status == "effect":
                        remaining.discard(pname)
        out = []
        by_name = {p.name: p for p in params}
        dead = []
        for name in sorted(remaining, key=lambda n: sc.parameters.names.index(n)):
            statuses = {
                pl.policy.name: effects[name].get(pl.policy.name, _STRUCTURAL) for pl in self.judged
            }
            if any(e.status in ("unclear", "failed") for e in statuses.values()):
                undecided = [p for p, e in statuses.items() if e.status in ("unclear", "failed")]
                self.notes.append(
                    f"{name}: no effect beyond the threshold was shown, but none could be ruled "
                    f"out under {listing(undecided)} at this sample size (try more --samples)"
                )
                continue
            dead.append(by_name[name])
        free_effects: dict[str, Effect] = {}
        if dead and self.judged[0] is not self.free:
            self.say(f"moving {len(dead)} {noun(len(dead), 'parameter')} under free play")
            live_free = [p for p in dead if p.name in self.free.live]
            if live_free:
                free_effects = self.screen.parameter(self.free.policy, live_free)
        for param in dead:
            statuses = {
                pl.policy.name: effects[param.name].get(pl.policy.name, _STRUCTURAL)
                for pl in self.judged
            }
            out.append(self._dead_finding(param, statuses, free_effects.get(param.name)))
        return out

    def _dead_finding(
        self, param: Parameter, statuses: dict[str, Effect], free: Effect | None
    ) -> Finding:
        identical = all(e.status in ("identical", "structural") for e in statuses.values())
        values = [param.format_value(v) for v in parameter_values(param)]
        low, high = values[0], values[-1]
        screened = {p: e for p, e in statuses.items() if e.status != "structural"}
        largest = max(screened.values(), key=_relative, default=None)
        if identical:
            how = "identical results to the last bit"
        elif largest is None:
            raise RuntimeError(f"{param.name}: a change beyond the last bit but no effect kept")
        else:
            how = (
                "no change beyond the threshold; the largest, under "
                f"{largest.policy}: {largest.describe()}"
            )
        unread = [p for p, e in statuses.items() if e.status == "structural"]
        policy = next(iter(screened), None) or self._policy_names()[0]
        evidence = (
            f"moving {param.name} from {low} to {high} gives {how} ({self._scope()})"
            + (f"; under {listing(unread)} nothing that matters reads it" if unread else "")
            + f"; at the nominal values compare {self.command(policy, {param.name: low})} with "
            f"{self.command(policy, {param.name: high})}"
        )
        note = ""
        if free is not None and free.status == "effect":
            note = f"; it matters only in free play, where no choice is fixed ({free.describe()})"
        return Finding(
            "dead_parameter",
            f"parameter:{param.name}",
            ERROR if identical else WARNING,
            f"{param.name} changes no outcome probability and no actor's utility under any "
            f"policy, across its range {low} to {high}" + note,
            evidence,
            {
                "range": [low, high],
                "by_policy": {p: _effect_dict(e) for p, e in statuses.items()},
                **({"free_play": _effect_dict(free)} if free is not None else {}),
            },
        )

    # -------------------------------------------------------------- levers
    def _levers(self) -> list[Finding]:
        sc = self.scenario
        out = []
        turned_on = {lv for pl in self.judged for lv, s in pl.policy.levers.items() if s > 0}
        for lever in sc.levers:
            if lever.name not in turned_on and sc.policies:
                out.append(
                    Finding(
                        "inert_lever",
                        f"lever:{lever.name}",
                        WARNING,
                        f"no policy turns the lever {lever.name} on, so its effects are never used",
                        "the policies' levers:",
                        {},
                    )
                )
        for pl in self.judged:
            for lever in sc.levers:
                if pl.policy.levers.get(lever.name, 0) <= 0:
                    continue
                inert: dict[str, Effect] = {}
                for target, _ in lever.effects:
                    if not pl.effects[(lever.name, target)]:
                        inert[target] = _STRUCTURAL
                        continue
                    self.say(f"removing {lever.name}'s effect on {target} under {pl.policy.name}")
                    eff = self.screen.without_effect(pl.policy, lever.name, target)
                    if eff.status == "unclear":
                        eff = self.second().without_effect(pl.policy, lever.name, target)
                    if eff.status in ("identical", "none"):
                        inert[target] = eff
                if inert:
                    out.append(self._lever_finding(pl, lever.name, inert, len(lever.effects)))
        return out

    def _lever_finding(
        self, pl: PolicyLogic, lever: str, inert: dict[str, Effect], n_effects: int
    ) -> Finding:
        parts = []
        for target, eff in inert.items():
            if eff.status == "structural":
                parts.append(
                    f"its effect on {target} changes nothing: {target} matters only in parts of "
                    "the game this policy never reaches"
                )
            elif eff.status == "identical":
                parts.append(f"removing its effect on {target} leaves every result identical")
            else:
                parts.append(
                    f"removing its effect on {target} changes nothing beyond the threshold "
                    f"({eff.describe()})"
                )
        whole = len(inert) == n_effects
        certain = all(e.status in ("structural", "identical") for e in inert.values())
        policy = pl.policy.name
        return Finding(
            "inert_lever",
            f"lever:{lever}@{policy}",
            ERROR if certain else WARNING,
            f"in the policy {policy}, the lever {lever} "
            + ("changes nothing: " if whole else "has effects that change nothing: ")
            + "; ".join(parts),
            f"the graph of names under {policy}"
            + (
                f"; removing the effect in {self._scope()}"
                if any(e.status != "structural" for e in inert.values())
                else ""
            ),
            {"effects": {t: _effect_dict(e) for t, e in inert.items()}},
        )


_STRUCTURAL = Effect("", "structural")
#: Which results of the previous look are looked at again.
_AGAIN = {"full": ("identical", "none", "unclear", "failed"), "second": ("unclear",)}


def _relative(e: Effect) -> float:
    return abs(e.change) / e.limit if e.limit else 0.0


def _effect_dict(e: Effect) -> dict[str, object]:
    if e.status in ("identical", "structural", "failed"):
        return {"status": e.status}
    return {
        "status": e.status,
        "output": e.output,
        "change": e.change,
        "se": e.se,
        "threshold": e.limit,
        "runs": e.runs,
    }


def _same_policy(a: Policy, b: Policy) -> bool:
    if a.name == b.name:
        return False
    levers = ({k: v for k, v in a.levers.items() if v}, {k: v for k, v in b.levers.items() if v})
    return levers[0] == levers[1] and dict(a.force) == dict(b.force)
