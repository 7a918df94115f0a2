"""A selection of records for a bulk write: locked, in a fixed order, all of one review."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ..models import Record, Review


def records_lock(*, review: Review, records: QuerySet[Record]) -> list[int]:
    """Lock ``records`` (all of this review), in id order so two bulk writes never deadlock.

    Raises ValidationError, before anything is written, when the selection is
    empty or holds a record of another review.
    """
    ids = list(
        Record.objects.select_for_update(of=("self",))
        .filter(pk__in=records.values("pk"))
        .order_by("pk")
        .values_list("pk", "review_id")
    )
    if not ids:
        raise ValidationError("No records are selected.")
    strangers = [pk for pk, review_id in ids if review_id != review.pk]
    if strangers:
        raise ValidationError(f"{len(strangers)} of the selected records are not in this review.")
    return [pk for pk, _ in ids]
