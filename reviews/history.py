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
# Fields kept in a model's history but not worth a line on the page (hashes, counters).
_HIDDEN: dict[type[Model], frozenset[str]] = {}

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def register(model: type[Model], review_lookup: str, *, hidden: tuple[str, ...] = ()) -> None:
    """Show ``model``'s history on its review's page; ``review_lookup`` leads to the review id.

    ``hidden`` fields are left off the page; a change of nothing else is not shown.
    """
    if (model, review_lookup) not in _SOURCES:
        _SOURCES.append((model, review_lookup))
    _HIDDEN[model] = frozenset(hidden)


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
    # Each stream is read lazily: changes of hidden fields only are skipped, so how
    # many rows of each stream a page needs is not known in advance.
    streams = [
        model.history.filter(**{lookup: review.pk})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
        .iterator(chunk_size=max(wanted, 100))
        for model, lookup in _SOURCES
    ]
    newest = merge(*streams, key=lambda row: row.history_date, reverse=True)
    entries = (_entry(row) for row in newest)
    shown = (entry for entry in entries if entry.action != "changed" or entry.changes)
    return list(islice(shown, offset, wanted))


def _name(instance) -> str:
    """A user by username, anything else as it prints itself."""
    return getattr(instance, "username", None) or str(instance)


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
    hidden = _HIDDEN.get(model, frozenset())
    delta = row.diff_against(previous, excluded_fields=hidden)
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
    if field.is_relation and value is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return _name(related) if related is not None else f"#{value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "":
        return "—"
    return str(value)
