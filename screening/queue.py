"""What a reviewer screens next.

The rules live in :func:`open_for`. :func:`next_record` applies the same rules
but walks the review's queue entries (one per record still waiting at a stage)
in index order, instead of stepping over every record already settled: at
100,000 records half screened that is the difference between ~1 ms and ~1 s.

At title/abstract the order is: the open stopping check's random sample first
(every reviewer screens it), then, for a reviewer who chose it, their latest
ranking (most likely relevant first), then the review's own order, which also
brings the records no ranking has seen yet (see screening/rankings.py).
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Mod
from django.db.models.lookups import LessThan

from reviews.models import Record, Review

from .models import Conflict, Decision, QueueEntry, Resolution, ScreeningOrder, Stage, Verdict

# A multiplicative hash of the id, mod a prime: a fixed shuffle of the records
# that the database can sort on. The seed rotates it, so every seed starts the
# review somewhere else in the shuffle.
SHUFFLE_MULTIPLIER = 2654435761
SHUFFLE_PRIME = 4294967311


def forward_verdicts(review: Review) -> list[str]:
    """Title/abstract results that send a record on to full text."""
    if review.maybe_to_full_text:
        return [Verdict.INCLUDE, Verdict.MAYBE]
    return [Verdict.INCLUDE]


def stage_records(review: Review, stage: str) -> QuerySet[Record]:
    """The records that take part in a stage, whoever screens them."""
    records = Record.objects.filter(review=review, duplicate_of__isnull=True)
    if stage == Stage.FULL_TEXT:
        records = records.filter(_passed_title_abstract(review, "pk")).exclude(
            full_text__not_retrieved=True
        )
    return records


def open_for(review: Review, reviewer, stage: str) -> QuerySet[Record]:
    """Records the reviewer still has to screen at this stage."""
    return stage_records(review, stage).filter(*_open_to(review, reviewer, stage, "pk"))


def next_record(review: Review, reviewer, stage: str, *, skip: list[int] = ()) -> Record | None:
    """The record the reviewer should see next, or None when nothing is left for them.

    Records that have no queue entry yet (a new import, records made outside
    the services) join the queue when it runs dry, so they come after the
    records already queued.
    """
    record = _first_waiting(review, reviewer, stage, skip)
    if record is None and queue_fill(review=review, stage=stage):
        record = _first_waiting(review, reviewer, stage, skip)
    return record


def queue_fill(*, review: Review, stage: str) -> int:
    """Queue every record of the stage that is neither resolved, in conflict, nor queued."""
    waiting = stage_records(review, stage).filter(
        ~Exists(Resolution.objects.filter(record=OuterRef("pk"), stage=stage)),
        ~Exists(Conflict.objects.filter(record=OuterRef("pk"), stage=stage)),
        ~Exists(QueueEntry.objects.filter(record=OuterRef("pk"), stage=stage)),
    )
    # Typed as bigint: with server-side binding, plain ints here go out as int4 and wrap.
    big = BigIntegerField()
    shuffle = Mod(
        F("pk") * Value(SHUFFLE_MULTIPLIER, output_field=big),
        Value(SHUFFLE_PRIME, output_field=big),
        output_field=big,
    )
    rows = waiting.order_by().values_list("review_id", "pk", Value(stage), shuffle)
    select, params = rows.query.sql_with_params()
    table = QueueEntry._meta.db_table
    with connection.cursor() as cursor:
        # One INSERT ... SELECT: the first look at a 100,000-record review queues it in a second.
        cursor.execute(
            f"INSERT INTO {table} (review_id, record_id, stage, shuffle) {select}"
            " ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount


def queue_imported_records(sender, *, review: Review, **kwargs) -> None:
    """Receiver of ``reviews.signals.records_imported``: queue the new unique records for
    title/abstract screening straight away."""
    queue_fill(review=review, stage=Stage.TITLE_ABSTRACT)


def queue_enter(*, record: Record, stage: str) -> None:
    """Put a record (back) in the queue of a stage: it reached full text, or a conflict was withdrawn."""
    entry = QueueEntry(
        review_id=record.review_id,
        record_id=record.pk,
        stage=stage,
        shuffle=record.pk * SHUFFLE_MULTIPLIER % SHUFFLE_PRIME,
    )
    QueueEntry.objects.bulk_create([entry], ignore_conflicts=True)


def queue_leave(*, record: Record, stage: str) -> None:
    """Take a settled record (resolved, or waiting for the lead) out of the queue of a stage."""
    QueueEntry.objects.filter(record=record, stage=stage).delete()


def _first_waiting(review: Review, reviewer, stage: str, skip) -> Record | None:
    sql, args = _waiting_sql(review, reviewer, stage, skip)
    for (join, on), (where, params, order) in _parts(review, reviewer, stage):
        query = sql.format(join=join, where=where, order=order)
        found = list(Record.objects.raw(query, [*on, *args, *params]))
        if found:
            return found[0]
    return None


def _parts(review: Review, reviewer, stage: str) -> list[tuple[tuple[str, list], tuple]]:
    """((join, params), (where, params, order)) of each part of the reviewer's order, in turn."""
    review_order = [(("", []), part) for part in _in_order(review)]
    if stage != Stage.TITLE_ABSTRACT:
        return review_order
    context = order_context(review, reviewer)
    parts = []
    if context.check_id:
        join = "JOIN screening_stoppingsample z ON z.record_id = e.record_id AND z.stopping_check_id = %s"
        parts.append(((join, [context.check_id]), ("", [], "z.position")))
    if context.ranking_id:
        join = "JOIN screening_rankedrecord k ON k.record_id = e.record_id AND k.ranking_id = %s"
        parts.append(((join, [context.ranking_id]), ("", [], "k.rank")))
    return parts + review_order


@dataclass(frozen=True)
class OrderContext:
    """What decides a reviewer's next record: prioritised or not, the ranking, the open check."""

    prioritised: bool
    ranking_id: int | None
    check_id: int | None


def order_context(review: Review, reviewer) -> OrderContext:
    """One query for everything the queue needs to know about prioritisation."""
    sql = (
        "SELECT (SELECT enabled FROM screening_prioritisationsettings WHERE review_id = %s),"
        ' (SELECT s."order" FROM screening_screenerpreference s'
        "  WHERE s.review_id = %s AND s.reviewer_id = %s),"
        " (SELECT id FROM screening_ranking WHERE review_id = %s AND reviewer_id = %s"
        "  AND status = 'done' ORDER BY finished DESC, id DESC LIMIT 1),"
        " (SELECT id FROM screening_stoppingcheck WHERE review_id = %s AND closed IS NULL"
        "  ORDER BY started DESC, id DESC LIMIT 1)"
    )
    params = [review.pk, review.pk, reviewer.pk, review.pk, reviewer.pk, review.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        enabled, order, ranking_id, check_id = cursor.fetchone()
    prioritised = (
        bool(enabled) and (order or ScreeningOrder.PRIORITISED) == ScreeningOrder.PRIORITISED
    )
    return OrderContext(prioritised, ranking_id if prioritised else None, check_id)


def _in_order(review: Review) -> list[tuple[str, list, str]]:
    """The review's order, as index-ordered parts to read one after the other."""
    if review.screening_order != "random":
        return [("", [], "e.record_id")]
    # The seed rotates the shuffle: (shuffle + seed) mod prime. Records whose
    # shuffle wraps past the prime come first; each part is one index range.
    wrap = SHUFFLE_PRIME - review.order_seed % SHUFFLE_PRIME
    first = ("AND e.shuffle >= %s", [wrap], "e.shuffle")
    then = ("AND e.shuffle < %s", [wrap], "e.shuffle")
    return [first, then] if wrap < SHUFFLE_PRIME else [then]


def _waiting_sql(review: Review, reviewer, stage: str, skip) -> tuple[str, list]:
    """:func:`open_for`'s rules, written out in SQL over the queue entries.

    Written by hand because building the same query with the ORM took ~5 ms of
    Python a call, fifty times what the database needs to answer it. The test
    tests/screening/test_queries.py holds it to the same answers as open_for.
    """
    sql = [
        "SELECT r.* FROM screening_queueentry e JOIN reviews_record r ON r.id = e.record_id {join}",
        "WHERE e.review_id = %s AND e.stage = %s AND r.duplicate_of_id IS NULL",
        "AND NOT EXISTS (SELECT 1 FROM screening_decision d"
        " WHERE d.record_id = e.record_id AND d.stage = %s AND d.reviewer_id = %s)",
        "AND NOT EXISTS (SELECT 1 FROM screening_resolution s"
        " WHERE s.record_id = e.record_id AND s.stage = %s)",
        "AND NOT EXISTS (SELECT 1 FROM screening_conflict c"
        " WHERE c.record_id = e.record_id AND c.stage = %s)",
        "AND (SELECT COUNT(*) FROM screening_decision v"
        " WHERE v.record_id = e.record_id AND v.stage = %s) < %s",
    ]
    params = [review.pk, stage, stage, reviewer.pk, stage, stage, stage]
    params.append(review.screeners_per_record)
    if stage == Stage.FULL_TEXT:
        verdicts = forward_verdicts(review)
        sql += [
            "AND EXISTS (SELECT 1 FROM screening_resolution t WHERE t.record_id = e.record_id"
            f" AND t.stage = %s AND t.verdict IN ({', '.join(['%s'] * len(verdicts))}))",
            "AND NOT EXISTS (SELECT 1 FROM screening_fulltext f"
            " WHERE f.record_id = e.record_id AND f.not_retrieved)",
        ]
        params += [Stage.TITLE_ABSTRACT, *verdicts]
    if skip:
        sql.append(f"AND e.record_id NOT IN ({', '.join(['%s'] * len(skip))})")
        params += list(skip)
    sql.append("{where} ORDER BY {order} LIMIT 1")
    return "\n".join(sql), params


def _open_to(review: Review, reviewer, stage: str, ref: str) -> list[Q]:
    """The rules, on the record id ``ref``: not decided by me, not settled, votes still wanted."""
    at_stage = {"record": OuterRef(ref), "stage": stage}
    votes = Decision.objects.filter(**at_stage).values("record").annotate(n=Count("pk")).values("n")
    return [
        ~Exists(Decision.objects.filter(reviewer=reviewer, **at_stage)),
        ~Exists(Resolution.objects.filter(**at_stage)),
        ~Exists(Conflict.objects.filter(**at_stage)),
        LessThan(Coalesce(Subquery(votes), Value(0)), review.screeners_per_record),
    ]


def _passed_title_abstract(review: Review, ref: str) -> Exists:
    return Exists(
        Resolution.objects.filter(
            record=OuterRef(ref), stage=Stage.TITLE_ABSTRACT, verdict__in=forward_verdicts(review)
        )
    )
