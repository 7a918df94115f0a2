"""Structured logs: one line for each request and for each task's start and end.

Under production settings the JSON formatter writes every record as one JSON
object a line (settings.LOGGING); the fields given in ``extra`` become keys.
"""

import logging
import time

requests_log = logging.getLogger("prismatic.request")
tasks_log = logging.getLogger("prismatic.task")


class RequestLogMiddleware:
    """Log method, path (never the query string, which may hold search text), status,
    duration and user id of every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        requests_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


# Task id -> (perf_counter at start, error if it failed), in this worker process.
_running: dict[str, list] = {}


def task_started(task_id=None, task=None, **kwargs) -> None:
    _running[task_id] = [time.perf_counter(), None]
    tasks_log.info("task %s started", task.name, extra={"task": task.name, "task_id": task_id})


def task_failed(task_id=None, exception=None, **kwargs) -> None:
    if task_id in _running:
        _running[task_id][1] = f"{type(exception).__name__}: {exception}"


def task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    """One line per task end: its state (SUCCESS, FAILURE, RETRY), duration and error."""
    start, error = _running.pop(task_id, (None, None))
    fields = {
        "task": task.name,
        "task_id": task_id,
        "state": state,
        "duration_ms": round((time.perf_counter() - start) * 1000, 1) if start else None,
    }
    if error:
        fields["error"] = error
    level = logging.ERROR if state == "FAILURE" else logging.INFO
    tasks_log.log(level, "task %s %s", task.name, (state or "").lower(), extra=fields)


def connect_task_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(task_started, weak=False)
    signals.task_failure.connect(task_failed, weak=False)
    signals.task_postrun.connect(task_finished, weak=False)
