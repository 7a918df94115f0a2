"""The review summary task, in-process and through a real worker process."""

import pytest

from reviews.tasks import review_summary_task


def expected_summary(cast):
    return {
        "title": "Ketamine for chronic pain",
        "team": 4,
        "records": 0,
        "duplicates_removed": 0,
    }


def test_it_runs_in_process(cast):
    assert review_summary_task.apply(args=[cast.review.pk]).get() == expected_summary(cast)


@pytest.mark.services
def test_it_runs_in_a_real_worker_against_redis(celery_worker_process, cast):
    result = review_summary_task.apply_async(args=[cast.review.pk], queue=celery_worker_process)
    assert result.get(timeout=90) == expected_summary(cast)
    assert result.successful()


@pytest.mark.services
def test_an_import_runs_in_a_real_worker(celery_worker_process, cast):
    from config.celery import app
    from reviews.models import ImportBatch, Record

    default_queue, app.conf.task_default_queue = app.conf.task_default_queue, celery_worker_process
    try:
        batch = _import_through_queue(cast)
    finally:
        app.conf.task_default_queue = default_queue
    from reviews.demo import DEMO_DATA

    in_file = (DEMO_DATA / "demo_embase.ris").read_text().count("\nER  -")
    assert (batch.status, batch.record_count, batch.attempts) == ("done", in_file, 1)
    assert Record.objects.filter(batch=batch, doi="10.5555/demo.2012.0001").count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).finished is not None


def _import_through_queue(cast):
    import time

    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews import services
    from reviews.demo import DEMO_DATA

    upload = SimpleUploadedFile("demo_embase.ris", (DEMO_DATA / "demo_embase.ris").read_bytes())
    batch = services.import_batch_create(
        review=cast.review, user=cast.lead, upload=upload, source="embase"
    )
    services.import_batch_commit(batch=batch)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if not batch.in_progress:
            break
        time.sleep(0.2)
    return batch
