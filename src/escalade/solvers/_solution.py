"""The result of solving a game over a batch of draws."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from escalade.game import Game
from escalade.scenario import Draws

__all__ = ["Solution", "Summary", "Table"]

FloatArray = NDArray[np.float64]

#: Quantiles reported as the spread over draws.
SPREAD = (0.05, 0.95)


@dataclass(frozen=True)
class Table:
    """A small table of text cells, rendered as text or HTML."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""  # one letter per column: l or r

    def text(self) -> str:
        """Plain-text rendering with aligned columns."""
        cells = [self.header, *self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.header))]
        align = self.align or "l" + "r" * (len(self.header) - 1)

        def fmt(row: tuple[str, ...]) -> str:
            return "  ".join(
                c.ljust(w) if a == "l" else c.rjust(w)
                for c, w, a in zip(row, widths, align, strict=False)
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([self.title, fmt(self.header), rule, *(fmt(r) for r in self.rows)])

    def html(self) -> str:
        """HTML rendering (a ``<table>`` with a caption)."""
        align = self.align or "l" + "r" * (len(self.header) - 1)
        style = {"l": "left", "r": "right"}
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{style[a]}">{html.escape(c)}</td>'
                for c, a in zip(r, align, strict=False)
            )
            + "</tr>"
            for r in self.rows
        )
        return (
            f"<table><caption>{html.escape(self.title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


@dataclass(frozen=True)
class Summary:
    """A result's summary: a heading, notes and tables, as text or HTML."""

    heading: str
    notes: tuple[str, ...]
    tables: tuple[Table, ...]

    def __str__(self) -> str:
        parts = [self.heading, *self.notes, ""]
        for t in self.tables:
            parts += [t.text(), ""]
        return "\n".join(parts).rstrip() + "\n"

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return (
            f"<div class='escalade-summary'><h4>{html.escape(self.heading)}</h4>{notes}"
            + "".join(t.html() for t in self.tables)
            + "</div>"
        )

    def html(self) -> str:
        """The summary as an HTML fragment."""
        return self._repr_html_()


def _json_number(x: float) -> float | None:
    """A float for JSON; NaN (an unspecified choice) becomes null."""
    return None if np.isnan(x) else float(x)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.4g}"


@dataclass
class Solution:
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
        (5% and 95% quantiles of payoffs and outcome probabilities).
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
        strategies: dict[str, dict[str, dict[str, float | None]]] = {p: {} for p in g.players}
        for h, name in enumerate(g.infoset_names):
            player = g.players[g.infoset_player[h]]
            lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
            strategies[player][name] = {
                g.action_names[a]: _json_number(self.strategy_mean[a]) for a in range(lo, hi)
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
        return out

    def to_frame(self) -> Any:
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

    def strategies_frame(self) -> Any:
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
    def summary(self, *, max_infosets: int = 40) -> Summary:
        """Tables of payoffs, outcome probabilities and strategies.

        With several draws, each number is the mean over draws with its
        5–95% spread.
        """
        g = self.game
        many = self.n_draws > 1
        title = g.title or g.name
        method = {
            "spe": "subgame-perfect equilibrium",
            "qre": "logit QRE",
            "nash": "Nash equilibrium",
        }.get(self.method, self.method)
        heading = f"{title}: {method}" + (
            f", lambda = {self.lam:g}" if self.lam is not None else ""
        )
        notes = []
        if many:
            notes.append(f"{self.n_draws:,} draws of the parameters; mean and 5-95% spread.")
        if self.converged is not None and not self.converged.all():
            bad = int((~self.converged).sum())
            notes.append(
                f"WARNING: the solver did not converge on {bad:,} of "
                f"{self.n_draws:,} draws (see diagnostics)."
            )
        header_extra = ("5%", "95%") if many else ()

        def rows(
            values: FloatArray, names: tuple[str, ...], labels: tuple[str, ...] = ()
        ) -> tuple[tuple[str, ...], ...]:
            mean = values.mean(axis=0)
            q = np.quantile(values, SPREAD, axis=0) if many else None
            out = []
            for i, name in enumerate(names):
                shown = name if not labels or labels[i] in ("", name) else f"{name} ({labels[i]})"
                row: tuple[str, ...] = (shown, _fmt(mean[i]))
                if q is not None:
                    row += (_fmt(q[0, i]), _fmt(q[1, i]))
                out.append(row)
            return tuple(out)

        tables = [
            Table(
                "Expected payoffs",
                ("player", "payoff", *header_extra),
                rows(self.payoffs, g.players),
            ),
            Table(
                "Outcome probabilities",
                ("outcome", "probability", *header_extra),
                rows(self.outcomes, g.outcomes, g.outcome_labels),
            ),
        ]
        srows = []
        for h, name in enumerate(g.infoset_names[:max_infosets]):
            lo, hi = g.infoset_actions[h], g.infoset_actions[h + 1]
            if np.isnan(self.strategy_mean[lo:hi]).all():
                acts = "not specified (never reached by this player's own choices)"
            else:
                acts = "  ".join(
                    f"{g.action_names[a]} {self.strategy_mean[a]:.3f}" for a in range(lo, hi)
                )
            srows.append((g.players[g.infoset_player[h]], name, acts))
        if g.n_infosets > max_infosets:
            srows.append(("...", f"{g.n_infosets - max_infosets} more", ""))
        tables.append(
            Table(
                "Strategies" + (" (mean over draws)" if many else ""),
                ("player", "information set", "action probabilities"),
                tuple(srows),
                align="lll",
            )
        )
        return Summary(heading, tuple(notes), tuple(tables))

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        lam = f", lam={self.lam:g}" if self.lam is not None else ""
        return f"<Solution {self.game.name!r} {self.method}{lam}, {self.n_draws} draw(s)>"
