"""SALib's sensitivity measures on arrays: one function per method.

Each takes the unit-cube sample ``x`` (shape ``(n_worlds, n_inputs)``)
and the outputs ``y`` (shape ``(n_worlds,)``), calls SALib over the unit
cube, and returns a table of indices, one row per input, with the
columns every method shares (``influence``, ``conf``, ``above_noise``)
beside its own, and the level of influence chance alone reaches (see
:class:`escalade.exploration.SensitivityResult`). SALib draws its
bootstrap resamples from an integer seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from escalade.errors import ParameterError
from escalade.exploration._design import unit_problem

__all__ = ["delta_indices", "morris_indices", "nonzero_seed", "pawn_indices", "sobol_indices"]

FloatArray = NDArray[np.float64]

# c(alpha) of the two-sample Kolmogorov-Smirnov test at the 5% level
# (asymptotic: sqrt(-ln(alpha / 2) / 2)).
_KS_C05 = float(np.sqrt(-np.log(0.025) / 2))


def nonzero_seed(seed: int) -> int:
    """An integer seed for SALib derived from ``seed``, never 0.

    SALib seeds its generators only ``if seed:``, so 0 would silently mean
    "unseeded".

    Examples
    --------
    >>> nonzero_seed(0) % 2
    1
    """
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def _index(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(names, name="parameter")


def sobol_indices(
    y: FloatArray, names: tuple[str, ...], *, resamples: int, seed: int
) -> tuple[pd.DataFrame, float]:
    """First- and total-order Sobol' indices of Saltelli's design (``SALib.analyze.sobol``).

    ``y`` is in the design's row order; the noise level is the smallest
    total-order index.
    """
    from SALib.analyze import sobol

    d = len(names)
    if np.ptp(y) == 0:
        raise ParameterError(
            "the output does not vary across the worlds; its Sobol' indices are undefined"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = sobol.analyze(
            unit_problem(d),
            y,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=0.95,
            seed=nonzero_seed(seed),
        )
    frame = pd.DataFrame(
        {k: np.asarray(s[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")},
        index=_index(names),
    )
    frame["influence"] = frame["ST"]
    frame["conf"] = frame["ST_conf"]
    # Each world's outcome is a mean over a few simulated runs, but the rows of one block
    # of Saltelli's design share their random numbers (exploration._compute), so the noise
    # cancels out of their differences: a parameter that does nothing gives identical
    # paired rows and a total-order index of exactly 0. The noise left (through the
    # parameters that do change the runs) is judged by the smallest index: what the least
    # influential parameter shows, noise included, is the level an index must clear.
    noise = max(float(frame["ST"].min()), 0.0) if d > 1 else 0.0
    frame["above_noise"] = frame["ST"] - frame["ST_conf"] > noise
    return frame, noise


def morris_indices(
    x: FloatArray, y: FloatArray, names: tuple[str, ...], *, resamples: int, seed: int
) -> pd.DataFrame:
    """Morris elementary effects of trajectories (``SALib.analyze.morris``, 4 levels)."""
    from SALib.analyze import morris

    s = morris.analyze(
        unit_problem(len(names)),
        x,
        y,
        num_resamples=resamples,
        conf_level=0.95,
        num_levels=4,
        seed=nonzero_seed(seed),
    )
    frame = pd.DataFrame(
        {k: np.asarray(s[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")},
        index=_index(names),
    )
    frame["influence"] = frame["mu_star"]
    frame["conf"] = frame["mu_star_conf"]
    frame["above_noise"] = frame["mu_star"] - frame["mu_star_conf"] > 0
    return frame


def pawn_indices(
    x: FloatArray, y: FloatArray, names: tuple[str, ...], *, slides: int
) -> tuple[pd.DataFrame, float]:
    """PAWN indices over ``slides`` conditioning intervals (``SALib.analyze.pawn``).

    The noise level is the 5% critical value of the two-sample KS test
    between one slide and the whole sample.
    """
    from SALib.analyze import pawn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = pawn.analyze(unit_problem(x.shape[1]), x, y, S=slides)
    keys = ("minimum", "mean", "median", "maximum", "CV", "stdev")
    frame = pd.DataFrame({k: np.asarray(s[k], dtype=float) for k in keys}, index=_index(names))
    n = len(y)
    m = n / slides
    noise = _KS_C05 * float(np.sqrt((n + m) / (n * m)))
    frame["influence"] = frame["median"]
    frame["conf"] = np.nan
    frame["above_noise"] = frame["median"] > noise
    return frame, noise


def delta_indices(
    x: FloatArray, y: FloatArray, names: tuple[str, ...], *, resamples: int, seed: int
) -> tuple[pd.DataFrame, float]:
    """Borgonovo's delta (``SALib.analyze.delta``, ``delta_raw``) beside a dummy input.

    The noise level is the delta of a uniform random column the output
    does not depend on.
    """
    from SALib.analyze import delta

    rng = np.random.default_rng(seed)
    dummy = rng.random(len(y))
    data = np.column_stack([x, dummy])
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
                y,
                num_resamples=resamples,
                conf_level=0.95,
                seed=nonzero_seed(seed),
                method="delta",
            )
    finally:
        np.random.set_state(state)  # noqa: NPY002
        warnings.formatwarning = fmt
    values = np.asarray(s["delta_raw"], dtype=float)
    confs = np.asarray(s["delta_raw_conf"], dtype=float)
    frame = pd.DataFrame({"delta": values[:-1], "delta_conf": confs[:-1]}, index=_index(names))
    noise = float(values[-1])
    frame["influence"] = frame["delta"]
    frame["conf"] = frame["delta_conf"]
    frame["above_noise"] = frame["delta"] - frame["delta_conf"] > noise
    return frame, noise
