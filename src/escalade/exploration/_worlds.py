"""A run's worlds as the analyses' plain inputs: tables, samples, conditions.

The analyses (:func:`~escalade.exploration.sensitivity`,
:func:`~escalade.exploration.discover`,
:func:`~escalade.exploration.robustness`) take arrays and tables. The
functions here read them from an :class:`ExplorationRun`, checking the
names a user gives (policies, actors, outputs) against the run, so that
the result's methods stay thin wrappers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from escalade._text import noun
from escalade.errors import OutputError, ParameterError
from escalade.exploration._discovery import COMPARE, parse_condition

if TYPE_CHECKING:
    from escalade.exploration._run import ExplorationRun

__all__ = [
    "DEFAULT_RISK",
    "checked_actor",
    "condition_interest",
    "default_risk",
    "explored_policy",
    "indicator_tables",
    "output_table",
    "require_whole_design",
    "target",
    "unit_frame",
]

#: ``risk=`` value meaning "the indicator the scenario's ``question: risk:`` names, if any".
DEFAULT_RISK = "auto"


def checked_actor(result: ExplorationRun, actor: str | None) -> str:
    """``actor`` (default: the question's), checked to have a utility column."""
    actor = actor or result.actor
    if f"utility:{actor}" not in result.outputs:
        players = [o.split(":", 1)[1] for o in result.outputs if o.startswith("utility:")]
        raise ParameterError(f"unknown actor {actor!r}; actors: {', '.join(players)}")
    return actor


def explored_policy(result: ExplorationRun, name: str) -> str:
    """``name``, checked to be one of the run's explored policies."""
    if name not in result.policies:
        raise ParameterError(
            f"unknown policy {name!r}; explored policies: {', '.join(result.policies)}"
        )
    return name


def output_table(result: ExplorationRun, output: str) -> pd.DataFrame:
    """One output as worlds (rows, by sample) by policies (columns).

    ``output`` is a stored column (``utility:<actor>``, ``P:<indicator>``)
    or ``regret:<actor>``: the best utility among the explored policies in
    the world minus the policy's.

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=5, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "invasion"])
    ...     regret = output_table(res, "regret:USA")
    >>> regret.shape, bool((regret.min(axis=1) == 0).all())
    ((5, 2), True)
    """
    if output.startswith("regret:"):
        util = result.pivot(f"utility:{checked_actor(result, output.split(':', 1)[1])}")
        return util.rsub(util.max(axis=1), axis=0).astype(float)
    if output not in result.outputs:
        raise ParameterError(
            f"unknown output {output!r}; expected one of {', '.join(result.outputs)} "
            "or regret:<actor>"
        )
    return result.pivot(output).astype(float)


def indicator_tables(result: ExplorationRun) -> dict[str, pd.DataFrame]:
    """Every indicator's probability (``P:<name>``), worlds by policies, in output order."""
    return {o: output_table(result, o) for o in result.outputs if o.startswith("P:")}


def default_risk(result: ExplorationRun, risk: str | None) -> str | None:
    """``risk``, with :data:`DEFAULT_RISK` read as the question's risk indicator (or none)."""
    if risk != DEFAULT_RISK:
        return risk
    question = result.scenario.question
    named = f"P:{question.risk}" if question is not None and question.risk else None
    return named if named in result.outputs else None


def unit_frame(result: ExplorationRun) -> pd.DataFrame:
    """The design's unit-cube coordinates of every computed world, by sample.

    Recomputed from the design (it is a function of the seed), then
    checked against the parameter values stored with the experiments, so
    a run made with a different sampler gives an error, not wrong indices.

    Returns
    -------
    pandas.DataFrame
        One row per computed world (index ``sample``), one column per
        explored parameter, values in [0, 1].

    Raises
    ------
    OutputError
        If the recomputed points do not give the stored parameter values.
    """
    design = result.store.manifest.design
    done = result.store.manifest.done_chunks()
    if not done:
        raise ParameterError(f"{result.path}: no chunk has been computed yet")
    u = np.concatenate([design.unit_points(k) for k in done])
    samples = np.concatenate([np.arange(r.start, r.stop) for r in map(design.chunk_rows, done)])
    frame = pd.DataFrame(u, index=pd.Index(samples, name="sample"), columns=design.parameters)
    stored = result.worlds()
    space = result.scenario.parameters
    values = space.from_unit(u)
    for name in design.parameters:
        prm = space[name]
        mine = np.asarray(values[name])
        theirs = stored.loc[samples, name].to_numpy()
        if prm.choices is not None:
            same = np.array_equal(np.asarray(prm.choices, dtype=object)[mine.astype(int)], theirs)
        else:
            same = np.allclose(mine, theirs.astype(float), rtol=1e-12, atol=0.0)
        if not same:
            raise OutputError(
                f"{result.path}: the design's points do not give the stored values of "
                f"{name!r}; the run was made with a different sampler and cannot be analysed "
                "for sensitivity here"
            )
    return frame.sort_index()


def target(
    result: ExplorationRun,
    output: str,
    *,
    policy: str | None = None,
    contrast: tuple[str, str] | None = None,
) -> tuple[pd.Series, str]:
    """The per-world values an analysis looks at, and how to name them.

    ``output`` under ``policy`` (default: the question's policy), or the
    difference ``output[a] - output[b]`` for ``contrast=(a, b)``.
    """
    table = output_table(result, output)
    if contrast is not None:
        if policy is not None:
            raise ParameterError("give either policy or contrast, not both")
        if len(contrast) != 2:
            raise ParameterError(f"contrast must be two policies (a, b), found {contrast!r}")
        a, b = (explored_policy(result, p) for p in contrast)
        if a == b:
            raise ParameterError(f"contrast compares a policy with itself ({a!r})")
        return (table[a] - table[b]).rename(f"{output}[{a}-{b}]"), f"{output}, {a} minus {b}"
    p = explored_policy(result, policy or result.focus_policy)
    return table[p].rename(f"{output}[{p}]"), f"{output} under {p}"


def require_whole_design(result: ExplorationRun, y: pd.Series, method: str) -> None:
    """Sobol' indices and Morris effects compare rows of the design: all must be there."""
    design = result.store.manifest.design
    if method == "sobol" and (
        len(y) != design.samples or not np.array_equal(y.index, np.arange(design.samples))
    ):
        raise ParameterError(
            f"{result.path}: Sobol' indices need every world of the design "
            f"({design.samples:,}), found {len(y):,}; resume the run to finish it"
        )
    if method == "morris" and len(y) != design.samples:
        raise ParameterError(
            f"{result.path}: Morris effects need every trajectory of the design "
            f"({design.samples:,} worlds), found {len(y):,}; finish the run first"
        )


def condition_interest(
    result: ExplorationRun,
    condition: str,
    *,
    policy: str | None,
    actor: str | None,
) -> tuple[pd.Series, str, str | None]:
    """Where a condition holds, per world; the condition in words; its policy.

    ``condition`` is read by :func:`~escalade.exploration.parse_condition`:
    ``best:<policy>`` holds where no explored policy gives ``actor`` more
    (a tie for best counts as best, and the description says in how many
    worlds), ``not best:<policy>`` where one does; a threshold applies to
    ``policy`` (default: the question's).
    """
    spec = parse_condition(condition)
    if spec["kind"] == "best":
        if policy is not None:
            raise ParameterError("a best: condition names its policy; drop policy=")
        name = spec["policy"]
        if name not in result.policies:
            raise ParameterError(
                f"unknown policy {name!r} in {condition!r}; explored policies: "
                + ", ".join(result.policies)
            )
        who = actor or result.actor
        util = output_table(result, f"utility:{who}")
        u = util.to_numpy(dtype=float)
        top = u.max(axis=1)
        mine = u[:, list(util.columns).index(name)]
        # best: no explored policy does better (a tie for best counts); not best: one does
        best = mine == top
        tied = best & ((u == top[:, None]).sum(axis=1) > 1)
        y = pd.Series(~best if spec["negate"] else best, index=util.index)
        description = (
            f"{name} is {'not ' if spec['negate'] else ''}{who}'s best of "
            f"{len(util.columns)} {noun(len(util.columns), 'policy', 'policies')}"
            + (
                f" (a tie for best counts as best: {int(tied.sum()):,} worlds)"
                if tied.any()
                else ""
            )
        )
        return y, description, None
    chosen = explored_policy(result, policy or result.focus_policy)
    values = output_table(result, spec["output"])[chosen]
    op, v = spec["op"], spec["value"]
    y = pd.Series(COMPARE[op](values.to_numpy(dtype=float), v), index=values.index)
    return y, f"{spec['output']} {op} {v:g} under {chosen}", chosen
