"""Risk-of-bias figures in the style of robvis: the traffic-light plot and the
weighted summary bar chart.

Both take plain :class:`RobAssessment` rows and a tool from
:mod:`extraction.rob` (RoB 2, Cochrane RoB 1 or ROBINS-I) and use robvis's
colours and symbols. A domain or overall judgement that is missing is drawn
as "No information".

Command line::

    python -m synthesis.plots.rob ASSESSMENTS.json --out FILE.png [--plot summary]

where the JSON file is ``{"tool": "rob2", "assessments": [{"study": ...,
"judgements": {"D1": "low", ...}, "overall": "low", "weight": 12.5}, ...]}``.

References
----------
McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package
and Shiny web app for visualizing risk-of-bias assessments. Res Syn Meth.
2021;12:55-61.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerBase
from matplotlib.patches import Circle
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MultipleLocator
from matplotlib.transforms import offset_copy

from extraction.rob import Judgement, Tool, get_tool
from synthesis.plots.canvas import figure_and_axes, figure_bytes, fit_figure

NO_INFORMATION = Judgement("no_information", "No information", "#4EA1F7", "?")

CELL = 0.42  # inches per study row and per domain column
RADIUS = 0.4  # of a circle, in cells
FONT_SIZE = 10
CAPTION_SIZE = 9
SUMMARY_WIDTH = 5.0  # inches for the bars of the summary chart
BAR = 0.5  # inches per bar
OVERALL_GAP = 0.3  # cells between the last domain and the overall column


@dataclass(frozen=True)
class RobAssessment:
    """One study's (or result's) risk-of-bias judgements.

    Attributes
    ----------
    study : str
        The label of the row, e.g. "Sigtermans 2009".
    judgements : mapping of str to str
        Domain key (``"D1"``) to judgement key or label ("low", "Some concerns").
    overall : str or None
        The overall judgement; None (or "") when not given. The overall
        column and bar appear when any assessment has one.
    weight : float or None
        The study's weight in the meta-analysis, for the weighted summary.
    """

    study: str
    judgements: Mapping[str, str]
    overall: str | None = None
    weight: float | None = None


def plot_traffic_light(
    assessments: Iterable[RobAssessment], *, tool: str | Tool, ax: Axes | None = None
) -> Figure:
    """Draw the traffic-light plot: one coloured circle per study and domain.

    Parameters
    ----------
    assessments : iterable of RobAssessment
        One row per study, drawn top to bottom in the order given.
    tool : str or Tool
        ``"rob2"``, ``"rob1"``, ``"robins_i"`` or a :class:`extraction.rob.Tool`.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; by default a new figure sized to the table.

    Returns
    -------
    matplotlib.figure.Figure
        Columns D1, D2, ... and "Overall" (when any assessment has one), a
        legend of the judgements and, below, the key to the domain names.

    Notes
    -----
    Colours follow robvis's "cochrane" scheme: low green, some concerns /
    moderate / unclear yellow, high / serious red, critical dark red, no
    information blue. Symbols: "+" low, "−" some concerns or moderate, "?"
    unclear (as in RevMan) or no information, "×" high or serious, "!"
    critical.
    """
    tool = get_tool(tool)
    rows = list(assessments)
    headers, grid = _traffic_light_grid(tool, rows)
    columns = _column_positions(tool, headers)
    fig, ax, ours = figure_and_axes(ax)
    for row, judgements in enumerate(grid):
        for x, header, judgement in zip(columns, headers, judgements, strict=True):
            _draw_cell(ax, x, row, judgement, gid=f"{rows[row].study}|{header}")
    _style_grid(ax, columns, headers, [row.study for row in rows])
    _draw_legend(ax, tool, grid)
    _draw_domain_key(ax, tool)
    if ours:
        fit_figure(fig, ax, CELL * (columns[-1] + 1), CELL * len(rows))
    return fig


def plot_summary(
    assessments: Iterable[RobAssessment],
    *,
    tool: str | Tool,
    weights: Sequence[float] | Mapping[str, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw the summary bar chart: the share of each judgement in each domain.

    Parameters
    ----------
    assessments : iterable of RobAssessment
        One row per study.
    tool : str or Tool
        ``"rob2"``, ``"rob1"``, ``"robins_i"`` or a :class:`extraction.rob.Tool`.
    weights : sequence of float or mapping of str to float, optional
        Study weights (in the order of ``assessments``, or by study label).
        When omitted, each assessment's ``weight`` is used if every one has
        a weight, and every study counts once if none has.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per domain, top to bottom, then "Overall risk of
        bias" when any assessment has an overall judgement. Each bar is
        stacked from low to high risk; the segments' widths are percentages
        of the studies (or of the total weight) and sum to 100.
    """
    tool = get_tool(tool)
    rows = list(assessments)
    study_weights = _weights(rows, weights)
    labels, grid = _summary_grid(tool, rows)
    shares = _shares(grid, study_weights)
    fig, ax, ours = figure_and_axes(ax)
    positions = range(len(labels))
    left = [0.0] * len(labels)
    for judgement in palette(tool):
        widths = [share.get(judgement.key, 0.0) for share in shares]
        if not any(widths):
            continue
        ax.barh(
            positions,
            widths,
            left=left,
            height=0.7,
            color=judgement.colour,
            edgecolor="black",
            linewidth=0.6,
            label=judgement.label,
        )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    _style_summary(ax, labels, weighted=study_weights is not None)
    if ours:
        fit_figure(fig, ax, SUMMARY_WIDTH, BAR * len(labels))
    return fig


def palette(tool: Tool) -> tuple[Judgement, ...]:
    """The tool's judgements, plus "No information" when the tool lacks one.

    Parameters
    ----------
    tool : Tool
        A risk-of-bias tool from :mod:`extraction.rob`.

    Returns
    -------
    tuple of Judgement
        From least to most severe, each with its robvis colour and symbol.
    """
    if any(j.key == NO_INFORMATION.key for j in tool.judgements):
        return tool.judgements
    return (*tool.judgements, NO_INFORMATION)


def resolve_judgement(tool: Tool, value: str | None) -> Judgement:
    """The judgement for a key or label ("some_concerns", "Some concerns").

    Parameters
    ----------
    tool : Tool
        A risk-of-bias tool from :mod:`extraction.rob`.
    value : str or None
        The judgement's key or label, in any case; None or "" is "No
        information", as is "no information" for tools without that level.

    Returns
    -------
    Judgement
        With its robvis colour and symbol. Raises ValueError for a value the
        tool does not know.
    """
    if value is None or not str(value).strip():
        return next(j for j in palette(tool) if j.key == NO_INFORMATION.key)
    if str(value).strip().casefold().replace(" ", "_") == NO_INFORMATION.key:
        return next(j for j in palette(tool) if j.key == NO_INFORMATION.key)
    return tool.judgement(value)


def _check_domains(tool: Tool, rows: Sequence[RobAssessment]) -> None:
    if not rows:
        raise ValueError("there are no assessments to plot")
    known = {domain.key for domain in tool.domains}
    for row in rows:
        unknown = set(row.judgements) - known
        if unknown:
            raise ValueError(f"{row.study}: {tool.name} has no domain {sorted(unknown)[0]!r}")


def _traffic_light_grid(
    tool: Tool, rows: Sequence[RobAssessment]
) -> tuple[list[str], list[list[Judgement]]]:
    _check_domains(tool, rows)
    headers = [domain.key for domain in tool.domains]
    with_overall = any(row.overall for row in rows)
    if with_overall:
        headers.append("Overall")
    grid = []
    for row in rows:
        values = [row.judgements.get(domain.key) for domain in tool.domains]
        if with_overall:
            values.append(row.overall)
        grid.append([resolve_judgement(tool, value) for value in values])
    return headers, grid


def _summary_grid(
    tool: Tool, rows: Sequence[RobAssessment]
) -> tuple[list[str], list[list[Judgement]]]:
    """Per bar (domain, then overall), the judgement of every study."""
    _check_domains(tool, rows)
    labels = [domain.name for domain in tool.domains]
    grid = [
        [resolve_judgement(tool, row.judgements.get(d.key)) for row in rows] for d in tool.domains
    ]
    if any(row.overall for row in rows):
        labels.append("Overall risk of bias")
        grid.append([resolve_judgement(tool, row.overall) for row in rows])
    return labels, grid


def _weights(
    rows: Sequence[RobAssessment], weights: Sequence[float] | Mapping[str, float] | None
) -> list[float] | None:
    """The study weights, or None when every study counts once."""
    if isinstance(weights, Mapping):
        values = [weights[row.study] for row in rows]
    elif weights is not None:
        values = list(weights)
        if len(values) != len(rows):
            raise ValueError(f"{len(values)} weights for {len(rows)} assessments")
    else:
        given = [row.weight for row in rows]
        if all(weight is None for weight in given):
            return None
        if any(weight is None for weight in given):
            missing = next(row.study for row in rows if row.weight is None)
            raise ValueError(f"{missing} has no weight; give every study a weight or none")
        values = given
    if any(not math.isfinite(w) or w < 0 for w in values) or sum(values) <= 0:
        raise ValueError("weights must be finite, not negative, and not all zero")
    return [float(w) for w in values]


def _shares(
    grid: Sequence[Sequence[Judgement]], weights: Sequence[float] | None
) -> list[dict[str, float]]:
    """Per bar, judgement key to percentage of studies (or of the total weight)."""
    shares = []
    for judgements in grid:
        study_weights = weights if weights is not None else [1.0] * len(judgements)
        total = sum(study_weights)
        share: dict[str, float] = {}
        for judgement, weight in zip(judgements, study_weights, strict=True):
            share[judgement.key] = share.get(judgement.key, 0.0) + 100 * weight / total
        shares.append(share)
    return shares


def symbol_colour(background: str) -> str:
    """The symbol's colour on a judgement's circle: black or white, whichever
    reads better on ``background`` (WCAG contrast)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in to_rgb(background))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def _draw_cell(ax: Axes, x: float, y: float, judgement: Judgement, *, gid: str) -> None:
    circle = Circle(
        (x, y),
        RADIUS,
        facecolor=judgement.colour,
        edgecolor="black",
        linewidth=0.6,
        label=judgement.label,
        gid=gid,
    )
    ax.add_patch(circle)
    ax.text(
        x,
        y,
        judgement.symbol,
        ha="center",
        va="center_baseline",
        fontsize=FONT_SIZE + 2,
        fontweight="bold",
        color=symbol_colour(judgement.colour),
    )


def _column_positions(tool: Tool, headers: Sequence[str]) -> list[float]:
    """Domains one cell apart; the overall column after a narrow gap."""
    domains = [float(x) for x in range(len(tool.domains))]
    return domains + [len(domains) + OVERALL_GAP] * (len(headers) - len(domains))


def _style_grid(
    ax: Axes, columns: Sequence[float], headers: Sequence[str], studies: Sequence[str]
) -> None:
    ax.set_xlim(-0.5, columns[-1] + 0.5)
    ax.set_ylim(len(studies) - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.xaxis.tick_top()
    ax.set_xticks(columns, headers, fontsize=FONT_SIZE)
    ax.set_yticks(range(len(studies)), studies, fontsize=FONT_SIZE)
    ax.tick_params(length=0)
    ax.set_xticks([x + 0.5 for x in columns[:-1]], minor=True)
    if len(columns) > 1 and columns[-1] - columns[-2] > 1:
        ax.axvspan(columns[-2] + 0.5, columns[-1] - 0.5, color="#ececec", zorder=0)
    ax.set_yticks([y + 0.5 for y in range(len(studies) - 1)], minor=True)
    ax.tick_params(which="minor", length=0)
    ax.grid(which="minor", color="#d9d9d9", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_color("#bfbfbf")
    ax.set_title("Risk of bias domains", fontsize=FONT_SIZE + 1, fontweight="bold")
    ax.set_ylabel("Study", fontsize=FONT_SIZE + 1, fontweight="bold")


def _style_summary(ax: Axes, labels: Sequence[str], *, weighted: bool) -> None:
    ax.set_xlim(0, 100)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_yticks(range(len(labels)), labels, fontsize=FONT_SIZE)
    ax.xaxis.set_major_locator(MultipleLocator(25))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f}%"))
    ax.tick_params(axis="both", labelsize=FONT_SIZE)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Share of total weight" if weighted else "Share of studies", fontsize=FONT_SIZE)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    # Anchored in points below the axes, so it clears the x label whatever the height.
    below = offset_copy(ax.transAxes, fig=ax.get_figure(root=True), y=-36, units="points")
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        bbox_transform=below,
        ncols=len(ax.containers),
        frameon=False,
        fontsize=FONT_SIZE,
        handlelength=1.2,
        columnspacing=1.4,
    )


def _draw_legend(ax: Axes, tool: Tool, grid: Sequence[Sequence[Judgement]]) -> None:
    """The tool's scale, and "No information" only where the plot shows it."""
    shown = {judgement.key for judgements in grid for judgement in judgements}
    entries = [j for j in palette(tool) if j in tool.judgements or j.key in shown]
    ax.legend(
        handles=entries,
        labels=[j.label for j in entries],
        handler_map={Judgement: JudgementHandler()},
        title="Judgement",
        loc="upper left",
        bbox_to_anchor=(1.02, 1),
        borderaxespad=0,
        frameon=False,
        handlelength=1.6,
        handleheight=1.6,
        fontsize=FONT_SIZE,
    )


def _draw_domain_key(ax: Axes, tool: Tool) -> None:
    """List D1: ..., D2: ... under the grid, one annotation a line so lines sit evenly."""
    lines = [f"{tool.name} domains:"] + [f"{d.key}: {d.name}." for d in tool.domains]
    for number, line in enumerate(lines):
        ax.annotate(
            line,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -8 - number * CAPTION_SIZE * 1.45),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=CAPTION_SIZE,
        )


class JudgementHandler(HandlerBase):
    """Draw a legend entry as the circle and symbol of the plot."""

    def create_artists(
        self, legend, orig_handle, xdescent, ydescent, width, height, fontsize, trans
    ):
        centre = (width / 2 - xdescent, height / 2 - ydescent)
        circle = Circle(
            centre,
            min(width, height) / 2,
            facecolor=orig_handle.colour,
            edgecolor="black",
            linewidth=0.6,
            transform=trans,
        )
        symbol = Text(
            *centre,
            orig_handle.symbol,
            ha="center",
            va="center_baseline",
            fontsize=fontsize,
            fontweight="bold",
            color=symbol_colour(orig_handle.colour),
            transform=trans,
        )
        return [circle, symbol]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m synthesis.plots.rob",
        description="Draw a risk-of-bias traffic-light plot or summary bar chart.",
    )
    parser.add_argument("assessments", type=Path, help="JSON: {tool, assessments: [...]}")
    parser.add_argument("--out", type=Path, required=True, help="FILE.png or FILE.svg")
    parser.add_argument("--plot", choices=("traffic-light", "summary"), default="traffic-light")
    parser.add_argument("--tool", help="rob2, rob1 or robins_i (default: the file's 'tool')")
    args = parser.parse_args(argv)
    try:
        tool, rows = _read_assessments(args.assessments, args.tool)
        fig = (plot_summary if args.plot == "summary" else plot_traffic_light)(rows, tool=tool)
        image = figure_bytes(fig, "svg" if args.out.suffix.lower() == ".svg" else "png")
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"{args.assessments}: {error}", file=sys.stderr)
        return 1
    args.out.write_bytes(image)
    return 0


def _read_assessments(path: Path, tool: str | None) -> tuple[str, list[RobAssessment]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {"assessments": data}
    rows = [
        RobAssessment(
            study=item["study"],
            judgements=item.get("judgements", {}),
            overall=item.get("overall"),
            weight=item.get("weight"),
        )
        for item in data["assessments"]
    ]
    return tool or data.get("tool", "rob2"), rows


if __name__ == "__main__":
    sys.exit(main())
