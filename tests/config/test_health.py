"""/healthz: the database, the broker and the workers, for a load balancer.

The database down is in test_production (a gunicorn with an unreachable DATABASE_URL).
"""

import pytest
from django.test import override_settings
from django.urls import reverse

UP = {"status": "up"}
DOWN = {"status": "down"}


def healthz(client):
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_it_answers_200_without_a_login_when_tasks_run_in_process(client, db):
    assert healthz(client) == (
        200,
        {"database": UP, "broker": UP, "workers": {"status": "up", "count": 0}},
    )


def test_it_answers_503_naming_the_broker_when_redis_is_down(client, db, broker_down):
    assert healthz(client) == (
        503,
        {"database": UP, "broker": DOWN, "workers": {"status": "down", "count": 0}},
    )


@pytest.mark.services
def test_it_names_the_workers_when_redis_answers_but_no_worker_does(client, db, broker_up):
    assert healthz(client) == (
        503,
        {"database": UP, "broker": UP, "workers": {"status": "down", "count": 0}},
    )


@pytest.mark.services
def test_it_counts_the_workers_that_answer(client, broker_up, celery_worker_process):
    from config.celery import app

    for _ in range(60):  # a worker answers pings once it has started
        if app.control.ping(timeout=1.0):
            break
    else:
        pytest.fail("the worker never answered a ping")
    assert healthz(client) == (
        200,
        {"database": UP, "broker": UP, "workers": {"status": "up", "count": 1}},
    )


def test_it_is_never_cached(client, db):
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"]
