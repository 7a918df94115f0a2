"""What a reviewer screens next: the one function to replace for prioritised order."""

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Mod

from reviews.models import Record, Review

from .models import Conflict, Decision, Resolution, Stage, Verdict

# A multiplicative hash of the id, mod a prime: a fixed shuffle of the records
# that the database can sort on, different for every seed.
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
        passed = Resolution.objects.filter(
            record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, verdict__in=forward_verdicts(review)
        )
        records = records.filter(Exists(passed)).exclude(full_text__not_retrieved=True)
    return records


def open_for(review: Review, reviewer, stage: str) -> QuerySet[Record]:
    """Records the reviewer still has to screen at this stage."""
    at_stage = {"record": OuterRef("pk"), "stage": stage}
    votes = (
        Decision.objects.filter(**at_stage)
        .values("record")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        stage_records(review, stage)
        .filter(
            ~Exists(Decision.objects.filter(reviewer=reviewer, **at_stage)),
            ~Exists(Resolution.objects.filter(**at_stage)),
            ~Exists(Conflict.objects.filter(**at_stage)),
        )
        .alias(votes=Coalesce(Subquery(votes), Value(0)))
        .filter(votes__lt=review.screeners_per_record)
    )


def ordered(records: QuerySet[Record], review: Review) -> QuerySet[Record]:
    if review.screening_order == "random":
        key = Mod(F("pk") * SHUFFLE_MULTIPLIER + review.order_seed, SHUFFLE_PRIME)
        return records.alias(shuffle=key).order_by("shuffle", "pk")
    return records.order_by("pk")


def next_record(review: Review, reviewer, stage: str, *, skip: list[int] = ()) -> Record | None:
    """The record the reviewer should see next, or None when nothing is left for them."""
    records = open_for(review, reviewer, stage)
    if skip:
        records = records.exclude(pk__in=skip)
    return ordered(records, review).select_related("batch").first()
