"""Writes in screening: decisions, the settling of records, resolutions (one by one, or the
lead's exclusion of many records at once), reasons, full texts."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reviews.models import Record, Review
from reviews.services import records_lock

from .models import (
    DEFAULT_REASONS,
    Conflict,
    Decision,
    ExclusionReason,
    FullText,
    Resolution,
    ScreenerTally,
    Stage,
    Verdict,
)
from .queue import forward_verdicts, queue_enter, queue_leave
from .rankings import ranking_request
from .stopping_checks import stopping_after_resolution


def exclusion_reasons_create_defaults(*, review: Review) -> None:
    ExclusionReason.objects.bulk_create(
        ExclusionReason(review=review, label=label, position=i)
        for i, label in enumerate(DEFAULT_REASONS)
    )


class RecordSettled(ValidationError):
    """The record was settled while the reviewer read it: resolved, waiting for the lead with
    all its votes, or removed as a duplicate. Nothing was saved; the screening page moves on."""


@transaction.atomic
def decision_record(
    *,
    record: Record,
    reviewer,
    stage: str,
    verdict: str,
    reason: ExclusionReason | None = None,
    note: str = "",
    labels: list[str] = (),
) -> Decision:
    """Record (or change) a reviewer's decision, then settle the record if it can be.

    The record's row is locked first, so two reviewers deciding the same record
    at the same moment are serialised: neither decision is lost and the second
    one always sees the first (the naive insert-then-read misses conflicts).
    Everything about the record is read after the lock, in statements of their
    own: a read inside the locking statement would see the data as it was
    before the wait. Raises Record.DoesNotExist when the record is not in
    ``record.review_id``'s review; RecordSettled when the record no longer wants this
    decision (another screener settled it first).
    """
    review = record.review  # the caller's, as it read it for this request
    record = _lock(record, fields=("id", "review_id", "duplicate_of_id"))
    record.review = review
    _check_open(record, stage, review)
    _check_reason(review, stage, verdict, reason)
    before = list(Decision.objects.filter(record=record, stage=stage))
    decision = next((d for d in before if d.reviewer_id == reviewer.pk), None)
    new = decision is None
    if new and len(before) >= review.screeners_per_record:
        # The queue offers a record to every reviewer until its votes are in; the
        # ones still reading it when the last vote lands add nothing to it.
        raise RecordSettled(
            f"The other screeners gave this record its {len(before)} decisions while you"
            " read it; it waits for the lead."
        )
    decision = decision or Decision(record=record, stage=stage, reviewer=reviewer)
    decision.verdict = verdict
    decision.reason = reason if verdict == Verdict.EXCLUDE else None
    decision.note = note.strip()
    decision.labels = _clean_labels(labels)
    decision.save()
    if new:
        _tally_add(review, reviewer, stage, 1)
    decisions = [d for d in before if d.pk != decision.pk] + [decision]
    _settle(record, stage, review, decisions, had_decisions=bool(before))
    if stage == Stage.TITLE_ABSTRACT:
        ranking_request(review=review, reviewer=reviewer)
    return decision


@transaction.atomic
def decision_withdraw(*, record: Record, reviewer, stage: str) -> bool:
    """Take back a reviewer's decision (undo) while the record is not resolved."""
    record = _lock(record)
    if Resolution.objects.filter(record=record, stage=stage).exists():
        raise ValidationError(
            "This record is already resolved; its decisions can no longer change."
        )
    deleted, _ = Decision.objects.filter(record=record, stage=stage, reviewer=reviewer).delete()
    if deleted:
        _tally_add(record.review, reviewer, stage, -1)
    if Conflict.objects.filter(record=record, stage=stage, resolved=False).delete()[0]:
        queue_enter(record=record, stage=stage)
    return bool(deleted)


def screener_done(*, review: Review, reviewer, stage: str) -> int:
    """How many decisions the reviewer has made at the stage: their progress, from the tally."""
    tally = ScreenerTally.objects.filter(review=review, reviewer=reviewer, stage=stage)
    done = tally.values_list("done", flat=True).first()
    if done is None:
        done = Decision.objects.filter(
            record__review=review, reviewer=reviewer, stage=stage
        ).count()
        row = ScreenerTally(review=review, reviewer=reviewer, stage=stage, done=done)
        ScreenerTally.objects.bulk_create([row], ignore_conflicts=True)
    return done


def _tally_add(review: Review, reviewer, stage: str, change: int) -> None:
    """Move the reviewer's tally; a tally not made yet is counted when first read."""
    tally = ScreenerTally.objects.filter(review=review, reviewer=reviewer, stage=stage)
    tally.update(done=F("done") + change)


def _lock(record: Record, *, fields: tuple[str, ...] = ()) -> Record:
    """The record, re-read with its row locked until the transaction ends: only ``fields``
    when given, else all of it with its review.

    ``of`` keeps the lock off the review's row: locking it too would queue
    every decision of the review behind one another.
    """
    records = Record.objects.select_for_update(of=("self",))
    records = records.only(*fields) if fields else records.select_related("review")
    return records.get(pk=record.pk, review_id=record.review_id)


def _check_open(record: Record, stage: str, review: Review) -> None:
    if record.duplicate_of_id:
        raise RecordSettled("This record was removed as a duplicate.")
    stages = {stage, Stage.TITLE_ABSTRACT}
    results = dict(
        Resolution.objects.filter(record=record, stage__in=stages).values_list("stage", "verdict")
    )
    if stage in results:
        raise RecordSettled("This record is already resolved; its decisions can no longer change.")
    if stage == Stage.FULL_TEXT and results.get(Stage.TITLE_ABSTRACT) not in forward_verdicts(
        review
    ):
        raise ValidationError("This record has not passed title and abstract screening.")


def _check_reason(review: Review, stage: str, verdict: str, reason) -> None:
    if reason is not None and reason.review_id != review.pk:
        raise ValidationError("Unknown exclusion reason.")
    needs_reason = stage == Stage.FULL_TEXT or review.reason_at_title_abstract
    if verdict == Verdict.EXCLUDE and needs_reason and reason is None:
        raise ValidationError("Choose a reason for excluding this record.")


def _clean_labels(labels) -> list[str]:
    seen = []
    for label in labels:
        label = " ".join(str(label).split())[:40]
        if label and label not in seen:
            seen.append(label)
    return seen[:10]


def _settle(
    record: Record, stage: str, review: Review, decisions: list[Decision], *, had_decisions: bool
) -> None:
    """Resolve the record if its required screeners agree; flag a conflict if they don't.

    A conflict can only stand from an earlier vote, so the first decision on a
    record does not look for one.
    """
    if len(decisions) < review.screeners_per_record:
        if had_decisions and _drop_conflict(record, stage):
            queue_enter(record=record, stage=stage)
        return
    agreed = _agreed(decisions, stage, review)
    if agreed is None:
        Conflict.objects.bulk_create([Conflict(record=record, stage=stage)], ignore_conflicts=True)
        queue_leave(record=record, stage=stage)
        return
    verdict, reason = agreed
    if had_decisions:
        _drop_conflict(record, stage)
    source = Resolution.Source.SINGLE if len(decisions) == 1 else Resolution.Source.AGREEMENT
    Resolution.objects.create(
        record=record, stage=stage, verdict=verdict, reason=reason, source=source
    )
    _after_resolution(record, stage, verdict, review)


def _drop_conflict(record: Record, stage: str) -> int:
    return Conflict.objects.filter(record=record, stage=stage, resolved=False).delete()[0]


def _after_resolution(record: Record, stage: str, verdict: str, review: Review) -> None:
    queue_leave(record=record, stage=stage)
    if stage != Stage.TITLE_ABSTRACT:
        return
    if verdict in forward_verdicts(review):
        queue_enter(record=record, stage=Stage.FULL_TEXT)
    stopping_after_resolution(record=record)


def _agreed(decisions: list[Decision], stage: str, review: Review):
    """(verdict, reason) when the decisions agree, else None (a conflict)."""
    verdicts = {d.verdict for d in decisions}
    if len(verdicts) > 1:
        return None
    verdict = verdicts.pop()
    if verdict == Verdict.MAYBE and (review.maybe_is_conflict or stage == Stage.FULL_TEXT):
        return None
    reasons = {d.reason_id for d in decisions}
    if verdict == Verdict.EXCLUDE and stage == Stage.FULL_TEXT and len(reasons) > 1:
        return None  # PRISMA counts one reason per excluded report: the lead picks it
    return verdict, decisions[0].reason


@transaction.atomic
def conflict_resolve(
    *, record: Record, stage: str, verdict: str, reason=None, lead, note: str = ""
) -> Resolution:
    """The lead's final verdict on a conflict. A second lead at the same moment gets a clear refusal."""
    record = _lock(record)
    existing = (
        Resolution.objects.filter(record=record, stage=stage).select_related("resolved_by").first()
    )
    if existing:
        who = existing.resolved_by.username if existing.resolved_by else "agreement"
        raise ValidationError(
            f"Already resolved ({existing.get_verdict_display().lower()}) by {who}."
        )
    if verdict not in (Verdict.INCLUDE, Verdict.EXCLUDE):
        raise ValidationError("A resolution is include or exclude.")
    _check_reason(record.review, stage, verdict, reason)
    try:
        with transaction.atomic():
            resolution = Resolution.objects.create(
                record=record,
                stage=stage,
                verdict=verdict,
                reason=reason if verdict == Verdict.EXCLUDE else None,
                source=Resolution.Source.LEAD,
                resolved_by=lead,
                note=note.strip(),
            )
    except IntegrityError:
        raise ValidationError("Already resolved by another lead.") from None
    Conflict.objects.filter(record=record, stage=stage).update(resolved=True)
    _after_resolution(record, stage, verdict, record.review)
    return resolution


@transaction.atomic
def exclusion_reason_add(*, review: Review, label: str) -> ExclusionReason:
    label = " ".join(label.split())
    if not label:
        raise ValidationError("Give the reason a label.")
    if ExclusionReason.objects.filter(review=review, label__iexact=label).exists():
        raise ValidationError(f"“{label}” is already a reason.")
    last = ExclusionReason.objects.filter(review=review).order_by("-position").first()
    return ExclusionReason.objects.create(
        review=review, label=label, position=(last.position + 1) if last else 0
    )


def exclusion_reason_set_active(*, reason: ExclusionReason, active: bool) -> ExclusionReason:
    reason.active = active
    reason.save(update_fields=["active"])
    return reason


@transaction.atomic
def full_text_save(
    *, record: Record, user, file=None, url: str = "", not_retrieved_reason: str = ""
) -> FullText:
    """Attach a PDF or a link to a record, or note that its full text could not be found."""
    full_text, _ = FullText.objects.select_for_update().get_or_create(
        record=record, defaults={"added_by": user}
    )
    if file is not None:
        if full_text.file:
            full_text.file.delete(save=False)
        full_text.file.save(f"{record.pk}.pdf", file, save=False)
    if url:
        full_text.url = url
    full_text.not_retrieved = bool(not_retrieved_reason)
    full_text.not_retrieved_reason = not_retrieved_reason.strip()
    full_text.added_by = user
    full_text.save()
    return full_text


@transaction.atomic
def records_settle(*, review: Review) -> dict[str, int]:
    """Settle every record that now has the decisions it needs, at both stages.

    After the lead lowers the screeners per record, records that waited for
    one more screener have enough decisions: each is resolved (or sent to the
    lead as a conflict) by the same rule a new decision would apply. Returns
    ``{"resolved": n, "conflicts": m}``.
    """
    settled = {"resolved": 0, "conflicts": 0}
    for stage in Stage:
        waiting = (
            Record.objects.filter(review=review, decisions__stage=stage)
            .exclude(resolutions__stage=stage)
            .exclude(conflicts__stage=stage)
            .annotate(n=Count("decisions", filter=Q(decisions__stage=stage)))
            .filter(n__gte=review.screeners_per_record)
            .order_by("pk")
        )
        for record in waiting:
            record = _lock(record)
            decisions = list(Decision.objects.filter(record=record, stage=stage))
            _settle(record, stage, review, decisions, had_decisions=True)
            resolved = Resolution.objects.filter(record=record, stage=stage).exists()
            settled["resolved" if resolved else "conflicts"] += 1
    return settled


@transaction.atomic
def records_exclude(
    *, review: Review, records: QuerySet[Record], reason: ExclusionReason, note: str, lead
) -> int:
    """The lead excludes many records at title/abstract at once, all or nothing.

    Each record gets the lead's decision (exclude, with the reason and the
    note) and its resolution by the lead. The records are locked first, in id
    order, then checked: a duplicate or a record already resolved at
    title/abstract refuses the whole action before anything is written.
    Returns how many records were excluded.
    """
    note = note.strip()
    if reason is None or reason.review_id != review.pk:
        raise ValidationError("Choose a reason for excluding these records.")
    if not note:
        raise ValidationError("Say in a note why these records are excluded.")
    ids = records_lock(review=review, records=records)
    locked = list(Record.objects.filter(pk__in=ids).order_by("pk"))
    _check_all_open(review, locked)
    stage, now = Stage.TITLE_ABSTRACT, timezone.now()
    mine = {
        d.record_id: d
        for d in Decision.objects.filter(record_id__in=ids, stage=stage, reviewer=lead)
    }
    for decision in mine.values():
        decision.verdict, decision.reason, decision.note, decision.updated = (
            Verdict.EXCLUDE,
            reason,
            note,
            now,
        )
    bulk_update_with_history(
        list(mine.values()), Decision, ["verdict", "reason", "note", "updated"], default_user=lead
    )
    new = [
        Decision(
            record_id=pk,
            stage=stage,
            reviewer=lead,
            verdict=Verdict.EXCLUDE,
            reason=reason,
            note=note,
        )
        for pk in ids
        if pk not in mine
    ]
    bulk_create_with_history(new, Decision, default_user=lead)
    _tally_add(review, lead, stage, len(new))
    resolutions = [
        Resolution(
            record_id=pk,
            stage=stage,
            verdict=Verdict.EXCLUDE,
            reason=reason,
            source=Resolution.Source.LEAD,
            resolved_by=lead,
            note=note,
        )
        for pk in ids
    ]
    bulk_create_with_history(resolutions, Resolution, default_user=lead)
    Conflict.objects.filter(record_id__in=ids, stage=stage).update(resolved=True)
    for record in locked:
        _after_resolution(record, stage, Verdict.EXCLUDE, review)
    return len(ids)


def _check_all_open(review: Review, records: list[Record]) -> None:
    """Refuse, naming a few, when any record is a duplicate or already resolved at title/abstract."""
    duplicates = [r.pk for r in records if r.duplicate_of_id]
    if duplicates:
        raise ValidationError(
            f"{len(duplicates)} of the selected records were removed as duplicates"
            f" ({_some(duplicates)}): only unique records are screened."
        )
    resolved = list(
        Resolution.objects.filter(record__in=records, stage=Stage.TITLE_ABSTRACT)
        .order_by("record_id")
        .values_list("record_id", flat=True)
    )
    if resolved:
        raise ValidationError(
            f"{len(resolved)} of the selected records are already resolved at title/abstract"
            f" ({_some(resolved)}): leave them out, e.g. show only records not resolved yet."
        )


def _some(ids: list[int], shown: int = 5) -> str:
    names = ", ".join(f"#{pk}" for pk in ids[:shown])
    return names + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
