"""Background tasks about analyses."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .models import Analysis
from .services import analysis_fail, analysis_run


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
    except (OperationalError, InterfaceError) as error:  # database briefly unreachable
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
