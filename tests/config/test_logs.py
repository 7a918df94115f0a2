"""Structured logs: one JSON object a line for requests and tasks under production settings."""

import json
import logging

from django.test import override_settings
from django.urls import reverse

from reviews.tasks import review_summary_task


def json_line(record: logging.LogRecord) -> dict:
    """The record as the production formatter writes it."""
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    line = JsonFormatter(**options).format(record)
    assert "\n" not in line
    return json.loads(line)


def records(caplog, name: str) -> list[dict]:
    return [json_line(r) for r in caplog.records if r.name == name]


def test_each_request_is_one_line_with_method_path_status_duration_and_user(client, cast, caplog):
    client.force_login(cast.lead)
    with caplog.at_level(logging.INFO, logger="prismatic"):
        client.get(reverse("review_list") + "?q=secret+search")
    (line,) = records(caplog, "prismatic.request")
    assert line["level"] == "INFO" and line["logger"] == "prismatic.request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["user_id"] == cast.lead.pk
    assert line["duration_ms"] >= 0
    assert "secret" not in json.dumps(line)  # the query string stays out of the log
    assert "time" in line


def test_a_task_logs_its_start_and_its_success_with_name_id_and_duration(cast, caplog):
    with caplog.at_level(logging.INFO, logger="prismatic"):
        review_summary_task.apply(args=[cast.review.pk], task_id="task-1")
    started, finished = records(caplog, "prismatic.task")
    name = "reviews.tasks.review_summary_task"
    assert (started["task"], started["task_id"], started["message"]) == (
        name,
        "task-1",
        f"task {name} started",
    )
    assert (finished["task"], finished["task_id"], finished["state"]) == (name, "task-1", "SUCCESS")
    assert finished["duration_ms"] >= 0


@override_settings(CELERY_TASK_EAGER_PROPAGATES=False)
def test_a_failed_task_logs_an_error_naming_what_went_wrong(db, caplog):
    with caplog.at_level(logging.INFO, logger="prismatic"):
        review_summary_task.apply(args=[987654], task_id="task-2", throw=False)
    _, finished = records(caplog, "prismatic.task")
    assert (finished["level"], finished["state"]) == ("ERROR", "FAILURE")
    assert finished["error"] == "DoesNotExist: Review matching query does not exist."
