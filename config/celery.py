"""The Celery app. Broker and result store come from settings (REDIS_URL)."""

import logging
import os
import time

from celery import Celery

from .logs import connect_task_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("prismatic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
connect_task_signals()

logger = logging.getLogger(__name__)

# Broker URL -> monotonic time until which sends are not tried: once a send has
# failed, "Run all analyses" must not wait for every analysis's timeout in turn.
_unreachable_until: dict[str, float] = {}


def enqueue(task, *, args: list, task_id: str, label: str) -> bool:
    """Send ``task``; with the broker down, log it and return False.

    The caller's row stays queued and its page says so, to be sent again later.
    Settings bound the wait (BROKER_TIMEOUT, one retry), and for BROKER_RETRY_AFTER
    seconds after a failure further sends give up at once. In-process (eager)
    runs raise, so a failing task is never hidden.
    """
    from django.conf import settings

    url = app.conf.broker_url
    if not settings.CELERY_TASK_ALWAYS_EAGER and time.monotonic() < _unreachable_until.get(url, 0):
        logger.warning("could not enqueue %s, the broker is unreachable; it stays queued", label)
        return False
    try:
        task.apply_async(args=args, task_id=task_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        _unreachable_until[url] = time.monotonic() + settings.BROKER_RETRY_AFTER
        logger.exception("could not enqueue %s; it stays queued", label)
        return False
    _unreachable_until.pop(url, None)
    return True


def enqueue_row(task, row_model, row_id: int, task_id: str, *, label: str) -> bool:
    """Send ``task`` for one queued row, and note on the row whether and when it was sent.

    ``row_model`` has ``task_id``, ``send_failed`` and ``sent``; :func:`resend_unsent`
    (run by beat) sends the failed ones again once the broker is back, so work queued
    while it was down starts without anyone pressing "send it again". The update names
    the task id, so a row queued afresh since is left alone.
    """
    from django.utils import timezone

    sent = enqueue(task, args=[row_id], task_id=task_id, label=label)
    changes = {"send_failed": not sent} | ({"sent": timezone.now()} if sent else {})
    row_model.objects.filter(pk=row_id, task_id=task_id).update(**changes)
    return sent


def resend_unsent(task, queued_rows, *, label: str) -> list[int]:
    """Send again the task of every row in ``queued_rows`` that no worker can be holding:
    its send failed, or it was sent more than QUEUED_STALE_SECONDS ago and is still
    queued (Redis restarted without its data and the message went with it; a worker
    sets a row running as soon as it takes it). A row's task is idempotent, so one
    that was only waiting behind others finds its work done. Stops at the first send
    that fails (the broker is still down). Returns the ids sent.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    lost_before = timezone.now() - timedelta(seconds=settings.QUEUED_STALE_SECONDS)
    rows = queued_rows.filter(Q(send_failed=True) | Q(sent__lt=lost_before))
    sent = []
    for row_id, task_id in rows.values_list("pk", "task_id"):
        if not enqueue_row(task, queued_rows.model, row_id, task_id, label=f"{label} {row_id}"):
            break
        sent.append(row_id)
    return sent


def broker_reachable() -> bool:
    """Whether the broker answers within BROKER_TIMEOUT (always, with tasks in-process)."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=settings.BROKER_TIMEOUT)
    except Exception:
        return False
    _unreachable_until.pop(app.conf.broker_url, None)
    return True


def worker_count() -> int:
    """How many workers answer a ping within WORKER_PING_TIMEOUT (0 with tasks in-process)."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    try:
        return len(app.control.ping(timeout=settings.WORKER_PING_TIMEOUT))
    except Exception:
        return 0
