"""Funnel plot: the points, the inverted axis, the pseudo-95% limits, the files."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from synthesis.plots import figure_bytes
from synthesis.plots.funnel import Z95, plot_funnel

REPO = Path(__file__).resolve().parents[3]
OUT = REPO / "test-results" / "plots"

# Invented log risk ratios and standard errors.
Y = np.array(
    [-0.9, -1.0, -0.3, -1.1, -0.3, -0.5, -0.1, -0.7, -0.8, -1.2, -1.2, -1.3, -0.5, -0.3, 0.1, -0.2]
)
SE = np.array(
    [0.39, 0.22, 0.27, 0.33, 0.21, 0.58, 0.52, 0.41, 0.53, 0.58, 0.26, 0.36, 0.55, 0.34, 0.17, 0.55]
)
POOLED = -0.6


def by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


def test_points_axis_and_limits():
    fig = plot_funnel(Y, SE, pooled=POOLED)
    ax = fig.axes[0]
    (studies,) = by_gid(fig, "studies")
    assert np.allclose(studies.get_offsets(), np.column_stack([Y, SE]))
    low, high = ax.get_ylim()
    assert low > high == 0  # inverted: precise studies on top
    limits = by_gid(fig, "limits")
    assert len(limits) == 2
    for line in limits:
        x, y = line.get_xdata(), line.get_ydata()
        assert np.allclose(np.abs(x - POOLED), Z95 * y)
        assert y.max() >= SE.max()
    assert by_gid(fig, "filled") == []


def test_log_scale_and_hollow_filled_studies():
    fig = plot_funnel(Y, SE, pooled=POOLED, log_scale=True, filled=([0.2, 0.4], [0.5, 0.55]))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    (pooled,) = by_gid(fig, "pooled")
    assert pooled.get_xdata()[0] == pytest.approx(np.exp(POOLED))
    (studies,) = by_gid(fig, "studies")
    assert np.allclose(studies.get_offsets()[:, 0], np.exp(Y))
    (filled,) = by_gid(fig, "filled")
    assert len(filled.get_offsets()) == 2
    assert tuple(filled.get_facecolors()[0]) == (1.0, 1.0, 1.0, 1.0)
    png = figure_bytes(fig, "png")
    assert png.startswith(b"\x89PNG")
    svg = figure_bytes(fig, "svg")
    assert b"<svg" in svg
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "funnel_ketamine.png").write_bytes(png)


def test_rejects_mismatched_input():
    with pytest.raises(ValueError):
        plot_funnel([0.1, 0.2], [0.1], pooled=0.0)
    with pytest.raises(ValueError):
        plot_funnel([], [], pooled=0.0)


def test_draws_into_the_callers_axes_with_a_label():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    assert plot_funnel(Y, SE, pooled=POOLED, xlabel="Mean difference", ax=ax) is fig
    assert ax.get_xlabel() == "Mean difference"
    assert tuple(fig.get_size_inches()) == (4, 3)
