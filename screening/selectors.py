"""Reads in screening: progress, conflicts, agreement and the PRISMA counts."""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery

from reviews.models import Record, Review

from .agreement import Agreement, cohen_kappa
from .models import Conflict, Decision, FullText, Ranking, Resolution, Stage, Verdict
from .queue import forward_verdicts, open_for, stage_records
from .services import screener_done


@dataclass(frozen=True)
class Progress:
    done_by_me: int
    left_for_me: int
    in_stage: int


def progress(review: Review, reviewer, stage: str) -> Progress:
    """A reviewer's own progress; nothing in it depends on anyone else's votes but the quota."""
    return Progress(
        done_by_me=screener_done(review=review, reviewer=reviewer, stage=stage),
        left_for_me=open_for(review, reviewer, stage).count(),
        in_stage=stage_records(review, stage).count(),
    )


@dataclass(frozen=True)
class StageCounts:
    records: int
    resolved: int
    included: int
    excluded: int
    conflicts: int
    decisions: int


def stage_counts(review: Review, stage: str) -> StageCounts:
    """Review-wide counts of a stage (the lead's view)."""
    resolutions = dict(
        Resolution.objects.filter(record__review=review, stage=stage)
        .values_list("verdict")
        .annotate(n=Count("pk"))
    )
    return StageCounts(
        records=stage_records(review, stage).count(),
        resolved=sum(resolutions.values()),
        included=resolutions.get(Verdict.INCLUDE, 0) + resolutions.get(Verdict.MAYBE, 0),
        excluded=resolutions.get(Verdict.EXCLUDE, 0),
        conflicts=Conflict.objects.filter(
            record__review=review, stage=stage, resolved=False
        ).count(),
        decisions=Decision.objects.filter(record__review=review, stage=stage).count(),
    )


@dataclass
class ConflictRow:
    conflict: Conflict
    record: Record
    decisions: list[Decision] = field(default_factory=list)


def conflicts(
    review: Review, *, stage: str, pair: tuple[int, int] | None = None, reason_id: int | None = None
) -> list[ConflictRow]:
    """Open conflicts at a stage with every decision, optionally for one reviewer pair or reason."""
    rows = {
        c.record_id: ConflictRow(c, c.record)
        for c in Conflict.objects.filter(record__review=review, stage=stage, resolved=False)
        .select_related("record")
        .order_by("created", "pk")
    }
    for decision in (
        Decision.objects.filter(record_id__in=rows, stage=stage)
        .select_related("reviewer", "reason")
        .order_by("reviewer__username")
    ):
        rows[decision.record_id].decisions.append(decision)
    selected = list(rows.values())
    if pair:
        selected = [r for r in selected if {d.reviewer_id for d in r.decisions} == set(pair)]
    if reason_id:
        selected = [r for r in selected if any(d.reason_id == reason_id for d in r.decisions)]
    return selected


@dataclass(frozen=True)
class PairAgreement:
    first: str
    second: str
    agreement: Agreement


def agreement_by_pair(review: Review, stage: str) -> list[PairAgreement]:
    """Percent agreement and kappa for every pair of reviewers who screened the same records."""
    verdicts: dict[int, dict[str, str]] = defaultdict(dict)
    for record_id, username, verdict in Decision.objects.filter(
        record__review=review, stage=stage
    ).values_list("record_id", "reviewer__username", "verdict"):
        verdicts[record_id][username] = verdict
    pairs: dict[tuple[str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
    for by_reviewer in verdicts.values():
        for a, b in combinations(sorted(by_reviewer), 2):
            pairs[a, b][0].append(by_reviewer[a])
            pairs[a, b][1].append(by_reviewer[b])
    return [PairAgreement(a, b, cohen_kappa(x, y)) for (a, b), (x, y) in sorted(pairs.items())]


@dataclass(frozen=True)
class PrismaCounts:
    """The screening half of the PRISMA 2020 flow diagram."""

    records_screened: int
    records_excluded: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: dict[str, int]
    included: int
    awaiting_title_abstract: int
    awaiting_full_text: int


def prisma_counts(review: Review, *, records: QuerySet[Record] | None = None) -> PrismaCounts:
    """Counts for the flow diagram. Only resolved records count as screened or assessed.

    ``records`` narrows every count to those records of the review (the PRISMA
    diagram's "other methods" column counts the records found only by them).
    One grouped query per stage: at 100,000 records each count on its own
    cost a scan of the resolutions.
    """
    only = {} if records is None else {"record__in": records}
    resolved = Resolution.objects.filter(
        record__review=review, record__duplicate_of__isnull=True, **only
    )
    ta = dict(
        resolved.filter(stage=Stage.TITLE_ABSTRACT)
        .values_list("verdict")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ft: dict[tuple[str, str | None], int] = {
        (verdict, label): n
        for verdict, label, n in resolved.filter(stage=Stage.FULL_TEXT)
        .values_list("verdict", "reason__label")
        .annotate(n=Count("pk"))
        .order_by()
    }
    not_retrieved = FullText.objects.filter(
        record__review=review,
        not_retrieved=True,
        record__resolutions__stage=Stage.TITLE_ABSTRACT,
        record__resolutions__verdict__in=forward_verdicts(review),
        **only,
    ).count()
    waiting = stage_records(review, Stage.TITLE_ABSTRACT)
    if records is not None:
        waiting = waiting.filter(pk__in=records)
    screened = sum(ta.values())
    sought = sum(ta.get(verdict, 0) for verdict in forward_verdicts(review))
    assessed = sum(ft.values())
    excluded: dict[str, int] = {}
    for (verdict, label), n in sorted(
        ft.items(), key=lambda item: (item[0][1] is None, item[0][1] or "")
    ):
        if verdict == Verdict.EXCLUDE:
            key = label or "No reason given"
            excluded[key] = excluded.get(key, 0) + n
    return PrismaCounts(
        records_screened=screened,
        records_excluded=ta.get(Verdict.EXCLUDE, 0),
        reports_sought=sought,
        reports_not_retrieved=not_retrieved,
        reports_assessed=assessed,
        reports_excluded=excluded,
        included=sum(n for (verdict, _), n in ft.items() if verdict == Verdict.INCLUDE),
        awaiting_title_abstract=waiting.count() - screened,
        awaiting_full_text=sought - not_retrieved - assessed,
    )


def my_decisions(review: Review, reviewer, stage: str) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(record__review=review, reviewer=reviewer, stage=stage)
        .select_related("record", "reason")
        .order_by("-updated")
    )


def reviewers(review: Review) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(memberships__review=review, memberships__role__in=["lead", "reviewer"])
        .order_by("username")
    )


def started(review: Review) -> bool:
    """Whether anyone has screened a record of the review yet."""
    return Decision.objects.filter(record__review=review).exists()


def failed_rankings(review: Review):
    """Each reviewer's latest ranking when it failed: the retraining the lead may retry."""
    latest = Ranking.objects.filter(review=review, reviewer=OuterRef("reviewer")).order_by("-pk")
    return (
        Ranking.objects.filter(review=review, status=Ranking.Status.FAILED)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("reviewer")
    )
