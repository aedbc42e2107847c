"""Distinct rows of a matrix, through one-dimensional sorts.

``np.unique(matrix, axis=0)`` sorts the rows as records, comparing them
field by field in Python-level loops of NumPy's generic sort: on the
hundreds of thousands of (world, state) rows that exact foresight
deduplicates each period, that sort was most of the time it took.
:func:`unique_rows` gives the same answer (the same rows, in the same
order, with the same first occurrences) from one sort per column and one
sort of a 64-bit hash of each row; the hash's groups are checked against
the rows themselves, and the distinct rows (far fewer) put into
lexicographic order. Should two distinct rows share a hash, each column
is replaced by the rank of its value and the ranks combined into one
integer per row, most significant column first, so integer order is the
rows' lexicographic order: the answer is exact either way.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["unique_rows"]

IntArray = NDArray[np.int64]

#: Largest combined code before the codes are renumbered (well inside int64).
_CODE_LIMIT = 2**62
#: Odd multipliers of the row hash.
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


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
    n = matrix.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    import pandas as pd

    matrix = np.ascontiguousarray(matrix, dtype=np.float64) + 0.0  # -0.0 becomes 0.0
    # a hash table, not a sort: codes number the hashes in order of first appearance,
    # so a row is a first occurrence where the running maximum of the codes goes up
    inverse = np.asarray(pd.factorize(_hash(matrix))[0], dtype=np.int64)
    top = np.maximum.accumulate(inverse)
    first = np.flatnonzero(np.concatenate([[True], top[1:] > top[:-1]]))
    if not np.array_equal(matrix[first][inverse], matrix):
        # two distinct rows share a hash (or a NaN): rank the columns instead
        return _by_ranks(matrix)
    # the distinct rows, few next to ``n``, into lexicographic order
    # (all distinct, so ``order[k]`` is the k-th smallest and ``rank`` its inverse)
    order, rank = _by_ranks(matrix[first])
    return first[order].astype(np.int64), rank[inverse]


def _hash(matrix: NDArray[np.float64]) -> NDArray[np.uint64]:
    """A 64-bit hash of each row's bits (equal rows, equal hashes)."""
    bits = matrix.view(np.uint64)
    out = np.zeros(matrix.shape[0], dtype=np.uint64)
    for j in range(matrix.shape[1]):
        x = bits[:, j] ^ (bits[:, j] >> np.uint64(31))
        x *= _MIX[j % _MIX.size]
        out = (out ^ x ^ (x >> np.uint64(29))) * _MIX[(j + 1) % _MIX.size]
    return out


def _by_ranks(matrix: NDArray[np.float64]) -> tuple[IntArray, IntArray]:
    """:func:`unique_rows` without hashing: columns replaced by ranks, combined."""
    n = matrix.shape[0]
    code = np.zeros(n, dtype=np.int64)
    size = 1  # codes are in range(size)
    for j in range(matrix.shape[1]):
        values, rank = np.unique(matrix[:, j], return_inverse=True)
        if size * values.size >= _CODE_LIMIT:
            # renumber the codes so far by rank: order kept, and size <= n
            kept, code = np.unique(code, return_inverse=True)
            size = kept.size
        code = code * values.size + rank.reshape(-1)
        size *= values.size
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)
