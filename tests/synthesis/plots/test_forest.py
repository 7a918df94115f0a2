"""Forest plot: the squares, the diamond, the line of no effect, the files."""

import math
import re
from pathlib import Path

import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from synthesis.plots import figure_bytes
from synthesis.plots.forest import (
    ForestPooled,
    ForestRow,
    ForestSubgroup,
    plot_forest,
    same_decimals,
)
from synthesis.plots.rob import RobAssessment

REPO = Path(__file__).resolve().parents[3]
OUT = REPO / "test-results" / "plots"

# Sixteen invented studies, in the spirit of DESIGN.md's ketamine example.
NAMES = [
    "Sigtermans 2009", "Amr 2010", "Noppers 2011", "Schwartzman 2009",
    "Finch 2009", "Kiefer 2008", "Goldberg 2005", "Correll 2004",
    "Azari 2012", "Mak 2014", "Ushida 2002", "Eichenberger 2008",
    "Kvarnström 2003", "Graven-Nielsen 2000", "Jørum 2003", "Max 1995",
]  # fmt: skip
LOG_RR = [
    -0.9,
    -1.0,
    -0.3,
    -1.1,
    -0.3,
    -0.5,
    -0.1,
    -0.7,
    -0.8,
    -1.2,
    -1.2,
    -1.3,
    -0.5,
    -0.3,
    0.1,
    -0.2,
]
SE = [
    0.39,
    0.22,
    0.27,
    0.33,
    0.21,
    0.58,
    0.52,
    0.41,
    0.53,
    0.58,
    0.26,
    0.36,
    0.55,
    0.34,
    0.17,
    0.55,
]
WEIGHTS = [1 / s**2 for s in SE]
TOTAL = sum(WEIGHTS)


def ketamine_rows() -> list[ForestRow]:
    return [
        ForestRow(
            name,
            (str(5 + i), str(30 + i), str(10 + i), str(31 + i)),
            100 * w / TOTAL,
            math.exp(y),
            math.exp(y - 1.96 * s),
            math.exp(y + 1.96 * s),
        )
        for i, (name, y, s, w) in enumerate(zip(NAMES, LOG_RR, SE, WEIGHTS, strict=True))
    ]


POOLED = ForestPooled("Total (95% CI)", 0.55, 0.45, 0.67, 0.36, 0.84)


def draw(**kwargs) -> Figure:
    options = dict(
        measure_label="Risk Ratio\nM-H, Random, 95% CI",
        log_scale=True,
        heterogeneity_text="Heterogeneity: Tau² = 0.05; Chi² = 21.40, df = 15 (P = 0.12); I² = 30%",
        overall_text="Test for overall effect: Z = 5.86 (P < 0.00001)",
        favours=("Favours ketamine", "Favours placebo"),
    )
    options.update(kwargs)
    return plot_forest(ketamine_rows(), POOLED, **options)


def by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


def test_one_square_per_study_with_area_proportional_to_weight():
    fig = draw()
    (squares,) = by_gid(fig, "squares")
    assert isinstance(squares, PathCollection)
    assert len(squares.get_offsets()) == 16
    sizes = squares.get_sizes()
    ratios = [size / w for size, w in zip(sizes, WEIGHTS, strict=True)]
    assert max(ratios) == pytest.approx(min(ratios))
    assert [y for _, y in squares.get_offsets()] == list(range(16))


def test_diamond_spans_the_pooled_ci():
    (diamond,) = by_gid(draw(), "diamond")
    assert isinstance(diamond, Polygon)
    xs = diamond.get_xy()[:, 0]
    assert min(xs) == pytest.approx(0.45)
    assert max(xs) == pytest.approx(0.67)
    assert 0.55 in list(xs)


def test_no_effect_line_at_one_on_a_log_axis_and_zero_otherwise():
    fig = draw()
    (line,) = by_gid(fig, "no-effect")
    assert list(line.get_xdata()) == [1.0, 1.0]
    assert fig.axes[0].get_xscale() == "log"
    rows = [
        ForestRow(f"S{i}", ("1.0", "0.5", "20", "1.2", "0.6", "21"), 25.0, d, d - 0.4, d + 0.4)
        for i, d in enumerate([-0.3, 0.1, -0.5, 0.2])
    ]
    fig = plot_forest(
        rows, ForestPooled("Total (95% CI)", -0.1, -0.3, 0.1), measure_label="Mean Difference"
    )
    (line,) = by_gid(fig, "no-effect")
    assert list(line.get_xdata()) == [0.0, 0.0]
    texts = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
    assert {"Mean", "SD", "Total", "-0.30 [-0.70, 0.10]", "Mean Difference"} <= texts


def test_table_texts():
    fig = draw()
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    for expected in [
        "Sigtermans 2009",
        "Max 1995",
        "Total (95% CI)",
        "0.55 [0.45, 0.67]",
        "100.0%",
        "Experimental",
        "Control",
        "Favours ketamine",
        "Favours placebo",
        "Prediction interval",
        "Test for overall effect: Z = 5.86 (P < 0.00001)",
    ]:
        assert expected in texts


def test_rejects_bad_input():
    rows = ketamine_rows()
    with pytest.raises(ValueError):
        plot_forest([], POOLED, measure_label="RR")
    with pytest.raises(ValueError):
        plot_forest(
            [rows[0], rows[1].__class__("x", ("1",), 1, 1, 1, 1)], POOLED, measure_label="RR"
        )
    negative = ForestPooled("Total", -0.1, -0.2, 0.1)
    with pytest.raises(ValueError):
        plot_forest(rows, negative, measure_label="RR", log_scale=True)


def test_png_and_svg_bytes_and_example_file():
    fig = draw()
    png = figure_bytes(fig, "png")
    svg = figure_bytes(fig, "svg")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in svg and b"Sigtermans 2009" in svg
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "forest_ketamine.png").write_bytes(png)
    (OUT / "forest_ketamine.svg").write_bytes(svg)


def test_subgroup_blocks_with_subtotals():
    rows = ketamine_rows()
    first, second = rows[:9], rows[9:]
    groups = [
        ForestSubgroup(
            "1.1.1 CRPS type I",
            tuple(first),
            ForestPooled("Subtotal (95% CI)", 0.52, 0.40, 0.68),
            "Heterogeneity: Tau² = 0.03; Chi² = 9.80, df = 8 (P = 0.28); I² = 18%",
            "Test for overall effect: Z = 4.81 (P < 0.00001)",
        ),
        ForestSubgroup(
            "1.1.2 CRPS type II",
            tuple(second),
            ForestPooled("Subtotal (95% CI)", 0.60, 0.44, 0.82),
            "Heterogeneity: Tau² = 0.08; Chi² = 10.90, df = 6 (P = 0.09); I² = 45%",
            "Test for overall effect: Z = 3.22 (P = 0.001)",
        ),
    ]
    fig = plot_forest(
        groups,
        POOLED,
        measure_label="Risk Ratio\nM-H, Random, 95% CI",
        log_scale=True,
        overall_text="Test for overall effect: Z = 5.86 (P < 0.00001)",
        subgroup_text="Test for subgroup differences: Chi² = 0.51, df = 1 (P = 0.47), I² = 0%",
    )
    (squares,) = by_gid(fig, "squares")
    assert len(squares.get_offsets()) == 16
    subtotals = by_gid(fig, "subtotal")
    assert len(subtotals) == 2
    xs = subtotals[1].get_xy()[:, 0]
    assert (min(xs), max(xs)) == (pytest.approx(0.44), pytest.approx(0.82))
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert "1.1.1 CRPS type I" in texts and "1.1.2 CRPS type II" in texts
    weight = sum(r.weight_percent for r in first)
    assert f"{weight:.1f}%" in texts
    # Headers, studies, subtotals and total each sit on their own row.
    ys = [y for _, y in squares.get_offsets()]
    assert len(set(ys)) == 16
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "forest_subgroups.png").write_bytes(figure_bytes(fig, "png"))


def test_a_study_without_an_estimate_gets_no_square():
    rows = ketamine_rows()
    nan = float("nan")
    rows[3] = ForestRow("Zero 2001", ("0", "20", "0", "21"), 0.0, nan, nan, nan)
    fig = plot_forest(rows, POOLED, measure_label="Risk Ratio", log_scale=True)
    (squares,) = by_gid(fig, "squares")
    assert len(squares.get_offsets()) == 15
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert "Not estimable" in texts and "Zero 2001" in texts
    assert b"<svg" in figure_bytes(fig, "svg")


def test_draws_into_the_callers_axes():
    fig = Figure(figsize=(12, 8))
    ax = fig.add_axes((0.6, 0.1, 0.35, 0.8))
    assert draw(ax=ax) is fig
    assert tuple(fig.get_size_inches()) == (12, 8)
    assert len(by_gid(fig, "diamond")) == 1
    assert figure_bytes(fig, "png").startswith(b"\x89PNG")


GREEN, YELLOW, RED, BLUE = "#02c100", "#e2df07", "#bf0000", "#4ea1f7"
ROB = [
    RobAssessment(
        "Sigtermans 2009",
        {"D1": "low", "D2": "low", "D3": "some_concerns", "D4": "low", "D5": "low"},
        "some_concerns",
    ),
    RobAssessment("Amr 2010", {"D1": "High", "D2": "low", "D4": "low", "D5": ""}, "high"),
    RobAssessment(
        "Noppers 2011",
        {"D1": "low", "D2": "low", "D3": "low", "D4": "low", "D5": "Some concerns"},
        "some_concerns",
    ),
    RobAssessment("Not in this analysis 2020", {"D1": "high"}, "high"),
]


def dot_colours(fig: Figure, column: str) -> list[str]:
    (dots,) = by_gid(fig, f"rob-{column}")
    return [to_hex(colour) for colour in dots.get_facecolors()]


def texts_of(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_it_draws_a_robvis_dot_per_judged_study_and_domain():
    fig = draw(rob=ROB)
    assert dot_colours(fig, "D1") == [GREEN, RED, GREEN]
    assert dot_colours(fig, "D3") == [YELLOW, GREEN]  # Amr 2010 has no D3: blank
    assert dot_colours(fig, "D5") == [GREEN, YELLOW]  # "" is blank too
    assert dot_colours(fig, "overall") == [YELLOW, RED, YELLOW]
    (dots,) = by_gid(fig, "rob-D1")
    assert [y for _, y in dots.get_offsets()] == [0, 1, 2]  # the studies' rows
    headers = [t.get_text() for t in by_gid(fig, "rob-header")]
    assert headers == ["D1", "D2", "D3", "D4", "D5", "Overall"]


def test_it_draws_no_risk_of_bias_columns_unless_asked():
    fig = draw()
    gids = {a.get_gid() for a in fig.findobj() if a.get_gid()}
    assert not {gid for gid in gids if gid.startswith("rob")}
    assert fig.axes[0].get_legend() is None


def test_the_key_names_the_domains_and_the_judgements():
    fig = draw(rob=ROB)
    key = [t.get_text() for t in by_gid(fig, "rob-key")]
    assert key[0] == "Risk of bias legend"
    assert "D1: Bias arising from the randomisation process" in key
    assert key[-1] == "Overall: Overall risk of bias"
    (legend,) = by_gid(fig, "rob-legend")
    assert [t.get_text() for t in legend.get_texts()] == ["Low", "Some concerns", "High"]


def test_rob_headers_name_the_columns_and_the_key_without_overall():
    rob = [RobAssessment(a.study, a.judgements) for a in ROB]
    fig = draw(rob=rob, rob_tool="rob2", rob_headers=("A", "B", "C", "D", "E"))
    assert [t.get_text() for t in by_gid(fig, "rob-header")] == ["A", "B", "C", "D", "E"]
    assert "E: Bias in selection of the reported result" in texts_of(fig)
    assert not by_gid(fig, "rob-overall")


def test_robins_i_shows_no_information_in_blue():
    rob = [RobAssessment("Max 1995", {"D1": "serious", "D7": "no information"}, "critical")]
    fig = draw(rob=rob, rob_tool="robins_i")
    assert dot_colours(fig, "D7") == [BLUE]
    (dots,) = by_gid(fig, "rob-D7")
    assert [y for _, y in dots.get_offsets()] == [15]
    assert len(by_gid(fig, "rob-D2")[0].get_offsets()) == 0


def test_rejects_bad_risk_of_bias_input():
    with pytest.raises(ValueError, match="rob_headers"):
        draw(rob=ROB, rob_headers=("D1", "D2"))
    with pytest.raises(ValueError, match="no domain"):
        draw(rob=[RobAssessment("Amr 2010", {"D9": "low"})])
    with pytest.raises(ValueError, match="judgement"):
        draw(rob=[RobAssessment("Amr 2010", {"D1": "moderate"})])
    with pytest.raises(ValueError, match="two"):
        draw(rob=[ROB[0], ROB[0]])


def test_risk_of_bias_columns_in_the_files():
    fig = draw(rob=ROB)
    svg = figure_bytes(fig, "svg")
    assert b'id="rob-D1"' in svg and b'id="rob-overall"' in svg
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "forest_rob.png").write_bytes(figure_bytes(fig, "png"))
    fig = Figure(figsize=(14, 9))
    ax = fig.add_axes((0.5, 0.3, 0.25, 0.6))
    assert draw(ax=ax, rob=ROB) is fig
    assert figure_bytes(fig, "png").startswith(b"\x89PNG")


def svg_texts(fig: Figure) -> list[str]:
    """The texts of the SVG file, in drawing order (each text is preceded by a comment)."""
    return re.findall(r"<!-- (.*?) -->", figure_bytes(fig, "svg").decode())


def test_long_arm_names_keep_apart_over_their_own_columns():
    rows = [
        ForestRow(f"Trial {i} 2020", ("12", "30", "9", "31"), 25.0, 1.2, 0.6, 2.4) for i in range(4)
    ]
    fig = plot_forest(
        rows,
        ForestPooled("Total (95% CI)", 1.2, 0.8, 1.8),
        measure_label="Risk Ratio",
        log_scale=True,
        experimental="Blue-light filtering",
        control="Clear lenses",
    )
    texts = svg_texts(fig)
    assert "Blue-light filtering" in texts and "Clear lenses" in texts
    assert not any("filteringClear" in text for text in texts)
    renderer = fig.canvas.get_renderer()
    (experimental,), (control,) = by_gid(fig, "arm-0"), by_gid(fig, "arm-1")
    left, right = experimental.get_window_extent(renderer), control.get_window_extent(renderer)
    gap_points = (right.x0 - left.x1) * 72 / fig.dpi
    assert gap_points >= 8  # about a column gap apart, not touching
    headers = sorted(
        (t for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text() == "Events"),
        key=lambda t: t.get_window_extent(renderer).x0,
    )
    # each name sits over its own arm: the experimental name ends before the
    # control arm's first column begins
    assert left.x1 < headers[1].get_window_extent(renderer).x0
    study_header = next(
        t
        for t in fig.findobj(lambda a: hasattr(a, "get_text"))
        if t.get_text() == "Study or Subgroup"
    )
    assert study_header.get_window_extent(renderer).x1 < left.x0


def test_arm_columns_show_each_number_with_the_decimals_of_its_column():
    rows = [
        ForestRow("Alpha 2010", ("4.1", "1.9", "25", "5.25", "2.1", "24"), 50.0, -1.2, -2.3, -0.1),
        ForestRow("Beta 2012", ("4", "1.95", "30", "5", "2", "31"), 50.0, -1.0, -2.0, 0.0),
    ]
    fig = plot_forest(rows, ForestPooled("Total (95% CI)", -1.1, -1.8, -0.4), measure_label="MD")
    texts = svg_texts(fig)
    start = texts.index("Study or Subgroup")
    arms = texts[start:]
    # means and SDs of each column to the column's own precision; counts stay whole
    for expected in ("4.1", "4.0", "1.90", "1.95", "5.25", "5.00", "2.1", "2.0", "25", "30"):
        assert expected in arms
    for lost in ("4", "1.9", "5", "2", "25.0"):
        assert lost not in arms
    assert same_decimals(["3.85", "", "NA", "-2", "1e-05"]) == ["3.85", "", "NA", "-2.00", "1e-05"]
    assert same_decimals(["12", "9"]) == ["12", "9"]
