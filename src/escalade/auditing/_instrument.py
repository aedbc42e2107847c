"""A scenario that reports everything: every leaf, outcome and event, run by run.

The simulation keeps, per run, the discounted utilities and the
indicators' flags. To see which parts of the tree a policy reaches, the
audit simulates a copy of the scenario in which every leaf of the tree
ends in an outcome of its own (a clone of the outcome it names, with the
same payoffs, ``then:`` and ``end:``) and every leaf, outcome and event
has an indicator. Play is unchanged: the clones are worth what the
original is worth, so every choice and every chance is the same; only
the order in which one run's outcome is drawn among equal-valued leaves
differs, so numbers match the original scenario's statistically, not bit
for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from escalade.scenario import Indicator, Outcome, Scenario

__all__ = ["Instrumented", "instrument"]


@dataclass(frozen=True)
class Instrumented:
    """The instrumented scenario and where each quantity sits in a run's flags.

    Attributes
    ----------
    scenario : Scenario
        The copy to simulate.
    indicators : tuple of str
        The original scenario's indicators (flag columns ``0 .. n_indicators - 1``).
    leaves : tuple of int
        Index in ``original.expanded`` of each leaf, in flag-column order
        after the indicators.
    outcomes, events : tuple of str
        The original outcomes and events, in flag-column order after the leaves.
    """

    scenario: Scenario
    indicators: tuple[str, ...]
    leaves: tuple[int, ...]
    outcomes: tuple[str, ...]
    events: tuple[str, ...]

    @property
    def leaf_columns(self) -> slice:
        """Flag columns of the leaves."""
        start = len(self.indicators)
        return slice(start, start + len(self.leaves))

    @property
    def outcome_columns(self) -> slice:
        """Flag columns of the outcomes (any leaf of it, or an event ending in it)."""
        start = len(self.indicators) + len(self.leaves)
        return slice(start, start + len(self.outcomes))

    @property
    def event_columns(self) -> slice:
        """Flag columns of the events."""
        start = len(self.indicators) + len(self.leaves) + len(self.outcomes)
        return slice(start, start + len(self.events))

    def observables(self, flags: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """The columns whose probability the audit judges: indicators, outcomes, events."""
        keep = np.r_[
            0 : len(self.indicators),
            self.outcome_columns.start : self.event_columns.stop,
        ]
        return flags[..., keep]

    def observable_names(self) -> list[str]:
        """Names of :meth:`observables` columns: ``indicator:``, ``outcome:``, ``event:``."""
        return [
            *(f"indicator:{n}" for n in self.indicators),
            *(f"outcome:{n}" for n in self.outcomes),
            *(f"event:{n}" for n in self.events),
        ]


def _clone(outcome: Outcome, leaf: int) -> Outcome:
    return replace(outcome, name=f"{outcome.name}~{leaf}")


def instrument(scenario: Scenario) -> Instrumented:
    """An instrumented copy of a scenario with dynamics (see the module docstring).

    Examples
    --------
    >>> import escalade
    >>> inst = instrument(escalade.load("docs/examples/standoff.yaml"))
    >>> len(inst.leaves), inst.outcomes[:2]
    (4, ('quiet', 'probe_unanswered'))
    """
    dyn = scenario.require_dynamics()
    by_name = {o.name: o for o in scenario.outcomes}
    leaves = tuple(i for i, node in enumerate(scenario.expanded) if node.kind == "terminal")
    clones = {i: _clone(by_name[str(scenario.expanded[i].outcome)], i) for i in leaves}
    expanded = tuple(
        replace(node, outcome=clones[i].name) if i in clones else node
        for i, node in enumerate(scenario.expanded)
    )
    copies: dict[str, list[str]] = {o.name: [o.name] for o in scenario.outcomes}
    for i in leaves:
        copies[str(scenario.expanded[i].outcome)].append(clones[i].name)

    def widen(ind: Indicator) -> Indicator:
        names = [c for n in ind.any_of for c in copies.get(n, [n])]
        return replace(ind, any_of=tuple(names))

    own = tuple(widen(ind) for ind in dyn.indicators)
    extra = (
        *(Indicator(f"leaf:{i}", any_of=(clones[i].name,)) for i in leaves),
        *(Indicator(f"outcome:{o.name}", any_of=tuple(copies[o.name])) for o in scenario.outcomes),
        *(Indicator(f"event:{e.name}", any_of=(e.name,)) for e in dyn.events),
    )
    copy = replace(
        scenario,
        outcomes=(*scenario.outcomes, *(clones[i] for i in leaves)),
        expanded=expanded,
        dynamics=replace(dyn, indicators=own + extra),
    )
    return Instrumented(
        copy,
        tuple(i.name for i in dyn.indicators),
        leaves,
        scenario.outcome_names,
        tuple(e.name for e in dyn.events),
    )
