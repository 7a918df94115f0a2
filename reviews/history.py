"""The review's change history: who changed what, when, old and new value.

Models keep their history with django-simple-history. Each app registers its
models that belong to a review, with the lookup from each to its review, in
its ``AppConfig.ready()`` (reviews in ``reviews.apps``, screening in
``screening.apps``, ...), so this module never imports the apps built on it.
The history page reads them all through :func:`review_history`.
"""

from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice

from django.db.models import Model

from .models import Review

_SOURCES: list[tuple[type[Model], str]] = []

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def register(model: type[Model], review_lookup: str) -> None:
    """Show ``model``'s history on its review's page; ``review_lookup`` leads to the review id."""
    if (model, review_lookup) not in _SOURCES:
        _SOURCES.append((model, review_lookup))


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    model: str
    subject: str
    action: str
    changes: tuple[FieldChange, ...]
    reason: str = ""  # why, when the service that made the change said so


def review_history(review: Review, *, offset: int = 0, limit: int = 50) -> list[HistoryEntry]:
    """Changes to anything in ``review``, newest first, ``limit`` of them after ``offset``."""
    wanted = offset + limit
    streams = [
        model.history.filter(**{lookup: review.pk})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:wanted]
        for model, lookup in _SOURCES
    ]
    newest = merge(*streams, key=lambda row: row.history_date, reverse=True)
    rows = list(islice(newest, offset, wanted))
    return [_entry(row) for row in rows]


def _entry(row) -> HistoryEntry:
    model = row.instance_type
    return HistoryEntry(
        when=row.history_date,
        who=row.history_user.username if row.history_user else "system",
        model=model._meta.verbose_name,
        subject=str(row.instance) if row.history_type != "-" else f"#{row.id}",
        action=ACTIONS[row.history_type],
        changes=_changes(row, model),
        reason=row.history_change_reason or "",
    )


def _changes(row, model) -> tuple[FieldChange, ...]:
    if row.history_type != "~":
        return ()
    previous = row.prev_record
    if previous is None:
        return ()
    delta = row.diff_against(previous)
    return tuple(
        FieldChange(
            field=str(model._meta.get_field(change.field).verbose_name),
            old=_display(model, change.field, change.old),
            new=_display(model, change.field, change.new),
        )
        for change in delta.changes
    )


def _display(model, field_name: str, value) -> str:
    field = model._meta.get_field(field_name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "":
        return "—"
    return str(value)
