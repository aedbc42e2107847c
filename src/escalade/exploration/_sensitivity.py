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

Like SALib's ``analyze(problem, X, Y)``, :func:`sensitivity` takes plain
data: a :class:`~escalade.exploration.Problem`, the inputs' unit-cube
coordinates and the outputs. ``ExplorationResult.sensitivity`` computes
those from a run: the coordinates are recomputed from the run's design
(and checked against the stored values); every measure here is unchanged
by a monotone transform of an input, and a categorical parameter's
coordinate orders its categories as its inverse CDF does.

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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from escalade._deprecation import warn_renamed
from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import ParameterError
from escalade.exploration._problem import STRUCTURED_DESIGNS, Problem
from escalade.exploration._salib import delta_indices, morris_indices, pawn_indices, sobol_indices
from escalade.scenario import Seed

__all__ = ["METHODS", "SensitivityResult", "resolve_method", "sensitivity"]

#: Sensitivity methods by name ("auto" picks by design).
METHODS = ("auto", "sobol", "morris", "pawn", "delta")

FloatArray = NDArray[np.float64]

_MEASURES = {
    "sobol": ("ST", "total-order Sobol' index"),
    "morris": ("mu_star", "Morris mean absolute elementary effect"),
    "pawn": ("median", "PAWN index (median KS distance)"),
    "delta": ("delta", "Borgonovo's delta"),
}

# Why each method's noise level is what it is, for the summary.
_NOISE = {
    "sobol": "the smallest total index; paired rows share their random numbers, so a "
    "parameter that does nothing scores exactly 0",
    "pawn": "the 5% critical value of the KS test for one slide",
    "delta": "the index of a random input the output does not depend on",
}


@dataclass
class SensitivityResult(ResultMixin):
    """How much each explored parameter, and each claim, drives an output.

    Attributes
    ----------
    method : str
        ``"sobol"``, ``"morris"``, ``"pawn"`` or ``"delta"``.
    description : str
        What was analysed, e.g. ``"utility:USA under talks"``.
    indices : pandas.DataFrame
        One row per parameter (see :meth:`to_frame`).
    n_worlds : int
    noise : float or None
        The influence a parameter that does nothing would reach by chance
        (Sobol': the smallest total-order index; the rows of a Saltelli
        block share their random numbers, so a parameter that does nothing
        scores exactly 0, and what the least influential parameter scores,
        noise included, is the level to clear; PAWN: the 5% critical value of the two-sample KS test
        for one slide; delta: the index of a dummy input, a random column
        the output does not depend on); ``None`` for Morris, whose
        confidence intervals say the same.
    claims_table : pandas.DataFrame
        See :meth:`claims`.
    notes : tuple of str
    output : str or None
        The output of an exploration analysed (``utility:USA``), if any.
    policy : str or None
        The policy whose output was analysed, if any.
    contrast : tuple of str or None
        The two policies whose difference was analysed, if any.
    """

    method: str
    description: str
    indices: pd.DataFrame
    n_worlds: int
    noise: float | None
    claims_table: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    output: str | None = None
    policy: str | None = None
    contrast: tuple[str, str] | None = None

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
        """JSON form: what was analysed, and the indices of every parameter and claim."""
        data = {
            "method": self.method,
            "measure": self.measure,
            "output": self.output,
            "policy": self.policy,
            "contrast": self.contrast,
            "description": self.description,
            "worlds": self.n_worlds,
            "noise": self.noise,
            "parameters": {p: dict(row) for p, row in self.indices.iterrows()},
            "claims": {c: dict(row) for c, row in self.claims_table.iterrows()},
        }
        return json_dict(data)

    def summary(self, n: int | None = None, *, max_rows: int | None = 10) -> Summary:
        """The ``max_rows`` most influential parameters and claims.

        Parameters
        ----------
        n : int, optional
            Deprecated name of ``max_rows``.
        max_rows : int or None
            Parameters and claims shown (default 10; ``None`` for all).
        """
        if n is not None:
            warn_renamed("summary", "n", "max_rows")
            max_rows = n
        rows = [
            (
                str(name),
                f"{r['influence']:.3f}"
                + ("" if not np.isfinite(r["conf"]) else f" ± {r['conf']:.3f}"),
                "yes" if r["above_noise"] else "no",
                ", ".join(r["claims"]) or "-",
            )
            for name, r in self.indices.iterrows()
        ]
        params = Table(
            f"Most influential parameters ({self.measure})",
            ("parameter", self.measure, "above noise", "claims"),
            clip_rows(rows, max_rows),
            "lrll",
        )
        crows = [
            (
                str(c),
                f"{r['influence']:.3f}",
                f"{r['total']:.3f}",
                ", ".join(r["parameters"][:4]) + (" ..." if len(r["parameters"]) > 4 else ""),
            )
            for c, r in self.claims_table.iterrows()
        ]
        claims = Table(
            "Claims by influence (their most influential parameter)",
            ("claim", "influence", "sum", "parameters"),
            clip_rows(crows, max_rows),
            "lrrl",
        )
        notes = [
            f"{self.measure_label} of {self.description} over {self.n_worlds:,} worlds "
            f"({self.method}).",
        ]
        if self.noise is not None:
            notes.append(f"Noise level: {self.noise:.3f} ({_NOISE[self.method]}).")
        notes.extend(self.notes)
        return Summary("Sensitivity", tuple(notes), (params, claims))


def _claims(frame: pd.DataFrame, quotes: Mapping[str, str]) -> pd.DataFrame:
    """Claims ranked by their most influential parameter (``frame`` ranked already)."""
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


def resolve_method(method: str, design: str) -> str:
    """The method ``method`` stands for on a sample drawn by ``design``, checked.

    ``"auto"`` is Sobol' on a sobol design, Morris on a morris design and
    PAWN otherwise; Sobol' and Morris need their own design.

    Examples
    --------
    >>> resolve_method("auto", "sobol"), resolve_method("auto", "lhs")
    ('sobol', 'pawn')
    """
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "auto":
        return design if design in STRUCTURED_DESIGNS else "pawn"
    if method in STRUCTURED_DESIGNS and design != method:
        raise ParameterError(
            f"{method} indices need a {method} design (explore with design='{method}'); "
            f"this run's design is {design}: use method 'pawn' or 'delta'",
            arguments=("design",),
        )
    return method


def _int_seed(seed: Seed) -> int:
    """An integer for SALib's seeds: ``seed`` itself, or drawn from it."""
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return int(seed)
    return int(np.random.default_rng(seed).integers(2**63 - 1))


def _whole_blocks(n: int, block: int, what: str) -> None:
    if n == 0 or n % block:
        raise ParameterError(
            f"{what} need whole blocks of {block} rows of the design, found {n:,} rows"
        )


def _pawn_slides(slides: int | None, n: int) -> int:
    if slides is None:
        slides = 10 if n >= 200 else max(2, n // 20)
    if isinstance(slides, bool) or not 2 <= slides <= n // 2:
        raise ParameterError(
            f"slides must be from 2 to half the number of worlds ({n // 2}), found {slides}"
        )
    return slides


def _check_delta(y: FloatArray, description: str) -> None:
    if len(y) < 20:
        raise ParameterError(f"delta needs at least 20 worlds, found {len(y)}")
    distinct = len(np.unique(y))
    if distinct < 20:
        # delta estimates densities of the output by kernels; an output with a few
        # values has none, and its indices come out wrong
        raise ParameterError(
            f"{description} takes only {distinct} distinct values; delta needs a "
            "continuous output (at least 20 distinct values): use method 'pawn'"
        )


def _unit_sample(problem: Problem, x: ArrayLike | None, n: int) -> FloatArray:
    if x is None:
        raise ParameterError("this method needs the sample x, found None")
    xs = np.asarray(x, dtype=float)
    if xs.shape != (n, problem.n_inputs):
        raise ParameterError(
            f"x must have shape ({n}, {problem.n_inputs}) (worlds, inputs), found {xs.shape}"
        )
    return xs


def _indices(
    method: str,
    problem: Problem,
    x: ArrayLike | None,
    y: FloatArray,
    options: dict[str, Any],
) -> tuple[pd.DataFrame, float | None, list[str]]:
    """The method's table of indices, its noise level, and notes on how it was made."""
    names, n, seed = problem.names, len(y), options["seed"]
    if method == "sobol":
        _whole_blocks(n, problem.n_inputs + 2, "Sobol' indices")
        frame, noise = sobol_indices(y, names, resamples=options["resamples"], seed=seed)
        return frame, noise, []
    xs = _unit_sample(problem, x, n)
    if method == "morris":
        _whole_blocks(n, problem.n_inputs + 1, "Morris effects")
        return morris_indices(xs, y, names, resamples=options["resamples"], seed=seed), None, []
    if method == "pawn":
        slides = _pawn_slides(options["slides"], n)
        frame, noise = pawn_indices(xs, y, names, slides=slides)
        return (
            frame,
            noise,
            [f"PAWN with {slides} conditioning intervals of about {n // slides} worlds."],
        )
    _check_delta(y, options["description"])
    frame, noise = delta_indices(xs, y, names, resamples=options["resamples"], seed=seed)
    return frame, noise, []


def _ranked(frame: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    """Indices with their claims, most influential first, shared columns leading."""
    frame["claims"] = [problem.claims_of(str(p)) for p in frame.index]
    frame = frame.sort_values("influence", ascending=False, kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    lead = ["influence", "conf", "above_noise", "rank", "claims"]
    return frame[lead + [c for c in frame.columns if c not in lead]]


def sensitivity(  # noqa: PLR0913 - keyword options, see Notes
    problem: Problem,
    x: ArrayLike | None,
    y: ArrayLike,
    *,
    method: str = "auto",
    slides: int | None = None,
    resamples: int = 100,
    seed: Seed = None,
    description: str = "the output",
) -> SensitivityResult:
    """Rank inputs, and the claims they cite, by their influence on an output.

    Parameters
    ----------
    problem : Problem
        The inputs: names, the design that drew the sample, their claims.
    x : array of shape (n_worlds, n_inputs) or None
        The sample in unit-cube coordinates. Sobol' indices do not need
        it (Saltelli's design fixes which rows are compared): ``None`` then.
    y : array of shape (n_worlds,)
        The output in each world, in the sample's row order.
    method : {"auto", "sobol", "morris", "pawn", "delta"}
        ``auto``: Sobol' for a sobol design, Morris for a morris design,
        PAWN otherwise.
    slides : int, optional
        PAWN's conditioning intervals (default 10, fewer below 200 worlds).
    resamples : int
        Bootstrap resamples for confidence intervals.
    seed : int, Generator or None
        Seeds the bootstrap (and delta's dummy input).
    description : str
        What ``y`` is, for messages and the summary.

    Returns
    -------
    SensitivityResult

    Notes
    -----
    SALib's ``analyze(problem, X, Y)`` shape plus the method's options,
    keyword-only and each with a default.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((500, 3))
    >>> y = 4 * x[:, 0] + x[:, 1] + 0.01 * rng.random(500)
    >>> problem = Problem(("a", "b", "c"), claims={"a": ("C1",)})
    >>> res = sensitivity(problem, x, y, seed=1)
    >>> res.method, res.ranking(), res.ranking(above_noise=True)
    ('pawn', ['a', 'b', 'c'], ['a'])
    >>> res.claims().index.tolist()
    ['C1']
    """
    if isinstance(resamples, bool) or resamples < 2:
        raise ParameterError(f"resamples must be at least 2, found {resamples}")
    method = resolve_method(method, problem.design)
    ys = np.asarray(y, dtype=float).reshape(-1)
    if not np.isfinite(ys).all():
        raise ParameterError(f"{description}: some worlds have no finite value")
    options = {
        "slides": slides,
        "resamples": resamples,
        "seed": _int_seed(seed),
        "description": description,
    }
    frame, noise, notes = _indices(method, problem, x, ys, options)
    frame = _ranked(frame, problem)
    uncited = [p for p in frame.index[:10] if not frame.at[p, "claims"]]
    if uncited:
        notes.append("Among the ten most influential, citing no claim: " + ", ".join(uncited) + ".")
    return SensitivityResult(
        method=method,
        description=description,
        indices=frame,
        n_worlds=len(ys),
        noise=noise,
        claims_table=_claims(frame, problem.quotes),
        notes=tuple(notes),
    )
