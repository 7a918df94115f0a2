"""Robustness plot: a point per computed variant, notes for the rest, the primary highlighted."""

from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure

from synthesis.plots import figure_bytes
from synthesis.plots.robustness import RobustnessLine, plot_robustness

# Invented numbers, shaped like a five-study risk-ratio panel.
ROWS = [
    RobustnessLine("Primary analysis", "Random effects, REML τ²", 5, 0.73, 0.54, 0.98, True),
    RobustnessLine("Model", "Fixed effect (inverse variance)", 5, 0.73, 0.54, 0.98),
    RobustnessLine("τ² estimator", "Random effects, DL τ²", 5, 0.72, 0.53, 0.99),
    RobustnessLine("τ² estimator", "Random effects, PM τ²", 5, 0.72, 0.53, 0.99),
    RobustnessLine("Confidence interval", "Random effects, REML τ², HKSJ", 5, 0.73, 0.47, 1.12),
    RobustnessLine("Leave one out", "Without Adams 2010", 4, 0.76, 0.53, 1.10),
    RobustnessLine("Leave one out", "Without Baker 2012", 4, 0.76, 0.54, 1.07),
    RobustnessLine("Leave one out", "Without Cole 2015", 4, 0.66, 0.45, 0.98),
    RobustnessLine(
        "Risk of bias", "Excluding studies at high risk of bias", None, None, None, None,
        note="No study is at high risk of bias.",
    ),
    RobustnessLine("Effect measure", "Odds ratio instead of risk ratio", 5, 0.64, 0.42, 0.99),
    RobustnessLine(
        "Effect measure", "Risk difference instead of risk ratio", 5, -0.09, -0.18, 0.002,
        on_axis=False,
    ),
]  # fmt: skip


def by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda artist: artist.get_gid() == gid))


def point_count(fig: Figure) -> int:
    collections = by_gid(fig, "points") + by_gid(fig, "primary")
    assert all(isinstance(c, PathCollection) for c in collections)
    return sum(len(c.get_offsets()) for c in collections)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


@pytest.fixture
def fig() -> Figure:
    return plot_robustness(ROWS, log_scale=True, measure_label="Risk ratio (95% CI)")


def test_it_draws_one_point_per_computed_row_on_the_axis(fig):
    plotted = [r for r in ROWS if r.estimate is not None and r.on_axis]
    assert point_count(fig) == len(plotted) == 9
    (ci,) = by_gid(fig, "ci")
    assert isinstance(ci, LineCollection) and len(ci.get_segments()) == 9


def test_the_primary_row_is_its_own_point_and_line(fig):
    (primary,) = by_gid(fig, "primary")
    assert primary.get_offsets().tolist() == [[0.73, 1.0]]
    (line,) = by_gid(fig, "primary-line")
    assert list(line.get_xdata()) == [0.73, 0.73]
    assert by_gid(fig, "primary-band")


def test_the_line_of_no_effect_is_at_one_on_a_log_axis(fig):
    (line,) = by_gid(fig, "no-effect")
    assert list(line.get_xdata()) == [1.0, 1.0]
    assert fig.axes[0].get_xscale() == "log"


def test_rows_without_values_are_text_only(fig):
    notes = [t.get_text() for t in by_gid(fig, "note")]
    assert notes == ["No study is at high risk of bias.", "Another scale: not plotted."]
    shown = texts(fig)
    assert "-0.09 [-0.18, 0.00]" in shown  # the other scale's numbers, as text
    assert "Excluding studies at high risk of bias" in shown and "–" in shown


def test_each_group_has_one_header(fig):
    headers = [t.get_text() for t in by_gid(fig, "group")]
    assert headers == list(dict.fromkeys(r.group for r in ROWS))
    assert {"Analysis", "k", "Risk ratio (95% CI)"} <= set(texts(fig))


def test_a_difference_has_no_effect_at_zero():
    rows = [
        RobustnessLine("Primary analysis", "Fixed effect (inverse variance)", 3, -1.9, -2.8, -1.1, True),
        RobustnessLine("Leave one out", "Without Adams 2010", 2, -1.6, -2.6, -0.6),
        RobustnessLine("Effect measure", "Standardised mean difference", 3, -0.8, -1.2, -0.4, on_axis=False),
    ]  # fmt: skip
    fig = plot_robustness(rows, log_scale=False, measure_label="Mean difference (95% CI)")
    (line,) = by_gid(fig, "no-effect")
    assert list(line.get_xdata()) == [0.0, 0.0]
    assert point_count(fig) == 2
    low, high = fig.axes[0].get_xlim()
    assert low < -2.8 and high > 0


def test_nothing_computed_still_draws(fig):
    rows = [
        RobustnessLine("Primary analysis", "Random effects, REML τ²", None, None, None, None, True, "No study has data for this outcome."),
    ]  # fmt: skip
    fig = plot_robustness(rows, log_scale=True, measure_label="Risk ratio (95% CI)")
    assert point_count(fig) == 0
    assert figure_bytes(fig).startswith(b"\x89PNG")


def test_it_draws_into_a_callers_axes():
    fig = Figure(figsize=(9, 6))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.55, 0.1, 0.4, 0.8))
    assert plot_robustness(ROWS, log_scale=True, measure_label="RR", ax=ax) is fig
    assert tuple(fig.get_size_inches()) == (9, 6)


def test_no_rows_is_an_error():
    with pytest.raises(ValueError, match="no rows"):
        plot_robustness([], log_scale=True, measure_label="RR")


def test_it_saves_a_png(fig):
    data = figure_bytes(fig)
    Path("/tmp/robustness.png").write_bytes(data)
    assert data.startswith(b"\x89PNG")
    width, height = fig.get_size_inches()
    assert 5 < width < 9 and height < 0.3 * (len(ROWS) + 12)
