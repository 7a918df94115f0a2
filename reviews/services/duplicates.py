"""Finding and settling duplicate records across a review's imports."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reviews.dedup import DUPLICATE, find_duplicates
from reviews.dedup.clusters import choose_kept, connected_components

from ..models import DuplicatePair, Record, Review
from ..records import PARSED_FIELDS, parsed_from_row

DECIDED = (DuplicatePair.Status.MERGED, DuplicatePair.Status.DISTINCT)
LINKED = (DuplicatePair.Status.AUTO, DuplicatePair.Status.MERGED)


@dataclass(frozen=True)
class DedupSummary:
    records: int
    pairs_found: int
    auto_merged: int
    to_check: int
    duplicates_removed: int


@transaction.atomic
def dedup_run(*, review: Review) -> DedupSummary:
    """Match every record of the review against every other; keep the lead's verdicts.

    Pairs the lead already merged or declared distinct keep that verdict; other
    pairs take the matcher's (merged automatically, or to check).
    """
    rows = list(Record.objects.filter(review=review).order_by("pk").values(*PARSED_FIELDS))
    result = find_duplicates([parsed_from_row(row) for row in rows])
    ids = [row["id"] for row in rows]
    existing = {(p.left_id, p.right_id): p for p in DuplicatePair.objects.filter(review=review)}
    new, changed = [], []
    for found in result.pairs:
        left, right = sorted((ids[found.left], ids[found.right]))
        status = DuplicatePair.Status.AUTO if found.decision == DUPLICATE else DuplicatePair.Status.UNDECIDED
        pair = existing.get((left, right))
        if pair is None:
            new.append(DuplicatePair(review=review, left_id=left, right_id=right, score=found.score, reasons=list(found.reasons), status=status))
        elif pair.status not in DECIDED and (pair.status, pair.score) != (status, found.score):
            pair.status, pair.score, pair.reasons = status, found.score, list(found.reasons)
            changed.append(pair)
    DuplicatePair.objects.bulk_create(new, batch_size=2000)
    DuplicatePair.objects.bulk_update(changed, ["status", "score", "reasons"], batch_size=2000)
    removed = clusters_apply(review=review, rows=rows)
    return DedupSummary(
        records=len(rows),
        pairs_found=len(result.pairs),
        auto_merged=sum(p.decision == DUPLICATE for p in result.pairs),
        to_check=DuplicatePair.objects.filter(review=review, status=DuplicatePair.Status.UNDECIDED).count(),
        duplicates_removed=removed,
    )


@transaction.atomic
def clusters_apply(*, review: Review, rows: list[dict] | None = None) -> int:
    """Point every duplicate at its cluster's most complete record; return how many are removed."""
    if rows is None:
        rows = list(Record.objects.filter(review=review).order_by("pk").values(*PARSED_FIELDS))
    index = {row["id"]: i for i, row in enumerate(rows)}
    edges = DuplicatePair.objects.filter(review=review, status__in=LINKED).values_list("left_id", "right_id")
    parsed = [parsed_from_row(row) for row in rows]
    target: dict[int, int | None] = {}
    for members in connected_components(len(rows), ((index[a], index[b]) for a, b in edges)):
        kept = rows[choose_kept(parsed, members)]["id"]
        target.update({rows[m]["id"]: (None if rows[m]["id"] == kept else kept) for m in members})
    current = dict(Record.objects.filter(review=review).values_list("id", "duplicate_of_id"))
    stale = [
        Record(id=record_id, duplicate_of_id=target.get(record_id))
        for record_id, duplicate_of in current.items()
        if duplicate_of != target.get(record_id)
    ]
    Record.objects.bulk_update(stale, ["duplicate_of"], batch_size=2000)
    return sum(1 for kept in target.values() if kept is not None)


@transaction.atomic
def pair_decide(*, pair: DuplicatePair, duplicate: bool, user) -> DuplicatePair:
    """The lead's verdict on a pair: the same report (merge) or two different ones."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    pair.status = DuplicatePair.Status.MERGED if duplicate else DuplicatePair.Status.DISTINCT
    pair.decided_by, pair.decided = user, timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided"])
    clusters_apply(review=pair.review)
    return pair


@transaction.atomic
def record_split(*, record: Record, user) -> int:
    """Take a record out of its duplicate cluster: every link to it becomes "not duplicates"."""
    links = list(
        DuplicatePair.objects.select_for_update()
        .filter(review=record.review_id, status__in=LINKED)
        .filter(Q(left=record) | Q(right=record))
    )
    now = timezone.now()
    for pair in links:  # one save each, so the history keeps every verdict
        pair.status, pair.decided_by, pair.decided = DuplicatePair.Status.DISTINCT, user, now
        pair.save(update_fields=["status", "decided_by", "decided"])
    clusters_apply(review=record.review)
    return len(links)
