"""Global sensitivity of an exploration's outcome to its parameters, and to its claims.

Which uncertain parameters decide an outcome across the sampled worlds?
The method follows the design the worlds were sampled with:

- a ``sobol`` design (Saltelli's, as SALib builds it) gives first-order
  and total-order Sobol' indices with bootstrap confidence intervals
  (``SALib.analyze.sobol``, Saltelli et al. 2010); parameters are ranked
  by their total-order index ``ST``, the share of the output's variance
  that would vanish if the parameter were known;
- a ``morris`` design gives Morris elementary effects (``mu_star``,
  Campolongo et al. 2007), in the output's units;
- any design, LHS and Monte Carlo included, supports two given-data,
  moment-independent measures: PAWN (``SALib.analyze.pawn``, Pianosi and
  Wagener 2015), the median over ``slides`` conditioning intervals of the
  Kolmogorov-Smirnov distance between the output's distribution with the
  parameter held in the interval and its unconditional distribution; and
  Borgonovo's delta (``SALib.analyze.delta``, ``delta_raw``), for
  outputs with many distinct values; SALib's implementation takes
  seconds per parameter and thousand worlds.

Inputs are the design's unit-cube coordinates, recomputed from the run's
design (and checked against the stored values): every measure here is
unchanged by a monotone transform of an input, and a categorical
parameter's coordinate orders its categories as its inverse CDF does.

Each parameter's influence is also attributed to the claims it cites: a
claim is as influential as the most influential parameter citing it (the
maximum, not the sum: indices of different parameters overlap through
interactions and are not additive for PAWN or delta); a parameter citing
several claims counts fully for each. The sum over a claim's parameters
is reported beside it.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. Computer Physics Communications 181, 259-270.
Pianosi, F. and Wagener, T. (2015). A simple and efficient method for
global sensitivity analysis based on cumulative distribution functions.
Environmental Modelling & Software 67, 1-11.
Borgonovo, E. (2007). A new uncertainty importance measure. Reliability
Engineering & System Safety 92, 771-784.
Campolongo, F., Cariboni, J. and Saltelli, A. (2007). An effective
screening design for sensitivity analysis of large models. Environmental
Modelling & Software 22, 1509-1518.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from escalade.errors import OutputError, ParameterError
from escalade.exploration._design import unit_problem
from escalade.exploration._robustness import explored_policy, output_table
from escalade.solvers import Summary, Table

if TYPE_CHECKING:
    from escalade.exploration._result import ExplorationResult

__all__ = ["METHODS", "SensitivityResult", "sensitivity", "target", "unit_frame"]

#: Sensitivity methods by name ("auto" picks by design).
METHODS = ("auto", "sobol", "morris", "pawn", "delta")

# c(alpha) of the two-sample Kolmogorov-Smirnov test at the 5% level
# (asymptotic: sqrt(-ln(alpha / 2) / 2)).
_KS_C05 = float(np.sqrt(-np.log(0.025) / 2))

_MEASURES = {
    "sobol": ("ST", "total-order Sobol' index"),
    "morris": ("mu_star", "Morris mean absolute elementary effect"),
    "pawn": ("median", "PAWN index (median KS distance)"),
    "delta": ("delta", "Borgonovo's delta"),
}


def unit_frame(result: ExplorationResult) -> pd.DataFrame:
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
    result: ExplorationResult,
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


@dataclass
class SensitivityResult:
    """How much each explored parameter, and each claim, drives an output.

    Attributes
    ----------
    method : str
        ``"sobol"``, ``"morris"``, ``"pawn"`` or ``"delta"``.
    output : str
    policy : str or None
    contrast : tuple of str or None
    description : str
        What was analysed, e.g. ``"utility:USA under talks"``.
    indices : pandas.DataFrame
        One row per parameter (see :meth:`to_frame`).
    n_worlds : int
    noise : float or None
        The influence a parameter that does nothing would reach by chance
        (Sobol': the smallest total-order index, which bounds the share of
        the variance that the simulation noise of each world adds to every
        total index; PAWN: the 5% critical value of the two-sample KS test
        for one slide; delta: the index of a dummy input, a random column
        the output does not depend on); ``None`` for Morris, whose
        confidence intervals say the same.
    claims_table : pandas.DataFrame
        See :meth:`claims`.
    notes : tuple of str
    """

    method: str
    output: str
    policy: str | None
    contrast: tuple[str, str] | None
    description: str
    indices: pd.DataFrame
    n_worlds: int
    noise: float | None
    claims_table: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def measure(self) -> str:
        """Name of the influence column (``ST``, ``mu_star``, ``median`` or ``delta``)."""
        return _MEASURES[self.method][0]

    @property
    def measure_label(self) -> str:
        """What the influence is, in words."""
        return _MEASURES[self.method][1]

    def ranking(self, n: int | None = None, *, above_noise: bool = False) -> list[str]:
        """Parameters from most to least influential (the first ``n``)."""
        frame = self.indices
        if above_noise:
            frame = frame[frame["above_noise"]]
        return list(frame.index[:n] if n is not None else frame.index)

    def claims(self) -> pd.DataFrame:
        """Claims ranked by influence.

        Returns
        -------
        pandas.DataFrame
            Index ``claim``; columns ``influence`` (of its most influential
            parameter), ``total`` (sum over its parameters), ``parameters``
            (its parameters, most influential first), ``above_noise``
            (whether its most influential parameter is), ``quote``.
        """
        return self.claims_table.copy()

    def to_frame(self) -> pd.DataFrame:
        """Indices, one row per parameter, most influential first.

        Columns: ``influence`` (the ranking measure), ``conf`` (half-width
        of its 95% confidence interval, NaN if the method gives none),
        ``above_noise``, ``rank``, ``claims``, then the method's own
        columns (Sobol': ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; Morris:
        ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``; PAWN:
        ``minimum``, ``mean``, ``median``, ``maximum``, ``CV``, ``stdev``;
        delta: ``delta``, ``delta_conf``).
        """
        return self.indices.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""

        def clean(v: Any) -> Any:
            if isinstance(v, float | np.floating):
                return float(v) if np.isfinite(v) else None
            if isinstance(v, np.bool_ | bool):
                return bool(v)
            if isinstance(v, np.integer):
                return int(v)
            if isinstance(v, tuple | list):
                return [clean(x) for x in v]
            return v

        return {
            "method": self.method,
            "measure": self.measure,
            "output": self.output,
            "policy": self.policy,
            "contrast": list(self.contrast) if self.contrast else None,
            "description": self.description,
            "worlds": self.n_worlds,
            "noise": self.noise,
            "parameters": {
                str(p): {k: clean(v) for k, v in row.items()} for p, row in self.indices.iterrows()
            },
            "claims": {
                str(c): {k: clean(v) for k, v in row.items()}
                for c, row in self.claims_table.iterrows()
            },
        }

    def summary(self, n: int = 10) -> Summary:
        """The ``n`` most influential parameters and claims."""
        top = self.indices.head(n)
        rows = []
        for name, r in top.iterrows():
            conf = "" if not np.isfinite(r["conf"]) else f" ± {r['conf']:.3f}"
            rows.append(
                (
                    str(name),
                    f"{r['influence']:.3f}{conf}",
                    "yes" if r["above_noise"] else "no",
                    ", ".join(r["claims"]) or "-",
                )
            )
        params = Table(
            f"Most influential parameters ({self.measure})",
            ("parameter", self.measure, "above noise", "claims"),
            tuple(rows),
            "lrll",
        )
        crows = tuple(
            (
                str(c),
                f"{r['influence']:.3f}",
                f"{r['total']:.3f}",
                ", ".join(r["parameters"][:4]) + (" ..." if len(r["parameters"]) > 4 else ""),
            )
            for c, r in self.claims_table.head(n).iterrows()
        )
        claims = Table(
            "Claims by influence (their most influential parameter)",
            ("claim", "influence", "sum", "parameters"),
            crows,
            "lrrl",
        )
        notes = [
            f"{self.measure_label} of {self.description} over {self.n_worlds:,} worlds "
            f"({self.method}).",
        ]
        if self.noise is not None:
            why = {
                "sobol": "the smallest total index, the share of the variance simulation "
                "noise adds to every index",
                "pawn": "the 5% critical value of the KS test for one slide",
                "delta": "the index of a random input the output does not depend on",
            }[self.method]
            notes.append(f"Noise level: {self.noise:.3f} ({why}).")
        notes.extend(self.notes)
        return Summary("Sensitivity", tuple(notes), (params, claims))

    def _repr_html_(self) -> str:
        return self.summary().html()


def _nonzero_seed(seed: int) -> int:
    # SALib seeds its generators only `if seed:`, so 0 would silently mean "unseeded"
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _sobol(result: ExplorationResult, y: pd.Series, resamples: int) -> tuple[pd.DataFrame, float]:
    from SALib.analyze import sobol

    design = result.store.manifest.design
    if len(y) != design.samples or not np.array_equal(y.index, np.arange(design.samples)):
        raise ParameterError(
            f"{result.path}: Sobol' indices need every world of the design "
            f"({design.samples:,}), found {len(y):,}; resume the run to finish it"
        )
    d = len(design.parameters)
    values = y.to_numpy(dtype=float)
    if np.ptp(values) == 0:
        raise ParameterError(
            "the output does not vary across the worlds; its Sobol' indices are undefined"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = sobol.analyze(
            unit_problem(d),
            values,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=0.95,
            seed=_nonzero_seed(design.seed),
        )
    frame = pd.DataFrame(
        {k: np.asarray(s[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(design.parameters, name="parameter"),
    )
    frame["influence"] = frame["ST"]
    frame["conf"] = frame["ST_conf"]
    # Each world's outcome is a mean over a few simulated runs, and the paired rows of
    # Saltelli's design draw different random numbers: that noise adds the same share of
    # the variance to every total-order index. A parameter that does nothing shows only
    # that share, so the smallest index bounds it from above.
    noise = max(float(frame["ST"].min()), 0.0) if d > 1 else 0.0
    frame["above_noise"] = frame["ST"] - frame["ST_conf"] > noise
    return frame, noise


def _morris(
    result: ExplorationResult, x: pd.DataFrame, y: pd.Series, resamples: int
) -> pd.DataFrame:
    from SALib.analyze import morris

    design = result.store.manifest.design
    if len(y) != design.samples:
        raise ParameterError(
            f"{result.path}: Morris effects need every trajectory of the design "
            f"({design.samples:,} worlds), found {len(y):,}; finish the run first"
        )
    s = morris.analyze(
        unit_problem(len(design.parameters)),
        x.to_numpy(),
        y.to_numpy(dtype=float),
        num_resamples=resamples,
        conf_level=0.95,
        num_levels=4,
        seed=_nonzero_seed(design.seed),
    )
    frame = pd.DataFrame(
        {k: np.asarray(s[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=pd.Index(design.parameters, name="parameter"),
    )
    frame["influence"] = frame["mu_star"]
    frame["conf"] = frame["mu_star_conf"]
    frame["above_noise"] = frame["mu_star"] - frame["mu_star_conf"] > 0
    return frame


def _pawn(x: pd.DataFrame, y: pd.Series, slides: int) -> tuple[pd.DataFrame, float]:
    from SALib.analyze import pawn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = pawn.analyze(unit_problem(x.shape[1]), x.to_numpy(), y.to_numpy(dtype=float), S=slides)
    keys = ("minimum", "mean", "median", "maximum", "CV", "stdev")
    frame = pd.DataFrame(
        {k: np.asarray(s[k], dtype=float) for k in keys},
        index=pd.Index(x.columns, name="parameter"),
    )
    n = len(y)
    m = n / slides
    noise = _KS_C05 * float(np.sqrt((n + m) / (n * m)))
    frame["influence"] = frame["median"]
    frame["conf"] = np.nan
    frame["above_noise"] = frame["median"] > noise
    return frame, noise


def _delta(x: pd.DataFrame, y: pd.Series, resamples: int, seed: int) -> tuple[pd.DataFrame, float]:
    from SALib.analyze import delta

    rng = np.random.default_rng(seed)
    dummy = rng.random(len(y))
    data = np.column_stack([x.to_numpy(), dummy])
    d = data.shape[1]
    # SALib's delta seeds numpy's global generator and changes how warnings print;
    # put both back so that analysing never changes the caller's random numbers
    state = np.random.get_state()  # noqa: NPY002 - restoring what SALib changes
    fmt = warnings.formatwarning
    try:
        # record=True keeps SALib's warnings (it resets the filters itself) off the console
        with warnings.catch_warnings(record=True):
            s = delta.analyze(
                unit_problem(d),
                data,
                y.to_numpy(dtype=float),
                num_resamples=resamples,
                conf_level=0.95,
                seed=_nonzero_seed(seed),
                method="delta",
            )
    finally:
        np.random.set_state(state)  # noqa: NPY002
        warnings.formatwarning = fmt
    values = np.asarray(s["delta_raw"], dtype=float)
    confs = np.asarray(s["delta_raw_conf"], dtype=float)
    frame = pd.DataFrame(
        {"delta": values[:-1], "delta_conf": confs[:-1]},
        index=pd.Index(x.columns, name="parameter"),
    )
    noise = float(values[-1])
    frame["influence"] = frame["delta"]
    frame["conf"] = frame["delta_conf"]
    frame["above_noise"] = frame["delta"] - frame["delta_conf"] > noise
    return frame, noise


def _claims(result: ExplorationResult, frame: pd.DataFrame) -> pd.DataFrame:
    quotes = {cid: c.quote for cid, c in result.scenario.claims.items()}
    members: dict[str, list[str]] = {}
    cites: Any = frame["claims"]
    for name in frame.index:  # most influential first
        for c in cites[name]:
            members.setdefault(c, []).append(str(name))
    rows = []
    for c, names in members.items():
        vals = frame.loc[names, "influence"].to_numpy(dtype=float)
        rows.append(
            {
                "claim": c,
                "influence": float(vals.max()),
                "total": float(vals.sum()),
                "parameters": tuple(names),
                "above_noise": bool(frame.loc[names, "above_noise"].any()),
                "quote": quotes.get(c, ""),
            }
        )
    table = pd.DataFrame(
        rows, columns=["claim", "influence", "total", "parameters", "above_noise", "quote"]
    )
    table = table.sort_values(["influence", "total"], ascending=False, kind="stable")
    return table.set_index("claim")


def sensitivity(
    result: ExplorationResult,
    output: str | None = None,
    *,
    policy: str | None = None,
    contrast: tuple[str, str] | None = None,
    method: str = "auto",
    slides: int | None = None,
    resamples: int = 100,
) -> SensitivityResult:
    """Rank the explored parameters, and the claims they cite, by influence on an output.

    Parameters
    ----------
    result : ExplorationResult
    output : str, optional
        ``utility:<actor>``, ``P:<indicator>`` or ``regret:<actor>``
        (default: the question actor's utility).
    policy : str, optional
        The policy whose output is analysed (default: the question's policy).
    contrast : (str, str), optional
        Analyse the difference ``output[a] - output[b]`` between two policies.
    method : {"auto", "sobol", "morris", "pawn", "delta"}
        ``auto``: Sobol' for a sobol design, Morris for a morris design,
        PAWN otherwise.
    slides : int, optional
        PAWN's conditioning intervals (default 10, fewer below 200 worlds).
    resamples : int
        Bootstrap resamples for confidence intervals.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import tempfile, escalade
    >>> from escalade.exploration import explore
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = explore(escalade.load("korea-2017"), samples=60, seed=1, out=tmp + "/r",
    ...                   replications=2, policies=["talks", "sanctions_default"])
    ...     sens = sensitivity(res, "utility:USA", policy="talks")
    >>> sens.method, len(sens.ranking()) == len(res.parameters)
    ('pawn', True)
    """
    output = output or f"utility:{result.actor}"
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if isinstance(resamples, bool) or resamples < 2:
        raise ParameterError(f"resamples must be at least 2, found {resamples}")
    design = result.store.manifest.design
    if method == "auto":
        method = design.kind if design.kind in ("sobol", "morris") else "pawn"
    if method in ("sobol", "morris") and design.kind != method:
        raise ParameterError(
            f"{method} indices need a {method} design (explore with design='{method}'); "
            f"this run's design is {design.kind}: use method 'pawn' or 'delta'",
            arguments=("design",),
        )
    y, description = target(result, output, policy=policy, contrast=contrast)
    y = y.sort_index()
    if not np.isfinite(y.to_numpy(dtype=float)).all():
        raise ParameterError(f"{description}: some worlds have no finite value")
    n = len(y)
    notes: list[str] = []
    noise: float | None = None
    if method == "sobol":
        frame, noise = _sobol(result, y, resamples)
    else:
        x = unit_frame(result).loc[y.index]
        if method == "morris":
            frame = _morris(result, x, y, resamples)
        elif method == "pawn":
            if slides is None:
                slides = 10 if n >= 200 else max(2, n // 20)
            if isinstance(slides, bool) or not 2 <= slides <= n // 2:
                raise ParameterError(
                    f"slides must be from 2 to half the number of worlds ({n // 2}), found {slides}"
                )
            frame, noise = _pawn(x, y, slides)
            notes.append(
                f"PAWN with {slides} conditioning intervals of about {n // slides} worlds."
            )
        else:
            if n < 20:
                raise ParameterError(f"delta needs at least 20 worlds, found {n}")
            distinct = len(np.unique(y.to_numpy(dtype=float)))
            if distinct < 20:
                # delta estimates densities of the output by kernels; an output with a few
                # values has none, and its indices come out wrong
                raise ParameterError(
                    f"{description} takes only {distinct} distinct values; delta needs a "
                    "continuous output (at least 20 distinct values): use method 'pawn'"
                )
            frame, noise = _delta(x, y, resamples, design.seed)
    space = result.scenario.parameters
    frame["claims"] = [tuple(space[p].claims) for p in frame.index]
    frame = frame.sort_values("influence", ascending=False, kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    lead = ["influence", "conf", "above_noise", "rank", "claims"]
    frame = frame[lead + [c for c in frame.columns if c not in lead]]
    uncited = [p for p in frame.index[:10] if not frame.at[p, "claims"]]
    if uncited:
        notes.append("Among the ten most influential, citing no claim: " + ", ".join(uncited) + ".")
    return SensitivityResult(
        method=method,
        output=output,
        policy=None if contrast is not None else (policy or result.focus_policy),
        contrast=tuple(contrast) if contrast is not None else None,  # type: ignore[arg-type]
        description=description,
        indices=frame,
        n_worlds=n,
        noise=noise,
        claims_table=_claims(result, frame),
        notes=tuple(notes),
    )
