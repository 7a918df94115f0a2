"""Finding and settling duplicate records across a review's imports."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reviews.dedup import DUPLICATE, find_duplicates
from reviews.dedup.clusters import choose_kept, connected_components
from reviews.importers.record import ParsedRecord

from ..bulk import insert_rows, to_json, update_column
from ..models import DuplicatePair, ImportBatch, Record, Review
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
def dedup_run(
    *, review: Review, fresh: tuple[ImportBatch, list[ParsedRecord]] | None = None
) -> DedupSummary:
    """Match every record of the review against every other; keep the lead's verdicts.

    Pairs the lead already merged or declared distinct keep that verdict; other
    pairs take the matcher's (merged automatically, or to check). ``fresh`` is
    a batch just stored and its parsed records, in file order, which saves
    reading them back.
    """
    ids, parsed = review_records(review, fresh)
    result = find_duplicates(parsed)
    existing = {(p.left_id, p.right_id): p for p in DuplicatePair.objects.filter(review=review)}
    new, changed = [], []
    for found in result.pairs:
        left, right = sorted((ids[found.left], ids[found.right]))
        status = (
            DuplicatePair.Status.AUTO
            if found.decision == DUPLICATE
            else DuplicatePair.Status.UNDECIDED
        )
        pair = existing.get((left, right))
        if pair is None:
            new.append((review.pk, left, right, found.score, to_json(found.reasons), status))
        elif pair.status not in DECIDED and (pair.status, pair.score) != (status, found.score):
            pair.status, pair.score, pair.reasons = status, found.score, list(found.reasons)
            changed.append(pair)
    insert_rows(DuplicatePair, PAIR_FIELDS, new)
    DuplicatePair.objects.bulk_update(changed, ["status", "score", "reasons"], batch_size=500)
    removed = clusters_apply(review=review, ids=ids, parsed=parsed)
    return DedupSummary(
        records=len(ids),
        pairs_found=len(result.pairs),
        auto_merged=sum(p.decision == DUPLICATE for p in result.pairs),
        to_check=DuplicatePair.objects.filter(
            review=review, status=DuplicatePair.Status.UNDECIDED
        ).count(),
        duplicates_removed=removed,
    )


PAIR_FIELDS = ("review", "left", "right", "score", "reasons", "status")


def review_records(review: Review, fresh=None) -> tuple[list[int], list[ParsedRecord]]:
    """The review's record ids and their ParsedRecords, in pk order."""
    stored = Record.objects.filter(review=review).order_by("pk")
    if fresh:
        stored = stored.exclude(batch=fresh[0])
    rows = stored.values_list(*PARSED_FIELDS, named=True)
    ids, parsed = [row.id for row in rows], [parsed_from_row(row._asdict()) for row in rows]
    if fresh:
        ids += (
            Record.objects.filter(batch=fresh[0]).order_by("position").values_list("id", flat=True)
        )
        parsed += fresh[1]
    return ids, parsed


@transaction.atomic
def clusters_apply(
    *, review: Review, ids: list[int] | None = None, parsed: list | None = None
) -> int:
    """Point every duplicate at its cluster's most complete record; return how many are removed.

    ``ids`` and ``parsed`` (the review's records in pk order) save reloading them.
    """
    if ids is None or parsed is None:
        ids, parsed = review_records(review)
    index = {record_id: i for i, record_id in enumerate(ids)}
    edges = DuplicatePair.objects.filter(review=review, status__in=LINKED).values_list(
        "left_id", "right_id"
    )
    target: dict[int, int] = {}
    for members in connected_components(len(ids), ((index[a], index[b]) for a, b in edges)):
        kept = ids[choose_kept(parsed, members)]
        target.update({ids[m]: kept for m in members if ids[m] != kept})
    current = Record.objects.filter(review=review).values_list("id", "duplicate_of_id")
    update_column(
        Record,
        "duplicate_of",
        ((target.get(pk), pk) for pk, was in current if was != target.get(pk)),
    )
    return len(target)


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
