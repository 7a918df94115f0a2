"""Background tasks of screening: retraining a reviewer's ranking."""

from celery import shared_task
from django.db import OperationalError


@shared_task(bind=True, max_retries=3, default_retry_delay=10, acks_late=True)
def ranking_run_task(self, ranking_id: int) -> dict:
    """Train one reviewer's ranking (see ``rankings.ranking_run``) and record how it went."""
    from .rankings import ranking_run

    try:
        ranking = ranking_run(ranking_id=ranking_id)
    except OperationalError as error:  # database briefly unreachable: try again
        raise self.retry(exc=error) from error
    return {"status": ranking.status, "ranked": ranking.ranked, "error": ranking.error}
