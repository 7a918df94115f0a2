"""Where a record stands at a stage, and how much of it each member may know.

A blinded reviewer must not learn another's vote before the record is
resolved. "In conflict" is such a vote (someone disagreed), and so is
"awaiting": with two screeners per record, a record I voted on that is still
awaiting is one nobody has contradicted yet. So for them both are one state,
"not resolved yet"; what they can tell apart is their own decision and the
resolutions. The lead, and everyone once blinding is off, sees every state.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet, TextChoices

from reviews.models import Membership, Record, Review

from .models import Conflict, Decision, FullText, Resolution, Stage, Verdict
from .queue import forward_verdicts

REASON_PREFIX = "reason-"


class Standing(TextChoices):
    AWAITING = "awaiting", "Awaiting screening"
    CONFLICT = "conflict", "In conflict"
    UNRESOLVED = "unresolved", "Not resolved yet"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"
    NOT_RETRIEVED = "not-retrieved", "Full text not retrieved"
    # Shown, never filtered on: the stage filter already leaves these out.
    DUPLICATE = "duplicate", "Removed as a duplicate"
    NOT_REACHED = "not-reached", "Not at this stage"


# The states that tell one reviewer's vote from another's.
VOTE_STATES = {Standing.AWAITING, Standing.CONFLICT}
TONES = {
    Standing.AWAITING: "secondary",
    Standing.UNRESOLVED: "secondary",
    Standing.CONFLICT: "warning",
    Standing.INCLUDED: "success",
    Standing.EXCLUDED: "danger",
    Standing.NOT_RETRIEVED: "dark",
}
MY_DECISIONS = {
    "none": "Not decided by me",
    Verdict.INCLUDE: "I included",
    Verdict.EXCLUDE: "I excluded",
    Verdict.MAYBE: "I said maybe",
}


def sees_votes(membership: Membership) -> bool:
    """Whether the member may know how others voted on records not yet resolved."""
    return membership.is_lead or not membership.review.blinding


def standing_choices(membership: Membership) -> list:
    """The states the member may filter on, with the review's exclusion reasons, for a select."""
    review = membership.review
    open_states = [Standing.AWAITING, Standing.CONFLICT] if sees_votes(membership) else []
    open_states = open_states or [Standing.UNRESOLVED]
    reasons = [(f"{REASON_PREFIX}{r.pk}", r.label) for r in review.exclusion_reasons.all()]
    flat = [*open_states, Standing.INCLUDED, Standing.EXCLUDED]
    choices = [("", "Anywhere"), *((s.value, s.label) for s in flat)]
    if reasons:
        choices.append(("Excluded for", reasons))
    return [*choices, (Standing.NOT_RETRIEVED.value, Standing.NOT_RETRIEVED.label)]


def at_stage(records: QuerySet[Record], *, review: Review, stage: str) -> QuerySet[Record]:
    """The records taking part in a stage: the unique ones; at full text, those sent on to it."""
    records = records.filter(duplicate_of__isnull=True)
    if stage == Stage.FULL_TEXT:
        records = records.filter(pk__in=_passed_title_abstract(review))
    return records


def filter_by_standing(
    records: QuerySet[Record], *, membership: Membership, stage: str, standing: str
) -> QuerySet[Record]:
    """``records`` where they stand as ``standing`` at ``stage`` (a Standing, or reason-<id>).

    Raises PermissionDenied for a state that would tell a blinded member how
    someone else voted.
    """
    if standing in VOTE_STATES and not sees_votes(membership):
        raise PermissionDenied("With blinding on, only the lead sees who is in conflict.")
    review = membership.review
    records = at_stage(records, review=review, stage=stage)
    resolved = Resolution.objects.filter(stage=stage)
    conflicts = Conflict.objects.filter(stage=stage, resolved=False)
    if standing.startswith(REASON_PREFIX):
        reason = int(standing.removeprefix(REASON_PREFIX))
        return records.filter(pk__in=_ids(resolved.filter(verdict=Verdict.EXCLUDE, reason=reason)))
    waiting = records.filter(~Exists(resolved.filter(record=OuterRef("pk"))))
    if stage == Stage.FULL_TEXT:
        waiting = waiting.exclude(pk__in=_ids(FullText.objects.filter(not_retrieved=True)))
    included = resolved.filter(verdict__in=_included(review, stage))
    filters = {
        Standing.UNRESOLVED: lambda: waiting,
        Standing.AWAITING: lambda: waiting.exclude(pk__in=_ids(conflicts)),
        Standing.CONFLICT: lambda: records.filter(pk__in=_ids(conflicts)),
        Standing.INCLUDED: lambda: records.filter(pk__in=_ids(included)),
        Standing.EXCLUDED: lambda: records.filter(
            pk__in=_ids(resolved.exclude(verdict__in=_included(review, stage)))
        ),
        Standing.NOT_RETRIEVED: lambda: at_stage(
            records, review=review, stage=Stage.FULL_TEXT
        ).filter(pk__in=_ids(FullText.objects.filter(not_retrieved=True))),
    }
    return filters[Standing(standing)]()


def _ids(rows: QuerySet) -> QuerySet:
    """The record ids of ``rows``, for ``pk__in``.

    "Id in (the few rows that match)" lets the database start from the small
    side; a correlated EXISTS would look up every one of 100,000 records (on
    SQLite: 3 ms against 75 ms for the records in conflict). Only "not
    resolved" stays a NOT EXISTS, which the unique index answers alone.
    """
    return rows.values("record_id")


def filter_by_my_decision(
    records: QuerySet[Record], *, reviewer, stage: str, mine: str
) -> QuerySet[Record]:
    """``records`` by the reviewer's own decision at the stage ("none": not decided by them)."""
    decided = Decision.objects.filter(stage=stage, reviewer=reviewer)
    if mine == "none":
        return records.filter(~Exists(decided.filter(record=OuterRef("pk"))))
    return records.filter(pk__in=_ids(decided.filter(verdict=Verdict(mine))))


@dataclass(frozen=True)
class RecordStanding:
    state: Standing
    reason: str = ""
    votes: int | None = None  # decisions so far, for those who may know; else None
    mine: str = ""  # the viewer's own verdict, in words
    mine_reason: str = ""

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def tone(self) -> str:
        return TONES.get(self.state, "light")


def standings(
    records: list[Record], *, membership: Membership, stage: str
) -> dict[int, RecordStanding]:
    """Where each of ``records`` (a page of them) stands at ``stage``, as the member may see it."""
    facts = _facts([record.pk for record in records], membership=membership, stage=stage)
    return {record.pk: _standing(record, facts, membership.review, stage) for record in records}


@dataclass(frozen=True)
class _Facts:
    """What a page of records needs to say where each stands, read in a few queries."""

    resolutions: dict[int, tuple[str, str | None]]
    mine: dict[int, tuple[str, str | None]]
    votes: dict[int, int] | None  # None: the member may not know about others' votes
    conflicts: set[int]
    passed: set[int] | None  # at full text: the records sent on to it
    not_retrieved: set[int]


def _facts(ids: list[int], *, membership: Membership, stage: str) -> _Facts:
    at_stage = {"record_id__in": ids, "stage": stage}
    fields = ("record_id", "verdict", "reason__label")
    rows = Resolution.objects.filter(**at_stage).values_list(*fields)
    own = Decision.objects.filter(**at_stage, reviewer=membership.user).values_list(*fields)
    full_text = stage == Stage.FULL_TEXT
    may_know = sees_votes(membership)
    return _Facts(
        resolutions={row[0]: row[1:] for row in rows},
        mine={row[0]: row[1:] for row in own},
        votes=_votes(ids, stage) if may_know else None,
        conflicts=_conflicts(ids, stage) if may_know else set(),
        passed=_passed(membership.review, ids) if full_text else None,
        not_retrieved=_not_retrieved(ids) if full_text else set(),
    )


def _standing(record: Record, facts: _Facts, review: Review, stage: str) -> RecordStanding:
    pk = record.pk
    if record.duplicate_of_id:
        state, reason = Standing.DUPLICATE, ""
    elif facts.passed is not None and pk not in facts.passed:
        state, reason = Standing.NOT_REACHED, ""
    else:
        state, reason = _state(review, stage, facts.resolutions.get(pk), pk in facts.conflicts)
        if state == Standing.AWAITING and facts.votes is None:
            state = Standing.UNRESOLVED
        if state in (Standing.AWAITING, Standing.UNRESOLVED) and pk in facts.not_retrieved:
            state = Standing.NOT_RETRIEVED
    verdict, mine_reason = facts.mine.get(pk, ("", ""))
    return RecordStanding(
        state=state,
        reason=reason or "",
        votes=None if facts.votes is None else facts.votes.get(pk, 0),
        mine=Verdict(verdict).label if verdict else "",
        mine_reason=mine_reason or "",
    )


def _state(review: Review, stage: str, resolution, in_conflict: bool) -> tuple[Standing, str]:
    if resolution is None:
        return (Standing.CONFLICT if in_conflict else Standing.AWAITING), ""
    verdict, reason = resolution
    if verdict in _included(review, stage):
        return Standing.INCLUDED, ""
    if verdict == Verdict.MAYBE:  # a "maybe" the review does not send on to full text
        return Standing.EXCLUDED, "“maybe”, not sent on"
    return Standing.EXCLUDED, reason


def _votes(ids: list[int], stage: str) -> dict[int, int]:
    rows = (
        Decision.objects.filter(record_id__in=ids, stage=stage)
        .values_list("record_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def _conflicts(ids: list[int], stage: str) -> set[int]:
    rows = Conflict.objects.filter(record_id__in=ids, stage=stage, resolved=False)
    return set(rows.values_list("record_id", flat=True))


def _not_retrieved(ids: list[int]) -> set[int]:
    rows = FullText.objects.filter(record_id__in=ids, not_retrieved=True)
    return set(rows.values_list("record_id", flat=True))


def _passed(review: Review, ids: list[int]) -> set[int]:
    rows = Resolution.objects.filter(
        record_id__in=ids, stage=Stage.TITLE_ABSTRACT, verdict__in=forward_verdicts(review)
    )
    return set(rows.values_list("record_id", flat=True))


def _included(review: Review, stage: str) -> list[str]:
    return forward_verdicts(review) if stage == Stage.TITLE_ABSTRACT else [Verdict.INCLUDE]


def _passed_title_abstract(review: Review) -> QuerySet:
    return _ids(
        Resolution.objects.filter(stage=Stage.TITLE_ABSTRACT, verdict__in=forward_verdicts(review))
    )
