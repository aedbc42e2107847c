"""An exploration run's experiments as tables: by world and policy, by output, by sample.

The run folder stores one row per sampled world and policy (see
:mod:`escalade.exploration._store`); :class:`ExplorationRun` reads it back
as pandas tables, each read once, and names what was explored. The
analyses start from these tables (see :class:`ExplorationResult`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from escalade.errors import ParameterError
from escalade.exploration import _worlds as worlds_of
from escalade.exploration._problem import Problem
from escalade.exploration._robustness import best_shares
from escalade.exploration._store import RunStore
from escalade.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ExplorationRun"]


@dataclass
class ExplorationRun:
    """A run folder's experiments, read as tables; :class:`ExplorationResult` analyses them.

    Attributes
    ----------
    path : Path
        The run folder.
    store : RunStore
        Its manifest and chunk files.
    scenario : Scenario
        The scenario as explored (overridden parameters fixed).
    diagnostics : dict
        Timings of the computation that made the result, if any.
    """

    path: Path
    store: RunStore
    scenario: Scenario
    diagnostics: dict[str, Any] = field(default_factory=dict)
    # Tables read from the chunks, by what was read and the chunks done then: every
    # analysis starts from the same few tables, so the Parquet files are read once.
    _cache: dict[tuple[Any, ...], pd.DataFrame] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def open(cls, path: str | Path) -> Self:
        """Open a run folder (complete or not)."""
        store = RunStore.open(path)
        return cls(Path(path), store, store.explored_scenario())

    # ------------------------------------------------------------- facts
    @property
    def policies(self) -> tuple[str, ...]:
        """The policies explored."""
        return self.store.manifest.policies

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameters explored (columns of the design)."""
        return self.store.manifest.design.parameters

    @property
    def outputs(self) -> tuple[str, ...]:
        """The outcome columns."""
        return self.store.manifest.outputs

    @property
    def actor(self) -> str:
        """The actor whose utility ranks policies (the question's, or the first player)."""
        q = self.scenario.question
        return q.actor if q is not None else self.scenario.player_names[0]

    @property
    def focus_policy(self) -> str:
        """The policy analyses look at by default: the question's, or the first explored."""
        q = self.scenario.question
        return q.policy if q is not None and q.policy in self.policies else self.policies[0]

    @property
    def baseline_policy(self) -> str | None:
        """The question's baseline policy, if it was explored."""
        q = self.scenario.question
        base = q.baseline if q is not None else None
        return base if base in self.policies else None

    @property
    def complete(self) -> bool:
        """Whether every chunk is computed."""
        return self.store.manifest.complete

    def problem(self) -> Problem:
        """The explored parameters as the analyses see them: design and claims.

        Examples
        --------
        >>> import tempfile, escalade
        >>> from escalade.exploration import explore
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = explore(escalade.load("korea-2017"), samples=2, seed=1, out=tmp + "/r",
        ...                   replications=1, policies=["talks"])
        ...     problem = res.problem()
        >>> problem.design, problem.n_inputs == len(res.parameters)
        ('lhs', True)
        """
        space = self.scenario.parameters
        return Problem(
            self.parameters,
            design=self.store.manifest.design.kind,
            claims={p: tuple(space[p].claims) for p in self.parameters},
            quotes={cid: c.quote for cid, c in self.scenario.claims.items()},
        )

    # ------------------------------------------------------------ tables
    def to_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The experiments as a pandas DataFrame (one row per world and policy).

        Parameters
        ----------
        columns : list of str, optional
            Only these columns (``sample`` and ``policy`` are always read).
        """
        import pyarrow as pa

        done = self.store.manifest.done_chunks()
        if not done:
            raise ParameterError(f"{self.path}: no chunk has been computed yet")
        tables = [self.store.read_chunk(k, columns) for k in done]
        frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
        return frame.sort_values(["policy", "sample"], kind="stable").reset_index(drop=True)

    def _cached(self, key: tuple[Any, ...], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        key = (*key, tuple(self.store.manifest.done_chunks()))
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key].copy()

    def pivot(self, output: str) -> pd.DataFrame:
        """One output as a table of worlds (rows) by policies (columns)."""
        if output not in self.outputs:
            raise ParameterError(f"unknown output {output!r}; outputs: {', '.join(self.outputs)}")

        def read() -> pd.DataFrame:
            frame = self.to_frame([output])
            table = frame.pivot(index="sample", columns="policy", values=output)
            return table[[p for p in self.policies if p in table.columns]]

        return self._cached(("pivot", output), read)

    def worlds(self) -> pd.DataFrame:
        """The sampled worlds: one row per sample, one column per explored parameter."""

        def read() -> pd.DataFrame:
            frame = self.to_frame(list(self.parameters))
            first = self.policies[0]
            return frame[frame["policy"] == first].set_index("sample")[list(self.parameters)]

        return self._cached(("worlds",), read)

    def unit_sample(self) -> pd.DataFrame:
        """The worlds' coordinates in the design's unit cube: one row per sample.

        What :meth:`sensitivity` analyses; recomputed from the design and
        checked against the stored parameter values (see
        :func:`escalade.exploration._worlds.unit_frame`).
        """
        return worlds_of.unit_frame(self)

    # ----------------------------------------------------------- analyses
    def best_policy_shares(self, actor: str | None = None) -> dict[str, float]:
        """In what share of worlds each policy gives ``actor`` the highest utility.

        A world where ``k`` policies tie for the highest utility counts
        ``1/k`` for each, so the shares sum to 1; :func:`best_shares` also
        gives the shares of worlds where each policy is best alone and
        where it ties.
        """
        shares = best_shares(self.pivot(f"utility:{actor or self.actor}"))["share_best"]
        return {str(p): float(c) for p, c in shares.items()}
