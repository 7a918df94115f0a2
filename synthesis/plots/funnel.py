"""The funnel plot: each study's effect against its standard error.

The y axis (standard error) is inverted so the largest studies sit at the
top; dashed pseudo-95% confidence limits (pooled ± 1.96 SE) fan out from the
pooled estimate, and studies imputed by trim-and-fill are drawn hollow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from synthesis.plots.canvas import figure_and_axes, fit_figure

WIDTH = 4.5  # inches
HEIGHT = 3.6
FONT_SIZE = 9
Z95 = 1.959963984540054
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def plot_funnel(
    estimates: Sequence[float],
    standard_errors: Sequence[float],
    *,
    pooled: float,
    log_scale: bool = False,
    filled: tuple[Sequence[float], Sequence[float]] | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw a funnel plot with pseudo-95% confidence limits.

    Parameters
    ----------
    estimates, standard_errors : sequence of float
        Each study's effect and its standard error on the analysis scale
        (log odds ratio, not odds ratio, for ratio measures).
    pooled : float
        The pooled estimate on the analysis scale; the funnel is centred on it.
    log_scale : bool
        Ratio measures: the x axis shows the ratio (``exp`` of the analysis
        scale) on a log axis.
    filled : tuple of (estimates, standard_errors), optional
        Studies imputed by trim-and-fill (:class:`synthesis.stats.small_study.
        TrimAndFill` ``filled_yi`` and ``sqrt(filled_vi)``), drawn hollow.
    xlabel : str, optional
        Label of the x axis, e.g. "Risk ratio (log scale)"; by default
        "Ratio (log scale)" or "Effect".
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Observed studies are the collection with gid ``"studies"``, imputed
        ones ``"filled"``; the limits are lines with gid ``"limits"`` and the
        pooled estimate a vertical line with gid ``"pooled"``.

    Notes
    -----
    The pseudo-95% limits are pooled ± 1.96 × SE for SE from 0 to the
    largest standard error (Sterne and Egger 2001). On a log axis they are
    drawn as exp of those lines.

    References
    ----------
    Sterne JAC, Egger M. Funnel plots for detecting bias in meta-analysis:
    guidelines on choice of axis. J Clin Epidemiol. 2001;54:1046-55.
    """
    y = np.asarray(estimates, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    if y.shape != se.shape or y.ndim != 1 or y.size == 0:
        raise ValueError("estimates and standard_errors need the same, non-zero length")
    if np.any(~np.isfinite(se)) or np.any(se < 0):
        raise ValueError("standard errors must be finite and non-negative")
    fy = fse = np.empty(0)
    if filled is not None:
        fy = np.asarray(filled[0], dtype=float)
        fse = np.asarray(filled[1], dtype=float)
        if fy.shape != fse.shape:
            raise ValueError("filled estimates and standard errors need the same length")
    shown = np.exp if log_scale else (lambda v: v)
    fig, ax, ours = figure_and_axes(ax)

    se_max = float(max(se.max(), fse.max() if fse.size else 0.0)) or 1.0
    se_max *= 1.05
    grid = np.linspace(0.0, se_max, 50)
    for sign in (-1, 1):
        ax.plot(
            shown(pooled + sign * Z95 * grid),
            grid,
            color="0.35",
            linestyle="--",
            linewidth=0.9,
            gid="limits",
        )
    ax.axvline(shown(pooled), color="black", linewidth=0.9, gid="pooled")
    ax.scatter(shown(y), se, s=28, color="#1f5fa8", edgecolors="#1f5fa8", zorder=3, gid="studies")
    if fy.size:
        ax.scatter(
            shown(fy),
            fse,
            s=28,
            facecolors="white",
            edgecolors="#1f5fa8",
            linewidths=1.0,
            zorder=3,
            gid="filled",
            label="Imputed (trim-and-fill)",
        )
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            fontsize=FONT_SIZE - 1,
            frameon=False,
        )

    ax.set_ylim(se_max, 0)
    spread = max(float(np.max(np.abs(np.concatenate([y, fy]) - pooled))), Z95 * se_max) * 1.08
    ax.set_xlim(shown(pooled - spread), shown(pooled + spread))
    if log_scale:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        low, high = ax.get_xlim()
        ticks = [t for t in TICKS if low <= t <= high]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
    if xlabel is None:
        xlabel = "Ratio (log scale)" if log_scale else "Effect"
    ax.set_xlabel(xlabel, fontsize=FONT_SIZE)
    ax.set_ylabel("Standard error", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE)
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    if ours:
        fit_figure(fig, ax, WIDTH, HEIGHT)
    return fig
