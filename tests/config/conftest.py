"""Fixtures for the deployment tests: a broker nobody answers on."""

import pytest
from django.test import override_settings

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: Redis is "down"


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks go to a port nobody listens on, as when Redis is down."""
    import config.celery
    from config.celery import app

    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        monkeypatch.setattr(config.celery, "_unreachable_until", {})  # no earlier test's failure
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        monkeypatch.setitem(app.conf, "broker_url", CLOSED_PORT)
        # the app keeps its connections: make it open new ones to the closed port
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)
        yield CLOSED_PORT


@pytest.fixture
def broker_up(monkeypatch):
    """Tasks go to the real Redis (REDIS_URL), whether or not a worker listens."""
    from config.celery import app
    from tests.conftest import redis_url

    url = redis_url()
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        monkeypatch.setitem(app.conf, "broker_url", url)
        yield url
