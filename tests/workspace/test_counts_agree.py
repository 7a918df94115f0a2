"""The dashboard, the PRISMA diagram and ``screening_status`` say the same numbers.

The review: six MEDLINE records, one a duplicate of another Embase record, all
screened in and five included at full text except one excluded for its
population and one not retrieved. Two included reports are grouped into one
study; the other two are in no study yet, so each counts as a study of its
own: 3 studies, 4 reports. Every number below is worked out from that.
"""

import re

from django.core.management import call_command
from django.urls import reverse

from extraction.services import studies as study_services
from screening.models import Stage, Verdict
from synthesis.plots import figure_bytes
from synthesis.plots.prisma import plot_prisma
from synthesis.prisma import prisma_flow
from tests.synthesis.test_prisma_flow import (
    PAPERS,
    both,
    import_records,
    not_retrieved,
    reason,
    record,
    ris,
    svg_box_texts,
)

KEYS = ["M1", "M2", "M3", "M4", "M5", "M6"]
assert set(KEYS) <= set(PAPERS)


def build(cast):
    review = cast.review
    import_records(review, cast.lead, "medline.ris", ris(*KEYS), "medline")
    import_records(review, cast.lead, "embase.ris", ris("M1"), "embase")
    for key in KEYS:
        both(cast, review, key, Verdict.INCLUDE)
    not_retrieved(cast, review, "M6")
    for key in ("M1", "M2"):
        both(cast, review, key, Verdict.INCLUDE, Stage.FULL_TEXT)
    first, second = study_services.studies_sync(review=review)
    study_services.study_merge(into=first, other=second)
    for key in ("M3", "M4"):
        both(cast, review, key, Verdict.INCLUDE, Stage.FULL_TEXT)
    both(cast, review, "M5", Verdict.EXCLUDE, Stage.FULL_TEXT, reason(review, "Wrong population"))
    return review


def dashboard_numbers(client, review) -> dict[str, str]:
    html = client.get(reverse("review_dashboard", args=[review.pk])).content.decode()
    stages = dict(
        re.findall(
            r'data-stage="(\w+)">\s*<div class="card-body[^"]*">\s*<div class="count">([^<]+)<',
            html,
        )
    )
    table = dict(
        (label.strip(), n)
        for label, n in re.findall(
            r"<tr[^>]*><td[^>]*>([^<]+)</td><td class=\"text-end\">(\d+)</td>", html
        )
    )
    return stages | table


def test_the_dashboard_the_diagram_and_the_command_agree(client, cast, capsys):
    review = build(cast)
    flow = prisma_flow(review)
    assert (flow.studies_included, flow.reports_included) == (3, 4)
    assert flow.identified_by_source == {"MEDLINE": 6, "Embase": 1}
    assert (flow.duplicates_removed, flow.records_screened, flow.records_excluded) == (1, 6, 0)
    assert (flow.reports_sought, flow.reports_not_retrieved, flow.reports_assessed) == (6, 1, 5)
    assert flow.reports_excluded == {"Wrong population": 1}

    client.force_login(cast.lead)
    shown = dashboard_numbers(client, review)
    assert (shown["identified"], shown["duplicates_removed"], shown["screened"]) == ("7", "1", "6")
    assert (shown["full_text"], shown["included"]) == ("5", "3")
    assert shown["Records screened"] == "6" and shown["Reports assessed for eligibility"] == "5"
    assert shown["Reports not retrieved"] == "1" and shown["Excluded: Wrong population"] == "1"
    assert (shown["Studies included"], shown["Reports of included studies"]) == ("3", "4")

    boxes = svg_box_texts(figure_bytes(plot_prisma(flow), "svg"))
    assert "Studies included in review (n = 3)" in boxes["included"]
    assert "Reports of included studies (n = 4)" in boxes["included"]
    assert "(n = 6)" in boxes["screened"] and "(n = 5)" in boxes["assessed"]

    call_command("screening_status", str(review.pk))
    out = capsys.readouterr().out
    assert (
        "PRISMA: screened 6, excluded 0; sought 6, not retrieved 1; assessed 5, excluded 1; "
        "studies included 3 (4 reports)"
    ) in out


def test_a_study_entered_by_hand_without_reports_is_not_included(client, cast):
    review = build(cast)
    review.studies.create(name="Typed in by hand 2020")
    assert prisma_flow(review).studies_included == 3
    client.force_login(cast.lead)
    assert dashboard_numbers(client, review)["included"] == "3"


def test_records_still_to_screen_are_named(cast):
    review = build(cast)
    import_records(review, cast.lead, "more.ris", ris("E3", "E4"), "embase")
    flow = prisma_flow(review)
    assert (flow.records_awaiting, flow.reports_awaiting) == (2, 0)
    assert record(review, "E3").duplicate_of_id is None
