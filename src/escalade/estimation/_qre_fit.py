"""Fit the precision (and payoff parameters) of any game's logit QRE to observed play.

For games with information sets, statistical backward induction does not
apply; the logit agent quantal response equilibrium does. Given counts of
the actions taken at each information set (or of the outcomes reached),
the log-likelihood of a precision ``lam`` is
``sum of count * log(probability in the QRE at lam)``, with the QRE on
its principal branch as :func:`escalade.solvers.logit_qre` computes it.
As pygambit's ``logit_estimate`` does, the estimate is the global
maximiser along the branch: the likelihood is evaluated on a grid of
precisions from 0 to ``lam_max``, and the best grid point refined by
Brent's method. Scenario parameters can be estimated together with the
precision (Nelder-Mead over the precision's logarithm and the parameters;
each evaluation solves the game). The standard error of the precision
comes from the curvature of the log-likelihood at the maximum (central
differences: the QRE of a game with information sets has no closed form
to differentiate).

References
----------
McKelvey, R. D. and Palfrey, T. R. (1998). Quantal response equilibria
for extensive form games. Experimental Economics 1, 9-41.
Bland, J. R. and Turocy, T. L. (2023). Quantal response equilibrium as a
structural model for estimation: the missing manual. SSRN 4425515.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.errors import ConvergenceWarning, EstimationError, EstimationWarning
from escalade.game import Game, build_game
from escalade.scenario import Scenario
from escalade.solvers import logit_qre

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QREFit", "fit_qre"]

FloatArray = NDArray[np.float64]


@dataclass
class QREFit(ResultMixin):
    """A logit QRE fitted to counts of play.

    Attributes
    ----------
    game : Game
        The game, with any estimated parameters at their estimates.
    lam : float
        The estimated precision.
    loglik : float
    se_lam : float
        Standard error of ``lam`` (NaN when the maximum is at a bound).
    n_obs : float
        Total count of observations (actions or outcomes).
    kind : {"actions", "outcomes"}
    parameters : dict of str to float
        Estimated scenario parameters.
    grid : ndarray of shape (n_grid, 2)
        The precisions tried first and their log-likelihoods.
    notes : list of str

    Examples
    --------
    >>> fit = fit_qre("selten-horse", {"root": {"R": 70, "L": 30}})
    >>> fit.kind, fit.n_obs
    ('actions', 100.0)
    """

    game: Game
    lam: float
    loglik: float
    se_lam: float
    n_obs: float
    kind: str
    parameters: dict[str, float] = field(default_factory=dict)
    grid: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The fit as plain values, ready for :func:`json.dumps` (an undefined error is null)."""
        return json_dict(
            {
                "game": self.game.name,
                "lam": self.lam,
                "se_lam": self.se_lam,
                "loglik": self.loglik,
                "n_obs": self.n_obs,
                "data": self.kind,
                "parameters": self.parameters,
                "warnings": self.notes,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per estimate: ``lam`` and any parameters."""
        import pandas as pd

        rows = [("lam", self.lam, self.se_lam)] + [
            (k, v, float("nan")) for k, v in self.parameters.items()
        ]
        return pd.DataFrame(rows, columns=["name", "estimate", "std_err"]).set_index("name")

    def summary(self, *, max_rows: int | None = None) -> Summary:
        """The fit as text or HTML: the precision, then at most ``max_rows`` estimates.

        Examples
        --------
        >>> import escalade
        >>> from escalade.estimation import fit_qre
        >>> fit = fit_qre("selten-horse", {"P3_called": {"L": 60, "R": 40}})
        >>> print(fit.summary())  # doctest: +ELLIPSIS
        Logit QRE fitted to selten-horse: lam = ...
        """
        se = f" (std. err. {self.se_lam:.4f})" if np.isfinite(self.se_lam) else ""
        rows = [
            ("lam", f"{self.lam:.6g}", f"{self.se_lam:.4g}" if np.isfinite(self.se_lam) else "-")
        ]
        rows += [(k, f"{v:.6g}", "-") for k, v in self.parameters.items()]
        notes = [
            f"Log-likelihood: {self.loglik:.4f}; {self.n_obs:g} observed {self.kind}",
            *(f"Warning: {n}" for n in self.notes),
        ]
        return Summary(
            f"Logit QRE fitted to {self.game.name}: lam = {self.lam:.6g}{se}",
            tuple(notes),
            (Table("Estimates", ("", "estimate", "std err"), clip_rows(rows, max_rows)),),
        )


def _as_game(source: Game | Scenario | str) -> Game:
    if isinstance(source, Game):
        return source
    if isinstance(source, Scenario):
        return build_game(source)
    from escalade.scenario import load_scenario

    return build_game(load_scenario(source))


def _counts(game: Game, counts: Mapping[str, Any]) -> tuple[str, FloatArray]:
    """Counts as a vector over actions (kind ``actions``) or outcomes (``outcomes``)."""
    if not counts:
        raise EstimationError(
            "no counts given; expected {infoset: {action: count}} or {outcome: count}"
        )
    keys = set(counts)
    if keys <= set(game.outcomes) and not keys & set(game.infoset_names):
        vec = np.zeros(game.n_outcomes)
        for o, n in counts.items():
            vec[game.outcomes.index(o)] = _count(n, o)
        return "outcomes", vec
    vec = np.zeros(game.n_actions)
    for h_name, actions in counts.items():
        if h_name not in game.infoset_names:
            raise EstimationError(
                f"unknown information set or outcome {h_name!r}; information sets: "
                f"{', '.join(game.infoset_names)}; outcomes: {', '.join(game.outcomes)}"
            )
        h = game.infoset_names.index(h_name)
        names = game.actions_of(h)
        if not isinstance(actions, Mapping):
            raise EstimationError(
                f"counts of {h_name}: expected {{action: count}}, found {actions!r}"
            )
        for a, n in actions.items():
            if a not in names:
                raise EstimationError(
                    f"counts of {h_name}: unknown action {a!r}; its actions: {', '.join(names)}"
                )
            vec[game.infoset_actions[h] + names.index(a)] = _count(n, f"{h_name}: {a}")
    return "actions", vec


def _count(n: Any, what: str) -> float:
    try:
        value = float(n)
    except (TypeError, ValueError):
        raise EstimationError(f"the count of {what} must be a number, found {n!r}") from None
    if not np.isfinite(value) or value < 0:
        raise EstimationError(f"the count of {what} must be a number >= 0, found {n!r}")
    return value


def fit_qre(
    source: Game | Scenario | str,
    counts: Mapping[str, Any],
    *,
    parameters: Sequence[str] = (),
    lam_max: float = 1e4,
    grid: int = 40,
) -> QREFit:
    """Estimate the precision of a game's logit QRE (and some parameters) from counts of play.

    Parameters
    ----------
    source : Game, Scenario or str
        Any game: information sets are what this is for.
    counts : mapping
        ``{infoset: {action: count}}`` (as pygambit's ``logit_estimate``
        takes a behaviour profile of counts), or ``{outcome: count}``.
    parameters : sequence of str
        Scenario parameters to estimate with the precision (from their
        nominal values).
    lam_max : float
        Largest precision considered (the grid stops earlier once the
        likelihood has fallen far below its best and keeps falling).
    grid : int
        Grid points for the global search along the branch.

    Returns
    -------
    QREFit

    Warns
    -----
    EstimationWarning
        When the best precision is ``lam_max`` (the data are closer to an
        equilibrium than any QRE tried) or 0 (play looks random).

    Examples
    --------
    >>> from escalade.estimation import fit_qre
    >>> fit = fit_qre("selten-horse", {"root": {"R": 80, "L": 20}})
    >>> round(fit.lam, 3) > 0
    True
    """
    game = _as_game(source)
    kind, data = _counts(game, counts)
    for p in parameters:
        if p not in game.parameters:
            raise EstimationError(
                f"unknown parameter {p!r}; parameters: {', '.join(game.parameters.names)}"
            )

    def loglik(lam: float, g: Game) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sol = logit_qre(g, lam=float(lam))
        if sol.converged is not None and not bool(sol.converged.all()):
            return -np.inf
        probs = sol.outcomes[0] if kind == "outcomes" else sol.strategy_mean
        used = data > 0
        with np.errstate(divide="ignore"):
            return float((data[used] * np.log(probs[used])).sum())

    lam_hat, ll_hat, traced = _best_on_grid(lambda x: loglik(x, game), lam_max, grid)
    estimates: dict[str, float] = {}
    if parameters:
        lam_hat, ll_hat, estimates, game = _joint(game, parameters, lam_hat, loglik)
    notes: list[str] = []
    if lam_hat >= lam_max * (1 - 1e-9):
        notes.append(
            f"the likelihood is highest at lam_max = {lam_max:g}: play is closer to an equilibrium "
            "than any QRE tried; raise lam_max"
        )
    elif lam_hat == 0.0:
        notes.append("the likelihood is highest at lam = 0: play looks random")
    for n in notes:
        warnings.warn(n, EstimationWarning, stacklevel=2)
    return QREFit(
        game=game,
        lam=lam_hat,
        loglik=ll_hat,
        se_lam=_se(lambda x: loglik(x, game), lam_hat) if not notes else float("nan"),
        n_obs=float(data.sum()),
        kind=kind,
        parameters=estimates,
        grid=traced,
        notes=notes,
    )


def _best_on_grid(
    loglik: Callable[[float], float], lam_max: float, grid: int
) -> tuple[float, float, FloatArray]:
    """The precision of highest likelihood and its log-likelihood, from a grid along the
    branch refined by a bounded search; and the grid's (precision, log-likelihood) rows."""
    lams = np.concatenate([[0.0], np.geomspace(1e-3, lam_max, grid - 1)])
    found: list[float] = []
    for x in lams:
        found.append(loglik(x))
        top = max(found)
        # far past the best point and still falling: larger precisions cost more to trace
        # and the likelihood only drops further along the branch
        tail = found[-3:]
        if (
            len(found) > 3
            and all(np.isfinite(tail))
            and all(v < top - max(50.0, 0.05 * abs(top)) for v in tail)
            and tail[0] > tail[1] > tail[2]
        ):
            break
    values = np.array(found)
    lams = lams[: len(values)]
    best = int(np.argmax(values))
    lo = lams[max(best - 1, 0)]
    hi = lams[min(best + 1, len(lams) - 1)]
    lam_hat, ll_hat = float(lams[best]), float(values[best])
    if hi > lo:
        res = optimize.minimize_scalar(
            lambda x: -loglik(x),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-10 * max(1.0, hi)},
        )
        if -res.fun >= ll_hat:
            lam_hat, ll_hat = float(res.x), float(-res.fun)
    return lam_hat, ll_hat, np.column_stack([lams, values])


def _se(f: Any, x: float) -> float:
    """Standard error from the curvature of ``f`` at its maximum ``x``."""
    h = 1e-4 * max(x, 1e-3)
    curv = (f(x + h) - 2.0 * f(x) + f(max(x - h, 0.0))) / (h * h)
    return float(1.0 / np.sqrt(-curv)) if curv < 0 else float("nan")


def _joint(
    game: Game, names: Sequence[str], lam0: float, loglik: Any
) -> tuple[float, float, dict[str, float], Game]:
    """Maximise over ``log(lam)`` and the parameters together, from the precision's fit."""
    start = np.array([np.log(max(lam0, 1e-3)), *(game.parameters[n].nominal for n in names)])

    def at(x: FloatArray) -> Game:
        return replace(
            game, parameters=game.parameters.fixed(dict(zip(names, map(float, x[1:]), strict=True)))
        )

    def objective(x: FloatArray) -> float:
        value = loglik(float(np.exp(x[0])), at(x))
        return -value if np.isfinite(value) else 1e300

    res = optimize.minimize(
        objective,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000},
    )
    x = res.x
    return (
        float(np.exp(x[0])),
        float(-res.fun),
        dict(zip(names, map(float, x[1:]), strict=True)),
        at(x),
    )
