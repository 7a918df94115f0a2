"""The analysis task: enqueued on commit, in-process and through a real worker process."""

import time

import pytest
from django.db import OperationalError

from synthesis import services
from synthesis.models import Analysis
from synthesis.tasks import analysis_run_task

from .test_services import engine_fit, make_outcome


def test_enqueue_runs_the_task_on_commit(cast, eager_tasks, django_capture_on_commit_callbacks):
    analysis = services.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.analysis_enqueue(analysis=analysis)
        assert Analysis.objects.get(pk=analysis.pk).status == "queued"
    assert len(callbacks) == 1
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts) == ("done", 1)
    fit = engine_fit(model="random", tau2_method="REML")
    assert analysis.results["pooled"]["estimate"] == pytest.approx(fit.pooled.estimate)


def test_the_task_runs_in_process(cast, eager_tasks):
    analysis = services.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    result = analysis_run_task.apply(args=[analysis.pk]).get()
    assert result == {"status": "done", "attempts": 1, "error": ""}
    # idempotent: a second delivery finds the same inputs done
    assert analysis_run_task.apply(args=[analysis.pk]).get() == result


def test_the_task_is_acked_late_and_rejected_on_worker_loss():
    assert analysis_run_task.acks_late and analysis_run_task.reject_on_worker_lost
    assert analysis_run_task.max_retries == 2


def test_a_database_error_is_retried_then_given_up(cast, eager_tasks, monkeypatch):
    analysis = services.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    calls = []

    def unreachable(*, analysis_id):
        calls.append(analysis_id)
        Analysis.objects.filter(pk=analysis_id).update(status="running", attempts=len(calls))
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("synthesis.tasks.analysis_run", unreachable)
    monkeypatch.setattr(analysis_run_task, "default_retry_delay", 0)
    conf = analysis_run_task.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        result = analysis_run_task.apply(args=[analysis.pk], throw=False)
    finally:
        conf.task_eager_propagates = propagates
    assert isinstance(result.result, OperationalError)
    assert len(calls) == 3
    analysis.refresh_from_db()
    assert (analysis.status, analysis.attempts) == ("failed", 3)
    assert "could not be reached after 3 attempts" in analysis.error


@pytest.mark.services
def test_an_analysis_runs_in_a_real_worker(celery_worker_process, cast):
    from config.celery import app

    analysis = services.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    default_queue, app.conf.task_default_queue = app.conf.task_default_queue, celery_worker_process
    try:
        services.analysis_enqueue(analysis=analysis)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            analysis.refresh_from_db()
            if not analysis.in_progress:
                break
            time.sleep(0.2)
    finally:
        app.conf.task_default_queue = default_queue
    assert (analysis.status, analysis.attempts, analysis.error) == ("done", 1, "")
    fit = engine_fit(model="random", tau2_method="REML")
    assert analysis.results["pooled"]["estimate"] == pytest.approx(fit.pooled.estimate)
