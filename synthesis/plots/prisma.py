"""The PRISMA 2020 flow diagram for new reviews with databases and registers.

Boxes and wording follow the PRISMA 2020 template: identification (records
from each database and register, records removed before screening),
screening (records screened and excluded, reports sought and not retrieved,
reports assessed and excluded with reasons) and included (studies and their
reports). The counts come in a plain :class:`PrismaFlow`; the review's counts
are computed in one selector and passed here.

References
----------
Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated
guideline for reporting systematic reviews. BMJ. 2021;372:n71.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from synthesis.plots.canvas import figure_and_axes, fit_figure

FONT_SIZE = 8.5
LINE = 0.158  # inches per line of box text
PAD = 0.1  # inches inside a box
BOX_WIDTH = 3.0
GAP_X = 0.55  # between the main column and the side boxes
GAP_Y = 0.35  # between rows, room for the arrows
PHASE_WIDTH = 0.32
PHASE_GAP = 0.15
HEADER = 0.34
WRAP = 46  # characters per line of box text
BOX_EDGE = "black"
PHASE_FILL = "#a7c7e7"
HEADER_FILL = "#ffd966"
OTHER_FILL = "#d9d9d9"
COLUMN_GAP = 0.45  # between the databases' and the other methods' columns


@dataclass(frozen=True)
class PrismaFlow:
    """The counts of a PRISMA 2020 flow diagram (databases and registers).

    Attributes
    ----------
    identified_by_source : mapping of str to int
        Records identified from each database or register, e.g.
        ``{"MEDLINE": 412, "Embase": 530, "ClinicalTrials.gov": 41}``.
    duplicates_removed, other_removed : int
        Records removed before screening: duplicates, and for other reasons
        (e.g. marked ineligible by automation tools).
    records_screened, records_excluded : int
        Title and abstract screening.
    reports_sought, reports_not_retrieved, reports_assessed : int
        Full-text retrieval and eligibility assessment.
    reports_excluded : mapping of str to int
        Reports excluded at full text, by reason, in the order given.
    studies_included, reports_included : int
        Studies in the review and the reports of those studies (from both
        columns).
    other_identified : mapping of str to int, optional
        Records identified by other methods (websites, organisations,
        citation searching). When given, the "Identification of studies via
        other methods" column is drawn with ``other_sought``,
        ``other_not_retrieved``, ``other_assessed`` and ``other_excluded``
        (reasons, as ``reports_excluded``).
    records_awaiting, reports_awaiting : int
        Not drawn: records still awaiting title/abstract screening, and
        reports sought but neither marked not retrieved nor assessed yet. The
        pages and the export say them while screening is unfinished.
    """

    identified_by_source: Mapping[str, int]
    duplicates_removed: int
    records_screened: int
    records_excluded: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: Mapping[str, int]
    studies_included: int
    reports_included: int
    other_removed: int = 0
    other_identified: Mapping[str, int] | None = None
    other_sought: int = 0
    other_not_retrieved: int = 0
    other_assessed: int = 0
    other_excluded: Mapping[str, int] | None = None
    records_awaiting: int = 0
    reports_awaiting: int = 0


def _n(value: int) -> str:
    return f"(n = {value:,})"


def _wrap(lines: list[str]) -> list[str]:
    wrapped: list[str] = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        wrapped += textwrap.wrap(
            line, WRAP, initial_indent="", subsequent_indent=indent + "  "
        ) or [""]
    return wrapped


def plot_prisma(counts: PrismaFlow, *, ax: Axes | None = None) -> Figure:
    """Draw the PRISMA 2020 flow diagram.

    Parameters
    ----------
    counts : PrismaFlow
        The numbers for each box.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (their limits become inches of the diagram); by
        default a new figure sized to the diagram.

    Returns
    -------
    matplotlib.figure.Figure
        Each box is a rectangle whose text has a gid naming the box:
        ``"identified"``, ``"removed"``, ``"screened"``, ``"excluded"``,
        ``"sought"``, ``"not-retrieved"``, ``"assessed"``,
        ``"reports-excluded"`` and ``"included"``, and in the other-methods
        column ``"other-identified"``, ``"other-sought"``,
        ``"other-not-retrieved"``, ``"other-assessed"`` and
        ``"other-excluded"``; the phase labels have gid ``"phase"``.

    Notes
    -----
    Wording and layout follow the PRISMA 2020 template for new systematic
    reviews: databases and registers, plus the column for other methods
    (websites, citation searching) when ``other_identified`` is given.
    """
    _check(counts)
    sources = [f"  {name} {_n(n)}" for name, n in counts.identified_by_source.items()]
    reasons = [f"  {reason} {_n(n)}" for reason, n in counts.reports_excluded.items()]
    rows = [
        (
            ("identified", ["Records identified from:", *sources]),
            (
                "removed",
                [
                    "Records removed before screening:",
                    f"  Duplicate records removed {_n(counts.duplicates_removed)}",
                    f"  Records removed for other reasons {_n(counts.other_removed)}",
                ],
            ),
        ),
        (
            ("screened", ["Records screened", _n(counts.records_screened)]),
            ("excluded", ["Records excluded", _n(counts.records_excluded)]),
        ),
        (
            ("sought", ["Reports sought for retrieval", _n(counts.reports_sought)]),
            ("not-retrieved", ["Reports not retrieved", _n(counts.reports_not_retrieved)]),
        ),
        (
            ("assessed", ["Reports assessed for eligibility", _n(counts.reports_assessed)]),
            (
                "reports-excluded",
                ["Reports excluded:", *reasons] if reasons else ["Reports excluded", _n(0)],
            ),
        ),
        (
            (
                "included",
                [
                    "Studies included in review",
                    _n(counts.studies_included),
                    "Reports of included studies",
                    _n(counts.reports_included),
                ],
            ),
            None,
        ),
    ]
    other = counts.other_identified is not None
    others: list = [None] * len(rows)
    if other:
        methods = [f"  {name} {_n(n)}" for name, n in counts.other_identified.items()]
        other_reasons = [f"  {r} {_n(n)}" for r, n in (counts.other_excluded or {}).items()]
        others = [
            (("other-identified", ["Records identified from:", *methods]), None),
            None,
            (
                ("other-sought", ["Reports sought for retrieval", _n(counts.other_sought)]),
                (
                    "other-not-retrieved",
                    ["Reports not retrieved", _n(counts.other_not_retrieved)],
                ),
            ),
            (
                (
                    "other-assessed",
                    ["Reports assessed for eligibility", _n(counts.other_assessed)],
                ),
                (
                    "other-excluded",
                    ["Reports excluded:", *other_reasons]
                    if other_reasons
                    else ["Reports excluded", _n(0)],
                ),
            ),
            None,
        ]
    fig, ax, ours = figure_and_axes(ax)
    main_x = PHASE_WIDTH + PHASE_GAP
    side_x = main_x + BOX_WIDTH + GAP_X
    databases_right = side_x + BOX_WIDTH
    other_x = databases_right + COLUMN_GAP
    other_side_x = other_x + BOX_WIDTH + GAP_X
    width = other_side_x + BOX_WIDTH if other else databases_right

    # The column header.
    headers = [
        (
            main_x,
            databases_right,
            "Identification of studies via databases and registers",
            HEADER_FILL,
        )
    ]
    if other:
        headers.append((other_x, width, "Identification of studies via other methods", OTHER_FILL))
    for left, right, title, colour in headers:
        ax.add_patch(
            FancyBboxPatch(
                (left, -HEADER),
                right - left,
                HEADER,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=colour,
                edgecolor=BOX_EDGE,
                linewidth=0.8,
            )
        )
        ax.text(
            (left + right) / 2,
            -HEADER / 2,
            title,
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 0.5,
            fontweight="bold",
            gid="header",
        )

    top = -HEADER - 0.22
    spans: list[tuple[float, float]] = []  # (top, bottom) of each row's main box
    previous_bottom = None
    other_bottom = None  # of the last box drawn in the other-methods column
    for (main, side), extra in zip(rows, others, strict=True):
        blocks = [(main_x, side_x, main, side)]
        if extra:
            blocks.append((other_x, other_side_x, *extra))
        wrapped = [(_wrap(b[2][1]), _wrap(b[3][1]) if b[3] else []) for b in blocks]
        lines = max(len(x) for pair in wrapped for x in pair)
        height = lines * LINE + 2 * PAD
        bottom = top - height
        for (box_x, box_side_x, box, box_side), (box_lines, box_side_lines) in zip(
            blocks, wrapped, strict=True
        ):
            _box(ax, box_x, bottom, height, box[0], box_lines)
            if box_side:
                _box(ax, box_side_x, bottom, height, box_side[0], box_side_lines)
                middle = bottom + height / 2
                _arrow(ax, (box_x + BOX_WIDTH, middle), (box_side_x, middle))
        if previous_bottom is not None:
            centre = main_x + BOX_WIDTH / 2
            _arrow(ax, (centre, previous_bottom), (centre, top))
        if extra:
            if other_bottom is not None:
                centre = other_x + BOX_WIDTH / 2
                _arrow(ax, (centre, other_bottom), (centre, top))
            other_bottom = bottom
        elif other and main[0] == "included" and other_bottom is not None:
            # Other methods' assessed reports join the included studies.
            centre = other_x + BOX_WIDTH / 2
            middle = bottom + height / 2
            ax.plot([centre, centre], [other_bottom, middle], color="black", linewidth=0.8)
            _arrow(ax, (centre, middle), (main_x + BOX_WIDTH, middle))
        spans.append((top, bottom))
        previous_bottom = bottom
        top = bottom - GAP_Y

    for label, first, last in (("Identification", 0, 0), ("Screening", 1, 3), ("Included", 4, 4)):
        phase_top, phase_bottom = spans[first][0], spans[last][1]
        ax.add_patch(
            FancyBboxPatch(
                (0, phase_bottom),
                PHASE_WIDTH,
                phase_top - phase_bottom,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=PHASE_FILL,
                edgecolor="none",
            )
        )
        ax.text(
            PHASE_WIDTH / 2,
            (phase_top + phase_bottom) / 2,
            label,
            rotation=90,
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 0.5,
            fontweight="bold",
            gid="phase",
        )

    height = -spans[-1][1]
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.set_axis_off()
    if ours:
        fit_figure(fig, ax, width, height)
    return fig


def _check(counts: PrismaFlow) -> None:
    values = [
        *counts.identified_by_source.values(),
        *counts.reports_excluded.values(),
        counts.duplicates_removed,
        counts.other_removed,
        counts.records_screened,
        counts.records_excluded,
        counts.reports_sought,
        counts.reports_not_retrieved,
        counts.reports_assessed,
        counts.studies_included,
        counts.reports_included,
    ]
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in values):
        raise ValueError("PRISMA counts must be non-negative integers")
    extra = [
        *(counts.other_identified or {}).values(),
        *(counts.other_excluded or {}).values(),
        counts.other_sought,
        counts.other_not_retrieved,
        counts.other_assessed,
    ]
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in extra):
        raise ValueError("PRISMA counts must be non-negative integers")
    if not counts.identified_by_source:
        raise ValueError("identified_by_source needs at least one database or register")


def _box(ax: Axes, x: float, bottom: float, height: float, gid: str, lines: list[str]) -> None:
    ax.add_patch(
        Rectangle(
            (x, bottom),
            BOX_WIDTH,
            height,
            facecolor="white",
            edgecolor=BOX_EDGE,
            linewidth=0.8,
            gid=f"{gid}-box",
        )
    )
    ax.text(
        x + PAD,
        bottom + height - PAD,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=FONT_SIZE,
        linespacing=1.3,
        gid=gid,
    )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": "black",
            "linewidth": 0.8,
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 10,
        },
        gid="arrow",
    )
