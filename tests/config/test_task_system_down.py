"""With Redis down, work stays queued and its page says the task system cannot be reached."""

from contextlib import contextmanager
from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from reviews.models import ImportBatch, Source
from reviews.tasks import import_batch_resend_task
from synthesis.models import Analysis
from synthesis.services import analysis_create
from tests.reviews.test_import_views import demo_upload
from tests.test_permissions_matrix import sample_outcome
from workspace.models import Export
from workspace.tasks import export_resend_task

DOWN = "The task system cannot be reached"


def lead_imports(client, cast, capture_on_commit) -> ImportBatch:
    """The lead uploads the demo's MEDLINE file and confirms it, as the import page does."""
    client.force_login(cast.lead)
    client.post(
        reverse("import_list", args=[cast.review.pk]),
        {"files": [demo_upload("demo_medline.nbib")], "source": Source.MEDLINE},
    )
    batch = ImportBatch.objects.get()
    with capture_on_commit(execute=True):
        response = client.post(reverse("import_commit", args=[cast.review.pk, batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def test_an_import_confirmed_with_redis_down_stays_queued_and_its_page_says_so(
    client, cast, broker_down, django_capture_on_commit_callbacks
):
    batch = lead_imports(client, cast, django_capture_on_commit_callbacks)
    assert batch.status == "queued"

    page = client.get(batch.get_absolute_url()).content.decode()
    assert f"{DOWN}, so the import has not started. It stays queued" in page
    poll = client.get(reverse("import_progress", args=[cast.review.pk, batch.pk]))
    assert DOWN in poll.content.decode()
    client.force_login(cast.viewer)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "It stays queued and starts by itself within a minute of the task system" in page


def test_an_import_queued_while_redis_was_down_starts_once_it_is_back(
    client, cast, broker_down, django_capture_on_commit_callbacks
):
    batch = lead_imports(client, cast, django_capture_on_commit_callbacks)
    assert (batch.status, batch.send_failed) == ("queued", True)
    assert import_batch_resend_task() == []  # still down: nothing sent, still marked
    assert ImportBatch.objects.get().send_failed

    with back_in_process():
        assert import_batch_resend_task() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.send_failed, batch.attempts) == ("done", False, 1)
    assert batch.records.count() == batch.record_count > 0
    assert import_batch_resend_task() == []  # sent once, never again


def test_an_export_queued_while_redis_was_down_says_so_and_starts_once_it_is_back(
    client, cast, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(cast.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review_export", args=[cast.review.pk]))
    export = Export.objects.get()
    assert (export.status, export.send_failed) == ("queued", True)
    poll = client.get(reverse("export_status", args=[cast.review.pk, export.pk]))
    assert f"{DOWN}, so the bundle has not started" in poll.content.decode()

    with back_in_process():
        assert export_resend_task() == [export.pk]
    export.refresh_from_db()
    assert (export.status, export.send_failed) == ("done", False)
    poll = client.get(reverse("export_status", args=[cast.review.pk, export.pk]))
    assert DOWN not in poll.content.decode()


@contextmanager
def back_in_process():
    """The task system is back: here, tasks run in the test's process."""
    import config.celery
    from config.celery import app

    config.celery._unreachable_until.clear()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
            yield
    finally:
        app.conf.task_always_eager = eager


def test_every_beat_entry_names_a_registered_task():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


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


def test_an_import_whose_message_was_lost_is_sent_again_once_it_is_stale(
    client, cast, broker_up, django_capture_on_commit_callbacks, settings
):
    # Sent to a Redis no worker reads (as when Redis restarted and lost it): queued, not failed.
    batch = lead_imports(client, cast, django_capture_on_commit_callbacks)
    assert (batch.status, batch.send_failed) == ("queued", False) and batch.sent
    with back_in_process():
        assert import_batch_resend_task() == []  # a moment ago: still waiting its turn
        stale = timezone.now() - timedelta(seconds=settings.QUEUED_STALE_SECONDS + 1)
        ImportBatch.objects.update(sent=stale)
        assert import_batch_resend_task() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("done", 1)
    assert batch.records.count() == batch.record_count > 0
