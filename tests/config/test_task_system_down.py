"""With Redis down, work stays queued and its page says the task system cannot be reached."""

from django.urls import reverse

from reviews.models import ImportBatch, Source
from synthesis.models import Analysis
from synthesis.services import analysis_create
from tests.reviews.test_import_views import demo_upload
from tests.test_permissions_matrix import sample_outcome

DOWN = "The task system cannot be reached"


def test_an_import_confirmed_with_redis_down_stays_queued_and_its_page_says_so(
    client, cast, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(cast.lead)
    client.post(
        reverse("import_list", args=[cast.review.pk]),
        {"files": [demo_upload("demo_medline.nbib")], "source": Source.MEDLINE},
    )
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import_commit", args=[cast.review.pk, batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "queued"

    page = client.get(batch.get_absolute_url()).content.decode()
    assert f"{DOWN}, so the import has not started. It stays queued" in page
    poll = client.get(reverse("import_progress", args=[cast.review.pk, batch.pk]))
    assert DOWN in poll.content.decode()
    client.force_login(cast.viewer)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "it starts when the task system is back and the lead sends it again" in page


def test_an_analysis_run_with_redis_down_stays_queued_and_its_page_says_so(
    client, cast, broker_down, django_capture_on_commit_callbacks
):
    analysis = analysis_create(outcome=sample_outcome(cast.review), name="Pain")
    client.force_login(cast.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analysis_run", args=[cast.review.pk, analysis.pk]))
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.QUEUED

    url = reverse("analysis_status", args=[cast.review.pk, analysis.pk])
    poll = client.get(url).content.decode()
    assert f"{DOWN}, so the analysis has not started" in poll
    assert "will start when the task system is back" in poll
    detail = reverse("analysis_detail", args=[cast.review.pk, analysis.pk])
    assert DOWN in client.get(detail).content.decode()


def test_a_queued_analysis_with_redis_up_only_waits_for_a_worker(client, cast, broker_up):
    analysis = analysis_create(outcome=sample_outcome(cast.review), name="Pain")
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.QUEUED)
    client.force_login(cast.lead)
    poll = client.get(reverse("analysis_status", args=[cast.review.pk, analysis.pk]))
    assert "Waiting for a worker to start the analysis" in poll.content.decode()
    assert DOWN not in poll.content.decode()
