"""``audit``: the model's logic checked, structure first, then by simulation.

1. The graph of names decides what cannot matter (:mod:`._structure`).
2. For a scenario with dynamics, every policy is simulated in sampled
   worlds (:mod:`._screen`), with every part of the tree reported
   (:mod:`._instrument`): outcomes, branches and events no run reaches,
   indicators that never vary, state that never moves, players who never
   choose, policies that give the same results.
3. Every parameter that can matter is moved across its range under each
   policy until one policy shows an effect; one that shows none under any
   policy is dead. Every lever effect a policy turns on is removed in turn.
4. Claims whose every citing element is dead, inert or unreachable are
   unsupported; the file's accepted findings are set aside with their
   reasons.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import numpy as np

from escalade.auditing._dynamic import Dynamic
from escalade.auditing._findings import ERROR, WARNING, Finding, apply_acceptances
from escalade.auditing._graph import model_logic
from escalade.auditing._result import AuditResult
from escalade.auditing._screen import Threshold
from escalade.auditing._structure import (
    Command,
    Progress,
    listing,
    scenario_ref,
    structural_findings,
)
from escalade.errors import ParameterError, ScenarioError
from escalade.scenario import (
    FORESIGHT,
    Scenario,
    Seed,
    as_generator,
    load_scenario,
    resolve_seed,
)

__all__ = ["DEFAULT_REPLICATIONS", "DEFAULT_SAMPLES", "audit", "scenario_of", "whole"]

#: Sampled worlds the screen simulates by default.
DEFAULT_SAMPLES = 64
#: Runs per world by default (64 x 16 = 1,024 paired runs per comparison).
DEFAULT_REPLICATIONS = 16


def whole(value: object, what: str, minimum: int = 1) -> int:
    """``value`` as a whole number >= ``minimum``, or a :class:`ParameterError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ParameterError(
            f"{what} must be a whole number >= {minimum}, found {value!r}", arguments=(what,)
        )
    return int(value)


def scenario_of(source: str | Path | Scenario) -> Scenario:
    """A scenario from a loaded one, a file or a bundled scenario's name.

    Examples
    --------
    >>> scenario_of("iig").name
    'iig'
    """
    if isinstance(source, Scenario):
        return source
    if str(source).lower().endswith((".efg", ".nfg")):
        raise ScenarioError(
            f"{source} is a Gambit game; auditing and verifying need a scenario file"
        )
    return load_scenario(source)


def with_foresight(scenario: Scenario, foresight: str | None) -> Scenario:
    """The scenario with its actors' foresight replaced (unchanged for ``None``).

    Examples
    --------
    >>> import escalade
    >>> with_foresight(escalade.load("korea-2017"), "myopic").dynamics.foresight
    'myopic'
    """
    if foresight is None or scenario.dynamics is None:
        return scenario
    if foresight not in FORESIGHT:
        raise ParameterError(
            f"foresight must be one of {', '.join(FORESIGHT)}, found {foresight!r}",
            arguments=("foresight",),
        )
    return dataclasses.replace(
        scenario, dynamics=dataclasses.replace(scenario.dynamics, foresight=foresight)
    )


def audit(
    source: str | Path | Scenario,
    *,
    samples: int = DEFAULT_SAMPLES,
    replications: int = DEFAULT_REPLICATIONS,
    seed: Seed = 1,
    progress: Progress | None = None,
    foresight: str | None = None,
) -> AuditResult:
    """Check a scenario's logic: dead parameters, inert levers, unreachable outcomes, ...

    The logic of the file (which names each expression reads, what each
    policy can reach) decides what it can; a crisis over time is then
    simulated in sampled worlds, with every parameter moved across its
    range and every lever effect removed in turn, and "no effect" means no
    effect larger than the threshold the result states (``docs/audit.md``).

    Parameters
    ----------
    source : str, Path or Scenario
        A loaded scenario, a scenario file or a bundled scenario's name.
    samples : int
        Worlds sampled from the parameters' distributions for the screen.
    replications : int
        Simulated runs per world.
    seed : int, Generator or None
        Same seed, same findings (``None``: a fresh seed, reported in
        ``settings``).
    progress : callable, optional
        ``progress(message)`` as the screen goes from step to step.
    foresight : {"full", "myopic", "exact", "approximate"}, optional
        How the simulated actors look ahead (default: the scenario's);
        ``myopic`` screens a large forward-looking model quickly.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import escalade
    >>> result = escalade.audit("docs/examples/flawed.yaml", samples=16, replications=4)
    >>> [f.element for f in result.of_kind("inert_event")]
    ['event:rumour']
    """
    scenario = with_foresight(scenario_of(source), foresight)
    samples = whole(samples, "samples")
    replications = whole(replications, "replications")
    seed = resolve_seed(seed)
    started = time.perf_counter()
    say = progress or (lambda message: None)
    seeds = np.random.SeedSequence(seed).spawn(4)
    worlds = scenario.parameters.sample(samples, as_generator(seeds[0]))
    logic = model_logic(scenario, worlds)
    command = _commands(scenario)
    findings = structural_findings(logic, command)
    settings: dict[str, object] = {"samples": samples, "replications": replications, "seed": seed}
    if scenario.dynamics is not None:
        settings["foresight"] = scenario.dynamics.foresight
    notes: list[str] = []
    threshold = None
    if scenario.dynamics is not None:
        threshold = Threshold.default()
        dynamic = Dynamic(logic, worlds, replications, seeds, threshold, command, say)
        decided = {(f.kind, f.element) for f in findings}
        findings += [f for f in dynamic.findings() if (f.kind, f.element) not in decided]
        notes += dynamic.notes
        settings["simulated_runs"] = dynamic.simulated_runs()
    findings += _unsupported_claims(scenario, findings)
    remaining, silenced = apply_acceptances(findings, scenario.accepted)
    settings["seconds"] = round(time.perf_counter() - started, 3)
    return AuditResult(
        scenario=scenario,
        findings=tuple(sorted(remaining, key=_order)),
        silenced=tuple(silenced),
        threshold=threshold,
        settings=settings,
        notes=tuple(notes),
    )


_KIND_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "dead_parameter",
            "inert_lever",
            "duplicate_policy",
            "unreachable_outcome",
            "inert_event",
            "constant_indicator",
            "misnamed_indicator",
            "static_state",
            "idle_player",
            "unsupported_claim",
            "unexplained_constant",
        )
    )
}


def _order(f: Finding) -> tuple[int, int, int, int, str]:
    numbers = [int(x) for x in re.findall(r":(\d+)", f.element)] + [0, 0]
    return (
        0 if f.severity == ERROR else 1,
        _KIND_ORDER.get(f.kind, 99),
        numbers[0],
        numbers[1],
        f.element,
    )


def _commands(scenario: Scenario) -> Command:
    ref = scenario_ref(scenario)

    def command(policy: str | None, settings: dict[str, str]) -> str:
        sets = "".join(f" --set {k}={v}" for k, v in settings.items())
        if scenario.dynamics is None:
            return f"`escalade solve {ref}{sets} --json`"
        pol = f" --policy {policy}" if policy else ""
        return f"`escalade simulate {ref}{pol} --seed 1{sets} --json`"

    return command


def _unsupported_claims(scenario: Scenario, findings: list[Finding]) -> list[Finding]:
    flagged = {
        f.element: f.severity
        for f in findings
        if f.kind
        in (
            "dead_parameter",
            "inert_lever",
            "unreachable_outcome",
            "inert_event",
            "constant_indicator",
            "static_state",
        )
    }
    # a lever is inert as a whole only when it is inert in every policy that turns it on
    lever_policies: dict[str, list[str]] = {}
    for p in scenario.policies:
        for lv, s in p.levers.items():
            if s > 0:
                lever_policies.setdefault(lv, []).append(p.name)
    for lv, pols in lever_policies.items():
        sev = [flagged.get(f"lever:{lv}@{p}") for p in pols]
        if all(sev):
            flagged[f"lever:{lv}"] = ERROR if all(s == ERROR for s in sev) else WARNING
    out = []
    for claim, elements in scenario.citations().items():
        if not elements:
            continue
        hit = [flagged.get(e) for e in elements]
        if not all(hit):
            continue
        out.append(
            Finding(
                "unsupported_claim",
                f"claim:{claim}",
                ERROR if all(h == ERROR for h in hit) else WARNING,
                f"every element citing claim {claim} is dead, inert or unreachable, so the model "
                "does not encode it",
                "its citations: " + listing(list(elements)),
                {"elements": list(elements)},
            )
        )
    return out
