"""Charts as inline SVG (matplotlib's SVG backend, text kept as text).

Every chart is a self-contained ``<svg>`` element: no external fonts,
images or scripts, so a report works offline and prints well.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from escalade.exploration import DiscoveryResult, RobustnessResult, SensitivityResult

__all__ = [
    "PALETTE",
    "bar_chart",
    "line_grid",
    "regret_chart",
    "sensitivity_chart",
    "svg_of",
    "tradeoff_chart",
]

#: Colours by policy position (colour-blind safe, after Okabe and Ito 2008).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.25,
            "svg.hashsalt": "escalade",
        }
    )
    return plt


def svg_of(fig: Any) -> str:
    """A matplotlib figure as an inline, scalable ``<svg>`` string (figure closed)."""
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # the RDF metadata block names the creator's website; a report needs none of it
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # scale with the page: drop the fixed size, keep the viewBox
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    return text.replace("<svg", '<svg class="chart" role="img"', 1)


def line_grid(
    x: Sequence[str],
    panels: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    colors: dict[str, str],
    labels: dict[str, str],
    ylabel: str = "probability",
    percent: bool = True,
    ncols: int = 3,
) -> str:
    """Small multiples: one panel per quantity, one line per series (policy).

    Parameters
    ----------
    x : sequence of str
        Period labels.
    panels : sequence of (title, {series: values})
    colors, labels : dict
        Colour and legend label of each series.
    """
    plt = _plt()
    n = len(panels)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.3 * ncols, 2.4 * nrows + 0.6), squeeze=False, sharex=True
    )
    pos = np.arange(len(x))
    for k, (title, series) in enumerate(panels):
        ax = axes[k // ncols][k % ncols]
        for name, values in series.items():
            v = np.asarray(values, dtype=float) * (100 if percent else 1)
            ax.plot(pos, v, color=colors[name], lw=1.6, label=labels[name])
        ax.set_title(title, fontsize=9, loc="left")
        if percent:
            top = (
                max(
                    (float(np.max(np.asarray(v, dtype=float))) for v in series.values()),
                    default=0.0,
                )
                * 100
            )
            ax.set_ylim(0, max(top * 1.08, 1.0))
            digits = 0 if top >= 5 else 1
            ax.yaxis.set_major_formatter(lambda v, _, d=digits: f"{v:.{d}f}%")
        step = max(1, len(x) // 5)
        ax.set_xticks(pos[::step], [x[i] for i in range(0, len(x), step)])
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    handles, legend_labels = axes[0][0].get_legend_handles_labels()
    fig.legend(
        handles,
        legend_labels,
        loc="lower center",
        ncol=min(4, len(handles)),
        frameon=False,
        bbox_to_anchor=(0.5, -0.02),
    )
    fig.tight_layout(rect=(0, 0.08 + 0.02 * (len(handles) > 4), 1, 1))
    return svg_of(fig)


def bar_chart(
    names: Sequence[str],
    values: Sequence[float],
    errors: Sequence[float],
    *,
    colors: Sequence[str],
    xlabel: str,
    highlight: str | None = None,
) -> str:
    """Horizontal bars with 95% error bars, best at the top."""
    plt = _plt()
    order = np.argsort(values)
    fig, ax = plt.subplots(figsize=(10.0, 0.36 * len(names) + 1.0))
    y = np.arange(len(names))
    vals = np.asarray(values, dtype=float)[order]
    errs = 1.96 * np.asarray(errors, dtype=float)[order]
    ax.barh(
        y,
        vals,
        xerr=errs,
        color=[colors[i] for i in order],
        alpha=0.9,
        error_kw={"ecolor": "#333", "capsize": 2, "lw": 0.8},
    )
    ax.set_yticks(y, [names[i] + ("  ◀" if names[i] == highlight else "") for i in order])
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    span = float(np.max(np.abs(vals))) if len(vals) else 1.0
    for yi, v, e in zip(y, vals, errs, strict=True):
        edge = v + e if v >= 0 else v - e
        ax.text(
            edge + (0.01 if v >= 0 else -0.01) * span,
            yi,
            f"{v:.1f}",
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=8,
            color="#222",
        )
    ax.margins(x=0.08)
    fig.tight_layout()
    return svg_of(fig)


# ------------------------------------------------- charts of an exploration
def regret_chart(rob: RobustnessResult, colors: dict[str, str], labels: dict[str, str]) -> str:
    """Box plots of each policy's regret across worlds, worst median first."""
    plt = _plt()
    order = list(rob.table["median_regret"].sort_values(ascending=False, kind="stable").index)
    data = [rob.regret[p].to_numpy() for p in order]
    fig, ax = plt.subplots(figsize=(10.0, 0.42 * len(order) + 1.1))
    parts = ax.boxplot(
        data,
        orientation="horizontal",
        whis=(5, 95),
        showfliers=False,
        patch_artist=True,
        widths=0.6,
        medianprops={"color": "#222"},
    )
    for patch, p in zip(parts["boxes"], order, strict=True):
        patch.set_facecolor(colors[p])
        patch.set_alpha(0.8)
    ax.set_yticks(np.arange(1, len(order) + 1), [labels[p] for p in order])
    ax.axvline(rob.tolerance, color="#555", lw=0.8, ls="--")
    ax.text(rob.tolerance, len(order) + 0.45, f" tolerance {rob.tolerance:g}", fontsize=8)
    ax.set_xlabel(
        f"regret of {rob.actor}'s utility (best policy in the world minus this one); "
        "box: quartiles, whiskers: 5-95% of worlds"
    )
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return svg_of(fig)


def sensitivity_chart(sens: SensitivityResult, top: int = 15) -> str:
    """Bars of the ``top`` parameters' influence, with their claims and the noise level."""
    plt = _plt()
    frame = sens.indices.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(10.0, 0.3 * len(frame) + 1.2))
    y = np.arange(len(frame))
    conf = frame["conf"].to_numpy(dtype=float)
    colors = ["#0072B2" if a else "#9bbad6" for a in frame["above_noise"]]
    ax.barh(
        y,
        frame["influence"].to_numpy(dtype=float),
        xerr=None if np.isnan(conf).all() else np.nan_to_num(conf),
        color=colors,
        error_kw={"ecolor": "#333", "capsize": 2, "lw": 0.8},
    )
    names = [
        f"{p}  [{', '.join(c)}]" if c else f"{p}  [no claim]"
        for p, c in zip(frame.index, frame["claims"], strict=True)
    ]
    ax.set_yticks(y, names)
    if sens.noise is not None:
        ax.axvline(sens.noise, color="#D55E00", lw=1, ls="--")
        ax.text(sens.noise, len(frame) - 0.4, " noise level", color="#D55E00", fontsize=8)
    ax.set_xlabel(f"{sens.measure_label} ({sens.measure})")
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return svg_of(fig)


def tradeoff_chart(d: DiscoveryResult) -> str:
    """PRIM's coverage-density trade-off, the chosen box circled."""
    plt = _plt()
    t = d.trajectory()
    fig, ax = plt.subplots(figsize=(5.4, 3.6))
    dims = t["res_dim"].to_numpy()
    top = int(max(dims.max(), 1))
    sc = ax.scatter(
        t["coverage"], t["density"], c=dims, cmap="viridis", s=14, vmin=-0.5, vmax=top + 0.5
    )
    bar = fig.colorbar(sc, ax=ax, label="restricted parameters")
    bar.set_ticks(range(0, top + 1, max(1, (top + 1) // 6)))
    c = t.loc[d.chosen]
    ax.scatter(
        [c["coverage"]], [c["density"]], s=140, facecolors="none", edgecolors="#D55E00", lw=1.6
    )
    ax.annotate(
        f"chosen box {d.chosen}",
        (c["coverage"], c["density"]),
        textcoords="offset points",
        xytext=(-10, 10),
        ha="right",
        color="#D55E00",
        fontsize=8,
    )
    ax.axhline(d.share, color="#777", lw=0.8, ls=":")
    ax.set_xlabel("coverage (share of the worlds of interest inside the box)")
    ax.set_ylabel("density (share of the box's worlds of interest)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    fig.tight_layout()
    return svg_of(fig)
