"""The review summary task, in-process and through a real worker process."""

import pytest

from reviews.tasks import review_summary_task


def expected_summary(cast):
    return {
        "title": "Ketamine for chronic pain",
        "team": 4,
        "pipeline": {
            "identified": None, "duplicates_removed": None, "screened": None,
            "full_text": None, "included": None, "extracted": None, "analysed": None,
        },
    }


def test_it_runs_in_process(cast):
    assert review_summary_task.apply(args=[cast.review.pk]).get() == expected_summary(cast)


@pytest.mark.services
def test_it_runs_in_a_real_worker_against_redis(celery_worker_process, cast):
    result = review_summary_task.apply_async(args=[cast.review.pk], queue=celery_worker_process)
    assert result.get(timeout=90) == expected_summary(cast)
    assert result.successful()
