"""Tests around scenario discovery: which parameters to search, and which cuts are chance.

:func:`screen` compares each parameter's distribution where a condition
holds with where it does not (two-sample Kolmogorov-Smirnov test for
numbers, chi-squared test of independence for categories), so PRIM
searches only the parameters that differ; :func:`quasi_p` gives each
restriction of a box its quasi-p-value (Bryant and Lempert 2010).

References
----------
Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting and Social Change 77, 34-49.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalade.exploration._prim import PrimBox

__all__ = ["quasi_p", "screen"]


def _inside(x: pd.DataFrame, limits: pd.DataFrame, skip: str | None = None) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for name, r in limits.iterrows():
        if name == skip:
            continue
        col = x[str(name)]
        cats = r.get("categories")
        if isinstance(cats, tuple):
            mask &= col.isin(cats).to_numpy()
        else:
            v = col.to_numpy(dtype=float)
            mask &= (v >= r["min"]) & (v <= r["max"])
    return mask


def quasi_p(x: pd.DataFrame, y: np.ndarray, box: PrimBox) -> dict[str, float]:
    """Each restriction's quasi-p-value (Bryant and Lempert 2010).

    The one-sided binomial probability of finding at least the box's count
    of cases of interest among its cases if the restriction were dropped
    (at the density of the box without it); a large value marks a
    restriction that may be chance.
    """
    from scipy.stats import binomtest

    out = {}
    for name in box.restricted:
        wider = _inside(x, box.limits, skip=name)
        n, k = int(wider.sum()), int(y[wider].sum())
        p = k / n if n else 0.0
        out[name] = float(binomtest(box.k, box.n, p, alternative="greater").pvalue)
    return out


def screen(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """P-values of a difference in each column between rows with ``y`` true and false.

    Two-sample Kolmogorov-Smirnov test for numeric columns, chi-squared test
    of independence for the others; sorted, smallest first.
    """
    from scipy.stats import chi2_contingency, ks_2samp

    out = {}
    for name in x.columns:
        col = x[name]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            v = col.to_numpy(dtype=float)
            out[str(name)] = float(ks_2samp(v[y], v[~y]).pvalue)
        else:
            counts = pd.crosstab(col.to_numpy(), y)
            if counts.shape[0] < 2 or counts.shape[1] < 2:
                out[str(name)] = 1.0
            else:
                out[str(name)] = float(chi2_contingency(counts.to_numpy()).pvalue)
    return pd.Series(out, name="p").sort_values(kind="stable")
