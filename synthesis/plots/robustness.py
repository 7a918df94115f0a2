"""The robustness plot: one line per variant of an analysis, grouped, in one compact figure.

Columns, left to right: the variant (under its group's header), k, the
effect with its confidence interval as text, then the plot: a point and CI
line per variant, the primary analysis highlighted with a dashed vertical
line at its estimate, and the line of no effect. A variant without numbers,
or on another scale than the primary analysis, is shown as text only.

Inputs are plain :class:`RobustnessLine` values on the reported scale
(risk ratio, not log risk ratio).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator
from matplotlib.transforms import blended_transform_factory, offset_copy

from synthesis.plots.canvas import figure_and_axes, fit_figure, style_effect_axis

ROW = 0.22  # inches per line
PLOT_WIDTH = 2.4  # inches for the effect axis
FONT_SIZE = 8.5
COLUMN_GAP = 9.0  # points between columns
INDENT = 8.0  # points a variant sits right of its group's header
POINT = "#1f5fa8"
PRIMARY = "black"
BAND = "#fbeec1"
NOTE = "#666666"
GROUP_GAP = 0.35  # lines of space above each group but the first


@dataclass(frozen=True)
class RobustnessLine:
    """One variant of the analysis, on the reported scale.

    Attributes
    ----------
    group : str
        The header the line sits under, e.g. "Leave one out"; consecutive
        lines with the same group share one header.
    label : str
        The variant, e.g. "Without Smith 2010".
    k : int or None
        Studies pooled.
    estimate, ci_lower, ci_upper : float or None
        Pooled effect and confidence limits (ratio, not log); None when the
        variant could not be computed.
    is_primary : bool
        The analysis as run; drawn highlighted, with a dashed line at its
        estimate.
    note : str
        Shown in the plot when the line has no point (e.g. "No study left.").
    on_axis : bool
        False for a variant on another scale than the axis (a risk difference
        beside risk ratios): its numbers are shown as text only.
    """

    group: str
    label: str
    k: int | None
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    is_primary: bool = False
    note: str = ""
    on_axis: bool = True

    @property
    def has_values(self) -> bool:
        return all(_finite(v) for v in (self.estimate, self.ci_lower, self.ci_upper))


def plot_robustness(
    rows: Iterable[RobustnessLine],
    *,
    log_scale: bool,
    measure_label: str,
    ax: Axes | None = None,
) -> Figure:
    """Draw the robustness panel of an analysis as one compact figure.

    Parameters
    ----------
    rows : iterable of RobustnessLine
        The primary analysis and its variants, top to bottom in the order
        given; a header is drawn whenever the group changes.
    log_scale : bool
        Ratio measures: a log axis with no effect at 1; otherwise no effect
        is at 0.
    measure_label : str
        Header of the effect column, e.g. "Risk ratio (95% CI)".
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the table goes left of them); by default a new
        figure sized to the lines.

    Returns
    -------
    matplotlib.figure.Figure
        The variants' points are one scatter collection (gid ``"points"``),
        the primary analysis's point another (gid ``"primary"``), the CI
        lines a line collection (gid ``"ci"``); the dashed line at the
        primary estimate has gid ``"primary-line"``, the line of no effect
        ``"no-effect"``, group headers ``"group"`` and the notes of lines
        without a point ``"note"``.

    Notes
    -----
    Everything is on the reported scale: pass ratios, not log ratios, with
    ``log_scale=True``. A line is plotted when its estimate and limits are
    finite (and positive on a log axis) and ``on_axis`` is true; the effect
    text shows two decimals.
    """
    lines = list(rows)
    if not lines:
        raise ValueError("there are no rows to plot")
    placed, headers, bottom = _layout(lines)
    plotted = [(y, line) for y, line in placed if _plotted(line, log_scale)]
    fig, ax, ours = figure_and_axes(ax)

    _draw_points(ax, plotted)
    no_effect = 1.0 if log_scale else 0.0
    ax.axvline(no_effect, color="black", linewidth=0.8, zorder=1, gid="no-effect")
    for y, line in placed:
        if line.is_primary:
            _draw_band(fig, ax, y)
            if (y, line) in plotted:
                ax.axvline(
                    line.estimate,
                    color=PRIMARY,
                    linestyle=(0, (4, 3)),
                    linewidth=0.8,
                    zorder=1,
                    gid="primary-line",
                )
        elif (y, line) not in plotted:
            _draw_note(ax, y, line)
    _style_axis(ax, [line for _, line in plotted], no_effect, log_scale, bottom)
    _draw_table(fig, ax, placed, headers, measure_label)
    if ours:
        fit_figure(fig, ax, PLOT_WIDTH, ROW * (bottom + 1.0))
    return fig


def _layout(
    lines: Sequence[RobustnessLine],
) -> tuple[list[tuple[float, RobustnessLine]], list[tuple[float, str]], float]:
    """Give every header and line its row (y grows downwards); return them and the bottom."""
    placed, headers = [], []
    y, group = 0.0, None
    for line in lines:
        if line.group != group:
            if group is not None:
                y += GROUP_GAP
            headers.append((y, line.group))
            group = line.group
            y += 1
        placed.append((y, line))
        y += 1
    return placed, headers, y - 0.4


def _plotted(line: RobustnessLine, log_scale: bool) -> bool:
    if not (line.on_axis and line.has_values):
        return False
    return not log_scale or min(line.estimate, line.ci_lower, line.ci_upper) > 0


def _draw_points(ax: Axes, plotted: Sequence[tuple[float, RobustnessLine]]) -> None:
    ax.hlines(
        [y for y, _ in plotted],
        [line.ci_lower for _, line in plotted],
        [line.ci_upper for _, line in plotted],
        colors=[PRIMARY if line.is_primary else POINT for _, line in plotted],
        linewidth=1.0,
        zorder=2,
        gid="ci",
    )
    for gid, primary, marker, size, colour in (
        ("points", False, "s", 26.0, POINT),
        ("primary", True, "D", 36.0, PRIMARY),
    ):
        chosen = [(y, line) for y, line in plotted if line.is_primary == primary]
        ax.scatter(
            [line.estimate for _, line in chosen],
            [y for y, _ in chosen],
            s=size,
            marker=marker,
            color=colour,
            edgecolors="none",
            zorder=3,
            gid=gid,
        )


def _draw_band(fig: Figure, ax: Axes, y: float) -> None:
    """Shade the primary analysis's line across the whole figure, table included."""
    band = Rectangle(
        (0, y - 0.5),
        1,
        1,
        transform=blended_transform_factory(fig.transFigure, ax.transData),
        facecolor=BAND,
        edgecolor="none",
        zorder=0,
        clip_on=False,
        gid="primary-band",
    )
    band.set_in_layout(False)  # it spans the figure: measuring it would size nothing
    ax.add_patch(band)


def _draw_note(ax: Axes, y: float, line: RobustnessLine) -> None:
    if line.has_values:
        text = "Another scale: not plotted."
    else:
        text = line.note or "Not computed."
    ax.text(
        0.02,
        y,
        text,
        transform=ax.get_yaxis_transform(),
        ha="left",
        va="center",
        fontsize=FONT_SIZE - 0.5,
        fontstyle="italic",
        color=NOTE,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        zorder=4,
        gid="note",
    )


def _style_axis(
    ax: Axes, lines: Sequence[RobustnessLine], no_effect: float, log_scale: bool, bottom: float
) -> None:
    values = [no_effect] + [v for line in lines for v in (line.ci_lower, line.ci_upper)]
    low, high = min(values), max(values)
    if log_scale:
        ax.set_xscale("log")
        low, high = math.log10(low), math.log10(high)
        pad = max(0.08 * (high - low), 0.05)
        ax.set_xlim(10 ** (low - pad), 10 ** (high + pad))
        decades = (high - low) + 2 * pad
        subs = (
            (1.0, 2.0, 3.0, 5.0, 7.0) if decades < 1 else (1.0, 2.0, 5.0) if decades < 2 else (1.0,)
        )
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
        ax.xaxis.set_minor_locator(NullLocator())
    else:
        pad = max(0.08 * (high - low), 0.05 * max(abs(low), abs(high)), 0.05)
        ax.set_xlim(low - pad, high + pad)
        ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    style_effect_axis(ax, bottom, font_size=FONT_SIZE)


def _format_effect(line: RobustnessLine) -> str:
    if not line.has_values:
        return "–"
    return f"{line.estimate:.2f} [{line.ci_lower:.2f}, {line.ci_upper:.2f}]"


def _draw_table(
    fig: Figure,
    ax: Axes,
    placed: Sequence[tuple[float, RobustnessLine]],
    headers: Sequence[tuple[float, str]],
    measure_label: str,
) -> None:
    """Draw the variant, k and effect columns left of the axes."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)  # a caller's figure without a canvas: measure with Agg
    renderer = fig.canvas.get_renderer()
    to_points = 72.0 / fig.dpi
    fonts = {
        False: FontProperties(size=FONT_SIZE),
        True: FontProperties(size=FONT_SIZE, weight="bold"),
    }

    def width(text: str, bold: bool = False) -> float:
        size = renderer.get_text_width_height_descent(text, fonts[bold], ismath=False)[0]
        return size * to_points

    labels = [(y, line.label, line.is_primary) for y, line in placed]
    counts = [(y, "" if line.k is None else str(line.k)) for y, line in placed]
    effects = [(y, _format_effect(line)) for y, line in placed]
    widths = [
        max([width(t, b) + INDENT for _, t, b in labels] + [width(g, True) for _, g in headers]),
        max([width(t) for _, t in counts] + [width("k", True)]),
        max(width(t) for _, t in effects),
    ]
    base = ax.get_yaxis_transform()
    right = -COLUMN_GAP
    edges = []
    for column_width in reversed(widths):
        edges.append(right - column_width)
        right -= column_width + COLUMN_GAP
    left_label, left_k, left_effect = reversed(edges)
    right_k = left_k + widths[1]

    def put(x: float, y: float, text: str, **options) -> None:
        where = offset_copy(base, fig=fig, x=x, units="points")
        ax.text(0, y, text, transform=where, fontsize=FONT_SIZE, va="center", **options)

    header_y = -1.0
    for x, title, ha in (
        (left_label, "Analysis", "left"),
        (right_k, "k", "right"),
        (left_effect, measure_label, "left"),
    ):
        put(x, header_y, title, ha=ha, fontweight="bold", gid="header")
    for y, group in headers:
        put(left_label, y, group, ha="left", fontweight="bold", gid="group")
    for (y, label, primary), (_, count), (_, effect) in zip(labels, counts, effects, strict=True):
        weight = "bold" if primary else None
        put(left_label + INDENT, y, label, ha="left", fontweight=weight)
        put(right_k, y, count, ha="right", fontweight=weight)
        put(left_effect, y, effect, ha="left", fontweight=weight)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
