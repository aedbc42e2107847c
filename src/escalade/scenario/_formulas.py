"""Every expression of a scenario, with what it is for and whose it is.

A scenario's expressions are spread over many sections: derived values,
payoffs, chance probabilities, the dynamics (initial values, updates,
events, indicators, discount, rationality), outcomes' ``then:`` and the
levers' effects. :func:`formula_uses` lists them all in file order, each
with its role, the model element it belongs to and the name it assigns,
so that a reader of the model's logic (which names each expression reads,
where each number is written) walks one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from escalade.scenario._params import Formula

if TYPE_CHECKING:
    from escalade.scenario._dynamics import Dynamics
    from escalade.scenario._scenario import Scenario

__all__ = ["ROLES", "FormulaUse", "formula_uses", "node_element"]

#: What an expression can be for, in the order :func:`formula_uses` lists them.
ROLES = (
    "derived",
    "utility",
    "payoff",
    "then",
    "chance",
    "discount",
    "rationality",
    "initial",
    "update",
    "event probability",
    "event condition",
    "event then",
    "indicator",
    "effect",
)


@dataclass(frozen=True)
class FormulaUse:
    """One expression of a scenario and its place in the model.

    Attributes
    ----------
    formula : Formula
    role : str
        One of :data:`ROLES`.
    owner : str
        The element it belongs to, as ``kind:name`` (``outcome:war``,
        ``lever:hotline``, ``node:<label or path>``, ``dynamics``).
    defines : str or None
        The name it assigns: a derived value, a state variable (initial
        value, update, ``then:``) or an effect's target.
    outcome, player, event : str or None
        The outcome (payoffs, ``then:``), player (payoffs) or event it
        belongs to.
    node : int or None
        Index in ``scenario.expanded`` of a chance node.
    branch : str or None
        The chance branch the probability is for.
    """

    formula: Formula
    role: str
    owner: str
    defines: str | None = None
    outcome: str | None = None
    player: str | None = None
    event: str | None = None
    node: int | None = None
    branch: str | None = None

    @property
    def names(self) -> frozenset[str]:
        """Every name the expression reads."""
        return self.formula.expr.names


def node_element(scenario: Scenario, index: int) -> str:
    """A tree node as an element name: ``node:`` and its label, else its path.

    The same naming as :meth:`Scenario.citations`, so copies of a named node
    share one element.

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> node_element(load_scenario("iig"), 0)
    'node:A demands?'
    """
    node = scenario.expanded[index]
    return "node:" + (node.label or node.path_name)


def formula_uses(scenario: Scenario) -> tuple[FormulaUse, ...]:
    """Every expression of a scenario, section by section.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    tuple of FormulaUse

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> uses = formula_uses(load_scenario("docs/examples/standoff.yaml"))
    >>> [(u.owner, u.defines) for u in uses if u.role == "effect"]
    [('lever:hotline', 'p_accident')]
    >>> [u.formula.text for u in uses if u.role == "update"]
    ['tension * 0.8']
    """
    out = _game_uses(scenario)
    if scenario.dynamics is not None:
        out += _dynamics_uses(scenario.dynamics)
    for lever in scenario.levers:
        for target, f in lever.effects:
            out.append(FormulaUse(f, "effect", f"lever:{lever.name}", defines=target))
    return tuple(out)


def _game_uses(scenario: Scenario) -> list[FormulaUse]:
    """The expressions of the game: derived names, payoffs, ``then:`` and chance."""
    out: list[FormulaUse] = []
    for d in scenario.derived:
        out.append(FormulaUse(d.formula, "derived", f"derived:{d.name}", defines=d.name))
    for u in scenario.utility:
        out.append(FormulaUse(u.formula, "utility", f"player:{u.player}", player=u.player))
    for o in scenario.outcomes:
        for player, f in zip(scenario.player_names, o.payoffs, strict=True):
            out.append(FormulaUse(f, "payoff", f"outcome:{o.name}", outcome=o.name, player=player))
        for target, f in o.then:
            out.append(FormulaUse(f, "then", f"outcome:{o.name}", defines=target, outcome=o.name))
    for index, node in enumerate(scenario.expanded):
        if node.kind != "chance":
            continue
        owner = node_element(scenario, index)
        for branch, f in zip(node.actions, node.probs, strict=True):
            out.append(FormulaUse(f, "chance", owner, node=index, branch=branch))
    return out


def _dynamics_uses(dyn: Dynamics) -> list[FormulaUse]:
    """The expressions of ``dynamics:``: discount, rationality, state, events, indicators."""
    out = [
        FormulaUse(dyn.discount, "discount", "dynamics"),
        FormulaUse(dyn.rationality, "rationality", "dynamics"),
    ]
    for var in dyn.state:
        out.append(FormulaUse(var.initial, "initial", f"state:{var.name}", defines=var.name))
    for target, f in dyn.update:
        out.append(FormulaUse(f, "update", f"state:{target}", defines=target))
    for ev in dyn.events:
        owner = f"event:{ev.name}"
        out.append(FormulaUse(ev.probability, "event probability", owner, event=ev.name))
        if ev.when is not None:
            out.append(FormulaUse(ev.when, "event condition", owner, event=ev.name))
        for target, f in ev.then:
            out.append(FormulaUse(f, "event then", owner, defines=target, event=ev.name))
    for ind in dyn.indicators:
        if ind.at_end is not None:
            out.append(FormulaUse(ind.at_end, "indicator", f"indicator:{ind.name}"))
    return out
