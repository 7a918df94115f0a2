"""PRISMA 2020 flow diagram: every box's number, in the figure and the SVG."""

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from synthesis.plots import figure_bytes
from synthesis.plots.prisma import PrismaFlow, plot_prisma

REPO = Path(__file__).resolve().parents[3]
OUT = REPO / "test-results" / "plots"

# Invented counts for a review of 16 studies.
FLOW = PrismaFlow(
    identified_by_source={
        "MEDLINE": 1412,
        "Embase": 1530,
        "CENTRAL": 388,
        "ClinicalTrials.gov": 41,
    },
    duplicates_removed=1101,
    other_removed=12,
    records_screened=2258,
    records_excluded=2150,
    reports_sought=108,
    reports_not_retrieved=4,
    reports_assessed=104,
    reports_excluded={
        "Wrong population (not complex regional pain syndrome)": 31,
        "Wrong comparator": 22,
        "Not randomised": 28,
        "Conference abstract only": 7,
    },
    studies_included=16,
    reports_included=18,
)


def box_text(fig: Figure, gid: str) -> str:
    (text,) = fig.findobj(lambda a: a.get_gid() == gid and hasattr(a, "get_text"))
    return text.get_text().replace("\n", " ")


def test_each_box_holds_its_counts():
    fig = plot_prisma(FLOW)
    identified = box_text(fig, "identified")
    for source in ("MEDLINE (n = 1,412)", "Embase (n = 1,530)", "ClinicalTrials.gov (n = 41)"):
        assert source in identified
    removed = box_text(fig, "removed")
    assert "Duplicate records removed (n = 1,101)" in removed
    assert "other reasons (n = 12)" in removed
    assert box_text(fig, "screened") == "Records screened (n = 2,258)"
    assert box_text(fig, "excluded") == "Records excluded (n = 2,150)"
    assert box_text(fig, "sought") == "Reports sought for retrieval (n = 108)"
    assert box_text(fig, "not-retrieved") == "Reports not retrieved (n = 4)"
    assert box_text(fig, "assessed") == "Reports assessed for eligibility (n = 104)"
    excluded = box_text(fig, "reports-excluded")
    for reason in ("Wrong comparator (n = 22)", "Not randomised (n = 28)", "(n = 31)"):
        assert reason in excluded
    included = box_text(fig, "included")
    assert "Studies included in review (n = 16)" in included
    assert "Reports of included studies (n = 18)" in included
    phases = [t.get_text() for t in fig.findobj(lambda a: a.get_gid() == "phase")]
    assert phases == ["Identification", "Screening", "Included"]
    assert len(fig.findobj(lambda a: a.get_gid() == "arrow")) == 8


def test_boxes_do_not_overlap():
    fig = plot_prisma(FLOW)
    boxes = [a for a in fig.findobj(lambda a: str(a.get_gid()).endswith("-box"))]
    assert len(boxes) == 9
    extents = [b.get_window_extent() for b in boxes]
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b)


def test_svg_text_carries_the_counts_and_png_is_written():
    fig = plot_prisma(FLOW)
    svg = figure_bytes(fig, "svg")
    ET.fromstring(svg)  # well-formed
    for number in ("1,412", "2,258", "2,150", "108", "104", "(n = 16)", "(n = 18)"):
        assert number.encode() in svg
    png = figure_bytes(fig, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "prisma.png").write_bytes(png)
    (OUT / "prisma.svg").write_bytes(svg)


def test_rejects_bad_counts():
    with pytest.raises(ValueError):
        plot_prisma(PrismaFlow({}, 0, 0, 0, 0, 0, 0, {}, 0, 0))
    with pytest.raises(ValueError):
        plot_prisma(PrismaFlow({"MEDLINE": -1}, 0, 0, 0, 0, 0, 0, {}, 0, 0))


def test_other_methods_column():
    flow = replace(
        FLOW,
        other_identified={"Websites": 14, "Citation searching": 23},
        other_sought=9,
        other_not_retrieved=1,
        other_assessed=8,
        other_excluded={"Wrong population": 5, "Not randomised": 1},
        studies_included=18,
        reports_included=20,
    )
    fig = plot_prisma(flow)
    other = box_text(fig, "other-identified")
    assert "Websites (n = 14)" in other and "Citation searching (n = 23)" in other
    assert box_text(fig, "other-sought") == "Reports sought for retrieval (n = 9)"
    assert box_text(fig, "other-not-retrieved") == "Reports not retrieved (n = 1)"
    assert box_text(fig, "other-assessed") == "Reports assessed for eligibility (n = 8)"
    assert "Wrong population (n = 5)" in box_text(fig, "other-excluded")
    headers = [t.get_text() for t in fig.findobj(lambda a: a.get_gid() == "header")]
    assert headers == [
        "Identification of studies via databases and registers",
        "Identification of studies via other methods",
    ]
    boxes = [a for a in fig.findobj(lambda a: str(a.get_gid()).endswith("-box"))]
    assert len(boxes) == 14
    extents = [b.get_window_extent() for b in boxes]
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b)
    # 8 arrows in the first column, 4 in the second and the one into "included".
    assert len(fig.findobj(lambda a: a.get_gid() == "arrow")) == 13
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "prisma_other_methods.png").write_bytes(figure_bytes(fig, "png"))
