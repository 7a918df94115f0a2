"""The screening page, its htmx card, the conflicts page, reasons and full texts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screening import services
from screening.models import Decision, FullText, Resolution, Stage, Verdict
from tests.reviews.factories import RecordFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def records(cast):
    return [
        RecordFactory(review=cast.review, title=f"Trial {i} of ketamine in adults")
        for i in range(3)
    ]


def screen_url(cast, stage="title-abstract"):
    return reverse("screen", args=[cast.review.pk, stage])


def test_the_page_shows_the_first_record_with_highlighted_terms(client, cast, records):
    cast.review.include_terms = "ketamine"
    cast.review.exclude_terms = "rats"
    cast.review.save()
    client.force_login(cast.reviewer1)
    response = client.get(screen_url(cast))
    assert response.context["record"] == records[0]
    assert '<mark class="hl-include">ketamine</mark>' in response.content.decode()
    assert response.context["progress"].left_for_me == 3


def test_deciding_answers_with_the_next_card(client, cast, records):
    client.force_login(cast.reviewer1)
    url = reverse("screen_decide", args=[cast.review.pk, "title-abstract"])
    response = client.post(
        url, {"record": records[0].pk, "verdict": "include", "note": "fits"}, **HTMX
    )
    assert response.templates[0].name == "screening/record_card.html"
    assert response.context["record"] == records[1]
    assert Decision.objects.get(record=records[0]).note == "fits"


def test_a_refused_decision_comes_back_with_the_reason(client, cast, records):
    services.decision_record(
        record=records[0],
        reviewer=cast.reviewer1,
        stage=Stage.TITLE_ABSTRACT,
        verdict=Verdict.INCLUDE,
    )
    services.decision_record(
        record=records[0],
        reviewer=cast.reviewer2,
        stage=Stage.TITLE_ABSTRACT,
        verdict=Verdict.INCLUDE,
    )
    client.force_login(cast.reviewer1)
    url = reverse("screen_decide", args=[cast.review.pk, "full-text"])
    response = client.post(url, {"record": records[0].pk, "verdict": "exclude"}, **HTMX)
    assert response.context["error"] == "Choose a reason for excluding this record."
    assert response.context["record"] == records[0]


def test_a_record_settled_while_i_read_it_moves_me_on(client, cast, records):
    """Both screeners agree on the record the lead is still reading: the lead's key press
    saves nothing and brings the next record, saying why."""
    for reviewer in (cast.reviewer1, cast.reviewer2):
        services.decision_record(
            record=records[0], reviewer=reviewer, stage=Stage.TITLE_ABSTRACT, verdict="exclude"
        )
    client.force_login(cast.lead)
    url = reverse("screen_decide", args=[cast.review.pk, "title-abstract"])
    response = client.post(url, {"record": records[0].pk, "verdict": "include"}, **HTMX)
    assert response.context["record"] == records[1]
    page = response.content.decode()
    assert 'id="card-notice"' in page and 'id="card-error"' not in page
    assert "already resolved" in page and "Your decision was not saved" in page
    assert not Decision.objects.filter(reviewer=cast.lead).exists()
    # without htmx the page is loaded again with the notice among its messages
    response = client.post(url, {"record": records[0].pk, "verdict": "include"}, follow=True)
    assert "Your decision was not saved" in response.content.decode()


def test_skip_and_undo(client, cast, records):
    client.force_login(cast.reviewer1)
    args = [cast.review.pk, "title-abstract"]
    skipped = client.post(reverse("screen_skip", args=args), {"record": records[0].pk}, **HTMX)
    assert skipped.context["record"] == records[1]
    client.post(
        reverse("screen_decide", args=args), {"record": records[1].pk, "verdict": "exclude"}, **HTMX
    )
    undone = client.post(reverse("screen_undo", args=args), **HTMX)
    assert undone.context["record"] == records[1]
    assert not Decision.objects.exists()


def test_a_reviewer_revisits_and_changes_their_decision(client, cast, records):
    services.decision_record(
        record=records[0],
        reviewer=cast.reviewer1,
        stage=Stage.TITLE_ABSTRACT,
        verdict=Verdict.EXCLUDE,
    )
    client.force_login(cast.reviewer1)
    mine = client.get(reverse("screen_mine", args=[cast.review.pk, "title-abstract"]))
    assert [d.record for d in mine.context["decisions"]] == [records[0]]
    page = client.get(screen_url(cast) + f"?record={records[0].pk}")
    assert page.context["mine"].verdict == "exclude"


def test_the_conflicts_page_filters_and_resolves(client, cast, records):
    for record in records[:2]:
        services.decision_record(
            record=record, reviewer=cast.reviewer1, stage="ta", verdict="include"
        )
        services.decision_record(
            record=record, reviewer=cast.reviewer2, stage="ta", verdict="exclude"
        )
    client.force_login(cast.lead)
    url = reverse("conflict_list", args=[cast.review.pk])
    page = client.get(
        url, {"stage": "title-abstract", "pair": f"{cast.reviewer1.pk}-{cast.reviewer2.pk}"}
    )
    assert [row.record for row in page.context["rows"]] == records[:2]
    assert client.get(url, {"pair": f"{cast.reviewer1.pk}-{cast.lead.pk}"}).context["rows"] == []
    client.post(
        reverse("conflict_resolve", args=[cast.review.pk, records[0].pk]),
        {"stage": "title-abstract", "verdict": "include"},
    )
    assert Resolution.objects.get(record=records[0]).resolved_by == cast.lead
    assert [row.record for row in client.get(url).context["rows"]] == [records[1]]


def test_a_pdf_is_attached_and_served_to_the_team(client, cast, records):
    client.force_login(cast.reviewer1)
    pdf = SimpleUploadedFile(
        "paper.pdf", b"%PDF-1.4\n%illustrative\n", content_type="application/pdf"
    )
    client.post(reverse("full_text_edit", args=[cast.review.pk, records[0].pk]), {"file": pdf})
    assert FullText.objects.get(record=records[0]).file
    client.force_login(cast.viewer)
    response = client.get(reverse("full_text_file", args=[cast.review.pk, records[0].pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


def test_a_file_that_is_not_a_pdf_is_refused(client, cast, records):
    client.force_login(cast.reviewer1)
    fake = SimpleUploadedFile("paper.pdf", b"<html>not a pdf</html>")
    response = client.post(
        reverse("full_text_edit", args=[cast.review.pk, records[0].pk]), {"file": fake}, follow=True
    )
    assert "“paper.pdf” is not a PDF file." in response.content.decode()
    assert not FullText.objects.exists()


def test_a_pdf_over_the_limit_is_refused(client, cast, records, settings):
    settings.FULL_TEXT_MAX_BYTES = 10
    client.force_login(cast.reviewer1)
    pdf = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"x" * 100)
    response = client.post(
        reverse("full_text_edit", args=[cast.review.pk, records[0].pk]), {"file": pdf}, follow=True
    )
    assert "“big.pdf” is 108\xa0bytes; the limit is 10\xa0bytes." in response.content.decode()


def test_the_lead_adds_a_reason(client, cast):
    client.force_login(cast.lead)
    client.post(reverse("reason_list", args=[cast.review.pk]), {"label": "Animal study"})
    assert cast.review.exclusion_reasons.filter(label="Animal study", active=True).exists()


def test_an_unknown_stage_is_not_found(client, cast):
    client.force_login(cast.reviewer1)
    assert client.get(screen_url(cast, "abstracts")).status_code == 404
