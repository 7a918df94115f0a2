"""The reaper: analyses stuck as queued or running are sent again, or failed once out of attempts."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from synthesis import services
from synthesis.models import Analysis
from synthesis.tasks import analysis_reap_task

from .test_services import make_outcome

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def eager(eager_tasks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # enqueue() raises rather than hides a failure


@pytest.fixture
def outcome(cast):
    return make_outcome(cast.review)


def stuck(outcome, *, status="queued", attempts=0, ago=timedelta(minutes=10)) -> Analysis:
    """An analysis left ``status`` ``ago``, as if its message or its worker was lost."""
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    Analysis.objects.filter(pk=analysis.pk).update(
        status=status, attempts=attempts, task_id="lost-task", updated=timezone.now() - ago
    )
    analysis.refresh_from_db()
    return analysis


@contextmanager
def broker_down(monkeypatch):
    """Tasks are published to a port nobody listens on, as when Redis is down."""
    from config.celery import app

    with monkeypatch.context() as patch, override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        patch.setitem(app.conf, "task_always_eager", False)
        patch.setitem(app.conf, "broker_url", CLOSED_PORT)
        # the app keeps its connections: make it open new ones to the closed port
        patch.setattr(app, "_pool", None)
        patch.setattr(app.amqp, "_producer_pool", None)
        yield


def test_it_sends_again_an_analysis_queued_too_long(outcome, django_capture_on_commit_callbacks):
    analysis = stuck(outcome)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.analysis_reap() == [analysis.pk]
    assert len(callbacks) == 1
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts, analysis.error) == ("done", 1, "")
    assert analysis.task_id != "lost-task"


def test_it_keeps_the_attempts_already_spent(outcome, django_capture_on_commit_callbacks):
    analysis = stuck(outcome, status="running", attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.analysis_reap() == [analysis.pk]
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts) == ("done", 2)


def test_it_leaves_an_analysis_queued_just_now(outcome, django_capture_on_commit_callbacks):
    analysis = stuck(outcome, ago=timedelta(0))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.analysis_reap() == []
    assert callbacks == []
    analysis.refresh_from_db()
    assert (analysis.status, analysis.task_id) == ("queued", "lost-task")


def test_it_fails_an_analysis_out_of_attempts(outcome, django_capture_on_commit_callbacks):
    analysis = stuck(outcome, status="running", attempts=Analysis.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.analysis_reap() == []
    assert callbacks == []
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts, analysis.results) == ("failed", 3, None)
    assert "failed 3 times" in analysis.error


def test_ids_limit_it_to_those_analyses(outcome, django_capture_on_commit_callbacks):
    chosen, other = stuck(outcome), stuck(outcome)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.analysis_reap(ids=[chosen.pk]) == [chosen.pk]
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.status, other.status, other.task_id) == ("done", "queued", "lost-task")


def test_the_reap_task_runs_it(outcome, django_capture_on_commit_callbacks):
    analysis = stuck(outcome)
    with django_capture_on_commit_callbacks(execute=True):
        assert analysis_reap_task.apply().get() == [analysis.pk]
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts) == ("done", 1)


def test_a_run_queued_while_the_broker_is_down_is_sent_again_later(
    outcome, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    with broker_down(monkeypatch), django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.analysis_enqueue(analysis=analysis)
    assert len(callbacks) == 1
    assert f"could not enqueue analysis {analysis.pk}" in caplog.text
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts) == ("queued", 0)

    later = timezone.now() + timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.analysis_reap(now=later) == [analysis.pk]
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts, analysis.error) == ("done", 1, "")
