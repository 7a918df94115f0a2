"""A record's whole story, in the order it happened, as one member may see it.

Imported from which file and database, with every copy deduplication found
and the pairs it was matched in; then each screening stage: decisions,
conflict and resolution, and the full text; then the study it belongs to.
The story spans the stages (extraction owns studies), so it lives in the top
app, which may read them all.

Blinded as everywhere: before a stage is resolved, a blinded member sees only
their own decisions there and nothing of a conflict (screening.standing says
who sees votes). The lead sees everything, without the voters' names while
the stage is open when the review hides them from the lead.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from extraction.models import Study
from reviews.models import DuplicatePair, Membership, Record, RecordLabel
from reviews.selectors import record_sources
from screening.models import Conflict, Decision, FullText, Resolution, Stage, Verdict
from screening.queue import forward_verdicts
from screening.standing import sees_votes

ACTIONS = {"+": "decided", "~": "changed the decision to", "-": "withdrew the decision"}
TONES = {Verdict.INCLUDE: "success", Verdict.EXCLUDE: "danger", Verdict.MAYBE: "warning"}


@dataclass(frozen=True)
class StoryDecision:
    who: str
    action: str
    verdict: str
    tone: str
    reason: str = ""
    note: str = ""
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryEvent:
    """One step of a stage: a decision (or its change), the conflict, the resolution, the full text."""

    when: datetime | None
    kind: str  # "decision", "conflict", "resolution", "full_text"
    decision: StoryDecision | None = None
    conflict: Conflict | None = None
    resolution: Resolution | None = None
    full_text: FullText | None = None


@dataclass(frozen=True)
class StageStory:
    stage: str
    label: str
    reached: bool
    events: tuple[StoryEvent, ...]
    resolution: Resolution | None
    others_hidden: bool  # blinding keeps other reviewers' decisions off the page
    voters_hidden: bool  # the lead sees decisions without names until resolution
    full_text: FullText | None = None


@dataclass(frozen=True)
class StoryPair:
    pair: DuplicatePair
    other: Record


@dataclass(frozen=True)
class RecordStory:
    record: Record
    sources: tuple[Record, ...]
    pairs: tuple[StoryPair, ...]
    stages: tuple[StageStory, ...]
    study: Study | None
    other_reports: tuple[Record, ...]
    labels: tuple[RecordLabel, ...]


def record_story(record: Record, *, membership: Membership) -> RecordStory:
    """Everything that happened to ``record``, in order, as ``membership`` may see it."""
    study = record.studies.first()
    return RecordStory(
        record=record,
        sources=tuple(record_sources(record)),
        pairs=_pairs(record),
        stages=tuple(_stage(record, stage, membership) for stage in Stage),
        study=study,
        other_reports=tuple(study.reports.exclude(pk=record.pk).order_by("pk")) if study else (),
        labels=tuple(
            RecordLabel.objects.filter(record=record)
            .select_related("label", "added_by")
            .order_by("label__name")
        ),
    )


def _pairs(record: Record) -> tuple[StoryPair, ...]:
    pairs = (
        DuplicatePair.objects.filter(Q(left=record) | Q(right=record))
        .select_related("left__batch", "right__batch", "decided_by")
        .order_by("-score", "pk")
    )
    return tuple(StoryPair(p, p.right if p.left_id == record.pk else p.left) for p in pairs)


def _stage(record: Record, stage: str, membership: Membership) -> StageStory:
    resolution = (
        Resolution.objects.filter(record=record, stage=stage)
        .select_related("reason", "resolved_by")
        .first()
    )
    open_to_me = resolution is not None or sees_votes(membership)
    anonymous = resolution is None and membership.is_lead and not membership.review.lead_sees_voters
    if anonymous:
        events = _anonymous_decisions(record, stage, membership)
    else:
        events = _decisions(record, stage, membership, everyone=open_to_me)
    conflict = Conflict.objects.filter(record=record, stage=stage).first()
    if conflict is not None and open_to_me:
        events.append(StoryEvent(conflict.created, "conflict", conflict=conflict))
    if resolution is not None:
        events.append(StoryEvent(resolution.created, "resolution", resolution=resolution))
    full_text = None
    if stage == Stage.FULL_TEXT:
        full_text = FullText.objects.filter(record=record).select_related("added_by").first()
        if full_text is not None:
            events.append(StoryEvent(full_text.updated, "full_text", full_text=full_text))
    # Stable: the lead's nameless decisions, which carry no time, stay first and in order.
    events.sort(key=lambda event: (event.when is not None, event.when or ""))
    return StageStory(
        stage=stage,
        label=Stage(stage).label,
        reached=_reached(record, stage, membership),
        events=tuple(events),
        resolution=resolution,
        others_hidden=not open_to_me,
        voters_hidden=anonymous,
        full_text=full_text,
    )


def _reached(record: Record, stage: str, membership: Membership) -> bool:
    if record.duplicate_of_id:
        return False
    if stage == Stage.TITLE_ABSTRACT:
        return True
    return Resolution.objects.filter(
        record=record,
        stage=Stage.TITLE_ABSTRACT,
        verdict__in=forward_verdicts(membership.review),
    ).exists()


def _decisions(record: Record, stage: str, membership: Membership, *, everyone: bool) -> list:
    """Every version of the decisions at the stage (made, changed, withdrawn), oldest first."""
    rows = Decision.history.filter(record_id=record.pk, stage=stage)
    if not everyone:
        rows = rows.filter(reviewer_id=membership.user_id)
    rows = rows.select_related("reviewer", "reason").order_by("history_date", "history_id")
    return [
        StoryEvent(
            row.history_date,
            "decision",
            decision=StoryDecision(
                who=row.reviewer.username,
                action=ACTIONS[row.history_type],
                verdict=Verdict(row.verdict).label,
                tone=TONES[row.verdict] if row.history_type != "-" else "secondary",
                reason=row.reason.label if row.reason else "",
                note=row.note,
                labels=tuple(row.labels or ()),
            ),
        )
        for row in rows
    ]


def _anonymous_decisions(record: Record, stage: str, membership: Membership) -> list:
    """The decisions as they stand, as "Reviewer 1, 2…" in verdict order (the conflicts page's
    rule), without times, which could tell who is who; the lead's own keeps its name."""
    decisions = (
        Decision.objects.filter(record=record, stage=stage)
        .select_related("reviewer", "reason")
        .order_by("verdict", "pk")
    )
    events, others = [], 0
    for decision in decisions:
        mine = decision.reviewer_id == membership.user_id
        others += not mine
        events.append(
            StoryEvent(
                None,
                "decision",
                decision=StoryDecision(
                    who=decision.reviewer.username if mine else f"Reviewer {others}",
                    action="decided",
                    verdict=decision.get_verdict_display(),
                    tone=TONES[decision.verdict],
                    reason=decision.reason.label if decision.reason else "",
                    note=decision.note,
                    labels=tuple(decision.labels),
                ),
            )
        )
    return events
