"""Analyses: create, enqueue and run one, storing the engine's result on the row."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
import uuid

import numpy as np
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from config.celery import enqueue
from extraction.models import DataType, Outcome
from extraction.outcomes.data import field_names
from extraction.selectors import outcome_dataset
from synthesis.stats import conformance
from synthesis.stats.pooling import MetaAnalysis

from .models import Analysis

logger = logging.getLogger(__name__)

NO_DATA = "No study has data for this outcome."

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
    for item in chosen["excluded"]:
        if not (isinstance(item, dict) and item.get("study") and item.get("reason")):
            problems.append("Each excluded study needs its name and a reason.")
            break
    if problems:
        raise ValidationError(problems)
    chosen["ci_level"] = float(chosen["ci_level"])
    chosen["hksj"] = bool(chosen["hksj"])
    return chosen


def analysis_create(*, outcome: Outcome, name: str, settings: dict | None = None) -> Analysis:
    """A draft analysis of ``outcome``; ``settings`` override the Cochrane defaults."""
    chosen = _clean_settings(outcome, settings or {})
    return Analysis.objects.create(
        review_id=outcome.comparison.review_id, outcome=outcome, name=name, settings=chosen
    )


def analysis_enqueue(*, analysis: Analysis) -> Analysis:
    """Queue a run; the task is sent once the current transaction commits."""
    analysis.status = Analysis.Status.QUEUED
    analysis.attempts = 0
    analysis.task_id = str(uuid.uuid4())
    analysis.save(update_fields=["status", "attempts", "task_id", "updated"])
    analysis_id, task_id = analysis.pk, analysis.task_id
    transaction.on_commit(lambda: _send(analysis_id, task_id))
    return analysis


def _send(analysis_id: int, task_id: str) -> None:
    from .tasks import analysis_run_task

    enqueue(analysis_run_task, args=[analysis_id], task_id=task_id, label=f"analysis {analysis_id}")


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


def analysis_run(*, analysis_id: int) -> Analysis:
    """Run the analysis and store its result; idempotent for unchanged inputs.

    A done analysis whose inputs hash the same is returned untouched. An
    analysis that already used its attempts is marked failed, not run again.
    """
    analysis = Analysis.objects.select_related("outcome").get(pk=analysis_id)
    dataset = outcome_dataset(analysis.outcome)
    digest = input_hash(analysis.settings, dataset)
    if analysis.status == Analysis.Status.DONE and analysis.input_hash == digest:
        return analysis
    if analysis.attempts >= Analysis.MAX_ATTEMPTS:
        return analysis_fail(
            analysis=analysis,
            error=f"The analysis failed {analysis.attempts} times and was stopped; "
            "please try again later.",
        )
    analysis.status, analysis.attempts = Analysis.Status.RUNNING, analysis.attempts + 1
    analysis.save(update_fields=["status", "attempts", "updated"])
    try:
        results = compute(analysis.outcome, analysis.settings, dataset)
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
        locked.results, locked.error = results, ""
        locked.save(update_fields=["status", "input_hash", "results", "error", "updated"])
    return locked


def analysis_fail(*, analysis: Analysis, error: str) -> Analysis:
    analysis.status, analysis.error, analysis.results = Analysis.Status.FAILED, error, None
    analysis.save(update_fields=["status", "error", "results", "updated"])
    return analysis


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
    if settings["pooling"] == "mantel_haenszel" and settings.get("revman5_zero_cells"):
        # RevMan 5 adds 0.5 to zero cells in the MH pooled estimate too
        method["continuity_correction"] = {"value": 0.5, "mh_pooled_estimate": {"value": 0.5}}
    measure = settings["measure"]
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
    """The stored results: pooled estimate, heterogeneity, prediction interval, studies."""
    result = run_engine(outcome, settings, dataset)
    level = settings["ci_level"]
    heterogeneity = conformance.heterogeneity_block(result)
    heterogeneity["I2_reported"] = (
        heterogeneity["I2_from_Q"] if settings.get("i2") == "Q" else heterogeneity["I2"]
    )
    results = {
        "measure": settings["measure"],
        "log_scale": bool(result.effects.log_scale),
        "pooling": result.pooling,
        "model": result.model,
        "level": level,
        "pooled": conformance.pooled_block(result),
        "heterogeneity": heterogeneity,
        "prediction_interval": (
            conformance._interval_block(result.prediction_interval)
            if settings.get("prediction_interval", True)
            else None
        ),
        "studies": conformance.study_rows(result, level),
        "excluded": list(settings.get("excluded", [])),
    }
    return _plain(results)


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


def result_line(analysis: Analysis) -> str:
    """One line for people: “Pain: MD -1.20 [95% CI -2.00, -0.40], p = 0.003, I² = 12%, k = 3”."""
    if analysis.status == Analysis.Status.FAILED:
        return f"{analysis.name}: failed: {analysis.error}"
    if analysis.status != Analysis.Status.DONE or not analysis.results:
        return f"{analysis.name}: {analysis.get_status_display().lower()}"
    r = analysis.results
    p, h = r["pooled"], r["heterogeneity"]
    percent = round(100 * r["level"])
    i2 = h.get("I2_reported")
    i2_text = "n/a" if i2 is None else f"{i2:.0f}%"
    return (
        f"{analysis.name}: {r['measure']} {p['effect']:.2f} "
        f"[{percent}% CI {p['effect_ci_lower']:.2f}, {p['effect_ci_upper']:.2f}], "
        f"{p['statistic_type']} = {p['statistic']:.2f}, p = {p['p']:.4f}, "
        f"I² = {i2_text}, k = {p['k']}"
    )
