"""The cast every test shares: a lead, two reviewers, a viewer and an outsider."""

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviews.models import Review, Role
from screening.services import exclusion_reasons_create_defaults
from tests.reviews.factories import MembershipFactory, ReviewFactory, UserFactory

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PASSWORD = "correct horse battery staple"


def require_service(name: str, reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI demands every service."""
    message = f"{name} is not available: {reason}"
    if os.environ.get("PRISMATIC_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (PRISMATIC_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(message)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not present (a fresh clone has no ../shared)")
    return SHARED


@dataclass
class Cast:
    lead: object
    reviewer1: object
    reviewer2: object
    viewer: object
    outsider: object
    review: Review

    def member(self, role: str):
        return {"lead": self.lead, "reviewer": self.reviewer1, "viewer": self.viewer}[role]


@pytest.fixture
def cast(db) -> Cast:
    lead = UserFactory(username="alice", first_name="Alice")
    review = ReviewFactory(created_by=lead, title="Ketamine for chronic pain")
    exclusion_reasons_create_defaults(review=review)
    MembershipFactory(review=review, user=lead, role=Role.LEAD)
    reviewer1 = MembershipFactory(review=review, user__username="bob", role=Role.REVIEWER).user
    reviewer2 = MembershipFactory(review=review, user__username="carol", role=Role.REVIEWER).user
    viewer = MembershipFactory(review=review, user__username="victor", role=Role.VIEWER).user
    outsider = UserFactory(username="oscar")
    return Cast(lead, reviewer1, reviewer2, viewer, outsider, review)


@pytest.fixture
def other_review(db) -> Review:
    """A second review nobody in the cast belongs to: its ids must 404 for them."""
    review = ReviewFactory(title="Someone else's review")
    exclusion_reasons_create_defaults(review=review)
    MembershipFactory(review=review, role=Role.LEAD)
    MembershipFactory(review=review, role=Role.REVIEWER)
    return review


def redis_url() -> str:
    """REDIS_URL when a Redis answers there; otherwise skip (or fail in CI)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        require_service("Redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        require_service("Redis", f"{url} does not answer: {error}")
    return url


def worker_database_url(connection) -> str:
    """The URL of the test database, for a worker process to open the same one."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryWorkers:
    """Real ``celery worker`` processes on one queue against Redis and the test database.

    Each runs in its own session, so ``kill`` (SIGKILL) takes its whole process group.
    """

    def __init__(self, *, redis: str, database: str, env: dict | None = None):
        """``env``: the environment the workers start from (this process's by default)."""
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **(os.environ if env is None else env),
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "DATABASE_URL": database,
            "REDIS_URL": redis,
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, app: str = "config", **env: str) -> subprocess.Popen:
        """Start a worker of ``app`` (the ``-A`` module) with ``env`` added to its environment."""
        name = f"{self.queue}-{len(self.processes) + 1}"
        command = [sys.executable, "-m", "celery", "-A", app, "worker", "--pool=solo"]
        command += ["--loglevel=warning", "-Q", self.queue, "-n", f"{name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        worker = subprocess.Popen(
            command, cwd=REPO, env={**self.env, **env}, start_new_session=True
        )
        self.processes.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen) -> None:
        """SIGKILL the worker's process group, as the OOM killer or a lost machine would."""
        _signal_group(worker, signal.SIGKILL)
        worker.wait()

    def stop_all(self) -> None:
        for worker in self.processes:
            if worker.poll() is not None:
                continue  # reaped: its pid may belong to someone else by now
            _signal_group(worker, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(worker)


def _signal_group(worker: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(worker.pid, signum)
    except ProcessLookupError:
        pass  # already gone


@pytest.fixture
def celery_workers(transactional_db):
    """A ``CeleryWorkers`` whose workers are all stopped at teardown; start them yourself."""
    from django.db import connection

    workers = CeleryWorkers(redis=redis_url(), database=worker_database_url(connection))
    try:
        yield workers
    finally:
        workers.stop_all()


@pytest.fixture
def celery_worker_process(celery_workers):
    """A real ``celery worker`` on its own queue against Redis and the test database.

    Gives the queue name; send tasks with ``.apply_async(..., queue=queue)``.
    """
    celery_workers.start()
    return celery_workers.queue


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test, even when REDIS_URL points at a broker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
