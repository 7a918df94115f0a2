"""Sending tasks: bounded waits with Redis down, and the row left queued."""

import uuid

import pytest
from django.conf import settings

from config.celery import app, broker_reachable, enqueue
from reviews.tasks import review_summary_task


def send(label: str = "probe") -> bool:
    return enqueue(review_summary_task, args=[0], task_id=str(uuid.uuid4()), label=label)


def test_sending_is_bounded_by_short_timeouts_and_one_retry():
    assert settings.BROKER_TIMEOUT == 0.5
    assert app.conf.broker_connection_timeout == settings.BROKER_TIMEOUT
    assert app.conf.task_publish_retry_policy["max_retries"] == 1
    options = app.conf.broker_transport_options
    assert options["socket_connect_timeout"] == options["socket_timeout"] == 0.5
    # the Redis result store subscribes on every send: it gets the same bounds
    assert app.conf.result_backend_transport_options["retry_policy"]["max_retries"] == 1
    assert app.conf.redis_socket_connect_timeout == app.conf.redis_socket_timeout == 0.5


def test_with_redis_down_it_gives_up_and_says_so(broker_down, caplog):
    assert send("import 7") is False
    assert "could not enqueue import 7; it stays queued" in caplog.text
    assert broker_reachable() is False


def test_after_a_failure_further_sends_give_up_at_once(broker_down, caplog, monkeypatch):
    assert send("analysis 1") is False
    tried = []
    monkeypatch.setattr(review_summary_task, "apply_async", lambda **kw: tried.append(kw))
    assert send("analysis 2") is False
    assert tried == []
    assert "could not enqueue analysis 2, the broker is unreachable" in caplog.text


def test_a_queued_analysis_stays_queued_when_redis_is_down(
    cast, broker_down, django_capture_on_commit_callbacks
):
    from synthesis.services import analysis_create, analysis_enqueue
    from tests.test_permissions_matrix import sample_outcome

    analysis = analysis_create(outcome=sample_outcome(cast.review), name="Pain")
    with django_capture_on_commit_callbacks(execute=True):
        analysis_enqueue(analysis=analysis)
    analysis.refresh_from_db()
    assert analysis.status == "queued"


@pytest.mark.services
def test_the_broker_is_reachable_again_once_redis_answers(broker_up):
    assert broker_reachable() is True
    assert send() is True
