"""Labels: the team's names for records, put on or taken off many records at once.

Both writes are all or nothing: they lock the records first (as screening's
services do, so a split or a decision on the same record waits), check every
one, and only then write. Each link added or removed leaves a history row naming who.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from simple_history.utils import bulk_create_with_history

from ..models import Label, Record, RecordLabel, Review
from .selection import records_lock

NAME_LENGTH = Label._meta.get_field("name").max_length


@dataclass(frozen=True)
class LabelChange:
    label: Label
    changed: int  # records that gained (or lost) the label
    unchanged: int  # records that already had it (or never had it)


def label_clean_name(name: str) -> str:
    """The label's name as stored: spaces collapsed; refused when empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the label a name.")
    if len(name) > NAME_LENGTH:
        raise ValidationError(f"A label name has at most {NAME_LENGTH} characters.")
    return name


@transaction.atomic
def label_apply(*, review: Review, records: QuerySet[Record], name: str, user) -> LabelChange:
    """Put the label ``name`` (made when the review has none of that name) on ``records``."""
    name = label_clean_name(name)
    ids = records_lock(review=review, records=records)
    label = Label.objects.filter(review=review, name__iexact=name).first()
    if label is None:
        label = Label.objects.create(review=review, name=name, created_by=user)
    had = set(
        RecordLabel.objects.filter(label=label, record__in=records).values_list(
            "record_id", flat=True
        )
    )
    links = [RecordLabel(label=label, record_id=pk, added_by=user) for pk in ids if pk not in had]
    bulk_create_with_history(links, RecordLabel, default_user=user)
    return LabelChange(label, changed=len(links), unchanged=len(had))


@transaction.atomic
def label_remove(*, review: Review, records: QuerySet[Record], label: Label, user) -> LabelChange:
    """Take ``label`` off ``records``; the label itself stays, for other records."""
    if label.review_id != review.pk:
        raise ValidationError("That label belongs to another review.")
    ids = records_lock(review=review, records=records)
    links = list(RecordLabel.objects.filter(label=label, record__in=records))
    for link in links:  # one by one, so each history row names who took the label off
        link._history_user = user
        link.delete()
    return LabelChange(label, changed=len(links), unchanged=len(ids) - len(links))
