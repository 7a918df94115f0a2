"""Prioritised screening in the app: each reviewer's ranking, asked for, trained and read.

Every reviewer has a ranking of their own. It learns from the resolved
title/abstract records and the reviewer's own decisions on unresolved ones,
never from anyone else's unresolved votes: the order a reviewer sees reveals
nothing the blinding hides. A ranking is asked for after the reviewer's N-th
new decision (:class:`RetrainSchedule`) and trained by a Celery task; until
it is done the page uses the previous one, and until the reviewer's data
hold an inclusion and an exclusion, the review's own order applies.
"""

import time
import uuid

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.celery import enqueue
from reviews.models import Record, Review

from .models import (
    Decision,
    PrioritisationSettings,
    RankedRecord,
    Ranking,
    Resolution,
    ScreenerPreference,
    ScreeningOrder,
    Stage,
)
from .prioritisation.model import (
    ModelSettings,
    build_features,
    fit_scores,
    rank_order,
    record_text,
    top_words,
)
from .prioritisation.schedule import RetrainSchedule
from .queue import forward_verdicts, stage_records

TA = Stage.TITLE_ABSTRACT
BATCH = 2000


def prioritisation_for(review: Review) -> PrioritisationSettings:
    """The review's settings, or the defaults (prioritisation off) when none were saved."""
    found = PrioritisationSettings.objects.filter(review=review).first()
    return found or PrioritisationSettings(review=review)


def schedule_for(settings: PrioritisationSettings) -> RetrainSchedule:
    """The review's retraining schedule: its own interval, the growth the simulation measured."""
    return RetrainSchedule(every=settings.retrain_every)


def screener_order(review: Review, reviewer) -> str:
    preference = ScreenerPreference.objects.filter(review=review, reviewer=reviewer).first()
    return preference.order if preference else ScreeningOrder.PRIORITISED


def screener_order_set(*, review: Review, reviewer, order: str) -> ScreenerPreference:
    """The reviewer's choice: the likely relevant records first, or the review's order."""
    preference, _ = ScreenerPreference.objects.update_or_create(
        review=review, reviewer=reviewer, defaults={"order": ScreeningOrder(order)}
    )
    return preference


def latest_ranking(review: Review, reviewer) -> Ranking | None:
    done = Ranking.objects.filter(review=review, reviewer=reviewer, status=Ranking.Status.DONE)
    return done.order_by("-finished", "-pk").first()


def ranking_request(*, review: Review, reviewer) -> Ranking | None:
    """Queue a retraining of the reviewer's ranking when their decisions call for one.

    One ranking at a time per reviewer; the first waits for an inclusion and
    an exclusion among what the reviewer may learn from.
    """
    from .services import screener_done

    settings = prioritisation_for(review)
    if not settings.enabled:
        return None
    decided = screener_done(review=review, reviewer=reviewer, stage=TA)
    last = Ranking.objects.filter(review=review, reviewer=reviewer).order_by("-pk").first()
    if last is not None and last.status in (Ranking.Status.QUEUED, Ranking.Status.RUNNING):
        return None
    if last is not None and not schedule_for(settings).due(
        learnt=last.decisions_at_request, decided=decided
    ):
        return None
    if last is None and not _has_both_kinds(review, reviewer):
        return None
    ranking = Ranking.objects.create(
        review=review, reviewer=reviewer, decisions_at_request=decided, task_id=str(uuid.uuid4())
    )
    _send(ranking)
    return ranking


def ranking_retry(*, ranking: Ranking) -> Ranking:
    """Queue the retraining again for a reviewer whose latest ranking failed (the lead's retry)."""
    latest = Ranking.objects.filter(review=ranking.review, reviewer=ranking.reviewer).latest("pk")
    if latest.pk != ranking.pk or ranking.status != Ranking.Status.FAILED:
        raise ValidationError(
            "Only the latest ranking of a reviewer, when it failed, can be retried."
        )
    again = Ranking.objects.create(
        review=ranking.review,
        reviewer=ranking.reviewer,
        decisions_at_request=ranking.decisions_at_request,
        task_id=str(uuid.uuid4()),
    )
    _send(again)
    return again


def _send(ranking: Ranking) -> None:
    from .tasks import ranking_run_task

    transaction.on_commit(
        lambda: enqueue(
            ranking_run_task,
            args=[ranking.pk],
            task_id=ranking.task_id,
            label=f"ranking {ranking.pk}",
        )
    )


def _has_both_kinds(review: Review, reviewer) -> bool:
    """An inclusion and an exclusion among the resolutions and the reviewer's votes (two EXISTS)."""
    forward = forward_verdicts(review)
    resolved = Resolution.objects.filter(record__review=review, stage=TA)
    own = Decision.objects.filter(record__review=review, stage=TA, reviewer=reviewer)
    included = (
        resolved.filter(verdict__in=forward).exists() or own.filter(verdict__in=forward).exists()
    )
    return included and (
        resolved.exclude(verdict__in=forward).exists() or own.exclude(verdict__in=forward).exists()
    )


def _labels(review: Review, reviewer) -> dict[int, int]:
    """What the reviewer's model learns from: record id -> 1 (on to full text) or 0 (excluded)."""
    forward = set(forward_verdicts(review))
    resolved = dict(
        Resolution.objects.filter(record__review=review, stage=TA).values_list(
            "record_id", "verdict"
        )
    )
    own = Decision.objects.filter(record__review=review, stage=TA, reviewer=reviewer).exclude(
        record_id__in=list(resolved)
    )
    verdicts = {**dict(own.values_list("record_id", "verdict")), **resolved}
    return {record_id: int(verdict in forward) for record_id, verdict in verdicts.items()}


def ranking_run(*, ranking_id: int) -> Ranking:
    """Train the reviewer's model and store their ranking of the records left to them.

    A failure is recorded on the ranking (the page keeps the previous one).
    """
    ranking = Ranking.objects.select_related("review", "reviewer").get(pk=ranking_id)
    if ranking.status not in (Ranking.Status.QUEUED, Ranking.Status.RUNNING):
        return ranking  # delivered twice: done once
    Ranking.objects.filter(pk=ranking.pk).update(status=Ranking.Status.RUNNING)
    started = time.perf_counter()
    try:
        rows = _train_and_rank(ranking)
    except ValueError as error:
        return _finish(ranking, status=Ranking.Status.FAILED, error=str(error), started=started)
    with transaction.atomic():
        RankedRecord.objects.bulk_create(rows, batch_size=BATCH)
        RankedRecord.objects.filter(
            ranking__review=ranking.review, ranking__reviewer=ranking.reviewer
        ).exclude(ranking=ranking).delete()
        return _finish(ranking, status=Ranking.Status.DONE, started=started, ranked=len(rows))


def _train_and_rank(ranking: Ranking) -> list[RankedRecord]:
    review, reviewer = ranking.review, ranking.reviewer
    records = list(stage_records(review, TA).order_by("pk").values_list("pk", "title", "abstract"))
    labels = _labels(review, reviewer)
    settings = ModelSettings()
    features = build_features([record_text(t, a) for _, t, a in records], settings)
    ids = np.array([pk for pk, _, _ in records])
    learnt = np.flatnonzero(np.isin(ids, list(labels)))
    verdicts = np.array([labels[ids[row]] for row in learnt])
    fit = fit_scores(features, learnt, verdicts, settings)
    ranking.model, ranking.settings = (
        settings.name,
        {
            **settings.to_dict(),
            "retrain": schedule_for(prioritisation_for(review)).to_dict(),
        },
    )
    ranking.included, ranking.excluded = int(verdicts.sum()), int(len(verdicts) - verdicts.sum())
    order = rank_order(fit.scores, exclude=learnt)
    return [
        RankedRecord(
            ranking=ranking,
            record_id=int(ids[row]),
            rank=position,
            score=float(fit.scores[row]),
            words=top_words(features, fit, row),
        )
        for position, row in enumerate(order)
    ]


def _finish(ranking: Ranking, *, status: str, started: float, error: str = "", ranked: int = 0):
    ranking.status, ranking.error, ranking.ranked = status, error, ranked
    ranking.seconds = time.perf_counter() - started
    ranking.finished = timezone.now()
    ranking.save()
    return ranking


def rankings_of(review: Review, *, limit: int = 50):
    """The review's rankings, newest first: the record of what each reviewer's model was."""
    return Ranking.objects.filter(review=review).select_related("reviewer")[:limit]


def relevance_badge(review: Review, reviewer, record: Record) -> RankedRecord | None:
    """The record's place in the reviewer's own latest ranking, when the lead shows the badge.

    The settings first: with the badge off (the default) the screening card
    costs one small read instead of the four-table query below, a tenth of the
    server's time of a decision. A newer ranking deletes the older ones' rows,
    so the newest finished ranking holding the record is the reviewer's latest.
    """
    if not prioritisation_for(review).show_badge:
        return None
    return (
        RankedRecord.objects.filter(
            record=record,
            ranking__review=review,
            ranking__reviewer=reviewer,
            ranking__status=Ranking.Status.DONE,
        )
        .select_related("ranking")
        .order_by("-ranking__finished")
        .first()
    )
