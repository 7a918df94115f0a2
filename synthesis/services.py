"""Analyses: create, enqueue, run (results and figures stored together) and reap; the
PRISMA diagram drawn in the background. What a run computes is in ``computation``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import timedelta

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from config.celery import enqueue
from extraction.models import Outcome
from extraction.selectors import final_assessments, outcome_dataset

from .computation import AnalysisError, clean_settings, compute
from .figures import (
    LATER_FIGURES,
    MAIN_FIGURES,
    PRISMA_FORMATS,
    analysis_figures,
    prisma_figures,
)
from .models import Analysis, Figure
from .prisma import prisma_flow, prisma_hash
from .risk_of_bias import forest_rob, high_risk_studies
from .robustness import robustness

logger = logging.getLogger(__name__)


def analysis_create(*, outcome: Outcome, name: str, settings: dict | None = None) -> Analysis:
    """A draft analysis of ``outcome``; ``settings`` override the Cochrane defaults."""
    chosen = clean_settings(outcome, settings or {})
    return Analysis.objects.create(
        review_id=outcome.comparison.review_id, outcome=outcome, name=name, settings=chosen
    )


def analysis_update(*, analysis: Analysis, name: str, settings: dict) -> Analysis:
    """Change an analysis's name and settings; its old results stay until it runs again."""
    analysis.name = name
    analysis.settings = clean_settings(analysis.outcome, settings)
    analysis.save(update_fields=["name", "settings", "updated"])
    return analysis


def analysis_enqueue(*, analysis: Analysis, attempts: int = 0) -> Analysis:
    """Queue a run; the task is sent once the current transaction commits.

    ``attempts`` carries over the attempts already spent (the reaper re-sends a
    stuck run without giving it a fresh set).
    """
    analysis.status = Analysis.Status.QUEUED
    analysis.attempts = attempts
    analysis.progress = ""
    analysis.task_id = str(uuid.uuid4())
    analysis.save(update_fields=["status", "attempts", "progress", "task_id", "updated"])
    analysis_id, task_id = analysis.pk, analysis.task_id
    transaction.on_commit(lambda: _send(analysis_id, task_id))
    return analysis


def analysis_enqueue_all(*, review) -> int:
    """Queue every analysis of ``review`` that is not already queued or running."""
    waiting = (Analysis.Status.QUEUED, Analysis.Status.RUNNING)
    analyses = Analysis.objects.filter(review=review).exclude(status__in=waiting)
    with transaction.atomic():
        count = 0
        for analysis in analyses.select_for_update():
            analysis_enqueue(analysis=analysis)
            count += 1
    return count


def _send(analysis_id: int, task_id: str) -> None:
    from .tasks import analysis_run_task

    enqueue(analysis_run_task, args=[analysis_id], task_id=task_id, label=f"analysis {analysis_id}")


def analysis_reap(*, ids: list[int] | None = None, now=None) -> list[int]:
    """Send again the analyses stuck as queued or running for too long.

    A queued analysis whose message was lost (the broker was down, or
    restarted without its data) or a running one whose worker died waits
    forever otherwise. Each is re-enqueued keeping its attempts, so one that
    keeps killing its worker ends as failed after ``MAX_ATTEMPTS``. Returns the
    ids sent again.
    """
    now = now or timezone.now()
    queued_since = now - timedelta(seconds=django_settings.QUEUED_STALE_SECONDS)
    # a running analysis whose worker died comes back from the broker once the
    # visibility timeout passes (and kombu's restore check, about every 100 s,
    # runs); only after that is it lost and sent again from here
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    running_since = now - timedelta(seconds=visibility + 2 * 60 + 10)
    stuck = Analysis.objects.filter(
        Q(status=Analysis.Status.QUEUED, updated__lt=queued_since)
        | Q(status=Analysis.Status.RUNNING, updated__lt=running_since)
    )
    if ids is not None:
        stuck = stuck.filter(pk__in=ids)
    sent = []
    with transaction.atomic():
        for analysis in stuck.select_for_update(skip_locked=True):
            if analysis.attempts >= Analysis.MAX_ATTEMPTS:
                analysis_fail(analysis=analysis, error=_gave_up(analysis.attempts))
                continue
            logger.warning(
                "analysis %s was stuck as %s; sending it again", analysis.pk, analysis.status
            )
            analysis_enqueue(analysis=analysis, attempts=analysis.attempts)
            sent.append(analysis.pk)
    return sent


def _gave_up(attempts: int) -> str:
    return f"The analysis failed {attempts} times and was stopped; please try again later."


def input_hash(settings: dict, dataset: list[dict], rob: dict | None) -> str:
    """sha256 of the canonical JSON of everything a run reads: settings, data, risk of bias."""
    text = json.dumps(
        {"settings": settings, "dataset": dataset, "rob": rob},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _inputs(analysis: Analysis) -> tuple[list[dict], dict[str, str], dict | None, str]:
    """The outcome's data, its studies at high risk of bias, the risk-of-bias judgements
    shown on the forest plot, and the hash of all of them with the settings."""
    dataset = outcome_dataset(analysis.outcome)
    final = final_assessments(analysis.outcome)
    high_risk = high_risk_studies(analysis.outcome, final)
    rob = forest_rob(analysis.outcome, final)
    digest = input_hash(analysis.settings, dataset, {"high": high_risk, "forest": rob})
    return dataset, high_risk, rob, digest


def analysis_is_stale(analysis: Analysis) -> bool:
    """True when a done analysis's data, risk of bias or settings changed since it ran."""
    if analysis.status != Analysis.Status.DONE:
        return False
    return _inputs(analysis)[3] != analysis.input_hash


def analysis_run(*, analysis_id: int) -> Analysis:
    """Run the analysis, draw its figures and store both; idempotent for unchanged inputs.

    A done analysis whose inputs hash the same is returned untouched. An
    analysis that already used its attempts is marked failed, not run again.
    Results and figures are stored together, in one transaction.
    """
    analysis = Analysis.objects.select_related("outcome__comparison").get(pk=analysis_id)
    dataset, high_risk, rob, digest = _inputs(analysis)
    if analysis.status == Analysis.Status.DONE and analysis.input_hash == digest:
        return analysis
    if analysis.attempts >= Analysis.MAX_ATTEMPTS:
        return analysis_fail(analysis=analysis, error=_gave_up(analysis.attempts))
    analysis.status, analysis.attempts = Analysis.Status.RUNNING, analysis.attempts + 1
    _progress(analysis, "Computing the meta-analysis", "status", "attempts")
    try:
        analysis.results = compute(analysis.outcome, analysis.settings, dataset)
        _progress(analysis, "Checking how robust the result is")
        panel = robustness(analysis.outcome, analysis.settings, dataset, high_risk=high_risk)
        analysis.results |= {"robustness": panel.to_json(), "high_risk": high_risk, "rob": rob}
        _progress(analysis, "Drawing the forest and funnel plots")
        drawn = analysis_figures(analysis, MAIN_FIGURES)
    except DatabaseError:
        raise
    except AnalysisError as error:
        return analysis_fail(analysis=analysis, error=str(error))
    except Exception as error:  # the engine refused the data: say so, don't loop
        logger.exception("analysis %s could not be computed", analysis_id)
        return analysis_fail(
            analysis=analysis, error=f"The analysis could not be computed: {error}"
        )
    with transaction.atomic():
        locked = Analysis.objects.select_for_update().get(pk=analysis_id)
        if locked.status == Analysis.Status.DONE and locked.input_hash == digest:
            return locked  # another run of the same inputs finished first
        locked.status, locked.input_hash = Analysis.Status.DONE, digest
        locked.results, locked.error, locked.progress = analysis.results, "", ""
        locked.save(
            update_fields=["status", "input_hash", "results", "error", "progress", "updated"]
        )
        _figures_replace(review_id=locked.review_id, analysis=locked, digest=digest, drawn=drawn)
    _draw_later_figures(locked, digest)
    return locked


def _draw_later_figures(analysis: Analysis, digest: str) -> None:
    """The robustness plot, drawn once the results and main figures are on the page."""
    try:
        drawn = analysis_figures(analysis, LATER_FIGURES)
    except Exception:  # the table still shows the panel; say so in the log, not the page
        logger.exception("analysis %s: the robustness plot could not be drawn", analysis.pk)
        return
    with transaction.atomic():
        locked = Analysis.objects.select_for_update().get(pk=analysis.pk)
        if locked.status == Analysis.Status.DONE and locked.input_hash == digest:
            _figures_replace(
                review_id=locked.review_id, analysis=locked, digest=digest, drawn=drawn
            )


def _progress(analysis: Analysis, text: str, *fields: str) -> None:
    analysis.progress = text
    analysis.save(update_fields=[*fields, "progress", "updated"])


def _figures_replace(
    *, review_id: int, analysis: Analysis | None, digest: str, drawn: dict
) -> None:
    """Store freshly drawn figures ({(kind, format): bytes}) in place of the old ones."""
    old = Figure.objects.filter(review_id=review_id, analysis=analysis)
    if analysis is None or all(kind in LATER_FIGURES for kind, _ in drawn):
        old = old.filter(kind__in={kind for kind, _ in drawn})  # replace only those kinds
    old.delete()
    Figure.objects.bulk_create(
        Figure(
            review_id=review_id,
            analysis=analysis,
            kind=kind,
            format=fmt,
            input_hash=digest,
            content=content,
        )
        for (kind, fmt), content in drawn.items()
    )


def analysis_fail(*, analysis: Analysis, error: str) -> Analysis:
    analysis.status, analysis.error, analysis.results = Analysis.Status.FAILED, error, None
    analysis.progress = ""
    analysis.save(update_fields=["status", "error", "results", "progress", "updated"])
    analysis.figures.all().delete()
    return analysis


# The PRISMA 2020 diagram: drawn in the background, kept until the counts change


def prisma_figure(*, review, fmt: str, flow=None) -> Figure | None:
    """The review's current PRISMA diagram in ``fmt``, or None when it is not drawn yet.

    When the drawing is missing or out of date, a drawing is queued. A review
    with no database or register records yet has no diagram.
    """
    flow = flow or prisma_flow(review)
    if not flow.identified_by_source:
        return None
    digest = prisma_hash(flow)
    figure = Figure.objects.filter(
        review=review, analysis=None, kind=Figure.Kind.PRISMA, format=fmt, input_hash=digest
    ).first()
    # a page polls while the drawing waits: ask for it once a minute, not at every poll
    if figure is None and cache.add(f"prisma-draw:{review.pk}:{digest}", True, timeout=60):
        review_id = review.pk
        transaction.on_commit(lambda: _send_prisma(review_id))
    return figure


def _send_prisma(review_id: int) -> None:
    from .tasks import prisma_draw_task

    task_id = str(uuid.uuid4())
    enqueue(prisma_draw_task, args=[review_id], task_id=task_id, label=f"PRISMA {review_id}")


def prisma_draw(*, review_id: int) -> str:
    """Draw the review's PRISMA diagram (PNG, SVG, PDF) from its live counts; returns the hash."""
    from reviews.models import Review

    review = Review.objects.get(pk=review_id)
    flow = prisma_flow(review)
    digest = prisma_hash(flow)
    if not flow.identified_by_source:
        return digest  # nothing to draw before the first database or register import
    current = Figure.objects.filter(
        review=review, analysis=None, kind=Figure.Kind.PRISMA, input_hash=digest
    ).count()
    if current == len(PRISMA_FORMATS):
        return digest  # already drawn for these counts
    drawn = {(Figure.Kind.PRISMA, fmt): data for fmt, data in prisma_figures(flow).items()}
    with transaction.atomic():
        Review.objects.select_for_update().get(pk=review_id)  # one drawing stored at a time
        _figures_replace(review_id=review_id, analysis=None, digest=digest, drawn=drawn)
    return digest
