"""The parsed scenario: everything a scenario file can say, in one dataclass.

A :class:`Scenario` is what a scenario file says, checked and with every
expression compiled: the one-shot game (players, parameters, derived
values, outcomes, tree) and, when the file has them, the crisis over time
(``dynamics``), the policy instruments (``levers``), the policies built
from them (``policies``), the question the scenario is built to answer
(``question``) and how its payoffs are fitted to data (``estimation``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.errors import ScenarioError
from escalade.scenario._accept import Acceptance
from escalade.scenario._dynamics import Dynamics, fill_initial_state
from escalade.scenario._estimation import EstimationSpec
from escalade.scenario._expectations import Expectation
from escalade.scenario._levers import Lever, LeverEffects, lever_settings
from escalade.scenario._model import Claim, Derived, NodeSpec, Outcome, Player, TreeNode
from escalade.scenario._params import Draws, ParameterSpace
from escalade.scenario._policies import Policy
from escalade.scenario._question import Question
from escalade.scenario._utility import Utility

__all__ = ["Scenario", "headline_indicators"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Scenario:
    """A checked scenario, as loaded from a file.

    Build one with :func:`escalade.scenario.load_scenario` (or
    :func:`escalade.load`). Attributes mirror the file's sections.

    Attributes
    ----------
    name, title, description : str
        ``name:``, ``title:`` and ``description:``.
    players : tuple of Player
        In payoff order.
    parameters : ParameterSpace
        ``parameters:``, in file order.
    derived : tuple of Derived
        ``derived:``, in the order they are computed.
    outcomes : tuple of Outcome
        ``outcomes:``, with their payoff formulas and, in a scenario with
        dynamics, their ``then:`` and ``end:``.
    tree : NodeSpec
        The root node as written.
    nodes : mapping of str to NodeSpec
        ``nodes:``, the named nodes ``goto`` copies.
    references : tuple of str
    claims : mapping of str to Claim
        ``claims:`` by id.
    dynamics : Dynamics or None
        ``dynamics:`` (periods, state, updates, events, indicators), or
        ``None`` for a one-shot game.
    levers : tuple of Lever
        ``levers:``, empty when the file has none.
    policies : tuple of Policy
        ``policies:``, empty when the file has none.
    question : Question or None
        ``question:``, or ``None``.
    expectations : tuple of Expectation
        ``expectations:``, what the model's results should show, each tied
        to claims (``escalade verify`` checks them); empty when the file has
        none.
    accepted : tuple of Acceptance
        The audit findings the author accepts (``audit: accept:``), each
        with its reason.
    utility : tuple of Utility
        ``utility:``, the players whose payoffs pass through a transform
        (their attitude to risk); empty when the file has none.
    estimation : EstimationSpec or None
        ``estimation:``, how the payoffs are fitted to data (see
        :func:`escalade.estimate`), or ``None``.
    version : int
        The language version (``escalade:``).
    source, text_hash, text
        The file's name as given, the SHA-256 of its bytes, and the bytes.
    expanded : tuple of TreeNode
        The tree with every ``goto`` unfolded (see :meth:`expand`).

    Examples
    --------
    >>> from escalade.scenario import load_scenario
    >>> sc = load_scenario("iig")
    >>> sc.player_names
    ('A', 'B')
    >>> sc.dynamics is None, sc.policies
    (True, ())
    >>> korea = load_scenario("korea-2017")
    >>> korea.dynamics.periods, korea.question.actor, korea.policies[0].name
    (10, 'USA', 'sanctions_default')
    >>> load_scenario("egame12").estimation.link
    'probit'
    """

    name: str
    players: tuple[Player, ...]
    parameters: ParameterSpace
    derived: tuple[Derived, ...]
    outcomes: tuple[Outcome, ...]
    tree: NodeSpec
    nodes: Mapping[str, NodeSpec]
    title: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    claims: Mapping[str, Claim] = field(default_factory=dict)
    version: int = 1
    source: str = ""
    text_hash: str = ""
    text: bytes = field(default=b"", repr=False)
    expanded: tuple[TreeNode, ...] = ()
    dynamics: Dynamics | None = None
    levers: tuple[Lever, ...] = ()
    policies: tuple[Policy, ...] = ()
    question: Question | None = None
    expectations: tuple[Expectation, ...] = ()
    accepted: tuple[Acceptance, ...] = ()
    utility: tuple[Utility, ...] = ()
    estimation: EstimationSpec | None = None

    @property
    def player_names(self) -> tuple[str, ...]:
        """Player names in payoff order."""
        return tuple(p.name for p in self.players)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Outcome names in file order."""
        return tuple(o.name for o in self.outcomes)

    def require_dynamics(self) -> Dynamics:
        """The ``dynamics:`` section, for what needs a crisis over time.

        Raises
        ------
        ScenarioError
            When the scenario is a one-shot game.

        Examples
        --------
        >>> from escalade.scenario import load_scenario
        >>> load_scenario("korea-2017").require_dynamics().start
        2018
        """
        if self.dynamics is None:
            raise ScenarioError(
                f"{self.name} has no dynamics: section, so there is nothing to simulate; "
                "use solve for a one-shot game",
                file=self.source or None,
            )
        return self.dynamics

    def expand(self) -> tuple[TreeNode, ...]:
        """The game tree with every ``goto`` unfolded, breadth-first."""
        return self.expanded

    @cached_property
    def _lever_effects(self) -> LeverEffects:
        return LeverEffects(self.levers)

    @cached_property
    def _lever_targets(self) -> tuple[str, ...]:
        """The parameters some lever's effects replace, in file order (the others have
        nothing to apply, and environments are built many times per simulated period)."""
        targets = self._lever_effects.targets
        return tuple(name for name in self.parameters.names if name in targets)

    def environment(
        self,
        draws: Draws,
        extra: Mapping[str, Any] | None = None,
        levers: Mapping[str, Any] | None = None,
        *,
        needed: Collection[str] | None = None,
    ) -> dict[str, FloatArray]:
        """Parameters, levers, state and derived values for a batch of draws.

        In order: the parameters' values, the lever settings, ``period`` and
        the state variables' initial values (unless given in ``extra``),
        ``extra``; then each lever's effects on parameters, and the derived
        values in file order, each with the effects on it.

        Parameters
        ----------
        draws : Draws
        extra : mapping, optional
            Values of further names (state variables, ``period``): scalars or
            arrays of shape (n_draws,). State variables default to their
            initial values.
        levers : mapping of str to float or ndarray, optional
            Lever settings (0 off, 1 on, or an intensity in between; all off by
            default). Each lever's effects replace the parameters and derived
            values they name, blended by the setting.
        needed : collection of str, optional
            The names the caller will read: derived values that none of them
            depends on are left out, and so are lever effects on parameters
            that none of them reads (default: every derived value and effect).

        Returns
        -------
        dict of str to ndarray of shape (n_draws,)

        Raises
        ------
        ParameterError
            When ``levers`` names a lever the scenario does not have.

        Examples
        --------
        >>> from escalade.scenario import load_scenario
        >>> sc = load_scenario("iig")
        >>> env = sc.environment(sc.parameters.nominal())
        >>> sorted(env)[:3]
        ['PA', 'UA_DA', 'UA_DB']
        """
        n = draws.n_draws
        env: dict[str, Any] = dict(draws.items())
        env.update(lever_settings(self.levers, levers))
        if self.dynamics is not None:
            fill_initial_state(self.dynamics, env, n, given=extra or {})
        if extra:
            env.update(extra)
        effects = self._lever_effects
        if needed is None:
            wanted, targets = None, self._lever_targets
        else:
            wanted, targets = self._derived_needed(frozenset(needed))
        for name in targets:
            effects.apply(name, env, n)
        for d in self.derived:
            if wanted is None or d.name in wanted:
                env[d.name] = d.formula.evaluate(env, n_draws=n)
                effects.apply(d.name, env, n)
        return env

    def _derived_needed(self, names: frozenset[str]) -> tuple[frozenset[str], tuple[str, ...]]:
        """The derived values that ``names`` depend on, directly or through others, and
        the parameters with lever effects that any of them reads (in file order)."""
        cache = self._needed_cache
        if names not in cache:
            uses = self._derived_uses
            effects = self._lever_effects.targets
            found: set[str] = set()
            read: set[str] = set()
            todo = list(names)
            while todo:
                name = todo.pop()
                if name in read:
                    continue
                read.add(name)
                if name in uses:
                    found.add(name)
                    todo.extend(uses[name])
                for _, formula in effects.get(name, ()):
                    todo.extend(formula.expr.names)
            targets = tuple(t for t in self._lever_targets if t in read)
            cache[names] = (frozenset(found), targets, frozenset(read))
        return cache[names][:2]

    def reads(self, names: Collection[str]) -> frozenset[str]:
        """Every name that ``names`` depend on, themselves included: through derived
        values and the lever effects on what they read.

        Examples
        --------
        >>> from escalade.scenario import load_scenario
        >>> sorted(load_scenario("korea-2017").reads(["threat"]))
        ['cap0', 'capability', 'threat']
        """
        key = frozenset(names)
        self._derived_needed(key)
        return self._needed_cache[key][2]

    @cached_property
    def _derived_uses(self) -> dict[str, frozenset[str]]:
        """The names each derived value reads: its formula's and its levers' effects'."""
        effects = self._lever_effects.targets
        return {
            d.name: frozenset(d.formula.expr.names).union(
                *(f.expr.names for _, f in effects.get(d.name, ())),
            )
            for d in self.derived
        }

    @cached_property
    def _needed_cache(
        self,
    ) -> dict[frozenset[str], tuple[frozenset[str], tuple[str, ...], frozenset[str]]]:
        return {}

    def citations(self) -> dict[str, list[str]]:
        """Claim id to the model elements citing it (``parameter:p_detect``, ...).

        Examples
        --------
        >>> from escalade.scenario import load_scenario
        >>> load_scenario("iig").citations()
        {}
        """
        found: dict[str, list[str]] = {c: [] for c in self.claims}
        for kind, name, claims in self._cited_elements():
            for c in claims:
                found.setdefault(c, []).append(f"{kind}:{name}")
        return found

    def _cited_elements(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(kind, name, claims) of every element that can cite claims, in file order."""
        elements = [("parameter", p.name, p.claims) for p in self.parameters]
        elements += [("derived", d.name, d.claims) for d in self.derived]
        elements += [("outcome", o.name, o.claims) for o in self.outcomes]
        seen: set[tuple[str, str]] = set()
        for node in self.expanded:
            name = node.label or node.path_name
            # a named node copied at several places is cited once
            fresh = tuple(c for c in node.claims if (c, name) not in seen)
            seen.update((c, name) for c in fresh)
            elements.append(("node", name, fresh))
        if self.dynamics is not None:
            elements += [("state", v.name, v.claims) for v in self.dynamics.state]
            elements += [("event", e.name, e.claims) for e in self.dynamics.events]
            elements += [("indicator", i.name, i.claims) for i in self.dynamics.indicators]
        elements += [("lever", lv.name, lv.claims) for lv in self.levers]
        elements += [("policy", p.name, p.claims) for p in self.policies]
        return elements


def headline_indicators(scenario: Scenario, limit: int | None = None) -> list[str]:
    """The indicators a table or an answer shows first, most important first.

    The question's ``watch`` list when it has one, else every indicator in
    the order ``dynamics:`` declares them; at most ``limit`` of them.

    Examples
    --------
    >>> import escalade
    >>> headline_indicators(escalade.load("korea-2017"), limit=3)
    ['major_war', 'settlement', 'rok_leaves_npt']
    """
    q, dyn = scenario.question, scenario.dynamics
    if q is not None and q.watch:
        names = list(q.watch)
    else:
        names = [i.name for i in dyn.indicators] if dyn is not None else []
    return names if limit is None else names[:limit]
