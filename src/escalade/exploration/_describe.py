"""A restriction of a scenario-discovery box in words, for tables and reports.

Each function takes one row of :attr:`DiscoveryResult.restrictions
<escalade.exploration.DiscoveryResult.restrictions>`: a range restriction
has ``min``/``max`` (inside the box), ``low``/``high`` (over all worlds)
and a quasi-p-value for each end cut; a categorical one has
``categories`` and ``all_categories``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> r = pd.Series({"categories": None, "all_categories": None, "min": 0.2,
...                "max": 0.5, "low": 0.0, "high": 1.0, "quasi_p_low": 0.37,
...                "quasi_p_high": 0.0031})
>>> describe_range(r), describe_full(r), describe_quasi_p(r)
('0.2 to 0.5', '0 to 1', 'low 0.37, high 0.0031')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["describe_full", "describe_quasi_p", "describe_range", "or_none"]


def describe_range(r: pd.Series) -> str:
    """A restriction in words: ``0.2 to 0.5`` or ``{a, b}``.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_range(pd.Series({"categories": ("a", "b")}))
    '{a, b}'
    """
    if isinstance(r["categories"], tuple):
        return "{" + ", ".join(map(str, r["categories"])) + "}"
    return f"{r['min']:.4g} to {r['max']:.4g}"


def describe_quasi_p(r: pd.Series, digits: int = 3) -> str:
    """A restriction's quasi-p-values in words: one per cut end of a range.

    ``0.0012`` for categories, ``low 0.37, high 0.0031`` for a range cut at
    both ends, ``high 0.0031`` for a range cut at one end.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> describe_quasi_p(pd.Series({"categories": None, "quasi_p_low": np.nan,
    ...                             "quasi_p_high": 0.00312}), digits=2)
    'high 0.0031'
    """
    if isinstance(r["categories"], tuple):
        return f"{r['quasi_p']:.{digits}g}"
    sides = [
        f"{side} {r[f'quasi_p_{side}']:.{digits}g}"
        for side in ("low", "high")
        if not np.isnan(r[f"quasi_p_{side}"])
    ]
    return ", ".join(sides)


def describe_full(r: pd.Series) -> str:
    """The parameter's range over all worlds, in words.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_full(pd.Series({"all_categories": None, "low": 0.0, "high": 2.5}))
    '0 to 2.5'
    """
    if isinstance(r["all_categories"], tuple):
        return "{" + ", ".join(map(str, r["all_categories"])) + "}"
    return f"{r['low']:.4g} to {r['high']:.4g}"


def or_none(value: float) -> float | None:
    """``value``, or None where it is NaN (JSON has no NaN).

    Examples
    --------
    >>> or_none(float("nan")) is None, or_none(0.5)
    (True, 0.5)
    """
    return None if np.isnan(value) else float(value)
