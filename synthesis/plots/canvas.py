"""Figures on the Agg canvas, sized to their content, and their bytes, without pyplot."""

from __future__ import annotations

import io
from typing import Literal

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

_ROOM = 20.0  # inches of margin while measuring, more than any label needs


def figure_and_axes(ax: Axes | None) -> tuple[Figure, Axes, bool]:
    """Use the caller's axes, or make a figure with one axes on an Agg canvas.

    The third value says whether the figure is ours, so the plot should size
    it with :func:`fit_figure` once everything is drawn.
    """
    if ax is not None:
        return ax.get_figure(root=True), ax, False
    fig = Figure()
    FigureCanvasAgg(fig)
    return fig, fig.add_axes((0, 0, 1, 1)), True


def fit_figure(fig: Figure, ax: Axes, width: float, height: float, *, pad: float = 0.12) -> None:
    """Give the axes ``width`` x ``height`` inches and size the figure around it.

    Everything the axes draws (tick labels, title, legend, annotations) is
    measured, so long study names or a wide legend are never clipped and
    cells keep the same size whatever the number of studies.
    """
    fig.set_size_inches(width + 2 * _ROOM, height + 2 * _ROOM)
    total_w, total_h = fig.get_size_inches()
    ax.set_position((_ROOM / total_w, _ROOM / total_h, width / total_w, height / total_h))
    box = ax.get_tightbbox(fig.canvas.get_renderer()).transformed(fig.dpi_scale_trans.inverted())
    left = _ROOM - box.x0 + pad
    bottom = _ROOM - box.y0 + pad
    total_w, total_h = box.width + 2 * pad, box.height + 2 * pad
    fig.set_size_inches(total_w, total_h)
    ax.set_position((left / total_w, bottom / total_h, width / total_w, height / total_h))


def style_effect_axis(ax: Axes, bottom: float, *, font_size: float) -> None:
    """The table-beside-an-axis look of the forest and robustness plots.

    Rows run down from the top (y from -0.6 to ``bottom``) with no y axis, only
    the bottom spine and its ticks are drawn, and the axes background is
    transparent so the table's shading shows through.
    """
    ax.set_ylim(bottom, -0.6)
    ax.yaxis.set_major_locator(NullLocator())
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.tick_params(axis="x", labelsize=font_size, length=3, width=0.8)
    ax.patch.set_visible(False)


def figure_bytes(
    fig: Figure, format: Literal["png", "svg", "pdf"] = "png", *, dpi: int = 150
) -> bytes:
    """Render a figure to PNG, SVG or PDF bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure, e.g. from :func:`synthesis.plots.rob.plot_traffic_light`.
    format : {"png", "svg", "pdf"}
        PNG for pages and documents, SVG for journals and scaling, PDF for
        print and manuscripts.
    dpi : int
        Resolution of the PNG; SVG and PDF are vector and ignore it (but for
        any raster image inside them).

    Returns
    -------
    bytes
        The file's contents. SVG and PDF carry no date, so the same figure
        gives the same bytes.
    """
    if format not in ("png", "svg", "pdf"):
        raise ValueError(f"format must be 'png', 'svg' or 'pdf', not {format!r}")
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    metadata = {
        "png": {"Software": "Prismatic"},
        "svg": {"Date": None},
        "pdf": {"Creator": "Prismatic", "CreationDate": None},
    }[format]
    buffer = io.BytesIO()
    # A fixed salt keeps SVG element ids, and so the bytes, the same run to run.
    with rc_context({"svg.hashsalt": "prismatic"}):
        fig.savefig(buffer, format=format, dpi=dpi, metadata=metadata, facecolor="white")
    return buffer.getvalue()
