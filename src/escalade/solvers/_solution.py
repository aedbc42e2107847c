"""The result of solving a game over a batch of draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from escalade._deprecation import warn_renamed
from escalade._results import ResultMixin, Summary, Table, clip_rows, json_dict
from escalade.game import Game
from escalade.scenario import Draws

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Solution"]

FloatArray = NDArray[np.float64]

#: Quantiles reported as the spread over draws.
SPREAD = (0.05, 0.95)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.4g}"


@dataclass
class Solution(ResultMixin):
    """A solved game: strategies, outcome probabilities and payoffs per draw.

    Attributes
    ----------
    game : Game
    method : str
        ``"spe"``, ``"qre"`` or ``"nash"``.
    lam : float or None
        Logit precision (QRE only).
    draws : Draws or None
        Parameter values of each draw.
    payoffs : ndarray of shape (n_draws, n_players)
        Expected payoff of each player.
    outcomes : ndarray of shape (n_draws, n_outcomes)
        Probability of reaching each outcome.
    strategies : ndarray of shape (n_draws, n_actions) or None
        Behaviour strategy: probability of each action at its information
        set (see ``game.action_names`` and ``game.infoset_actions``).
        ``None`` when not kept (large batches); the mean is always kept.
    strategy_mean : ndarray of shape (n_actions,)
    beliefs : ndarray of shape (n_draws, n_nodes) or None
        Probability of each decision node given its information set is
        reached (1 at singleton information sets; NaN elsewhere).
    converged : ndarray of shape (n_draws,), bool
    diagnostics : dict
        Solver details (iterations, residuals, time, ...).

    Examples
    --------
    >>> import escalade
    >>> sol = escalade.solve("iig", method="qre", lam=0.0)
    >>> sol.outcome_probability("SQ")
    0.25
    """

    game: Game
    method: str
    payoffs: FloatArray
    outcomes: FloatArray
    strategy_mean: FloatArray
    lam: float | None = None
    draws: Draws | None = None
    strategies: FloatArray | None = None
    beliefs: FloatArray | None = None
    converged: NDArray[np.bool_] | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        """Number of draws solved."""
        return int(self.payoffs.shape[0])

    # -------------------------------------------------------------- lookups
    def outcome_probability(self, outcome: str) -> float:
        """Mean probability of one outcome over the draws."""
        return float(self.outcomes[:, self.game.outcomes.index(outcome)].mean())

    def payoff(self, player: str) -> float:
        """Mean expected payoff of one player over the draws."""
        return float(self.payoffs[:, self.game.players.index(player)].mean())

    def strategy(self, infoset: str, player: str | None = None) -> dict[str, float]:
        """Mean action probabilities at an information set, by name.

        Examples
        --------
        >>> import escalade
        >>> escalade.solve("iig", method="qre", lam=0.0).strategy("root")
        {'demand': 0.5, 'no_demand': 0.5}
        """
        g = self.game
        for h, name in enumerate(g.infoset_names):
            if name == infoset and (player is None or g.players[g.infoset_player[h]] == player):
                lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
                return {g.action_names[a]: float(self.strategy_mean[a]) for a in range(lo, hi)}
        raise KeyError(f"no information set {infoset!r}")

    # -------------------------------------------------------------- exports
    def to_dict(self) -> dict[str, Any]:
        """The JSON form: means, and spreads and the count when there are several draws.

        Keys: ``scenario``, ``method``, ``lam`` (QRE), ``payoffs``
        ``{player: mean}``, ``outcomes`` ``{outcome: mean probability}``,
        ``strategies`` ``{player: {infoset: {action: mean probability}}}``,
        ``converged``; with several draws also ``draws`` and ``spread``
        (5% and 95% quantiles of payoffs and outcome probabilities). The
        probabilities of an unspecified choice (NaN) are ``None``, and
        ``lam`` = infinity is ``"inf"``.
        """
        g = self.game
        out: dict[str, Any] = {"scenario": g.name, "method": self.method}
        if self.lam is not None:
            out["lam"] = self.lam
        out["payoffs"] = {
            p: float(v) for p, v in zip(g.players, self.payoffs.mean(axis=0), strict=True)
        }
        out["outcomes"] = {
            o: float(v) for o, v in zip(g.outcomes, self.outcomes.mean(axis=0), strict=True)
        }
        strategies: dict[str, dict[str, dict[str, float]]] = {p: {} for p in g.players}
        for h, name in enumerate(g.infoset_names):
            player = g.players[g.infoset_player[h]]
            lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
            strategies[player][name] = {
                g.action_names[a]: float(self.strategy_mean[a]) for a in range(lo, hi)
            }
        out["strategies"] = strategies
        out["converged"] = bool(self.converged.all()) if self.converged is not None else True
        if self.n_draws > 1:
            q = np.quantile(self.payoffs, SPREAD, axis=0)
            qo = np.quantile(self.outcomes, SPREAD, axis=0)
            out["draws"] = self.n_draws
            out["spread"] = {
                "quantiles": list(SPREAD),
                "payoffs": {p: [float(q[0, i]), float(q[1, i])] for i, p in enumerate(g.players)},
                "outcomes": {
                    o: [float(qo[0, i]), float(qo[1, i])] for i, o in enumerate(g.outcomes)
                },
            }
        return json_dict(out)

    def to_frame(self) -> pd.DataFrame:
        """One row per draw: parameters, expected payoffs, outcome probabilities.

        Columns are the parameter names, ``payoff:<player>`` and
        ``P:<outcome>``, plus ``converged``.

        Examples
        --------
        >>> import escalade
        >>> df = escalade.solve("iig", method="qre", lam=1.0, draws=10, seed=1).to_frame()
        >>> df.shape[0], "P:War" in df.columns or "P:WarA" in df.columns
        (10, True)
        """
        import pandas as pd

        frame = (
            self.draws.to_frame()
            if self.draws is not None
            else pd.DataFrame(index=range(self.n_draws))
        )
        for i, p in enumerate(self.game.players):
            frame[f"payoff:{p}"] = self.payoffs[:, i]
        for j, o in enumerate(self.game.outcomes):
            frame[f"P:{o}"] = self.outcomes[:, j]
        frame["converged"] = (
            self.converged if self.converged is not None else np.ones(self.n_draws, bool)
        )
        return frame

    def strategies_frame(self) -> pd.DataFrame:
        """Long table of mean action probabilities: player, infoset, action, probability."""
        import pandas as pd

        g = self.game
        rows = []
        for h, name in enumerate(g.infoset_names):
            lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
            for a in range(lo, hi):
                rows.append(
                    (
                        g.players[g.infoset_player[h]],
                        name,
                        g.action_names[a],
                        float(self.strategy_mean[a]),
                    )
                )
        return pd.DataFrame(rows, columns=["player", "infoset", "action", "probability"])

    # ------------------------------------------------------------- summary
    def summary(self, *, max_rows: int | None = 40, max_infosets: int | None = None) -> Summary:
        """Tables of payoffs, outcome probabilities and strategies.

        With several draws, each number is the mean over draws with its
        5–95% spread.

        Parameters
        ----------
        max_rows : int or None
            Information sets shown in the strategies table, the one that
            grows with the game (payoffs and outcomes are always shown
            whole); ``None`` shows all.
        max_infosets : int, optional
            Deprecated name of ``max_rows``.

        Examples
        --------
        >>> import escalade
        >>> print(escalade.solve("iig", method="spe").summary(max_rows=2).tables[2].text())
        Strategies
        player  information set  action probabilities
        ------  ---------------  -----------------------------
        A       root             demand 0.000  no_demand 1.000
        B       demand           acquiesce 0.000  demand 1.000
        ...     10 more
        """
        if max_infosets is not None:
            warn_renamed("summary", "max_infosets", "max_rows")
            max_rows = max_infosets
        g = self.game
        header_extra = ("5%", "95%") if self.n_draws > 1 else ()
        tables = (
            Table(
                "Expected payoffs",
                ("player", "payoff", *header_extra),
                tuple(self._spread_rows(self.payoffs, g.players)),
            ),
            Table(
                "Outcome probabilities",
                ("outcome", "probability", *header_extra),
                tuple(self._spread_rows(self.outcomes, g.outcomes, g.outcome_labels)),
            ),
            Table(
                "Strategies" + (" (mean over draws)" if header_extra else ""),
                ("player", "information set", "action probabilities"),
                clip_rows(self._strategy_rows(max_rows), max_rows, total=g.n_infosets),
                align="lll",
            ),
        )
        return Summary(self._heading(), self._notes(), tables)

    def _heading(self) -> str:
        method = {
            "spe": "subgame-perfect equilibrium",
            "qre": "logit QRE",
            "nash": "Nash equilibrium",
        }.get(self.method, self.method)
        lam = f", lambda = {self.lam:g}" if self.lam is not None else ""
        return f"{self.game.title or self.game.name}: {method}{lam}"

    def _notes(self) -> tuple[str, ...]:
        notes = []
        if self.n_draws > 1:
            notes.append(f"{self.n_draws:,} draws of the parameters; mean and 5-95% spread.")
        if self.converged is not None and not self.converged.all():
            bad = int((~self.converged).sum())
            notes.append(
                f"WARNING: the solver did not converge on {bad:,} of "
                f"{self.n_draws:,} draws (see diagnostics)."
            )
        return tuple(notes)

    def _spread_rows(
        self, values: FloatArray, names: tuple[str, ...], labels: tuple[str, ...] = ()
    ) -> list[tuple[str, ...]]:
        """Mean of each column, and its 5% and 95% quantiles with several draws."""
        mean = values.mean(axis=0)
        q = np.quantile(values, SPREAD, axis=0) if self.n_draws > 1 else None
        out = []
        for i, name in enumerate(names):
            shown = name if not labels or labels[i] in ("", name) else f"{name} ({labels[i]})"
            row: tuple[str, ...] = (shown, _fmt(mean[i]))
            if q is not None:
                row += (_fmt(q[0, i]), _fmt(q[1, i]))
            out.append(row)
        return out

    def _strategy_rows(self, max_rows: int | None) -> list[tuple[str, ...]]:
        """Player, information set and action probabilities of the first ``max_rows`` sets."""
        g = self.game
        rows: list[tuple[str, ...]] = []
        for h, name in enumerate(g.infoset_names[:max_rows]):
            lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
            if np.isnan(self.strategy_mean[lo:hi]).all():
                acts = "not specified (never reached by this player's own choices)"
            else:
                acts = "  ".join(
                    f"{g.action_names[a]} {self.strategy_mean[a]:.3f}" for a in range(lo, hi)
                )
            rows.append((g.players[g.infoset_player[h]], name, acts))
        return rows

    def __repr__(self) -> str:
        lam = f", lam={self.lam:g}" if self.lam is not None else ""
        return f"<Solution {self.game.name!r} {self.method}{lam}, {self.n_draws} draw(s)>"
