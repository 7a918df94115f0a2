"""The forest plot in the layout people know from RevMan.

Columns, left to right: study, the per-arm data of the experimental and the
control group, weight, the effect with its confidence interval as text, then
the plot: a square per study sized by weight with its CI line, the pooled
diamond, the line of no effect and "favours" labels under the axis. The
heterogeneity and overall-effect lines sit under the table. Optionally, the
studies' risk-of-bias judgements follow at the far right as robvis-coloured
dots, one column per domain, with a key to the domains under the plot.

Inputs are plain :class:`ForestRow` and :class:`ForestPooled` values on the
reported scale (risk ratio, not log risk ratio); the caller formats the per-arm
columns and the statistics lines, so this module only draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.transforms import offset_copy

from extraction.rob import Judgement, Tool, get_tool
from synthesis.plots.canvas import figure_and_axes, fit_figure, style_effect_axis
from synthesis.plots.rob import (
    JudgementHandler,
    RobAssessment,
    palette,
    resolve_judgement,
    symbol_colour,
)

ROW = 0.24  # inches per table row
PLOT_WIDTH = 2.6  # inches for the effect axis
FONT_SIZE = 8.5
COLUMN_GAP = 9.0  # points between columns
MAX_MARKER = 140.0  # points² of the heaviest study's square
SQUARE = "#1f5fa8"
DIAMOND = "black"
ROB_DOT = 11.0  # points, diameter of a risk-of-bias dot
ROB_GAP = 18.0  # points between the plot and the first risk-of-bias column
OVERALL_GAP = 5.0  # points more before the overall column, which sums up the domains
HEADER_Y = -0.75  # row of the column headers
KEY_TOP = 46.0  # points from the axis line down to the risk-of-bias key, under "favours"


@dataclass(frozen=True)
class ForestRow:
    """One study's line of the forest plot, on the reported scale.

    Attributes
    ----------
    label : str
        Study name, e.g. "Sigtermans 2009".
    arm_columns : tuple of str
        The per-arm data already formatted, experimental arm first then
        control, e.g. ``("12", "30", "20", "31")`` (events, total) or
        ``("3.1", "1.2", "30", "4.0", "1.5", "31")`` (mean, SD, total).
        Plain numbers are drawn with the most decimals any row has in that
        column (see :func:`same_decimals`).
    weight_percent : float
        The study's weight in the pooled estimate, in percent.
    estimate, ci_lower, ci_upper : float
        Effect and confidence limits on the reported scale (ratio, not log).
    """

    label: str
    arm_columns: tuple[str, ...]
    weight_percent: float
    estimate: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class ForestPooled:
    """The pooled estimate ("Total (95% CI)"), on the reported scale.

    ``prediction_lower`` and ``prediction_upper`` give the prediction
    interval, drawn as a bar on its own row when both are given, under
    ``prediction_label`` (which names the interval's distribution, e.g.
    "Prediction interval (t, k − 2 = 14 df, Higgins–Thompson–Spiegelhalter)").
    """

    label: str
    estimate: float
    ci_lower: float
    ci_upper: float
    prediction_lower: float | None = None
    prediction_upper: float | None = None
    prediction_label: str = "Prediction interval"


@dataclass(frozen=True)
class ForestSubgroup:
    """A block of studies with its own subtotal diamond and statistics lines.

    ``label`` heads the block (e.g. "1.1.1 CRPS type I"); ``pooled`` is the
    subtotal ("Subtotal (95% CI)"), on the reported scale.
    """

    label: str
    rows: tuple[ForestRow, ...]
    pooled: ForestPooled
    heterogeneity_text: str = ""
    overall_text: str = ""


def plot_forest(
    rows: Iterable[ForestRow | ForestSubgroup],
    pooled: ForestPooled,
    *,
    measure_label: str,
    experimental: str = "Experimental",
    control: str = "Control",
    favours: tuple[str, str] = ("Favours experimental", "Favours control"),
    log_scale: bool = False,
    heterogeneity_text: str = "",
    overall_text: str = "",
    subgroup_text: str = "",
    arm_headers: Sequence[str] | None = None,
    rob: Iterable[RobAssessment] | None = None,
    rob_tool: str | Tool = "rob2",
    rob_headers: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw a RevMan-style forest plot.

    Parameters
    ----------
    rows : iterable of ForestRow or ForestSubgroup
        The studies, drawn top to bottom in the order given. Subgroup blocks
        draw a header, their studies, a subtotal diamond and their own
        statistics lines.
    pooled : ForestPooled
        The pooled estimate, drawn as a diamond spanning its CI.
    measure_label : str
        Header of the effect column and the plot, e.g. "Risk Ratio\\nM-H,
        Random, 95% CI".
    experimental, control : str
        Names of the two arms, over their data columns.
    favours : tuple of str
        Labels under the axis, left of the line of no effect then right.
    log_scale : bool
        Ratio measures: a log axis with no effect at 1; otherwise no effect
        is at 0.
    heterogeneity_text, overall_text : str
        Lines under the table, e.g. "Heterogeneity: Tau² = 0.04; Chi² = 21.3,
        df = 15 (P = 0.13); I² = 30%" and "Test for overall effect: Z = 3.1
        (P = 0.002)".
    subgroup_text : str
        The last line, e.g. "Test for subgroup differences: Chi² = 1.2, df =
        1 (P = 0.27), I² = 17%".
    arm_headers : sequence of str, optional
        Headers of one arm's columns; by default "Events", "Total" for two
        columns per arm and "Mean", "SD", "Total" for three.
    rob : iterable of RobAssessment, optional
        Risk-of-bias judgements, matched to the rows by ``study`` == the
        row's label. When given, a dot per study and domain (and overall,
        when any assessment has one) is drawn right of the plot, with a key
        to the domains and judgements under it. A study without an
        assessment, or a domain not judged, stays blank; assessments of
        studies not in the plot are ignored.
    rob_tool : str or Tool
        The tool of the judgements, for the colours and the domain names:
        ``"rob2"`` (default), ``"rob1"``, ``"robins_i"`` or a
        :class:`extraction.rob.Tool`.
    rob_headers : sequence of str, optional
        Headers of the risk-of-bias columns; by default the domain keys
        ("D1", "D2", ...) then "Overall". The key uses the same names.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the table goes left of them); by default a new
        figure sized to the table.

    Returns
    -------
    matplotlib.figure.Figure
        The squares are one scatter collection (gid ``"squares"``, areas
        proportional to the weights), the CI lines a line collection (gid
        ``"ci"``), the total's diamond a polygon with gid ``"diamond"`` (a
        subgroup's ``"subtotal"``) and the line of no effect has gid
        ``"no-effect"``. Each risk-of-bias column is one scatter collection
        with gid ``"rob-D1"``, ..., ``"rob-overall"`` (one dot per judged
        study, in the judgement's robvis colour).

    Notes
    -----
    Everything is on the reported scale: pass ratios, not log ratios, with
    ``log_scale=True``. The effect text shows two decimals. The risk-of-bias
    colours and symbols are robvis's, as in
    :func:`synthesis.plots.rob.plot_traffic_light`; the key's legend takes the
    place of any legend already on ``ax``.

    References
    ----------
    McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis). Res Syn
    Meth. 2021;12:55-61.
    """
    items = list(rows)
    studies = [
        r for item in items for r in (item.rows if isinstance(item, ForestSubgroup) else (item,))
    ]
    if not studies:
        raise ValueError("there are no studies to plot")
    per_arm = _per_arm(studies)
    diamonds = [item.pooled for item in items if isinstance(item, ForestSubgroup)] + [pooled]
    if log_scale:
        _check_positive(studies, diamonds)
    rob_columns = None if rob is None else _rob_columns(get_tool(rob_tool), rob, rob_headers)
    layout = _layout(items, pooled, per_arm, heterogeneity_text, overall_text, subgroup_text)
    fig, ax, ours = figure_and_axes(ax)

    _draw_studies(ax, layout.studies)
    for y, diamond, gid in layout.diamonds:
        if _drawn(diamond):
            _draw_pooled(ax, diamond, y, gid)
    ax.axvline(1.0 if log_scale else 0.0, color="black", linewidth=0.8, zorder=1, gid="no-effect")
    _style_axis(ax, studies, diamonds, log_scale, layout.bottom)
    _draw_favours(ax, favours)

    left = _draw_table(
        fig, ax, layout.table, arm_headers, measure_label, experimental, control, per_arm
    )
    base = offset_copy(ax.get_yaxis_transform(), fig=fig, x=-left, units="points")
    for y, text, bold, gid in layout.lines:
        ax.text(
            0,
            y,
            text,
            transform=base,
            ha="left",
            va="center",
            fontsize=FONT_SIZE,
            fontweight="bold" if bold else None,
            gid=gid,
        )
    if rob_columns is not None:
        _draw_rob(fig, ax, layout.studies, rob_columns, left)
    if ours:
        fit_figure(fig, ax, PLOT_WIDTH, ROW * (layout.bottom + 0.6))
    return fig


@dataclass
class _Layout:
    studies: list[tuple[float, ForestRow]]
    diamonds: list[tuple[float, ForestPooled, str]]
    table: list[
        tuple[float, str, tuple[str, ...], str, str, bool]
    ]  # y, label, arms, weight, effect, bold
    lines: list[tuple[float, str, bool, str]]  # y, text, bold, gid
    bottom: float = 0.0


def _layout(
    items: Sequence[ForestRow | ForestSubgroup],
    pooled: ForestPooled,
    per_arm: int,
    heterogeneity_text: str,
    overall_text: str,
    subgroup_text: str,
) -> _Layout:
    """Give every study, diamond and line of text its row (y grows downwards)."""
    layout = _Layout([], [], [], [])
    blanks = ("",) * (2 * per_arm)
    y = 0.0

    def add_study(row: ForestRow) -> None:
        nonlocal y
        layout.studies.append((y, row))
        effect = (
            _format_effect(row.estimate, row.ci_lower, row.ci_upper)
            if _estimable(row)
            else "Not estimable"
        )
        layout.table.append(
            (y, row.label, row.arm_columns, f"{row.weight_percent:.1f}%", effect, False)
        )
        y += 1

    def add_diamond(diamond: ForestPooled, weight: float, gid: str, texts: Sequence[str]) -> None:
        nonlocal y
        y += 0.3
        effect = "Not estimable"
        if _drawn(diamond):
            effect = _format_effect(diamond.estimate, diamond.ci_lower, diamond.ci_upper)
        layout.diamonds.append((y, diamond, gid))
        layout.table.append((y, diamond.label, blanks, f"{weight:.1f}%", effect, True))
        y += 1
        if diamond.prediction_lower is not None and diamond.prediction_upper is not None:
            layout.lines.append((y, diamond.prediction_label, False, "prediction-label"))
            y += 1
        for text in texts:
            if text:
                layout.lines.append((y, text, False, "statistics"))
                y += 1

    for item in items:
        if isinstance(item, ForestSubgroup):
            layout.lines.append((y, item.label, True, "subgroup"))
            y += 1
            for row in item.rows:
                add_study(row)
            weight = sum(r.weight_percent for r in item.rows)
            add_diamond(
                item.pooled, weight, "subtotal", (item.heterogeneity_text, item.overall_text)
            )
            y += 0.5
        else:
            add_study(item)
    add_diamond(pooled, 100.0, "diamond", (heterogeneity_text, overall_text, subgroup_text))
    layout.bottom = y - 0.3
    return layout


def _drawn(diamond: ForestPooled) -> bool:
    """A subtotal the engine could not estimate (NaN) gets no diamond, only "Not estimable"."""
    return all(math.isfinite(v) for v in (diamond.estimate, diamond.ci_lower, diamond.ci_upper))


def _estimable(row: ForestRow) -> bool:
    """A study with no estimate (e.g. no events in either arm) gets no square."""
    return all(math.isfinite(v) for v in (row.estimate, row.ci_lower, row.ci_upper))


def _per_arm(rows: Sequence[ForestRow]) -> int:
    counts = {len(row.arm_columns) for row in rows}
    if len(counts) != 1:
        raise ValueError("every row needs the same number of arm columns")
    (count,) = counts
    if count % 2:
        raise ValueError("arm_columns needs as many columns for each of the two arms")
    return count // 2


def _check_positive(rows: Sequence[ForestRow], diamonds: Sequence[ForestPooled]) -> None:
    values = [v for r in rows if _estimable(r) for v in (r.estimate, r.ci_lower, r.ci_upper)]
    values += [v for d in diamonds if _drawn(d) for v in (d.estimate, d.ci_lower, d.ci_upper)]
    if any(not v > 0 for v in values):
        raise ValueError("a log axis needs positive estimates and limits (the reported ratio)")


def _draw_studies(ax: Axes, studies: Sequence[tuple[float, ForestRow]]) -> None:
    studies = [(y, r) for y, r in studies if _estimable(r)]
    ys = [y for y, _ in studies]
    rows = [r for _, r in studies]
    heaviest = max((r.weight_percent for r in rows), default=0.0) or 1.0
    sizes = [MAX_MARKER * r.weight_percent / heaviest for r in rows]
    ax.hlines(
        ys,
        [r.ci_lower for r in rows],
        [r.ci_upper for r in rows],
        colors="black",
        linewidth=0.9,
        zorder=2,
        gid="ci",
    )
    ax.scatter(
        [r.estimate for r in rows],
        ys,
        s=sizes,
        marker="s",
        color=SQUARE,
        edgecolors="none",
        zorder=3,
        gid="squares",
    )


def _draw_pooled(ax: Axes, pooled: ForestPooled, y: float, gid: str) -> None:
    half = 0.32
    corners = [
        (pooled.ci_lower, y),
        (pooled.estimate, y - half),
        (pooled.ci_upper, y),
        (pooled.estimate, y + half),
    ]
    ax.add_patch(
        Polygon(corners, closed=True, facecolor=DIAMOND, edgecolor=DIAMOND, zorder=3, gid=gid)
    )
    if pooled.prediction_lower is not None and pooled.prediction_upper is not None:
        ax.hlines(
            y + 1.0,
            pooled.prediction_lower,
            pooled.prediction_upper,
            colors="black",
            linewidth=3.0,
            zorder=2,
            gid="prediction",
        )


def _limits(rows: Sequence[ForestRow], diamonds: Sequence[ForestPooled], log_scale: bool) -> float:
    """Half-width of a symmetric axis around no effect (a ratio when logged)."""
    values = [v for r in rows for v in (r.ci_lower, r.ci_upper)]
    for d in diamonds:
        values += [d.ci_lower, d.ci_upper]
        values += [v for v in (d.prediction_lower, d.prediction_upper) if v is not None]
    values = [v for v in values if math.isfinite(v) and (v > 0 or not log_scale)]
    if log_scale:
        extent = max((abs(math.log10(v)) for v in values), default=1.0)
        for candidate in (2, 5, 10, 20, 50, 100, 200, 500, 1000):
            if math.log10(candidate) >= extent:
                return float(candidate)
        return 1000.0
    extent = max((abs(v) for v in values), default=1.0) or 1.0
    scale = 10 ** math.floor(math.log10(extent))
    for step in (1, 2, 5, 10):
        if step * scale >= extent:
            return step * scale
    return 10 * scale


def _style_axis(
    ax: Axes,
    rows: Sequence[ForestRow],
    diamonds: Sequence[ForestPooled],
    log_scale: bool,
    bottom: float,
) -> None:
    limit = _limits(rows, diamonds, log_scale)
    if log_scale:
        ax.set_xscale("log")
        ax.set_xlim(1 / limit, limit)
        ticks = {
            2: [0.5, 0.7, 1, 1.5, 2],
            5: [0.2, 0.5, 1, 2, 5],
            10: [0.1, 0.2, 0.5, 1, 2, 5, 10],
            20: [0.05, 0.2, 1, 5, 20],
            50: [0.02, 0.1, 1, 10, 50],
            100: [0.01, 0.1, 1, 10, 100],
            200: [0.005, 0.1, 1, 10, 200],
            500: [0.002, 0.1, 1, 10, 500],
            1000: [0.001, 0.1, 1, 10, 1000],
        }[int(limit)]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        ax.set_xlim(-limit, limit)
        ax.xaxis.set_major_locator(FixedLocator([-limit, -limit / 2, 0, limit / 2, limit]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    style_effect_axis(ax, bottom, font_size=FONT_SIZE)


def _draw_favours(ax: Axes, favours: tuple[str, str]) -> None:
    left, right = favours
    for text, x, ha in ((left, 0.48, "right"), (right, 0.52, "left")):
        ax.annotate(
            text,
            xy=(x, 0),
            xycoords="axes fraction",
            xytext=(0, -24),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=FONT_SIZE,
            gid="favours",
        )


def _format_effect(estimate: float, lower: float, upper: float) -> str:
    return f"{estimate:.2f} [{lower:.2f}, {upper:.2f}]"


def _draw_table(
    fig: Figure,
    ax: Axes,
    table: Sequence[tuple[float, str, tuple[str, ...], str, str, bool]],
    arm_headers: Sequence[str] | None,
    measure_label: str,
    experimental: str,
    control: str,
    per_arm: int,
) -> float:
    """Draw the columns left of the axes; return the table's width in points."""
    if arm_headers is None:
        arm_headers = {2: ("Events", "Total"), 3: ("Mean", "SD", "Total")}.get(
            per_arm, ("",) * per_arm
        )
    if len(arm_headers) != per_arm:
        raise ValueError(f"arm_headers needs {per_arm} headers, one per column of an arm")
    columns: list[tuple[str, list[str], str]] = [
        ("Study or Subgroup", [r[1] for r in table], "left")
    ]
    for index in range(2 * per_arm):
        cells = same_decimals([r[2][index] for r in table])
        columns.append((arm_headers[index % per_arm], cells, "right"))
    columns.append(("Weight", [r[3] for r in table], "right"))
    columns.append((measure_label, [r[4] for r in table], "left"))
    ys = [r[0] for r in table]
    bold = [r[5] for r in table]

    renderer = _renderer(fig)
    to_points = 72.0 / fig.dpi
    header_y = HEADER_Y
    drawn: list[list] = []
    widths: list[float] = []
    fonts = {
        False: FontProperties(size=FONT_SIZE),
        True: FontProperties(size=FONT_SIZE, weight="bold"),
    }

    def measure(text: str, heavy: bool) -> float:
        lines = text.split("\n")
        return max(
            renderer.get_text_width_height_descent(line, fonts[heavy], ismath=False)[0]
            for line in lines
        )

    for index, (header, cells, _align) in enumerate(columns):
        texts = [
            ax.text(0, y, cell, fontsize=FONT_SIZE, va="center", fontweight="bold" if b else None)
            for y, cell, b in zip(ys, cells, bold, strict=True)
        ]
        # Only the first column's left edge matters when the figure is fitted;
        # measuring every cell again there is slow with many studies.
        for text in texts[1:] if index == 0 else texts:
            text.set_in_layout(False)
        texts.append(
            ax.text(0, header_y, header, fontsize=FONT_SIZE, va="bottom", fontweight="bold")
        )
        width = max((measure(c, b) for c, b in zip(cells, bold, strict=True)), default=0.0)
        # The measure's header also heads the plot: it only needs the cells' width.
        if index < len(columns) - 1:
            width = max(width, measure(header, True))
        widths.append(width * to_points)
        drawn.append(texts)
    arm_names = [measure(name, True) * to_points for name in (experimental, control)]
    widths = _widen_for_arm_names(widths, per_arm, arm_names)
    # Lay the columns out right to left, ending a gap left of the axes.
    right_edges = []
    x = -COLUMN_GAP
    for width in reversed(widths):
        right_edges.append(x)
        x -= width + COLUMN_GAP
    right_edges.reverse()
    base = ax.get_yaxis_transform()
    for (_header, _cells, align), texts, right, width in zip(
        columns, drawn, right_edges, widths, strict=True
    ):
        anchor = right - width if align == "left" else right
        for text in texts:
            text.set_transform(offset_copy(base, fig=fig, x=anchor, units="points"))
            text.set_horizontalalignment(align)
    # Arm names over their columns.
    for arm, name in enumerate((experimental, control)):
        first = 1 + arm * per_arm
        last = first + per_arm - 1
        centre = (right_edges[first] - widths[first] + right_edges[last]) / 2
        ax.text(
            0,
            header_y,
            name,
            transform=offset_copy(base, fig=fig, x=centre, y=FONT_SIZE * 1.5, units="points"),
            ha="center",
            va="bottom",
            fontsize=FONT_SIZE,
            fontweight="bold",
            gid=f"arm-{arm}",
        )
    return -(x + COLUMN_GAP)


_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")


def same_decimals(cells: Sequence[str]) -> list[str]:
    """A column's numbers, each with as many decimals as the most precise of them.

    Parameters
    ----------
    cells : sequence of str
        One per-arm column as the caller formatted it, e.g. ``["4.1", "3.85",
        "5", ""]``.

    Returns
    -------
    list of str
        The plain numbers padded with zeros to the column's largest number of
        decimals (``["4.10", "3.85", "5.00", ""]``), so a column reads evenly
        and no value looks less precise than the data are; blanks and other
        text (``"NA"``, ``"1e-05"``) are left as given.
    """
    places = [_decimals(cell) for cell in cells]
    most = max((p for p in places if p is not None), default=0)
    return [
        cell if p is None or p == most else f"{float(cell):.{most}f}"
        for cell, p in zip(cells, places, strict=True)
    ]


def _decimals(cell: str) -> int | None:
    """Decimals of a plain number ("3.85": 2, "25": 0), None for anything else."""
    match = _PLAIN_NUMBER.match(cell.strip())
    if match is None:
        return None
    return len(match.group(1) or "")


def _widen_for_arm_names(widths: list[float], per_arm: int, names: Sequence[float]) -> list[float]:
    """Column widths (points) with each arm's columns spanning at least its name.

    The arm names are centred over their columns; a name wider than them ran
    into the other arm's ("Blue-light filteringClear lenses"). The extra
    width is shared evenly by that arm's columns, which stay right-aligned.
    """
    widths = list(widths)
    for arm, name_width in enumerate(names):
        first = 1 + arm * per_arm
        span = sum(widths[first : first + per_arm]) + (per_arm - 1) * COLUMN_GAP
        extra = name_width - span
        if extra > 0:
            for index in range(first, first + per_arm):
                widths[index] += extra / per_arm
    return widths


def _renderer(fig: Figure) -> RendererBase:
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)  # a caller's figure without a canvas: measure with Agg
    return fig.canvas.get_renderer()


@dataclass(frozen=True)
class _RobColumns:
    """The risk-of-bias columns: what heads them and each study's judgements."""

    tool: Tool
    keys: tuple[str, ...]  # domain keys, then "overall"
    headers: tuple[str, ...]
    names: tuple[str, ...]  # for the key
    judged: dict[str, tuple[Judgement | None, ...]]  # study label to one per column


def _rob_columns(
    tool: Tool, rob: Iterable[RobAssessment], headers: Sequence[str] | None
) -> _RobColumns:
    assessments = list(rob)
    known = {domain.key for domain in tool.domains}
    keys = [domain.key for domain in tool.domains]
    names = [domain.name for domain in tool.domains]
    with_overall = any(a.overall for a in assessments)
    if with_overall:
        keys.append("overall")
        names.append("Overall risk of bias")
    if headers is None:
        headers = [*keys[: len(tool.domains)], *(["Overall"] if with_overall else [])]
    if len(headers) != len(keys):
        raise ValueError(f"rob_headers needs {len(keys)} headers, one per column")
    judged: dict[str, tuple[Judgement | None, ...]] = {}
    for assessment in assessments:
        unknown = set(assessment.judgements) - known
        if unknown:
            raise ValueError(f"{assessment.study}: {tool.name} has no domain {min(unknown)!r}")
        if assessment.study in judged:
            raise ValueError(f"{assessment.study} has two risk-of-bias assessments")
        values = [assessment.judgements.get(key) for key in keys[: len(tool.domains)]]
        values += [assessment.overall] if with_overall else []
        judged[assessment.study] = tuple(_judgement(tool, value) for value in values)
    return _RobColumns(tool, tuple(keys), tuple(headers), tuple(names), judged)


def _judgement(tool: Tool, value: str | None) -> Judgement | None:
    """A missing judgement is blank here, not "No information" as in robvis."""
    if value is None or not str(value).strip():
        return None
    return resolve_judgement(tool, value)


def _draw_rob(
    fig: Figure,
    ax: Axes,
    studies: Sequence[tuple[float, ForestRow]],
    columns: _RobColumns,
    left: float,
) -> None:
    """Dots right of the plot, a column per domain, and the key under the plot."""
    renderer = _renderer(fig)
    bold = FontProperties(size=FONT_SIZE, weight="bold")
    to_points = 72.0 / fig.dpi
    centres = []
    x = ROB_GAP
    for key, header in zip(columns.keys, columns.headers, strict=True):
        width = renderer.get_text_width_height_descent(header, bold, ismath=False)[0]
        width = max(ROB_DOT + 5, width * to_points + 5)
        x += OVERALL_GAP if key == "overall" else 0.0
        centres.append(x + width / 2)
        x += width
    base = ax.get_yaxis_transform()
    for index, (key, header, centre) in enumerate(
        zip(columns.keys, columns.headers, centres, strict=True)
    ):
        transform = offset_copy(base, fig=fig, x=centre, units="points")
        cells = [
            (y, columns.judged[row.label][index])
            for y, row in studies
            if row.label in columns.judged
        ]
        cells = [(y, judgement) for y, judgement in cells if judgement is not None]
        _draw_rob_column(ax, cells, transform, gid=f"rob-{key}")
        ax.text(
            1,
            HEADER_Y,
            header,
            transform=transform,
            ha="center",
            va="bottom",
            fontsize=FONT_SIZE,
            fontweight="bold",
            gid="rob-header",
        )
    ax.text(
        1,
        HEADER_Y,
        "Risk of bias",
        transform=offset_copy(
            base, fig=fig, x=(centres[0] + centres[-1]) / 2, y=FONT_SIZE * 1.5, units="points"
        ),
        ha="center",
        va="bottom",
        fontsize=FONT_SIZE,
        fontweight="bold",
        gid="rob-title",
    )
    _draw_rob_key(fig, ax, columns, left)


def _draw_rob_column(
    ax: Axes, cells: Sequence[tuple[float, Judgement]], transform, *, gid: str
) -> None:
    """One column's dots (one collection), then each judgement's symbol on them."""
    ax.scatter(
        [1.0] * len(cells),
        [y for y, _ in cells],
        s=ROB_DOT**2,
        marker="o",
        facecolors=[judgement.colour for _, judgement in cells] or "none",
        edgecolors="black",
        linewidths=0.5,
        transform=transform,
        clip_on=False,
        zorder=3,
        gid=gid,
    )
    for judgement in {judgement for _, judgement in cells}:
        ys = [y for y, other in cells if other == judgement]
        ax.scatter(
            [1.0] * len(ys),
            ys,
            s=(0.55 * ROB_DOT) ** 2,
            marker=f"${judgement.symbol}$",
            color=symbol_colour(judgement.colour),
            linewidths=0,
            transform=transform,
            clip_on=False,
            zorder=4,
            gid="rob-symbol",
        )


def _draw_rob_key(fig: Figure, ax: Axes, columns: _RobColumns, left: float) -> None:
    """Under the plot, from the table's left edge: the domains, then the judgements."""
    lines = [("Risk of bias legend", True)]
    lines += [(f"{h}: {n}", False) for h, n in zip(columns.headers, columns.names, strict=True)]
    step = FONT_SIZE * 1.5
    for number, (text, bold) in enumerate(lines):
        ax.annotate(
            text,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(-left, -KEY_TOP - number * step),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=FONT_SIZE,
            fontweight="bold" if bold else None,
            gid="rob-key",
        )
    shown = {j.key for judgements in columns.judged.values() for j in judgements if j}
    tool = columns.tool
    entries = [j for j in palette(tool) if j in tool.judgements or j.key in shown]
    below = offset_copy(
        ax.transAxes, fig=fig, x=-left, y=-KEY_TOP - len(lines) * step - 3, units="points"
    )
    legend = ax.legend(
        handles=entries,
        labels=[j.label for j in entries],
        handler_map={Judgement: JudgementHandler()},
        loc="upper left",
        bbox_to_anchor=(0, 0),
        bbox_transform=below,
        ncols=len(entries),
        frameon=False,
        borderaxespad=0,
        borderpad=0,
        fontsize=FONT_SIZE,
        handlelength=1.4,
        handleheight=1.4,
        columnspacing=1.4,
    )
    legend.set_gid("rob-legend")
