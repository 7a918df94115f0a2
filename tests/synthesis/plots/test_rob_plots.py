"""Risk-of-bias figures: what they draw, the summary's percentages, and the files."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from extraction.rob import TOOLS
from synthesis.plots import figure_bytes
from synthesis.plots.rob import RobAssessment, main, plot_summary, plot_traffic_light

REPO = Path(__file__).resolve().parents[3]
OUT = REPO / "test-results" / "rob-plots"

GREEN, YELLOW, RED, BLUE, DARK_RED = "#02C100", "#E2DF07", "#BF0000", "#4EA1F7", "#820000"

# Invented studies.
FOUR = [
    RobAssessment(
        "Alder 2001", {"D1": "low", "D2": "low", "D3": "low", "D4": "low", "D5": "low"}, "low", 1.0
    ),
    RobAssessment(
        "Birch 2003",
        {"D1": "low", "D2": "some_concerns", "D3": "low", "D4": "high", "D5": "low"},
        "high",
        1.0,
    ),
    RobAssessment(
        "Cedar 2005",
        {"D1": "high", "D2": "low", "D3": "Some concerns", "D4": "low", "D5": "low"},
        "high",
        2.0,
    ),
    RobAssessment(
        "Dogwood 2008",
        {"D1": "some_concerns", "D2": "low", "D4": "low", "D5": "low"},
        "some_concerns",
        4.0,
    ),
]

NAMES = [
    "Abernethy-Quill 2004",
    "Brackenridge 2006",
    "Coldharbour 2007",
    "Dunstaffnage 2008",
    "Elderfield 2009",
    "Farthingale 2010",
    "Greyfriars 2011",
    "Hollinshead 2012",
    "Ivybridge 2013",
    "Juniper-Vale 2014",
    "Kestrelmoor 2015",
    "Larkspur 2016",
    "Marrowgate 2017",
    "Nettlecombe 2018",
    "Orchardleigh 2019",
    "Pennywhistle 2021",
]


def invented(tool_key: str, count: int) -> list[RobAssessment]:
    """Judgements cycled through the tool's scale, with weights 1, 2, 3, ..."""
    tool = TOOLS[tool_key]
    keys = [j.key for j in tool.judgements]
    return [
        RobAssessment(
            NAMES[i],
            {d.key: keys[(i + n) % len(keys)] for n, d in enumerate(tool.domains)},
            keys[(2 * i) % len(keys)],
            float(i + 1),
        )
        for i in range(count)
    ]


def cells(fig: Figure) -> dict[str, tuple]:
    """gid ("study|column") to face colour of every traffic-light circle."""
    (ax,) = fig.axes
    return {p.get_gid(): p.get_facecolor() for p in ax.patches if isinstance(p, Circle)}


def test_it_draws_one_circle_per_study_and_domain_in_robvis_colours():
    found = cells(plot_traffic_light(FOUR, tool="rob2"))
    assert len(found) == 4 * (5 + 1)
    assert found["Alder 2001|D1"] == to_rgba(GREEN)
    assert found["Birch 2003|D2"] == to_rgba(YELLOW)
    assert found["Cedar 2005|D1"] == to_rgba(RED)
    assert found["Cedar 2005|D3"] == to_rgba(YELLOW)  # given as a label
    assert found["Dogwood 2008|D3"] == to_rgba(BLUE)  # not given: no information
    assert found["Birch 2003|Overall"] == to_rgba(RED)


def test_it_puts_the_symbol_on_every_circle_and_lists_the_domains_below():
    fig = plot_traffic_light(FOUR, tool="rob2")
    (ax,) = fig.axes
    texts = [t.get_text() for t in ax.texts]
    assert sorted(t for t in texts if len(t) == 1) == sorted("+" * 15 + "−" * 4 + "×" * 4 + "?")
    assert "D2: Bias due to deviations from intended interventions." in texts
    assert [t.get_text() for t in ax.get_xticklabels()] == ["D1", "D2", "D3", "D4", "D5", "Overall"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Low", "Some concerns", "High", "No information"]


def test_it_leaves_out_the_overall_column_when_no_study_has_one():
    rows = [RobAssessment(r.study, r.judgements, overall="") for r in FOUR]
    assert len(cells(plot_traffic_light(rows, tool="rob2"))) == 4 * 5
    assert len(bar_widths(plot_summary(rows, tool="rob2"))["Low"]) == 5


def test_it_draws_robins_i_critical_dark_red_and_rob1_unclear_yellow():
    rows = invented("robins_i", 5)
    found = cells(plot_traffic_light(rows, tool="robins_i"))
    assert len(found) == 5 * 8
    assert found[f"{NAMES[0]}|D4"] == to_rgba(DARK_RED)
    assert found[f"{NAMES[0]}|D5"] == to_rgba(BLUE)
    rob1 = cells(plot_traffic_light([RobAssessment("Elm 2010", {"D6": "unclear"})], tool="rob1"))
    assert rob1["Elm 2010|D6"] == to_rgba(YELLOW)


def bar_widths(fig: Figure) -> dict[str, list[float]]:
    """Judgement label to the width of its segment in each bar, top to bottom."""
    (ax,) = fig.axes
    return {c.get_label(): [round(p.get_width(), 9) for p in c.patches] for c in ax.containers}


def test_the_summary_bars_are_the_percentage_of_studies():
    rows = [RobAssessment(r.study, r.judgements, r.overall) for r in FOUR]
    widths = bar_widths(plot_summary(rows, tool="rob2"))
    #                   D1    D2    D3    D4    D5    overall
    assert widths == {
        "Low": [50.0, 75.0, 50.0, 75.0, 100.0, 25.0],
        "Some concerns": [25.0, 25.0, 25.0, 0.0, 0.0, 25.0],
        "High": [25.0, 0.0, 0.0, 25.0, 0.0, 50.0],
        "No information": [0.0, 0.0, 25.0, 0.0, 0.0, 0.0],
    }


def test_the_summary_bars_are_the_share_of_weight_when_studies_have_weights():
    # Weights 1, 1, 2, 4 out of 8.
    widths = bar_widths(plot_summary(FOUR, tool="rob2"))
    assert widths["Low"] == [25.0, 87.5, 25.0, 87.5, 100.0, 12.5]
    assert widths["Some concerns"] == [50.0, 12.5, 25.0, 0.0, 0.0, 50.0]
    assert widths["High"] == [25.0, 0.0, 0.0, 12.5, 0.0, 37.5]
    assert widths["No information"] == [0.0, 0.0, 50.0, 0.0, 0.0, 0.0]


def test_explicit_weights_override_the_assessments_weights():
    by_study = {"Alder 2001": 3, "Birch 2003": 1, "Cedar 2005": 0, "Dogwood 2008": 0}
    widths = bar_widths(plot_summary(FOUR, tool="rob2", weights=by_study))
    assert widths["Low"][0] == 100.0
    assert widths["High"][3] == 25.0
    in_order = bar_widths(plot_summary(FOUR, tool="rob2", weights=[3, 1, 0, 0]))
    assert in_order == widths


@pytest.mark.parametrize(
    "call",
    [
        lambda: plot_summary([FOUR[0], RobAssessment("Fir 2012", {})], tool="rob2"),
        lambda: plot_summary(FOUR, tool="rob2", weights=[1, 2]),
        lambda: plot_summary(FOUR, tool="rob2", weights=[0, 0, 0, 0]),
        lambda: plot_summary(FOUR, tool="rob2", weights=[1, -1, 1, 1]),
        lambda: plot_traffic_light([RobAssessment("Fir 2012", {"D6": "low"})], tool="rob2"),
        lambda: plot_traffic_light([RobAssessment("Fir 2012", {"D1": "moderate"})], tool="rob2"),
        lambda: plot_traffic_light([], tool="rob2"),
    ],
)
def test_it_rejects_inconsistent_input(call):
    with pytest.raises(ValueError):
        call()


def test_it_draws_into_the_axes_it_is_given():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plot_traffic_light(FOUR, tool="rob2", ax=left) is fig
    assert plot_summary(FOUR, tool="rob2", ax=right) is fig
    assert figure_bytes(fig).startswith(b"\x89PNG\r\n\x1a\n")


def test_it_writes_png_and_svg():
    fig = plot_traffic_light(FOUR, tool="rob2")
    assert figure_bytes(fig, "png").startswith(b"\x89PNG\r\n\x1a\n")
    svg = figure_bytes(fig, "svg")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert svg == figure_bytes(fig, "svg")
    with pytest.raises(ValueError):
        figure_bytes(fig, "jpeg")


@pytest.mark.parametrize("tool_key", ["rob2", "rob1", "robins_i"])
@pytest.mark.parametrize("count", [5, 16])
def test_it_saves_examples_to_look_at(tool_key, count):
    OUT.mkdir(parents=True, exist_ok=True)
    rows = invented(tool_key, count)
    traffic = plot_traffic_light(rows, tool=tool_key)
    summary = plot_summary(rows, tool=tool_key)
    (OUT / f"{tool_key}-traffic-light-{count}.png").write_bytes(figure_bytes(traffic))
    (OUT / f"{tool_key}-summary-{count}.png").write_bytes(figure_bytes(summary))
    # Cells keep their size whatever the number of studies.
    (ax,) = traffic.axes
    box = ax.get_window_extent().transformed(traffic.dpi_scale_trans.inverted())
    assert box.height / count == pytest.approx(0.42)
    assert traffic.get_size_inches()[0] < 9


def test_the_command_line_draws_a_file(tmp_path):
    data = {
        "tool": "rob2",
        "assessments": [
            {
                "study": r.study,
                "judgements": dict(r.judgements),
                "overall": r.overall,
                "weight": r.weight,
            }
            for r in FOUR
        ],
    }
    source = tmp_path / "rob.json"
    source.write_text(json.dumps(data))
    assert main([str(source), "--out", str(tmp_path / "rob.png")]) == 0
    assert (tmp_path / "rob.png").read_bytes().startswith(b"\x89PNG")
    assert main([str(source), "--plot", "summary", "--out", str(tmp_path / "rob.svg")]) == 0
    assert ET.parse(tmp_path / "rob.svg").getroot().tag.endswith("svg")


def test_the_command_line_names_the_problem(tmp_path, capsys):
    source = tmp_path / "rob.json"
    source.write_text(json.dumps([{"study": "Fir 2012", "judgements": {"D9": "low"}}]))
    assert main([str(source), "--out", str(tmp_path / "rob.png")]) == 1
    assert "no domain 'D9'" in capsys.readouterr().err


def test_it_needs_neither_django_nor_pyplot():
    code = (
        "import sys, synthesis.plots.rob; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'django' or m == 'matplotlib.pyplot']; "
        "sys.exit(str(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
