"""The export page: a member builds a bundle (a task), follows it, downloads it; the parts
on their own; nobody downloads another member's bundle; outsiders get 404."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from reviews.models import Record
from screening.models import Resolution
from tests.reviews.factories import RecordFactory
from workspace.models import Export


@pytest.fixture
def screened(cast):
    records = RecordFactory.create_batch(3, review=cast.review, doi="10.1000/xyz")
    Resolution.objects.create(record=records[0], stage="ta", verdict="include", source="agreement")
    Resolution.objects.create(record=records[1], stage="ta", verdict="exclude", source="agreement")
    return records


def test_a_member_builds_follows_and_downloads_a_bundle(
    client, cast, screened, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(cast.reviewer1)
    page = reverse("review_export", args=[cast.review.pk])
    assert client.get(page).status_code == 200
    assert Export.objects.count() == 0, "a GET writes nothing"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page)
    assert response.status_code == 302
    export = Export.objects.get()
    assert (export.status, export.scope, export.created_by) == ("done", "member", cast.reviewer1)
    assert export.file.name == f"exports/{cast.review.pk}/export-{export.pk}.zip"
    status = client.get(
        reverse("export_status", args=[cast.review.pk, export.pk]), HTTP_HX_REQUEST="true"
    )
    assert b"Ready" in status.content and status["HX-Refresh"] == "true"
    download = client.get(reverse("export_download", args=[cast.review.pk, export.pk]))
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "manifest.json" in bundle.namelist() and "data/records.csv" in bundle.namelist()
    assert 'filename="prismatic-review-' in download["Content-Disposition"]

    client.force_login(cast.lead)
    other = client.get(reverse("export_download", args=[cast.review.pk, export.pk]))
    assert other.status_code == 302 and other.url == page


def test_the_lead_s_bundle_is_the_whole_review(client, cast):
    client.force_login(cast.lead)
    client.post(reverse("review_export", args=[cast.review.pk]))
    assert Export.objects.get().scope == "full"


def test_records_on_their_own_by_stage_and_result(client, cast, screened):
    client.force_login(cast.viewer)
    url = reverse("export_records", args=[cast.review.pk])
    response = client.get(url, {"stage": "ta", "status": "include", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(r["record_id"]) for r in rows] == [screened[0].pk]
    response = client.get(url, {"stage": "ta", "status": "awaiting", "format": "ris"})
    text = b"".join(response.streaming_content).decode()
    assert text.count("ER  - ") == 1 and f"Prismatic record {screened[2].pk}" in text
    assert Record.objects.count() == 3


def test_only_the_lead_exports_the_conflicts(client, cast):
    url = reverse("export_conflicts", args=[cast.review.pk])
    client.force_login(cast.reviewer1)
    assert client.get(url).status_code == 403
    client.force_login(cast.lead)
    response = client.get(url)
    assert b"".join(response.streaming_content).startswith(b"record_id,title,stage")


def test_outsiders_get_404(client, cast):
    client.force_login(cast.outsider)
    for name in ("review_export", "export_records", "export_prisma2020"):
        assert client.get(reverse(name, args=[cast.review.pk])).status_code == 404
