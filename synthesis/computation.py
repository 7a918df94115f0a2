"""What an analysis computes: its settings (presets and checks), the engine's method for
them, and the stored results (pooled estimate, heterogeneity, subgroups, leave-one-out,
small-study effects). Reads only; ``synthesis.services`` stores the results.

Everything numeric is the engine's: :func:`synthesis.stats.analyse`, called once per
run with the settings as a :class:`~synthesis.stats.Method`. Its refusals and "not
estimable" reasons reach the page as :class:`AnalysisError` in the engine's words.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from django.core.exceptions import ValidationError

from extraction.models import DataType, Outcome
from extraction.outcomes import measures as registry
from extraction.outcomes.data import field_names
from synthesis.stats import EngineInputError, Method, Result, ZeroCells, analyse, studies_from_rows
from synthesis.stats.method import PREDICTION_INTERVALS

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
    "prediction_interval_kind": "metafor",
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
    "prediction_interval_kind": "metafor",
    "revman5_zero_cells": True,
    "zero_cell_correction": 0.5,
    "exclude_double_zero": True,
    "subgroups": True,
    "excluded": [],
}

PRESETS = {"cochrane": COCHRANE, "revman5": REVMAN5}
MODELS = ("fixed", "random")
TAU2 = ("REML", "DL", "PM")
FLAGS = ("hksj", "prediction_interval", "subgroups", "exclude_double_zero", "revman5_zero_cells")
# What a stored leave-one-out row holds (the page, the export and its reproduce scripts read
# these); the engine's rows have the analysis-scale fields too.
LEAVE_ONE_OUT_FIELDS = (
    "omitted", "k", "effect", "effect_ci_lower", "effect_ci_upper", "p", "I2", "tau2",
    "not_estimable",
)  # fmt: skip


def default_settings(outcome: Outcome, *, preset: str = "cochrane") -> dict:
    """A new analysis's settings for ``outcome`` under ``preset`` ("cochrane" or "revman5")."""
    chosen = copy.deepcopy(PRESETS[preset])
    chosen["measure"] = outcome.measure
    if preset == "revman5" and outcome.data_type == DataType.DICHOTOMOUS:
        chosen["pooling"] = registry.measure(outcome.measure).default_pooling
    return chosen


def clean_settings(outcome: Outcome, settings: dict) -> dict:
    """The settings with defaults filled in, checked against the outcome and the engine.

    Raises ValidationError listing every problem in words.
    """
    chosen = default_settings(outcome) | dict(settings)
    chosen["zero_cell_correction"] = _number(chosen["zero_cell_correction"])
    problems = _setting_problems(outcome, chosen)
    if problems:
        raise ValidationError(problems)
    chosen["ci_level"] = float(chosen["ci_level"])
    for flag in FLAGS:
        chosen[flag] = bool(chosen[flag])
    try:
        method_for(outcome, chosen)
    except EngineInputError as error:
        raise ValidationError([_sentence(problem.message) for problem in error.problems]) from None
    return chosen


def _setting_problems(outcome: Outcome, chosen: dict) -> list[str]:
    problems = []
    data_type = DataType(outcome.data_type)
    if chosen["pooling"] not in registry.POOLINGS:
        problems.append(f"Unknown pooling method “{chosen['pooling']}”.")
    if chosen["model"] not in MODELS:
        problems.append(f"The model must be fixed or random, not “{chosen['model']}”.")
    if chosen["tau2_estimator"] not in TAU2:
        problems.append(f"Unknown tau² estimator “{chosen['tau2_estimator']}”.")
    if not _is_level(chosen["ci_level"]):
        problems.append("The confidence level must be between 0 and 1, e.g. 0.95.")
    if chosen["pooling"] != registry.INVERSE_VARIANCE and data_type != DataType.DICHOTOMOUS:
        problems.append("Mantel-Haenszel and Peto pooling need dichotomous data.")
    allowed = [m.key for m in registry.measures_for(data_type)]
    if chosen["measure"] not in allowed:
        problems.append(f"The measure must be one of {', '.join(allowed)} for this outcome's data.")
    if chosen["prediction_interval_kind"] not in PREDICTION_INTERVALS:
        problems.append(f"Unknown prediction interval “{chosen['prediction_interval_kind']}”.")
    if not 0 <= chosen["zero_cell_correction"] <= 1:
        problems.append("The zero-cell correction must be a number from 0 to 1, e.g. 0.5.")
    for item in chosen["excluded"]:
        if not (isinstance(item, dict) and item.get("study") and item.get("reason")):
            problems.append("Each excluded study needs its name and a reason.")
            break
    return problems


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return -1.0  # refused by the range check with the words people need


def _is_level(value) -> bool:
    try:
        return 0 < float(value) < 1
    except (TypeError, ValueError):
        return False


def method_for(outcome: Outcome, settings: dict) -> Method:
    """The engine's :class:`~synthesis.stats.Method` for cleaned ``settings``.

    Peto pooling of 2×2 tables gives Peto's odds ratio whatever measure is
    chosen; RevMan 5's zero-cell rule also corrects the Mantel-Haenszel sums.
    """
    pooling = settings["pooling"]
    measure = settings["measure"]
    if pooling == registry.PETO and outcome.data_type == DataType.DICHOTOMOUS:
        measure = "PETO_OR"
    zero_cells = ZeroCells(
        correction=float(settings.get("zero_cell_correction", 0.5)),
        drop_double_zero=bool(settings.get("exclude_double_zero", True)),
        mh_sums=pooling == registry.MANTEL_HAENSZEL and bool(settings.get("revman5_zero_cells")),
    )
    return Method(
        measure=measure,
        pooling=pooling,
        model=settings["model"],
        tau2_estimator=settings["tau2_estimator"],
        ci_method="hksj" if settings["hksj"] else "wald",
        level=float(settings["ci_level"]),
        zero_cells=zero_cells,
        subgroups=bool(settings.get("subgroups", True) and outcome.subgroup_variable),
        prediction_interval=settings.get("prediction_interval_kind", "metafor"),
        i2_from="Q" if settings.get("i2") == "Q" else "tau2",
    )


class AnalysisError(Exception):
    """A problem with the data, in words for the person who entered it."""


def analysed_rows(settings: dict, dataset: list[dict]) -> list[dict]:
    """The outcome's rows less the studies the settings leave out (with their reasons)."""
    excluded = {item["study"] for item in settings.get("excluded", [])}
    return [row for row in dataset if row["label"] not in excluded]


def run_engine(
    outcome: Outcome,
    settings: dict,
    rows: list[dict],
    *,
    leave_one_out: bool = True,
    small_study: bool = True,
) -> Result:
    """The engine's result for ``rows``; its refusal raised as :class:`AnalysisError`."""
    if not rows:
        raise AnalysisError(NO_DATA)
    try:
        return analyse(
            studies_from_rows(outcome.data_type, rows),
            method_for(outcome, settings),
            leave_one_out=leave_one_out,
            small_study=small_study,
        )
    except EngineInputError as error:
        raise AnalysisError(_sentence(str(error))) from None


def compute(outcome: Outcome, settings: dict, dataset: list[dict]) -> dict:
    """The stored results: the engine's :meth:`~synthesis.stats.Result.to_dict`, each study's
    data as entered, and the studies the settings leave out (everything the results page
    shows). A pooled value the engine cannot estimate fails the run with its reason."""
    result = run_engine(outcome, settings, analysed_rows(settings, dataset))
    if result.not_estimable:
        raise AnalysisError(_sentence(result.not_estimable))
    results = result.to_dict()
    names = field_names(outcome.data_type)
    entered = {row["label"]: row for row in dataset}
    for row in results["studies"]:
        row["data"] = {name: entered[row["label"]][name] for name in names}
    results["excluded"] = list(settings.get("excluded", []))
    results["leave_one_out"] = [
        {name: row[name] for name in LEAVE_ONE_OUT_FIELDS} for row in results["leave_one_out"]
    ]
    if not settings.get("prediction_interval", True):
        results["prediction_interval"] = None
    return _plain(results)


def _sentence(text: str) -> str:
    """The engine's words as a sentence: capital first letter, full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else f"{text}."


def _plain(value):
    """JSON-ready: numpy scalars to Python, and a last guard turning a non-finite number
    into None (the engine reports none; PostgreSQL's jsonb refuses NaN)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
