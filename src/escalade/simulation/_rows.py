"""Distinct rows of a matrix, through hash tables on its columns.

``np.unique(matrix, axis=0)`` sorts the rows as records, comparing them
field by field in Python-level loops of NumPy's generic sort: on the
hundreds of thousands of (world, state) rows that exact foresight
deduplicates each period, that sort was most of the time it took.
:func:`unique_rows` gives the same answer (the same rows, in the same
order, with the same first occurrences) without sorting the rows: each
column's values are replaced by their rank among the column's distinct
values (a hash table, :func:`pandas.factorize`, then a sort of the few
distinct values), and the ranks combined into one integer per row, most
significant column first, so that integer order is the rows'
lexicographic order. Equal rows get equal integers and distinct rows
distinct ones: the answer is exact, with no hash that could collide.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["unique_rows"]

IntArray = NDArray[np.int64]

#: Largest combined code before the codes are renumbered (well inside int64).
_CODE_LIMIT = 2**62


def unique_rows(matrix: NDArray[np.float64]) -> tuple[IntArray, IntArray]:
    """The first occurrence of each distinct row, and each row's distinct row.

    Equal to ``np.unique(matrix, axis=0, return_index=True,
    return_inverse=True)[1:]``: distinct rows in lexicographic order,
    ``first[k]`` the index of the first row equal to the ``k``-th, and
    ``inverse[i]`` the ``k`` of row ``i``. Values compare as numbers
    (``-0.0`` equals ``0.0``), except that rows with NaN in the same places
    count as one (NumPy keeps each apart).

    Parameters
    ----------
    matrix : ndarray of shape (n, k)

    Returns
    -------
    (first, inverse) : ndarrays of int64, shapes (n_distinct,) and (n,)

    Examples
    --------
    >>> m = np.array([[2.0, 1.0], [1.0, 5.0], [2.0, 1.0], [1.0, 0.5]])
    >>> first, inverse = unique_rows(m)
    >>> m[first].tolist(), inverse.tolist()
    ([[1.0, 0.5], [1.0, 5.0], [2.0, 1.0]], [2, 1, 2, 0])
    """
    import pandas as pd

    n = matrix.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    code = _row_codes(matrix)
    # numbered in order of first appearance: a row is a first occurrence where the
    # running maximum of the numbers goes up
    inverse = np.asarray(pd.factorize(code)[0], dtype=np.int64)
    top = np.maximum.accumulate(inverse)
    first = np.flatnonzero(np.concatenate([[True], top[1:] > top[:-1]]))
    # the distinct rows, few next to ``n``, into lexicographic order
    order = np.argsort(code[first], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order].astype(np.int64), rank[inverse]


def _row_codes(matrix: NDArray[np.float64]) -> IntArray:
    """One integer per row, equal for equal rows, ordered as the rows are."""
    import pandas as pd

    code = np.zeros(matrix.shape[0], dtype=np.int64)
    size = 1  # codes are in range(size)
    for j in range(matrix.shape[1]):
        column = np.ascontiguousarray(matrix[:, j], dtype=np.float64) + 0.0  # -0.0 is 0.0
        rank, values = pd.factorize(column, sort=True, use_na_sentinel=False)
        if size * values.size >= _CODE_LIMIT:
            # renumber the codes so far by rank: order kept, and size <= n
            code, kept = pd.factorize(code, sort=True)
            size = kept.size
        code = code * values.size + rank
        size *= values.size
    return code
