"""Perturbation screening: does moving a parameter (or removing an effect) change anything?

Structure decides what *cannot* matter; what can matter may still change
nothing, because the state or the branch it needs never comes about. The
screen simulates it: in ``samples`` sampled worlds, ``replications`` runs
each, every policy is simulated with the parameter at the low and at the
high end of its range (fixed parameters moved by a stated share of their
value), with common random numbers: run ``i`` of every variant draws the
same random numbers, so a parameter that reaches nothing gives results
identical to the last bit, and a small effect gives a small difference
whose standard error comes from the paired runs.

The detection threshold ``X`` is the noise of the numbers escalade reports
by default: twice the standard error of a result of ``escalade simulate``
(10,000 runs). For a probability that is at most ``2 * 0.5 / sqrt(10000) =
0.01`` (one percentage point); for an actor's utility it is ``0.02`` of
that utility's run-to-run standard deviation under the policy. A change
is *an effect* when its 95% interval (twice the paired standard error
either side) lies wholly beyond ``X``, *no effect larger than X* when it
lies wholly within ``X``, and *unclear* otherwise (the audit then looks
again with four times the worlds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from escalade.auditing._instrument import Instrumented
from escalade.errors import EscaladeError
from escalade.game import Game, build_game
from escalade.scenario import Draws, Parameter, Policy, Scenario
from escalade.simulation import simulate

__all__ = [
    "FIXED_MOVE",
    "REFERENCE_RUNS",
    "Effect",
    "Screen",
    "Threshold",
    "parameter_values",
]

FloatArray = NDArray[np.float64]

#: The runs of a default ``escalade simulate``: their noise sets the detection threshold.
REFERENCE_RUNS = 10_000
#: A fixed parameter is moved to (1 - FIXED_MOVE) and (1 + FIXED_MOVE) times its value
#: (to -FIXED_MOVE and +FIXED_MOVE when it is 0).
FIXED_MOVE = 0.5
#: Quantiles taken as the range of a distribution without stated bounds.
_TAILS = (0.01, 0.99)
_Z = 2.0

#: Most worlds one simulation of the parameter screen holds when actors look ahead (a
#: parameter's own arms excepted). korea-2017's proposal reaches up to 13,000 states per
#: world: 1,024 worlds at once peaked at 17 GB.
FORESIGHT_WORLDS = 256


@dataclass(frozen=True)
class Threshold:
    """The smallest change the audit counts as an effect (see the module docstring).

    Attributes
    ----------
    probability : float
        For every probability (outcomes, events, indicators).
    utility : float
        For an actor's discounted utility, as a share of its run-to-run
        standard deviation.
    z : float
        Standard errors either side that make an interval.
    reference_runs : int

    Examples
    --------
    >>> t = Threshold.default()
    >>> t.probability, t.utility
    (0.01, 0.02)
    """

    probability: float
    utility: float
    z: float
    reference_runs: int

    @classmethod
    def default(cls) -> Threshold:
        """Twice the standard error of a 10,000-run simulation."""
        noise = 1.0 / math.sqrt(REFERENCE_RUNS)
        return cls(_Z * 0.5 * noise, _Z * noise, _Z, REFERENCE_RUNS)

    def describe(self) -> str:
        """The rule in words."""
        return (
            f"an effect must exceed {self.probability:g} on a probability, or "
            f"{self.utility:g} standard deviations on an actor's utility: twice the standard "
            f"error of a {self.reference_runs:,}-run simulation"
        )


@dataclass(frozen=True)
class Effect:
    """What moving one thing did under one policy.

    Attributes
    ----------
    policy : str
    status : {"identical", "none", "effect", "unclear"}
        Identical results; no change beyond the threshold; a change beyond
        it; or not decided at this sample size.
    output : str
        The output that changed most, relative to its threshold
        (``utility:USA``, ``indicator:settlement``, ``outcome:war``, ...).
    change, se, limit : float
        Its mean paired change (high minus low), standard error and threshold.
    runs : int
        Paired runs compared.
    low, high : str
        The two settings compared.
    """

    policy: str
    status: str
    output: str = ""
    change: float = 0.0
    se: float = 0.0
    limit: float = 0.0
    runs: int = 0
    low: str = ""
    high: str = ""

    def describe(self) -> str:
        """The change in words, e.g. ``+0.0146 (± 0.0038) in indicator:settlement``."""
        if self.status == "identical":
            return "identical results"
        return f"{self.change:+.4g} (± {self.se:.2g}) in {self.output}, threshold {self.limit:.3g}"


def parameter_values(param: Parameter) -> list[float]:
    """The values a parameter is moved between: its range, or its value +- a share.

    Uniform and triangular ranges give their bounds; other distributions
    their 1% and 99% quantiles; a categorical parameter every choice; a
    fixed number ``(1 - FIXED_MOVE)`` and ``(1 + FIXED_MOVE)`` times its
    value.

    Examples
    --------
    >>> from escalade.scenario import Uniform
    >>> parameter_values(Parameter("p", 0.5, Uniform(0.2, 0.9)))
    [0.2, 0.9]
    >>> parameter_values(Parameter("c", 0.6))
    [0.3, 0.8999999999999999]
    """
    if param.choices is not None:
        return [float(i) for i in range(len(param.choices))]
    dist = param.dist
    if dist is None:
        if param.nominal == 0:
            return [-FIXED_MOVE, FIXED_MOVE]
        return [param.nominal * (1 - FIXED_MOVE), param.nominal * (1 + FIXED_MOVE)]
    if dist.kind in ("uniform", "triangular"):
        low, high = dist.support
        return [float(low), float(high)]
    values = dist.ppf(np.array(_TAILS))
    return [float(values[0]), float(values[1])]


class Screen:
    """Simulates variants of sampled worlds under a policy, with common random numbers.

    Parameters
    ----------
    inst : Instrumented
        The instrumented scenario (every leaf, outcome and event reported).
    worlds : Draws
        The sampled worlds.
    replications : int
        Runs per world.
    seed : SeedSequence
        The simulation's seed (the same for every variant and policy).
    threshold : Threshold
    """

    def __init__(
        self,
        inst: Instrumented,
        worlds: Draws,
        replications: int,
        seed: np.random.SeedSequence,
        threshold: Threshold,
    ) -> None:
        self.inst = inst
        self.scenario = inst.scenario
        self.game: Game = build_game(inst.scenario)
        self.n_worlds = worlds.n_draws
        self.replications = replications
        self.runs = worlds.n_draws * replications
        self.draws = worlds.take(np.repeat(np.arange(worlds.n_draws), replications))
        self.seed = seed
        self.threshold = threshold
        self.base: dict[str, FloatArray] = {}
        self.leaves: dict[str, NDArray[np.bool_]] = {}
        self.state: dict[str, tuple[FloatArray, FloatArray]] = {}
        self.simulated_runs = 0

    # ------------------------------------------------------------------ running
    def _simulate(
        self, scenario: Scenario, policy: Policy, arms: Sequence[Mapping[str, FloatArray]]
    ) -> tuple[FloatArray, NDArray[np.bool_], tuple[FloatArray, FloatArray]]:
        """Outputs of every run of every arm: (n_arms, runs, n_outputs), leaves, state."""
        k = len(arms)
        total = k * self.runs
        names = list(self.draws)
        values = {
            n: np.concatenate([np.asarray(a[n], dtype=np.float64) for a in arms]) for n in names
        }
        draws = Draws(values, total, self.draws.space)
        streams = np.tile(np.arange(self.runs, dtype=np.int64), k)
        game = self.game if scenario is self.scenario else build_game(scenario)
        res = simulate(
            scenario,
            policy,
            runs=total,
            # a new SeedSequence of the same state each time: spawning from one object
            # would give every call other numbers, and common random numbers need the same
            seed=np.random.SeedSequence(self.seed.entropy, spawn_key=self.seed.spawn_key),
            draws=draws,
            game=game,
            chunk_size=total,
            keep_runs=True,
            streams=streams,
        )
        self.simulated_runs += total
        utility = res.run_utility
        flags = res.run_flags
        if utility is None or flags is None:  # pragma: no cover - keep_runs=True
            raise RuntimeError("the simulation kept no per-run results")
        observed = self.inst.observables(flags).astype(np.float64)
        out = np.concatenate([utility, observed], axis=1).reshape(k, self.runs, -1)
        leaves = flags[:, self.inst.leaf_columns].reshape(k, self.runs, -1)
        return out, leaves, (res.state_mean, res.state_quantiles)

    def output_names(self) -> list[str]:
        """Names of the output columns: ``utility:ACTOR`` then the observables."""
        return [
            *(f"utility:{p}" for p in self.scenario.player_names),
            *self.inst.observable_names(),
        ]

    def base_run(self, policy: Policy) -> FloatArray:
        """The unmoved worlds under a policy (simulated once, then kept)."""
        if policy.name not in self.base:
            out, leaves, state = self._simulate(self.scenario, policy, [dict(self.draws.items())])
            self.base[policy.name] = out[0]
            self.leaves[policy.name] = leaves[0]
            self.state[policy.name] = state
        return self.base[policy.name]

    def limits(self, policy: Policy) -> FloatArray:
        """The threshold of every output under a policy."""
        base = self.base_run(policy)
        n_players = len(self.scenario.player_names)
        sd = base[:, :n_players].std(axis=0)
        lim = np.full(base.shape[1], self.threshold.probability)
        lim[:n_players] = np.maximum(self.threshold.utility * sd, 1e-12)
        return lim

    # ------------------------------------------------------------------ comparing
    def compare(self, policy: Policy, low: FloatArray, high: FloatArray) -> Effect:
        """The effect of going from ``low`` to ``high`` (paired runs of one policy)."""
        diff = high - low
        names = self.output_names()
        if not diff.any():
            return Effect(policy.name, "identical", runs=diff.shape[0])
        n = diff.shape[0]
        mean = diff.mean(axis=0)
        se = diff.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.zeros_like(mean)
        limit = self.limits(policy)
        z = self.threshold.z
        size = np.abs(mean)
        j = int(np.argmax((size + z * se) / limit))
        if (size - z * se > limit).any():
            status = "effect"
            j = int(np.argmax((size - z * se) / limit))
        elif (size + z * se <= limit).all():
            status = "none"
        else:
            status = "unclear"
        return Effect(
            policy.name, status, names[j], float(mean[j]), float(se[j]), float(limit[j]), n
        )

    def parameter(self, policy: Policy, params: Sequence[Parameter]) -> dict[str, Effect]:
        """Move each parameter across its range under a policy, all in one simulation.

        A parameter whose values make the model fail (a probability above
        one, say) is simulated on its own, and left out if it still fails.
        """
        self.base_run(policy)
        plan: list[tuple[Parameter, list[float]]] = [(p, parameter_values(p)) for p in params]
        out: dict[str, Effect] = {}
        for group in self._groups(plan):
            out.update(self._group(policy, group, alone=len(plan) == 1))
        return out

    def _groups(
        self, plan: list[tuple[Parameter, list[float]]]
    ) -> list[list[tuple[Parameter, list[float]]]]:
        """The parameters in groups simulated together. Actors who look ahead keep their
        continuation values for every world of a simulation (every state it reaches), so
        with foresight a group of parameters holds at most :data:`FORESIGHT_WORLDS` worlds
        (one parameter's arms may hold more)."""
        if self.scenario.require_dynamics().foresight == "myopic":
            return [plan] if plan else []
        groups: list[list[tuple[Parameter, list[float]]]] = []
        worlds = 0
        for item in plan:
            arms = len(item[1]) * self.n_worlds
            if groups and worlds + arms <= FORESIGHT_WORLDS:
                groups[-1].append(item)
                worlds += arms
            else:
                groups.append([item])
                worlds = arms
        return groups

    def _group(
        self, policy: Policy, plan: list[tuple[Parameter, list[float]]], *, alone: bool
    ) -> dict[str, Effect]:
        """One group of :meth:`parameter`, each parameter on its own if the group fails
        (the error itself when the parameter was moved ``alone``)."""
        try:
            return self._parameters(policy, plan)
        except EscaladeError:
            if alone:
                raise
        out: dict[str, Effect] = {}
        for item in plan:
            try:
                out.update(self._parameters(policy, [item]))
            except EscaladeError as exc:
                out[item[0].name] = Effect(policy.name, "failed", output=str(exc))
        return out

    def _parameters(
        self, policy: Policy, plan: Sequence[tuple[Parameter, list[float]]]
    ) -> dict[str, Effect]:
        arms: list[dict[str, FloatArray]] = []
        for param, values in plan:
            for v in values:
                arm = dict(self.draws.items())
                arm[param.name] = np.full(self.runs, v)
                arms.append(arm)
        out, _, _ = self._simulate(self.scenario, policy, arms)
        effects: dict[str, Effect] = {}
        i = 0
        for param, values in plan:
            k = len(values)
            runs = out[i : i + k]
            i += k
            # every other value against the first; keep the clearest change
            candidates = [self.compare(policy, runs[0], runs[j]) for j in range(1, k)]
            best = max(candidates, key=_strength)
            j = candidates.index(best) + 1
            effects[param.name] = replace(
                best, low=param.format_value(values[0]), high=param.format_value(values[j])
            )
        return effects

    def without_effect(self, policy: Policy, lever: str, target: str) -> Effect:
        """Remove one effect of a lever and compare with the policy as it is."""
        base = self.base_run(policy)
        levers = tuple(
            replace(lv, effects=tuple(e for e in lv.effects if e[0] != target))
            if lv.name == lever
            else lv
            for lv in self.scenario.levers
        )
        variant = replace(self.scenario, levers=levers)
        out, _, _ = self._simulate(variant, policy, [dict(self.draws.items())])
        return replace(self.compare(policy, out[0], base), low="without", high="with")


_ORDER = {"failed": -1, "identical": 0, "none": 1, "unclear": 2, "effect": 3}


def _strength(effect: Effect) -> tuple[int, float]:
    return _ORDER[effect.status], abs(effect.change) / effect.limit if effect.limit else 0.0
