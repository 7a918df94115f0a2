"""An analysis survives its worker being killed mid-run: Redis hands the task to another.

How the redelivery happens (kombu's Redis transport, with ``acks_late``): a worker
that takes a message keeps a copy in the ``unacked`` hash, indexed by delivery time
in ``unacked_index``, until the task returns and acks it. SIGKILL leaves the copy
there. Any consumer moves copies older than ``visibility_timeout`` back to their
queue (``QoS.restore_visible``): once when it registers with its event loop, that
is at worker start, and then every ``unacked_restore_interval`` (10 s) times
``unacked_restore_throttle`` (10), about every 100 s. Our settings expose only
``visibility_timeout`` (CELERY_VISIBILITY_TIMEOUT), so the test starts the second
worker after the timeout has passed and relies on the sweep at its start; a worker
that was already running would take up to 100 s more.
"""

import json
import time
from pathlib import Path

import pytest
import redis

from extraction.selectors import outcome_dataset
from synthesis import services
from synthesis.figures import analysis_figures
from synthesis.models import Analysis, Figure

from .test_services import make_outcome

VISIBILITY_TIMEOUT = 5
WAIT = 60


def wait_for(condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up after {timeout} s waiting for {what}")


def unacked(client: redis.Redis, task_id: str) -> bool:
    """True while the broker holds a delivered, unacknowledged copy of the task."""
    for raw in client.hvals("unacked"):
        message = json.loads(raw)[0]
        if message["headers"].get("id") == task_id:
            return True
    return False


def transitions_to_done(analysis: Analysis) -> int:
    statuses = analysis.history.order_by("history_date", "history_id").values_list(
        "status", flat=True
    )
    before = None
    count = 0
    for status in statuses:
        count += status == Analysis.Status.DONE and before != Analysis.Status.DONE
        before = status
    return count


@pytest.mark.services
def test_an_analysis_survives_its_worker_being_killed(celery_workers, cast, tmp_path):
    from config.celery import app

    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    broker = redis.Redis.from_url(celery_workers.env["REDIS_URL"])
    marker = Path(tmp_path, "computing")
    first = celery_workers.start(
        "tests.synthesis.slow_worker", SLOW_WORKER_MARKER=str(marker), **env
    )
    analysis = services.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    default_queue, app.conf.task_default_queue = app.conf.task_default_queue, celery_workers.queue
    try:
        services.analysis_enqueue(analysis=analysis)  # autocommit here: sent at once
    finally:
        app.conf.task_default_queue = default_queue

    wait_for(marker.exists, "the first worker to start computing")
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts) == ("running", 1)
    celery_workers.kill(first)
    assert unacked(broker, analysis.task_id)

    # let the copy outlive the visibility timeout, so the second worker's start restores it
    time.sleep(max(0, marker.stat().st_mtime + VISIBILITY_TIMEOUT + 1 - time.time()))
    celery_workers.start(**env)
    wait_for(lambda: Analysis.objects.get(pk=analysis.pk).status == "done", "the analysis")
    wait_for(lambda: not unacked(broker, analysis.task_id), "the redelivery to be acked")

    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts, analysis.error) == ("done", 2, "")
    expected = services.compute(
        analysis.outcome, analysis.settings, outcome_dataset(analysis.outcome)
    )
    for name in (
        "estimate",
        "ci_lower",
        "ci_upper",
        "effect",
        "effect_ci_lower",
        "effect_ci_upper",
    ):
        assert analysis.results["pooled"][name] == pytest.approx(
            expected["pooled"][name], rel=1e-12
        )
    figures = list(Figure.objects.filter(analysis=analysis).values_list("kind", "format"))
    assert sorted(figures) == sorted(analysis_figures(analysis))  # one of each, none twice
    assert transitions_to_done(analysis) == 1
    assert broker.llen(celery_workers.queue) == 0
