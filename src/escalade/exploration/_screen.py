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


def _inside(
    x: pd.DataFrame, limits: pd.DataFrame, drop: tuple[str, str] | None = None
) -> np.ndarray:
    """Which rows of ``x`` are in the box; ``drop=(name, side)`` lifts one restriction
    (``side`` ``"min"``, ``"max"``, or ``"categories"``)."""
    mask = np.ones(len(x), dtype=bool)
    for name, r in limits.iterrows():
        col = x[str(name)]
        cats = r.get("categories")
        if isinstance(cats, tuple):
            if drop != (name, "categories"):
                mask &= col.isin(cats).to_numpy()
            continue
        v = col.to_numpy(dtype=float)
        if drop != (name, "min"):
            mask &= v >= r["min"]
        if drop != (name, "max"):
            mask &= v <= r["max"]
    return mask


def quasi_p(x: pd.DataFrame, y: np.ndarray, box: PrimBox) -> pd.DataFrame:
    """Each restriction's quasi-p-values (Bryant and Lempert 2010), one per cut side.

    The one-sided binomial probability of finding at least the box's count
    of cases of interest among its cases if the cut were dropped (at the
    density of the box without it); a large value marks a cut that may be
    chance. A range restricted on both sides is two cuts, each tested
    alone (as EMA Workbench does): dropping both at once would let a cut
    that is chance hide behind one that is not.

    Returns
    -------
    pandas.DataFrame
        One row per restricted column: ``quasi_p_low`` and ``quasi_p_high``
        for the cuts at the low and high ends of a range (NaN for an end
        left at the data's limit, and for categories), and ``quasi_p``: the
        largest of the row's values, so a restriction counts as no more
        certain than its least certain cut (for categories, the one value).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from escalade.exploration._prim import prim
    >>> rng = np.random.default_rng(3)
    >>> x = pd.DataFrame({"a": rng.random(600), "b": rng.random(600)})
    >>> y = ((x["a"] > 0.5) & (rng.random(600) < 0.9)).to_numpy()
    >>> box = prim(x, y, threshold=0.8).chosen
    >>> qp = quasi_p(x, y, box)
    >>> bool(qp.at["a", "quasi_p_low"] < 1e-6), bool(np.isnan(qp.at["a", "quasi_p_high"]))
    (True, True)
    """
    from scipy.stats import binomtest

    def p_without(name: str, side: str) -> float:
        wider = _inside(x, box.limits, drop=(name, side))
        n, k = int(wider.sum()), int(y[wider].sum())
        return float(binomtest(box.k, box.n, k / n if n else 0.0, alternative="greater").pvalue)

    rows = {}
    for name in box.restricted:
        r = box.limits.loc[name]
        if isinstance(r.get("categories"), tuple):
            p = p_without(name, "categories")
            rows[name] = (np.nan, np.nan, p)
            continue
        v = x[name].to_numpy(dtype=float)
        low = p_without(name, "min") if r["min"] > v.min() else np.nan
        high = p_without(name, "max") if r["max"] < v.max() else np.nan
        cut = [q for q in (low, high) if not np.isnan(q)]
        rows[name] = (low, high, max(cut) if cut else np.nan)
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["quasi_p_low", "quasi_p_high", "quasi_p"]
    )


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
