"""The one seed convention of escalade.

Every function that uses random numbers takes ``seed: int |
numpy.random.Generator | None`` with the same meaning:

- an int: the same int gives the same numbers (whatever the executor or
  the number of workers);
- ``None``: fresh entropy from the operating system, different numbers
  each call; functions that report their seed report the one drawn, so a
  run can be repeated;
- a ``numpy.random.Generator``: numbers are drawn from it, so it advances
  (a Generator in the same state gives the same numbers).

The seed is converted once, where the function starts: into one
Generator (:func:`as_generator`) when one stream of numbers is drawn, or
into one integer (:func:`resolve_seed`) that is split into independent
streams (``SeedSequence(seed).spawn``: one per chunk, the same for every
policy that is compared) when several are needed. ``seed`` is tested with
``is None``, never for truth: 0 is a seed like any other.
"""

from __future__ import annotations

import numpy as np

from escalade.errors import ParameterError

__all__ = ["Seed", "as_generator", "resolve_seed"]

#: What every ``seed`` argument accepts.
Seed = int | np.random.Generator | None


def _check(seed: object, *, sequence: bool = False) -> None:
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if sequence and isinstance(seed, np.random.SeedSequence):
        return
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ParameterError(
            f"seed must be a non-negative integer, a numpy.random.Generator or None, "
            f"found {seed!r}",
            arguments=("seed",),
        )
    if seed < 0:
        raise ParameterError(
            f"seed must be a non-negative integer, found {seed}", arguments=("seed",)
        )


def as_generator(seed: Seed | np.random.SeedSequence) -> np.random.Generator:
    """The one Generator a seed stands for (a Generator is returned as it is).

    A ``SeedSequence`` is also accepted, for the library's own children of
    a seed.

    Examples
    --------
    >>> float(as_generator(1).random()) == float(as_generator(1).random())
    True
    >>> rng = np.random.default_rng(7)
    >>> as_generator(rng) is rng
    True
    """
    _check(seed, sequence=True)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def resolve_seed(seed: Seed) -> int:
    """The seed as one non-negative integer, for work split into several streams.

    An int is returned as it is; ``None`` gives a fresh one from the
    operating system's entropy; a Generator gives one number drawn from it.

    Examples
    --------
    >>> resolve_seed(5)
    5
    >>> resolve_seed(np.random.default_rng(1)) == resolve_seed(np.random.default_rng(1))
    True
    >>> 0 <= resolve_seed(None) < 2**63
    True
    """
    _check(seed)
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    return int(seed)
