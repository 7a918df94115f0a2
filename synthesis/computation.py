"""What an analysis computes: its settings (presets and checks), the studies it can use,
and the stored results (pooled estimate, heterogeneity, subgroups, leave-one-out,
small-study effects). Reads only; ``synthesis.services`` stores the results.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from django.core.exceptions import ValidationError

from extraction.models import DataType, Outcome
from extraction.outcomes.data import field_names
from extraction.services.outcomes import MEASURES
from synthesis.stats import conformance, small_study
from synthesis.stats.pooling import MetaAnalysis
from synthesis.stats.sensitivity import leave_one_out
from synthesis.stats.subgroups import subgroup_differences

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


def clean_settings(outcome: Outcome, settings: dict) -> dict:
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
