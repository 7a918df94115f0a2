"""Background tasks about analyses and the review's figures."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .models import Analysis
from .services import analysis_fail, analysis_reap, analysis_run, prisma_draw

TRANSIENT = (OperationalError, InterfaceError)  # the database briefly unreachable


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=Analysis.MAX_ATTEMPTS - 1,
    default_retry_delay=5,
)
def analysis_run_task(self, analysis_id: int) -> dict:
    """Run one analysis (see ``services.analysis_run``); the row records status and attempts."""
    try:
        analysis = analysis_run(analysis_id=analysis_id)
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            _give_up(analysis_id, error)
            raise
        raise self.retry(exc=error) from error
    return {"status": analysis.status, "attempts": analysis.attempts, "error": analysis.error}


def _give_up(analysis_id: int, error: Exception) -> None:
    try:
        analysis = Analysis.objects.get(pk=analysis_id)
        analysis_fail(
            analysis=analysis,
            error=f"The database could not be reached after {analysis.attempts} attempts.",
        )
    except Exception:  # still unreachable: the reaper finds it running and stale
        pass


@shared_task
def analysis_reap_task() -> list[int]:
    """Send again analyses stuck as queued or running (scheduled every minute by beat)."""
    return analysis_reap()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=2)
def prisma_draw_task(self, review_id: int) -> str:
    """Draw the review's PRISMA 2020 diagram from its live counts."""
    try:
        return prisma_draw(review_id=review_id)
    except TRANSIENT as error:
        raise self.retry(exc=error, countdown=5) from error
