"""Background tasks about reviews."""

from celery import shared_task
from django.db import OperationalError

from .models import Review
from .selectors import duplicates_removed


@shared_task
def review_summary_task(review_id: int) -> dict:
    """A review's title, team size and record counts, computed by a worker.

    Used by the health check of the task system: it proves that a worker reaches
    the same database and result store as the web process.
    """
    review = Review.objects.get(pk=review_id)
    return {
        "title": review.title,
        "team": review.memberships.count(),
        "records": review.records.count(),
        "duplicates_removed": duplicates_removed(review),
    }


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def import_batch_task(self, batch_id: int) -> dict:
    """Import one uploaded export (see ``services.import_batch_run``), reporting progress."""
    from .services import import_batch_fail, import_batch_run

    def progress(records: int, fraction: float) -> None:
        self.update_state(state="PROGRESS", meta={"records": records, "fraction": fraction})

    try:
        batch = import_batch_run(batch_id=batch_id, progress=progress)
    except OperationalError as error:  # database briefly unreachable: try again
        if self.request.retries >= self.max_retries:
            import_batch_fail(batch_id=batch_id, reason=f"the database stayed unreachable: {error}")
            raise
        raise self.retry(exc=error) from error
    return {"status": batch.status, "records": batch.record_count, "error": batch.error}


@shared_task
def import_batch_resend_task() -> list[int]:
    """Send again the imports whose task could not be sent (beat, every minute)."""
    from .services import import_batch_resend

    return import_batch_resend()
