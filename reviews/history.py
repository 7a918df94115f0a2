"""The review's change history: who changed what, when, old and new value.

Models keep their history with django-simple-history; each model that belongs
to a review is registered here with the lookup from it to its review, and the
history page reads them all through :func:`review_history`.
"""

from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice

from django.db.models import Model

from .models import DuplicatePair, ImportBatch, Membership, Review

_SOURCES: list[tuple[type[Model], str]] = []

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def register(model: type[Model], review_lookup: str) -> None:
    """Show ``model``'s history on its review's page; ``review_lookup`` leads to the review id."""
    _SOURCES.append((model, review_lookup))


register(Review, "id")
register(Membership, "review_id")
register(ImportBatch, "review_id")
register(DuplicatePair, "review_id")


def register_later_stages() -> None:
    """Screening, extraction and synthesis build on reviews, so their models join here, once, when first needed."""
    from extraction import models as extraction
    from screening import models as screening
    from synthesis import models as synthesis

    for model, lookup in (
        (screening.ExclusionReason, "review_id"),
        (screening.Decision, "record__review_id"),
        (screening.Resolution, "record__review_id"),
        (screening.FullText, "record__review_id"),
        (extraction.Study, "review_id"),
        (extraction.ExtractionEntry, "study__review_id"),
        (extraction.Comparison, "review_id"),
        (extraction.Outcome, "comparison__review_id"),
        (extraction.OutcomeData, "outcome__comparison__review_id"),
        (extraction.RobAssessment, "study__review_id"),
        (synthesis.Analysis, "review_id"),
    ):
        if (model, lookup) not in _SOURCES:
            register(model, lookup)


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


def review_history(review: Review, *, offset: int = 0, limit: int = 50) -> list[HistoryEntry]:
    """Changes to anything in ``review``, newest first, ``limit`` of them after ``offset``."""
    register_later_stages()
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
