"""Distinct rows by column ranks (escalade.simulation._rows) against NumPy's
own ``np.unique(axis=0)``, which is the reference: same rows, same order,
same first occurrences, on random matrices with many repeats and signed
zeros, and with the combined codes renumbered after every column (NaN is
the one documented difference)."""

from __future__ import annotations

import numpy as np
import pytest

import escalade.simulation._rows as rows_module
from escalade.simulation._rows import unique_rows


def _reference(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _matrices() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    out = []
    for _ in range(200):
        n, k = int(rng.integers(1, 120)), int(rng.integers(1, 7))
        scale = rng.choice([1.0, 0.25, 1e-12], size=k)
        m = rng.integers(-3, 4, size=(n, k)).astype(float) * scale
        if rng.random() < 0.3:
            m[int(rng.integers(0, n))] = -0.0
        out.append(m)
    wide = rng.integers(0, 1000, size=(4000, 12)).astype(float)  # codes pass 2**62
    wide[::2] = wide[1::2]
    out.append(wide)
    return out


@pytest.mark.parametrize("renumber", [False, True])
def test_unique_rows_equals_numpy(renumber: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if renumber:  # the codes renumbered at every column, as very wide rows need
        monkeypatch.setattr(rows_module, "_CODE_LIMIT", 2)
    for m in _matrices():
        first, inverse = unique_rows(m)
        ref_first, ref_inverse = _reference(m)
        np.testing.assert_array_equal(first, ref_first)
        np.testing.assert_array_equal(inverse, ref_inverse)


def test_unique_rows_signed_zero_and_nan() -> None:
    m = np.array([[0.0, 1.0], [-0.0, 1.0], [np.nan, 2.0], [np.nan, 2.0]])
    first, inverse = unique_rows(m)
    assert inverse[0] == inverse[1]  # -0.0 == 0.0, as in NumPy
    # NaN rows count as one (NumPy's axis=0 keeps each NaN row apart)
    assert first.tolist() == [0, 2]
    assert inverse.tolist() == [0, 0, 1, 1]


def test_unique_rows_empty() -> None:
    first, inverse = unique_rows(np.zeros((0, 3)))
    assert first.size == 0
    assert inverse.size == 0
