"""Experimental designs over a scenario's uncertain parameters, chunk by chunk.

A design is a list of points in the unit cube, one column per uncertain
parameter; each parameter's inverse CDF turns a column into values (so
categorical parameters are sampled natively, by their weights). Designs
are generated chunk by chunk from the seed alone, so any process can
produce any chunk and every executor sees the same points:

- ``mc``: independent uniform points (one child seed per chunk);
- ``lhs``: a Latin hypercube within each chunk (blocked LHS: each chunk is
  itself stratified; with one chunk this is the usual design);
- ``sobol``: Saltelli's design for Sobol' indices, as SALib builds it
  (``SALib.sample.sobol.sample``, first-order and total indices); the
  number of samples is rounded down to a multiple of ``D + 2``;
- ``morris``: Morris trajectories (``SALib.sample.morris.sample``, 4
  levels); rounded down to a multiple of ``D + 1``.

References
----------
McKay, M. D., Beckman, R. J. and Conover, W. J. (1979). A comparison of
three methods for selecting values of input variables. Technometrics 21, 239-245.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. Computer Physics Communications 181, 259-270.
Morris, M. D. (1991). Factorial sampling plans for preliminary
computational experiments. Technometrics 33, 161-174.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade._text import noun
from escalade.errors import ParameterError

__all__ = ["DESIGNS", "MAX_GLOBAL_DESIGN", "Design", "chunk_seed", "unit_problem"]

#: Design kinds by name.
DESIGNS = ("lhs", "sobol", "mc", "morris")
#: Largest Sobol or Morris design (rows), generated whole in each process.
MAX_GLOBAL_DESIGN = 2_000_000

FloatArray = NDArray[np.float64]


def chunk_seed(seed: int, chunk: int, stream: int = 0) -> np.random.SeedSequence:
    """The seed of one chunk: the ``chunk``-th child of ``SeedSequence(seed)``.

    Examples
    --------
    >>> a = np.random.SeedSequence(5).spawn(3)[2].generate_state(2)
    >>> b = chunk_seed(5, 2).generate_state(2)
    >>> bool((a == b).all())
    True
    """
    key = (chunk,) if stream == 0 else (chunk, stream)
    return np.random.SeedSequence(seed, spawn_key=key)


def _block(kind: str, d: int) -> int:
    # Saltelli's design has D + 2 rows per base point (first and total order), a Morris
    # trajectory D + 1 points
    return {"sobol": d + 2, "morris": d + 1}.get(kind, 1)


def unit_problem(d: int) -> dict[str, Any]:
    """SALib's problem over the unit cube of ``d`` inputs, named ``x0``, ``x1``, ...

    Designs are sampled, and analysed, in unit-cube coordinates; each
    parameter's inverse CDF turns them into values.
    """
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


@dataclass(frozen=True)
class Design:
    """What to sample: kind, size, seed, chunking, and the parameters sampled.

    Attributes
    ----------
    kind : {"lhs", "sobol", "mc", "morris"}
    samples : int
        Number of design points (worlds).
    seed : int
    chunk_size : int
        Points per chunk.
    parameters : tuple of str
        The uncertain parameters, in the order of the unit cube's columns.
    """

    kind: str
    samples: int
    seed: int
    chunk_size: int
    parameters: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in DESIGNS:
            raise ParameterError(
                f"unknown design {self.kind!r}; expected one of {', '.join(DESIGNS)}"
            )
        if self.samples < 1:
            raise ParameterError(f"samples must be at least 1, found {self.samples}")
        if self.chunk_size < 1:
            raise ParameterError(f"chunk size must be at least 1, found {self.chunk_size}")
        if not self.parameters:
            raise ParameterError("the scenario has no uncertain parameters to explore")

    @classmethod
    def create(
        cls, kind: str, samples: int, seed: int, chunk_size: int, parameters: tuple[str, ...]
    ) -> Design:
        """A design, with the sample count rounded to what Sobol/Morris need.

        Examples
        --------
        >>> Design.create("sobol", 100, 1, 50, ("a", "b", "c")).samples
        100
        >>> Design.create("sobol", 103, 1, 50, ("a", "b", "c")).samples
        100
        """
        d = len(parameters)
        block = _block(kind, d)
        if block > 1:
            n = samples // block
            if n < 1:
                raise ParameterError(
                    f"a {kind} design over {d} {noun(d, 'parameter')} needs at least {block} "
                    "samples "
                    f"(a multiple of {block}); found {samples}"
                )
            samples = n * block
            # a block's rows are compared with each other: keep each in one chunk, so
            # they can share their random numbers
            chunk_size = -(-chunk_size // block) * block
            if samples > MAX_GLOBAL_DESIGN:
                raise ParameterError(
                    f"a {kind} design of {samples:,} samples is larger than "
                    f"{MAX_GLOBAL_DESIGN:,}; use design='lhs' or design='mc' for designs this "
                    "large",
                    arguments=("design",),
                )
        return cls(kind, int(samples), int(seed), int(chunk_size), tuple(parameters))

    @property
    def block(self) -> int:
        """Rows compared with each other (a Sobol' block or a Morris trajectory); 1 otherwise."""
        return _block(self.kind, len(self.parameters))

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return (self.samples + self.chunk_size - 1) // self.chunk_size

    def chunk_rows(self, k: int) -> range:
        """Global sample indices of chunk ``k``."""
        if not 0 <= k < self.n_chunks:
            raise ParameterError(f"chunk {k} does not exist (0..{self.n_chunks - 1})")
        return range(k * self.chunk_size, min((k + 1) * self.chunk_size, self.samples))

    def unit_points(self, k: int) -> FloatArray:
        """The chunk's points in the unit cube, shape (n_rows, n_parameters)."""
        rows = self.chunk_rows(k)
        d = len(self.parameters)
        n = len(rows)
        if self.kind == "mc":
            return np.random.default_rng(chunk_seed(self.seed, k, 1)).random((n, d))
        if self.kind == "lhs":
            from scipy.stats import qmc

            rng = np.random.default_rng(chunk_seed(self.seed, k, 1))
            return np.asarray(qmc.LatinHypercube(d=d, seed=rng).random(n))
        full = _global_design(self.kind, self.samples, self.seed, d)
        return full[rows.start : rows.stop]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out = asdict(self)
        out["parameters"] = list(self.parameters)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        """Inverse of :meth:`to_dict`."""
        return cls(
            str(data["kind"]),
            int(data["samples"]),
            int(data["seed"]),
            int(data["chunk_size"]),
            tuple(data["parameters"]),
        )

    def salib_problem(self) -> dict[str, Any]:
        """The SALib problem over the unit cube."""
        return {**unit_problem(len(self.parameters)), "names": list(self.parameters)}


@lru_cache(maxsize=4)
def _global_design(kind: str, samples: int, seed: int, d: int) -> FloatArray:
    problem, n = unit_problem(d), samples // _block(kind, d)
    with warnings.catch_warnings():
        # Saltelli's design needs N * (D + 2) rows whatever N is; SALib warns that Sobol'
        # points balance best for N a power of 2, which the user may not want to be held to.
        warnings.simplefilter("ignore", UserWarning)
        if kind == "sobol":
            from SALib.sample import sobol

            x = sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
        else:
            from SALib.sample import morris

            x = morris.sample(problem, n, num_levels=4, seed=seed)
    out = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    out.setflags(write=False)
    return out
