"""The retraining task: in-process on commit, and through a real Celery worker."""

import pytest

from screening import rankings, services
from screening.models import PrioritisationSettings, RankedRecord, Ranking, Stage, Verdict
from screening.tasks import ranking_run_task
from tests.reviews.factories import RecordFactory
from tests.screening.labelled import records as labelled


@pytest.fixture
def records(cast):
    PrioritisationSettings.objects.create(review=cast.review, enabled=True, retrain_every=3)
    return [
        RecordFactory(review=cast.review, title=row["title"], abstract=row["abstract"])
        for row in labelled()
    ]


def decide(cast, record, verdict):
    services.decision_record(
        record=record, reviewer=cast.reviewer1, stage=Stage.TITLE_ABSTRACT, verdict=verdict
    )


def test_a_decision_queues_the_retraining_on_commit(
    cast, records, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(cast, records[0], Verdict.EXCLUDE)
        decide(cast, records[4], Verdict.INCLUDE)
    assert len(callbacks) == 1
    ranking = Ranking.objects.get()
    assert (ranking.status, ranking.ranked) == ("done", 58)
    # The next retraining waits for three more decisions (retrain_every), then one is sent.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(cast, records[1], Verdict.EXCLUDE)
        decide(cast, records[2], Verdict.EXCLUDE)
    assert not callbacks
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(cast, records[3], Verdict.EXCLUDE)
    assert len(callbacks) == 1
    latest = rankings.latest_ranking(cast.review, cast.reviewer1)
    assert (latest.included, latest.excluded, latest.ranked) == (1, 4, 55)
    assert set(RankedRecord.objects.values_list("ranking", flat=True)) == {latest.pk}


@pytest.mark.services
def test_the_retraining_runs_in_a_real_worker(celery_worker_process, cast, records):
    decide(cast, records[0], Verdict.EXCLUDE)
    decide(cast, records[4], Verdict.INCLUDE)
    ranking = Ranking.objects.get()  # asked for, and waiting for a worker
    result = ranking_run_task.apply_async(args=[ranking.pk], queue=celery_worker_process)
    assert result.get(timeout=120) == {"status": "done", "ranked": 58, "error": ""}
    ranking.refresh_from_db()
    assert ranking.status == "done" and ranking.seconds > 0
    first = RankedRecord.objects.filter(ranking=ranking).order_by("rank").select_related("record")
    assert all("ketamine" in entry.record.title.lower() for entry in first[:11])
    # Delivered twice (a redelivery after a lost worker): done once.
    again = ranking_run_task.apply_async(args=[ranking.pk], queue=celery_worker_process)
    assert again.get(timeout=120)["ranked"] == 58
    assert RankedRecord.objects.filter(ranking=ranking).count() == 58
