"""Analyses: create, enqueue and run one, storing the engine's result on the row."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import uuid
from datetime import timedelta

import numpy as np
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from config.celery import enqueue
from extraction.models import DataType, Outcome
from extraction.outcomes.data import field_names
from extraction.selectors import outcome_dataset
from extraction.services.outcomes import MEASURES
from synthesis.stats import conformance, small_study
from synthesis.stats.pooling import MetaAnalysis
from synthesis.stats.sensitivity import leave_one_out
from synthesis.stats.subgroups import subgroup_differences

from .figures import PRISMA_FORMATS, analysis_figures, prisma_figures
from .models import Analysis, Figure
from .prisma import prisma_flow, prisma_hash

logger = logging.getLogger(__name__)

NO_DATA = "No study has data for this outcome."
NOT_ESTIMABLE = (
    "No study can be analysed with this measure: every study has no events in either arm "
    "(try the risk difference)."
)

# Current Cochrane guidance (RevMan Web since 2025): random effects with REML
# tau² and its Q-profile interval, a prediction interval; HKSJ is offered.
COCHRANE = {
    "pooling": "inverse_variance",
    "model": "random",
    "tau2_estimator": "REML",
    "hksj": False,
    "ci_level": 0.95,
    "i2": "tau2",
    "prediction_interval": True,
    "revman5_zero_cells": False,
    "zero_cell_correction": 0.5,
    "exclude_double_zero": True,
    "subgroups": True,
    "excluded": [],
}

# RevMan 5's defaults: fixed-effect Mantel-Haenszel for dichotomous data,
# DerSimonian-Laird when random effects are chosen, I² from Q.
REVMAN5 = {
    "pooling": "inverse_variance",
    "model": "fixed",
    "tau2_estimator": "DL",
    "hksj": False,
    "ci_level": 0.95,
    "i2": "Q",
    "prediction_interval": False,
    "revman5_zero_cells": True,
    "zero_cell_correction": 0.5,
    "exclude_double_zero": True,
    "subgroups": True,
    "excluded": [],
}

PRESETS = {"cochrane": COCHRANE, "revman5": REVMAN5}
POOLING = ("inverse_variance", "mantel_haenszel", "peto")
MODELS = ("fixed", "random")
TAU2 = ("REML", "DL", "PM")


def default_settings(outcome: Outcome, *, preset: str = "cochrane") -> dict:
    """A new analysis's settings for ``outcome`` under ``preset`` ("cochrane" or "revman5")."""
    chosen = copy.deepcopy(PRESETS[preset])
    chosen["measure"] = outcome.measure
    if preset == "revman5" and outcome.data_type == DataType.DICHOTOMOUS:
        chosen["pooling"] = "mantel_haenszel"
    return chosen


def _clean_settings(outcome: Outcome, settings: dict) -> dict:
    chosen = default_settings(outcome) | dict(settings)
    problems = []
    if chosen["pooling"] not in POOLING:
        problems.append(f"Unknown pooling method “{chosen['pooling']}”.")
    if chosen["model"] not in MODELS:
        problems.append(f"The model must be fixed or random, not “{chosen['model']}”.")
    if chosen["tau2_estimator"] not in TAU2:
        problems.append(f"Unknown tau² estimator “{chosen['tau2_estimator']}”.")
    if not 0 < float(chosen["ci_level"]) < 1:
        problems.append("The confidence level must be between 0 and 1, e.g. 0.95.")
    if chosen["pooling"] != "inverse_variance" and outcome.data_type != DataType.DICHOTOMOUS:
        problems.append("Mantel-Haenszel and Peto pooling need dichotomous data.")
    if chosen["measure"] not in MEASURES[DataType(outcome.data_type)]:
        allowed = ", ".join(MEASURES[DataType(outcome.data_type)])
        problems.append(f"The measure must be one of {allowed} for this outcome's data.")
    try:
        chosen["zero_cell_correction"] = float(chosen["zero_cell_correction"])
    except (TypeError, ValueError):
        chosen["zero_cell_correction"] = -1.0
    if not 0 <= chosen["zero_cell_correction"] <= 1:
        problems.append("The zero-cell correction must be a number from 0 to 1, e.g. 0.5.")
    for item in chosen["excluded"]:
        if not (isinstance(item, dict) and item.get("study") and item.get("reason")):
            problems.append("Each excluded study needs its name and a reason.")
            break
    if problems:
        raise ValidationError(problems)
    chosen["ci_level"] = float(chosen["ci_level"])
    for flag in ("hksj", "prediction_interval", "subgroups", "exclude_double_zero"):
        chosen[flag] = bool(chosen[flag])
    chosen["revman5_zero_cells"] = bool(chosen["revman5_zero_cells"])
    return chosen


def analysis_create(*, outcome: Outcome, name: str, settings: dict | None = None) -> Analysis:
    """A draft analysis of ``outcome``; ``settings`` override the Cochrane defaults."""
    chosen = _clean_settings(outcome, settings or {})
    return Analysis.objects.create(
        review_id=outcome.comparison.review_id, outcome=outcome, name=name, settings=chosen
    )


def analysis_update(*, analysis: Analysis, name: str, settings: dict) -> Analysis:
    """Change an analysis's name and settings; its old results stay until it runs again."""
    analysis.name = name
    analysis.settings = _clean_settings(analysis.outcome, settings)
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
    cutoff = (now or timezone.now()) - timedelta(seconds=django_settings.ANALYSIS_STALE_SECONDS)
    stuck = Analysis.objects.filter(
        status__in=(Analysis.Status.QUEUED, Analysis.Status.RUNNING), updated__lt=cutoff
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


def input_hash(settings: dict, dataset: list[dict]) -> str:
    """sha256 of the canonical JSON of the settings and the dataset."""
    text = json.dumps(
        {"settings": settings, "dataset": dataset},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def analysis_is_stale(analysis: Analysis) -> bool:
    """True when a done analysis's data or settings changed since it ran."""
    if analysis.status != Analysis.Status.DONE:
        return False
    return input_hash(analysis.settings, outcome_dataset(analysis.outcome)) != analysis.input_hash


def analysis_run(*, analysis_id: int) -> Analysis:
    """Run the analysis, draw its figures and store both; idempotent for unchanged inputs.

    A done analysis whose inputs hash the same is returned untouched. An
    analysis that already used its attempts is marked failed, not run again.
    Results and figures are stored together, in one transaction.
    """
    analysis = Analysis.objects.select_related("outcome__comparison").get(pk=analysis_id)
    dataset = outcome_dataset(analysis.outcome)
    digest = input_hash(analysis.settings, dataset)
    if analysis.status == Analysis.Status.DONE and analysis.input_hash == digest:
        return analysis
    if analysis.attempts >= Analysis.MAX_ATTEMPTS:
        return analysis_fail(analysis=analysis, error=_gave_up(analysis.attempts))
    analysis.status, analysis.attempts = Analysis.Status.RUNNING, analysis.attempts + 1
    _progress(analysis, "Computing the meta-analysis", "status", "attempts")
    try:
        analysis.results = compute(analysis.outcome, analysis.settings, dataset)
        _progress(analysis, "Drawing the forest and funnel plots")
        drawn = analysis_figures(analysis)
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
    return locked


def _progress(analysis: Analysis, text: str, *fields: str) -> None:
    analysis.progress = text
    analysis.save(update_fields=[*fields, "progress", "updated"])


def _figures_replace(
    *, review_id: int, analysis: Analysis | None, digest: str, drawn: dict
) -> None:
    """Store freshly drawn figures ({(kind, format): bytes}) in place of the old ones."""
    old = Figure.objects.filter(review_id=review_id, analysis=analysis)
    if analysis is None:  # the review's own figures: replace only the kinds drawn
        old = old.filter(kind__in={kind for kind, _ in drawn})
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


class AnalysisError(Exception):
    """A problem with the data, in words for the person who entered it."""


def usable_studies(outcome: Outcome, settings: dict, dataset: list[dict]) -> list[dict]:
    """The studies with every field filled in, less those the settings exclude."""
    names = field_names(outcome.data_type)
    excluded = {item["study"] for item in settings.get("excluded", [])}
    return [
        row
        for row in dataset
        if row["label"] not in excluded and all(row.get(n) is not None for n in names)
    ]


def engine_case(outcome: Outcome, settings: dict) -> dict:
    """The settings as a conformance case (``synthesis.stats.conformance.analyse``)."""
    method = {
        "pooling": settings["pooling"],
        "model": settings["model"],
        "tau2_estimator": settings["tau2_estimator"],
        "ci_method": "hksj" if settings["hksj"] else "wald",
        "ci_level": settings["ci_level"],
    }
    measure = settings["measure"]
    if outcome.data_type == DataType.DICHOTOMOUS:
        # RevMan's rule: add 0.5 to every cell of a study with a zero cell; a study
        # with no events (or only events) in both arms tells nothing about a ratio
        rule: dict = {"value": float(settings.get("zero_cell_correction", 0.5))}
        if settings.get("exclude_double_zero", True) and measure != "RD":
            rule["double_zero_studies"] = "excluded"
        if settings["pooling"] == "mantel_haenszel" and settings.get("revman5_zero_cells"):
            rule["mh_pooled_estimate"] = {"value": 0.5}  # RevMan 5 corrects the MH sums too
        method["continuity_correction"] = rule
    if outcome.data_type == DataType.DICHOTOMOUS and settings["pooling"] == "peto":
        measure = "PETO_OR"
    return {"effect_measure": measure, "data_type": outcome.data_type, "method": method}


def run_engine(outcome: Outcome, settings: dict, dataset: list[dict]) -> MetaAnalysis:
    """The engine's fit of the usable studies (raises AnalysisError when there are none)."""
    studies = usable_studies(outcome, settings, dataset)
    if not studies:
        raise AnalysisError(NO_DATA)
    return conformance.analyse(engine_case(outcome, settings), studies)


def compute(outcome: Outcome, settings: dict, dataset: list[dict]) -> dict:
    """The stored results: pooled estimate, heterogeneity, prediction interval, studies,
    subgroups, leave-one-out and small-study effects (everything the results page shows)."""
    studies = usable_studies(outcome, settings, dataset)
    if not studies:
        raise AnalysisError(NO_DATA)
    case = engine_case(outcome, settings)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _plain(_compute(outcome, settings, case, studies))


def _compute(outcome: Outcome, settings: dict, case: dict, studies: list[dict]) -> dict:
    result = conformance.analyse(case, studies)
    if result.pooled.k == 0 or not math.isfinite(result.pooled.estimate):
        raise AnalysisError(NOT_ESTIMABLE)
    level = settings["ci_level"]
    rows = conformance.study_rows(result, level)
    names = field_names(outcome.data_type)
    for row, study in zip(rows, studies, strict=True):
        row["data"] = {name: study[name] for name in names}
        row["subgroup"] = study.get("subgroup")
    results = {
        "measure": settings["measure"],
        "log_scale": bool(result.effects.log_scale),
        "pooling": result.pooling,
        "model": result.model,
        "level": level,
        "pooled": conformance.pooled_block(result),
        "heterogeneity": _heterogeneity(result, settings),
        "prediction_interval": (
            conformance._interval_block(result.prediction_interval)
            if settings.get("prediction_interval", True)
            else None
        ),
        "studies": rows,
        "excluded": list(settings.get("excluded", [])),
        "subgroups": None,
        "subgroup_differences": None,
        "leave_one_out": _leave_one_out(case, studies) if result.pooled.k > 1 else [],
        "small_study": _small_study(result),
    }
    if settings.get("subgroups", True) and outcome.subgroup_variable:
        results |= _subgroups(case, studies, settings)
    return results


def _heterogeneity(result: MetaAnalysis, settings: dict) -> dict:
    heterogeneity = conformance.heterogeneity_block(result)
    heterogeneity["I2_reported"] = (
        heterogeneity["I2_from_Q"] if settings.get("i2") == "Q" else heterogeneity["I2"]
    )
    return heterogeneity


def _subgroups(case: dict, studies: list[dict], settings: dict) -> dict:
    """Per-subgroup pooling and the test for subgroup differences (two or more subgroups)."""
    names = list(dict.fromkeys(s["subgroup"] or "Not given" for s in studies))
    if len(names) < 2:
        return {}
    blocks, fits = [], []
    for name in names:
        members = [s for s in studies if (s["subgroup"] or "Not given") == name]
        fit = conformance.analyse(case, members)
        fits.append(fit)
        blocks.append(
            {
                "name": name,
                "k": fit.pooled.k,
                "pooled": conformance.pooled_block(fit),
                "heterogeneity": _heterogeneity(fit, settings),
                "weights": [row["weight_percent"] for row in conformance.weight_rows(fit)],
            }
        )
    test = subgroup_differences(fits)
    differences = {"Q": test.Q_between, "df": test.df, "p": test.p, "I2": test.I2}
    return {"subgroups": blocks, "subgroup_differences": differences}


def _leave_one_out(case: dict, studies: list[dict]) -> list[dict]:
    rows = []
    for omitted, fit in leave_one_out(lambda s: conformance.analyse(case, s), studies):
        p, h = fit.pooled, fit.heterogeneity
        rows.append(
            {
                "omitted": omitted,
                "k": p.k,
                "effect": p.effect,
                "effect_ci_lower": p.effect_ci_lower,
                "effect_ci_upper": p.effect_ci_upper,
                "p": p.p,
                "I2": h.I2,
                "tau2": h.tau2,
            }
        )
    return rows


def _small_study(result: MetaAnalysis) -> dict:
    """Egger, Begg and trim-and-fill when there are three or more studies, with a caution."""
    k = int(result.effects.included.sum())
    if k < 3:
        return {"k": k, "note": "Small-study tests need at least three studies."}
    block: dict = {"k": k, "note": ""}
    if k < 10:
        block["note"] = (
            "With fewer than 10 studies these tests have little power (Cochrane Handbook 13.3.5.4)."
        )
    egger = small_study.egger_test(result)
    begg = small_study.rank_correlation(result)
    block["egger"] = {"statistic": egger.statistic, "df": egger.df, "p": egger.p}
    block["begg"] = {"kendall_tau": begg.kendall_tau, "p": begg.p}
    try:
        trim = small_study.trim_and_fill(result)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
        block["trim_and_fill"] = None
        block["note"] = f"{block['note']} Trim-and-fill could not be computed: {error}".strip()
        return block
    block["trim_and_fill"] = {
        "estimator": trim.estimator,
        "side": trim.side,
        "k0": trim.k0,
        "filled_yi": list(trim.filled_yi),
        "filled_vi": list(trim.filled_vi),
        "pooled": conformance.pooled_block(trim.filled),
    }
    return block


def _plain(value):
    """JSON-ready: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
