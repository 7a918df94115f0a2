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
    """Send ``task`` for one queued row, and note on the row whether the send failed.

    ``row_model`` has ``task_id`` and ``send_failed``; :func:`resend_unsent` (run by
    beat) sends the failed ones again once the broker is back, so work queued while
    it was down starts without anyone pressing "send it again". The update names
    the task id, so a row queued afresh since is left alone.
    """
    sent = enqueue(task, args=[row_id], task_id=task_id, label=label)
    row_model.objects.filter(pk=row_id, task_id=task_id).update(send_failed=not sent)
    return sent


def resend_unsent(task, queued_rows, *, label: str) -> list[int]:
    """Send again the task of every row in ``queued_rows`` whose send failed; stops at the
    first failure (the broker is still down). Returns the ids sent."""
    sent = []
    for row_id, task_id in queued_rows.filter(send_failed=True).values_list("pk", "task_id"):
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
