"""Restarts of Redis and PostgreSQL under a running team set-up lose nothing.

gunicorn serves the app under production settings, with connections kept between
requests (``CONN_MAX_AGE=60``, as a team would run it), against the test database
and a Redis of the test's own (``redis-server`` on a free port, keeping nothing on
disk, as CI's does), so the test can stop and start it without touching anyone
else's. PostgreSQL's restart is what the server sees of one: every connection to
the database is terminated by the server (``pg_terminate_backend``), as a restart
or a fail-over does.
"""

import http.cookies
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from screening.models import Decision
from tests.conftest import PASSWORD, CeleryWorkers, require_service, worker_database_url
from tests.reviews.factories import RecordFactory
from tests.support.servers import HOST, OPENER, free_port, gunicorn, manage
from tests.support.servers import production_env as base_env
from workspace.models import Export
from workspace.services import export_resend

HTMX = {"HX-Request": "true"}


class PrivateRedis:
    """A ``redis-server`` of this test's own, keeping nothing on disk: a restart empties it."""

    def __init__(self, port: int):
        self.port, self.process = port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def queued(self, queue: str = "celery") -> int:
        return redis.Redis.from_url(self.url).llen(queue)


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        require_service("Redis", "redis-server is not installed")
    server = PrivateRedis(free_port())
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


class Browser:
    """What a browser does over HTTP: cookies, the CSRF token, the HTTPS proxy's header."""

    def __init__(self, url: str):
        self.url, self.cookies = url, {}

    def request(self, path: str, data: dict | None = None, **headers) -> tuple[int, str]:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
            body = urllib.parse.urlencode(data).encode()
            headers |= {"Origin": f"https://{HOST}", "Referer": f"https://{HOST}{path}"}
        request = urllib.request.Request(self.url + path, data=body, headers=headers)
        try:
            with OPENER.open(request, timeout=30) as response:
                return self._keep(response), response.read().decode()
        except urllib.error.HTTPError as error:
            return self._keep(error), error.read().decode()

    def _keep(self, response) -> int:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status

    def log_in(self, user) -> None:
        # the test settings' fast hasher is not one production settings accept
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, "restart-test-salt")
        user.save(update_fields=["password"])
        username = user.username
        self.request("/accounts/login/")
        status, _ = self.request("/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 302, f"{username} could not log in: {status}\n{_[:3000]}"


@contextmanager
def team_server(tmp_path, redis_url: str):
    env = base_env(
        tmp_path,
        DATABASE_URL=worker_database_url(connection),
        REDIS_URL=redis_url,
        CONN_MAX_AGE="60",
    )
    manage("collectstatic", "--no-input", env=env)
    with gunicorn(env, tmp_path) as server:
        yield server


def restart_postgresql_for_the_server() -> None:
    """End every other connection to the test database, as a PostgreSQL restart does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1, "the server kept no connection to end"


def decide(browser: Browser, cast, record) -> str:
    url = reverse("screen_decide", args=[cast.review.pk, "title-abstract"])
    status, body = browser.request(url, {"record": record.pk, "verdict": "include"}, **HTMX)
    assert status == 200, body[:3000]
    return body


@pytest.mark.services
def test_screening_goes_on_while_redis_stops_and_postgresql_restarts(
    transactional_db, cast, private_redis, tmp_path
):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "the suite is not running on PostgreSQL (DATABASE_URL)")
    records = [RecordFactory(review=cast.review, title=f"Trial {i}") for i in range(4)]
    with team_server(tmp_path, private_redis.url) as server:
        reviewer = Browser(server.url)
        reviewer.log_in(cast.reviewer1)
        decide(reviewer, cast, records[0])

        private_redis.stop()
        decide(reviewer, cast, records[1])
        private_redis.start()

        restart_postgresql_for_the_server()
        card = decide(reviewer, cast, records[2])
        assert f'data-record="{records[3].pk}"' in card  # the next card, as ever

        log = server.log.read_text()
    mine = Decision.objects.filter(reviewer=cast.reviewer1)
    assert sorted(mine.values_list("record_id", flat=True)) == [r.pk for r in records[:3]]
    assert Decision.history.filter(reviewer=cast.reviewer1).count() == 3
    assert '"status": 500' not in log and "Traceback" not in log


@pytest.mark.services
def test_an_export_whose_message_redis_lost_in_a_restart_is_sent_again_and_built_once(
    transactional_db, cast, private_redis, tmp_path, monkeypatch
):
    from config.celery import app

    with team_server(tmp_path, private_redis.url) as server:
        lead = Browser(server.url)
        lead.log_in(cast.lead)
        status, _ = lead.request(reverse("review_export", args=[cast.review.pk]), {})
        assert status == 302
    export = Export.objects.get()
    assert (export.status, export.send_failed) == ("queued", False)
    assert private_redis.queued() == 1  # sent, and no worker has taken it

    private_redis.stop()
    private_redis.start()
    assert private_redis.queued() == 0  # the restart took the message with it

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", private_redis.url)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    monkeypatch.setattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    assert export_resend() == []  # sent a moment ago: it may still be waiting its turn

    stale = timezone.now() - timedelta(seconds=settings.QUEUED_STALE_SECONDS + 1)
    Export.objects.filter(pk=export.pk).update(sent=stale)
    workers = CeleryWorkers(redis=private_redis.url, database=worker_database_url(connection))
    workers.queue = "celery"  # the app's own queue: this Redis is the test's alone
    try:
        workers.start()
        assert export_resend() == [export.pk]  # what beat does every minute
        deadline = time.monotonic() + 90
        while Export.objects.get(pk=export.pk).in_progress and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        workers.stop_all()
    export.refresh_from_db()
    assert (export.status, export.error) == ("done", "")
    with zipfile.ZipFile(export.file.path) as bundle:
        assert "manifest.json" in bundle.namelist()
    assert export_resend() == []  # done: never sent again
    assert re.fullmatch(r"[0-9a-f]{64}", export.sha256)
