"""Reads about reviews that hold real logic: a user's reviews, records by source, the
records search and the duplicates to check."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import DuplicatePair, Membership, Record, Review, Source


def memberships_for_user(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("review")
        .annotate(team_size=Count("review__memberships"))
        .order_by("-review__updated")
    )


def duplicates_removed(review: Review) -> int:
    return Record.objects.filter(review=review, duplicate_of__isnull=False).count()


@dataclass(frozen=True)
class SourceCount:
    source: str
    label: str
    records: int
    is_database: bool


def identified_by_source(review: Review) -> list[SourceCount]:
    """Records identified per database or other source, as PRISMA 2020 reports them."""
    rows = (
        Record.objects.filter(review=review)
        .values("batch__source", "batch__source_name")
        .annotate(records=Count("id"))
        .order_by("batch__source", "batch__source_name")
    )
    labels = dict(Source.choices)
    return [
        SourceCount(
            source=row["batch__source"],
            label=row["batch__source_name"] or labels[row["batch__source"]],
            records=row["records"],
            is_database=row["batch__source"] in Source.databases(),
        )
        for row in rows
    ]


RECORD_VIEWS = {
    "unique": "Unique records",
    "duplicates": "Removed as duplicates",
    "all": "All imported",
}


def records_search(
    review: Review, *, query: str = "", batch_id: int | None = None, show: str = "unique"
) -> QuerySet[Record]:
    """The review's records matching a free-text query, newest import last."""
    records = Record.objects.filter(review=review).select_related("batch")
    if show == "unique":
        records = records.filter(duplicate_of__isnull=True)
    elif show == "duplicates":
        records = records.filter(duplicate_of__isnull=False)
    if batch_id:
        records = records.filter(batch_id=batch_id)
    for term in query.split()[:8]:
        records = records.filter(_term_filter(term))
    return records.order_by("batch_id", "position")


def _term_filter(term: str) -> Q:
    if term.isdigit():
        return (
            Q(pmid=term) | Q(title__icontains=term) | Q(year=int(term))
            if len(term) == 4
            else Q(pmid=term)
        )
    if term.lower().startswith("10."):
        return Q(doi=term.lower())
    return (
        Q(title__icontains=term)
        | Q(authors__icontains=term)
        | Q(journal__icontains=term)
        | Q(abstract__icontains=term)
    )


def record_sources(record: Record) -> QuerySet[Record]:
    """The record and every record merged into it (or into the one it was merged into)."""
    kept_id = record.duplicate_of_id or record.pk
    return (
        Record.objects.filter(Q(pk=kept_id) | Q(duplicate_of_id=kept_id))
        .select_related("batch")
        .order_by("batch_id", "position")
    )


def pairs_to_check(review: Review) -> QuerySet[DuplicatePair]:
    return (
        DuplicatePair.objects.filter(review=review, status=DuplicatePair.Status.UNDECIDED)
        .select_related("left__batch", "right__batch")
        .order_by("-score", "pk")
    )
