"""The import, records and duplicates pages, as the lead and the team use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.demo import DEMO_DATA, demo_imports
from reviews.models import DuplicatePair, ImportBatch, Record, Source


def demo_upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DEMO_DATA / name).read_bytes())


def test_the_lead_uploads_previews_and_confirms(
    client, cast, django_capture_on_commit_callbacks, eager_tasks
):
    client.force_login(cast.lead)
    response = client.post(
        reverse("import_list", args=[cast.review.pk]),
        {
            "files": [demo_upload("demo_medline.nbib")],
            "source": Source.MEDLINE,
            "interface": "PubMed",
            "search_date": "2026-10-01",
            "strategy": "ketamine[tiab]",
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()

    page = client.get(batch.get_absolute_url())
    assert page.context["preview"].format == "pubmed"
    assert "Intravenous ketamine infusion for chronic low back pain" in page.content.decode()
    assert not Record.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import_commit", args=[cast.review.pk, batch.pk]))
    batch.refresh_from_db()
    # the MEDLINE export: 48 papers, one copy each (reviews/demo_data/README.md)
    assert (batch.status, batch.record_count) == ("done", 48)
    dashboard = client.get(cast.review.get_absolute_url())
    counts = {stage.key: stage.count for stage in dashboard.context["pipeline"]}
    assert (counts["identified"], counts["duplicates_removed"]) == (48, 0)


def test_uploading_two_files_where_one_is_bad_saves_neither(client, cast):
    client.force_login(cast.lead)
    response = client.post(
        reverse("import_list", args=[cast.review.pk]),
        {
            "files": [
                demo_upload("demo_medline.nbib"),
                SimpleUploadedFile("letter.txt", b"Hello there\n"),
            ],
            "source": Source.MEDLINE,
        },
    )
    assert response.status_code == 200
    assert "letter.txt" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_same_file_uploaded_twice_is_refused_with_a_message(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.lead)
    url = reverse("import_list", args=[cast.review.pk])
    client.post(url, {"files": [demo_upload("demo_central.txt")], "source": Source.CENTRAL})
    response = client.post(
        url, {"files": [demo_upload("demo_central.txt")], "source": Source.CENTRAL}
    )
    assert "has the same contents as “demo_central.txt”" in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_the_records_list_searches_and_filters(client, cast):
    demo_imports(cast.review, cast.lead)
    client.force_login(cast.viewer)
    url = reverse("record_list", args=[cast.review.pk])
    # 123 copies of 58 papers (reviews/demo_data/README.md)
    assert client.get(url).context["page"].paginator.count == 58
    assert client.get(url, {"show": "all"}).context["page"].paginator.count == 123
    assert client.get(url, {"show": "duplicates"}).context["page"].paginator.count == 65
    found = client.get(url, {"q": "phantom limb"}).context["page"]
    assert [r.title for r in found] == [
        "Ketamine infusion for phantom limb pain: a randomised controlled trial"
    ]
    assert client.get(url, {"q": "99900003", "show": "all"}).context["page"].paginator.count == 3
    assert (
        client.get(url, {"q": "10.5555/DEMO.2012.0001", "show": "all"})
        .context["page"]
        .paginator.count
        == 3
    )


def test_the_record_page_lists_every_source(client, cast):
    demo_imports(cast.review, cast.lead)
    client.force_login(cast.reviewer1)
    record = Record.objects.get(review=cast.review, batch__source=Source.MEDLINE, pmid="99900001")
    page = client.get(record.get_absolute_url())
    assert sorted(r.batch.source for r in page.context["sources"]) == [
        "central",
        "embase",
        "medline",
    ]


def test_the_lead_settles_a_pair_from_the_duplicates_page(client, cast):
    demo_imports(cast.review, cast.lead)
    left, right = Record.objects.filter(review=cast.review, duplicate_of__isnull=True)[:2]
    pair = DuplicatePair.objects.create(
        review=cast.review, left=left, right=right, score=0.7, status="undecided"
    )
    client.force_login(cast.lead)
    page = client.get(reverse("duplicate_list", args=[cast.review.pk]))
    # the demo's own three: paper 31, a conference abstract, beside each copy of paper 20
    shown = [p.pk for p, _ in page.context["comparisons"]]
    assert len(shown) == 4 and pair.pk in shown
    assert "<mark>" in page.content.decode()
    client.post(
        reverse("duplicate_decide", args=[cast.review.pk, pair.pk]), {"verdict": "duplicate"}
    )
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("merged", cast.lead)
    assert Record.objects.filter(review=cast.review, duplicate_of__isnull=False).count() == 66


@pytest.mark.parametrize("role", ["viewer", "reviewer"])
def test_only_the_lead_imports(client, cast, role):
    client.force_login(cast.member(role))
    response = client.post(
        reverse("import_list", args=[cast.review.pk]),
        {"files": [demo_upload("demo_medline.nbib")], "source": Source.MEDLINE},
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
