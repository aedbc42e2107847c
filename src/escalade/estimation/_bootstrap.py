"""Nonparametric bootstrap of a fit, replicates fitted in batches on any executor.

A bootstrap replicate refits the model to ``n_obs`` rows drawn with
replacement. Drawing rows is the same as giving each row a multinomial
count as its weight, so every replicate uses the same data arrays and
differs only in its weights: a chunk of replicates is one batch, fitted
together from the full-sample estimate (as ``games`` starts its
replicates) by BFGS from the full-sample Hessian, finished by Newton's
method (:func:`~escalade.estimation._optimize.quasi_newton`). Chunks
run in this process, in worker processes or on a Dask cluster
(:mod:`escalade._parallel`); each chunk draws its weights from its own
child of one ``SeedSequence``, so the same seed gives the same replicates
on any executor.

References
----------
Efron, B., and Tibshirani, R. J. (1993). An Introduction to the
Bootstrap. Chapman and Hall.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from escalade._parallel import run_tasks
from escalade.errors import ConvergenceWarning, ParameterError
from escalade.estimation._model import PredictorModel
from escalade.estimation._optimize import quasi_newton, single_threaded
from escalade.scenario import Seed, resolve_seed

if TYPE_CHECKING:
    from escalade.estimation._result import EstimationResult

__all__ = ["BootTask", "bootstrap", "fit_replicates"]

FloatArray = NDArray[np.float64]

#: Observations times replicates per batch: big enough to batch well, small enough for memory.
_BATCH_CELLS = 120_000
#: Newton decrement at which a replicate has converged: the gain in log-likelihood still
#: expected is below 5e-7, ten times below games' stopping rule for its replicates (a relative
#: change of 1e-8 of a log-likelihood of about 500); each coefficient is then within 0.002
#: standard errors of the replicate's maximum, far below what 1,000 replicates can resolve.
_TOL = 1e-6


@dataclass(frozen=True)
class BootTask:
    """A chunk of replicates: the model, the full-sample estimate, and the chunk's seed."""

    model: PredictorModel
    theta: FloatArray
    hessian: FloatArray
    seed: np.random.SeedSequence
    n: int
    per_obs: FloatArray
    scores: FloatArray


def fit_replicates(task: BootTask) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Fit one chunk of replicates: their estimates and whether each converged."""
    rng = np.random.default_rng(task.seed)
    n_obs = task.model.n_obs
    counts = rng.multinomial(n_obs, np.full(n_obs, 1.0 / n_obs), size=task.n)
    # each replicate computes only the rows it drew (about 63%): rows padded with weight 0
    width = int((counts > 0).sum(axis=1).max())
    rows = np.zeros((task.n, width), dtype=np.int64)
    weights = np.zeros((task.n, width))
    for b in range(task.n):
        drawn = np.flatnonzero(counts[b])
        rows[b, : len(drawn)] = drawn
        weights[b, : len(drawn)] = counts[b, drawn]
    model = task.model.take_rows(rows)
    start = np.repeat(task.theta[None], task.n, axis=0)
    # at the full-sample estimate each replicate's log-likelihood and gradient are weighted
    # sums of the rows' own: no evaluation needed
    first = (counts @ task.per_obs, counts @ task.scores)
    with single_threaded():
        state = quasi_newton(model, start, task.hessian, weights=weights, tol=_TOL, first=first)
    return state.theta, state.converged


def bootstrap(
    result: EstimationResult,
    n: int,
    *,
    seed: Seed = None,
    workers: int | None = None,
    cluster: str | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EstimationResult:
    """Refit on ``n`` resamples of the rows; the result's standard errors then come from them.

    Parameters
    ----------
    result : EstimationResult
    n : int
        Number of replicates.
    seed : int, Generator or None
        Same seed, same replicates, whatever the executor (``None``: a
        fresh seed, kept in the result's ``boot_seed``).
    workers : int, optional
        Local worker processes.
    cluster : str, optional
        Address of a Dask scheduler.
    chunk_size : int, optional
        Replicates per batch (default: about 250,000 rows per batch).
    progress : callable, optional
        ``progress(done, n)`` after each chunk.

    Returns
    -------
    EstimationResult
        The same fit, with ``boot`` holding the replicates' estimates.

    Warns
    -----
    ConvergenceWarning
        If some replicates did not converge (they are left out).

    Examples
    --------
    >>> import escalade
    >>> res = escalade.estimate("egame12").bootstrap(20, seed=1)
    >>> res.boot.shape, res.default_cov_type()
    ((20, 10), 'bootstrap')
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(
            f"the number of bootstrap replicates must be at least 1, found {n!r}",
            arguments=("bootstrap",),
        )
    if chunk_size is not None and (isinstance(chunk_size, bool) or chunk_size < 1):
        raise ParameterError(
            f"chunk_size must be at least 1, found {chunk_size!r}", arguments=("chunk_size",)
        )
    size = chunk_size or max(1, min(int(n), _BATCH_CELLS // max(1, result.n_obs)))
    counts = [min(size, int(n) - start) for start in range(0, int(n), size)]
    # one integer, split into a stream per chunk: the same replicates on any executor
    used_seed = resolve_seed(seed)
    root = np.random.SeedSequence(used_seed)
    children = root.spawn(len(counts))
    per_obs, scores = result.per_obs, result.scores
    tasks = [
        (k, BootTask(result.model, result.coef.copy(), result.hessian, child, m, per_obs, scores))
        for k, (child, m) in enumerate(zip(children, counts, strict=True))
    ]
    thetas: dict[int, FloatArray] = {}
    ok: dict[int, NDArray[np.bool_]] = {}
    done = 0

    def finished(key: int, value: tuple[FloatArray, NDArray[np.bool_]]) -> None:
        nonlocal done
        thetas[key], ok[key] = value
        done += counts[key]
        if progress is not None:
            progress(done, int(n))

    run_tasks(fit_replicates, tasks, finished, workers=workers, cluster=cluster)
    estimates = np.vstack([thetas[k] for k in range(len(counts))])
    converged = np.concatenate([ok[k] for k in range(len(counts))])
    failed = int((~converged).sum())
    notes = list(result.notes)
    if failed:
        message = (
            f"{failed} of {n} bootstrap replicates did not converge and are left out; if many "
            "fail, the model is weakly identified in resamples"
        )
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
        notes.append(message)
    return replace(
        result,
        boot=estimates[converged],
        boot_failed=failed,
        boot_seed=used_seed,
        notes=notes,
    )
