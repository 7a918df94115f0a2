"""Studies: one per included trial, gathering its reports."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from reviews.models import Record, Review

from ..models import Study
from ..selectors import included_reports


@transaction.atomic
def studies_sync(*, review: Review) -> list[Study]:
    """Give every included report not yet in a study a study of its own, named "Author year"."""
    taken = set(Study.objects.filter(review=review).values_list("name", flat=True))
    created = []
    for record in included_reports(review).filter(studies__isnull=True):
        name = _unique(study_name(record), taken)
        taken.add(name)
        study = Study.objects.create(review=review, name=name)
        study.reports.add(record)
        created.append(study)
    return created


def study_name(record: Record) -> str:
    first = record.authors[0] if record.authors else "Anonymous"
    surname = re.split(r"[,\s]", first.strip(), maxsplit=1)[0] or "Anonymous"
    return f"{surname} {record.year}" if record.year else surname


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"{name}{letter}" not in taken:
            return f"{name}{letter}"
    raise ValidationError(f"Too many studies named {name}.")


@transaction.atomic
def study_rename(*, study: Study, name: str) -> Study:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the study a name.")
    if Study.objects.filter(review=study.review_id, name=name).exclude(pk=study.pk).exists():
        raise ValidationError(f"Another study is already called “{name}”.")
    study.name = name
    study.save(update_fields=["name"])
    return study


@transaction.atomic
def study_merge(*, into: Study, other: Study) -> Study:
    """Move the other study's reports (e.g. a follow-up paper) into this one, then delete it."""
    if into.pk == other.pk or into.review_id != other.review_id:
        raise ValidationError("Choose another study of this review.")
    if other.entries.exists() or other.outcome_data.exists() or other.rob_assessments.exists():
        raise ValidationError(f"“{other}” already has extracted data; move it by hand first.")
    into.reports.add(*other.reports.all())
    other.delete()
    return into


@transaction.atomic
def study_unlink_report(*, study: Study, record: Record) -> Study:
    """Split a report off into a study of its own."""
    if study.reports.count() < 2:
        raise ValidationError("A study keeps at least one report.")
    study.reports.remove(record)
    studies_sync(review=study.review)
    return study
