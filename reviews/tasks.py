"""Background tasks about reviews."""

from celery import shared_task

from .models import Review
from .selectors import review_pipeline


@shared_task
def review_summary_task(review_id: int) -> dict:
    """A review's title, team size and pipeline counts, computed by a worker.

    Used by the health check of the task system: it proves that a worker reaches
    the same database and result store as the web process.
    """
    review = Review.objects.get(pk=review_id)
    return {
        "title": review.title,
        "team": review.memberships.count(),
        "pipeline": {stage.key: stage.count for stage in review_pipeline(review)},
    }
