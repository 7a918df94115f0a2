"""Background tasks of the workspace: building an export bundle."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import export_build, export_resend

TRANSIENT = (OperationalError, InterfaceError)  # the database briefly unreachable


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=2)
def export_build_task(self, export_id: int) -> dict:
    """Build one export bundle (see ``services.export_build``); the row records progress."""
    try:
        export = export_build(export_id=export_id)
    except TRANSIENT as error:
        raise self.retry(exc=error, countdown=5) from error
    return {"status": export.status, "error": export.error}


@shared_task
def export_resend_task() -> list[int]:
    """Send again the exports whose task could not be sent (beat, every minute)."""
    return export_resend()
