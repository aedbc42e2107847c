"""The game tree drawn as SVG, with equilibrium probabilities on its edges.

Layout: depth runs left to right, leaves get one row each, an inner node
sits at the middle of its children. Edge width and darkness follow the
probability of reaching the edge; choices fixed by a policy are dashed;
leaves name their outcome and show the probability of ending there.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from escalade.game import CHANCE, DECISION, Game

__all__ = ["tree_svg"]

_ROW = 19
_COL = 190
_PAD = 12


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def tree_svg(
    game: Game,
    edge: NDArray[np.float64],
    reach: NDArray[np.float64],
    *,
    forced: NDArray[np.bool_] | None = None,
    title: str = "",
    min_reach: float = 0.0,
) -> str:
    """Draw a game tree with its edge probabilities.

    Parameters
    ----------
    game : Game
    edge : ndarray of shape (n_nodes,)
        Probability of the edge into each node (root: 1).
    reach : ndarray of shape (n_nodes,)
        Probability of reaching each node.
    forced : ndarray of shape (n_nodes,), bool, optional
        Edges fixed in advance (drawn dashed).
    title : str
        Shown above the tree.
    min_reach : float
        Subtrees reached with lower probability are folded into one grey leaf.

    Returns
    -------
    str
        An ``<svg>`` element.

    Examples
    --------
    >>> import numpy as np, escalade
    >>> g = escalade.as_game("iig")
    >>> svg = tree_svg(g, np.full(g.n_nodes, 0.5), np.full(g.n_nodes, 0.5))
    >>> svg.startswith("<svg")
    True
    """
    forced = np.zeros(game.n_nodes, dtype=bool) if forced is None else forced
    layout = _Layout.of(game, reach, min_reach)
    shown = layout.shown
    depth = game.depth
    max_depth = int(depth[shown].max()) if shown else 0
    width = _PAD * 2 + (max_depth + 1) * _COL + 160
    top = 28 if title else 10
    height = top + layout.rows * _ROW + _PAD
    parts = [
        f'<svg class="tree" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" font-family="sans-serif" '
        f'font-size="11">'
    ]
    if title:
        parts.append(
            f'<text x="{_PAD}" y="16" font-size="13" font-weight="bold">{_esc(title)}</text>'
        )

    def xy(i: int) -> tuple[float, float]:
        return _PAD + depth[i] * _COL, top + layout.y[i] + _ROW / 2

    for i in shown:
        if i == 0:
            continue
        p = game.parent[i]
        (x0, y0), (x1, y1) = xy(p), xy(i)
        parts.append(
            _edge_svg(game, i, (x0, y0, x1, y1), float(edge[i]), float(reach[i]), forced[i])
        )
    for i in shown:
        x, yy = xy(i)
        parts.append(_node_svg(game, i, x, yy, bool(layout.folded[i]), float(reach[i])))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class _Layout:
    """Where the drawn nodes go: a row position each, and which subtrees are folded."""

    y: NDArray[np.float64]
    folded: NDArray[np.bool_]
    shown: list[int]
    rows: int

    @classmethod
    def of(cls, game: Game, reach: NDArray[np.float64], min_reach: float) -> _Layout:
        first = game.first_child
        nch = game.n_children

        def kids(i: int) -> list[int]:
            return list(range(first[i], first[i] + nch[i])) if nch[i] else []

        # leaves (or folded subtrees) get rows in depth-first order; inner nodes
        # sit midway between their first and last child
        y = np.zeros(game.n_nodes)
        folded = np.zeros(game.n_nodes, dtype=bool)
        visible: set[int] = set()
        row = 0
        stack: list[tuple[int, bool]] = [(0, False)]
        while stack:
            i, after = stack.pop()
            if after:
                ks = kids(i)
                y[i] = (y[ks[0]] + y[ks[-1]]) / 2
                continue
            visible.add(i)
            if nch[i] and (i == 0 or reach[i] >= min_reach):
                stack.append((i, True))
                stack.extend((k, False) for k in reversed(kids(i)))
            else:
                folded[i] = bool(nch[i])
                y[i] = row * _ROW
                row += 1
        return cls(y, folded, sorted(visible), row)


def _edge_svg(
    game: Game,
    i: int,
    ends: tuple[float, float, float, float],
    prob: float,
    r: float,
    forced: bool,
) -> str:
    """The edge into node ``i`` (from ``x0, y0`` to ``x1, y1``), its action and probability."""
    x0, y0, x1, y1 = ends
    shade = int(200 - 170 * min(1.0, r**0.5))
    color = f"rgb({shade},{shade},{shade + 15 if shade < 240 else 255})"
    w = 0.8 + 4.0 * min(1.0, r**0.5)
    dash = ' stroke-dasharray="5,3"' if forced else ""
    xm = x0 + 14
    action = game.edge_labels[i]
    kind = "chance" if game.kind[game.parent[i]] == CHANCE else "choice"
    return (
        f'<path d="M{x0 + 4:.1f},{y0:.1f} L{xm:.1f},{y0:.1f} L{xm:.1f},{y1:.1f} '
        f'L{x1 - 4:.1f},{y1:.1f}" fill="none" stroke="{color}" stroke-width="{w:.2f}"'
        f"{dash}/>"
        f'<text x="{xm + 4:.1f}" y="{y1 - 3:.1f}" fill="#222">{_esc(action)} '
        f'<tspan fill="{"#8a2be2" if kind == "chance" else "#b22222"}" '
        f'font-weight="bold">{prob:.2f}</tspan></text>'
    )


def _node_svg(game: Game, i: int, x: float, yy: float, folded: bool, reach: float) -> str:
    """Node ``i``: a mover's dot, a chance square, a folded subtree, or an outcome."""
    if game.kind[i] == DECISION and not folded:
        mover = game.players[game.player[i]]
        label = game.node_labels[i] if game.node_labels and game.node_labels[i] else ""
        return (
            f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4" fill="#1f4e79"/>'
            f'<text x="{x - 4:.1f}" y="{yy + 13:.1f}" fill="#1f4e79" font-size="10">'
            f"{_esc(mover)}<title>{_esc(label)}</title></text>"
        )
    if game.kind[i] == CHANCE and not folded:
        return f'<rect x="{x - 4:.1f}" y="{yy - 4:.1f}" width="8" height="8" fill="#8a2be2"/>'
    if folded:
        return f'<text x="{x + 4:.1f}" y="{yy + 4:.1f}" fill="#999">… ({100 * reach:.1f}%)</text>'
    o = int(game.outcome[i])
    name = (
        (game.outcome_labels[o] if game.outcome_labels else game.outcomes[o])
        if o >= 0
        else "(no outcome)"
    )
    return (
        f'<text x="{x + 4:.1f}" y="{yy + 4:.1f}" fill="#111">{_esc(name)} '
        f'<tspan fill="#555">{100 * reach:.1f}%</tspan></text>'
    )
