"""The Celery app. Broker and result store come from settings (REDIS_URL)."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("prismatic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task, *, args: list, task_id: str, label: str) -> bool:
    """Send ``task``; with the broker down, log it and return False.

    The caller's row stays queued and its page says so, to be sent again later.
    In-process (eager) runs raise, so a failing task is never hidden.
    """
    from django.conf import settings

    try:
        task.apply_async(args=args, task_id=task_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logging.getLogger(__name__).exception("could not enqueue %s; it stays queued", label)
        return False
    return True
