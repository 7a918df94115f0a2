"""The robustness panel of an analysis: its pooled effect again under other reasonable choices.

One call refits the analysis with the other model, each τ² estimator, HKSJ
switched, each study left out, the studies at high risk of bias left out and
the other effect measure, and returns one row per variant. A variant that
cannot be computed gives a row with a note instead of numbers, never an
exception.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace

import pandas as pd

from extraction.models import DataType, Outcome
from extraction.outcomes import measures as registry
from synthesis.plots.robustness import RobustnessLine
from synthesis.stats import Fit, Result

from .computation import NO_DATA, AnalysisError, analysed_rows, clean_settings, run_engine

logger = logging.getLogger(__name__)

PRIMARY = "Primary analysis"
MODEL = "Model"
TAU2 = "τ² estimator"
INTERVAL = "Confidence interval"
LEAVE_ONE_OUT = "Leave one out"
RISK_OF_BIAS = "Risk of bias"
MEASURE = "Effect measure"

TAU2_ESTIMATORS = ("DL", "REML", "PM")

NO_STUDY_LEFT = "No study left."
ONE_STUDY_LEFT = "One study left."
NEEDS_TWO = "Needs two or more studies."


@dataclass(frozen=True)
class RobustnessRow:
    """One variant of the analysis and its pooled effect.

    Attributes
    ----------
    group : str
        "Primary analysis", "Model", "τ² estimator", "Confidence interval",
        "Leave one out", "Risk of bias" or "Effect measure".
    label : str
        The variant in plain words, e.g. "Fixed effect (inverse variance)",
        "Without Smith 2010", "Odds ratio instead of risk ratio".
    measure : str
        The variant's effect measure ("RR", "OR", "MD", ...).
    k : int or None
        Studies pooled.
    estimate, ci_lower, ci_upper : float or None
        Pooled effect and confidence limits on the reported scale (RR, not
        log RR).
    p : float or None
        p-value of the test of no effect.
    i2 : float or None
        I² in percent, as the analysis reports it (from τ² or from Q).
    tau2 : float or None
        τ² on the analysis scale; None for fixed-effect variants.
    is_primary : bool
        The analysis as its settings say.
    note : str
        Why the variant has no numbers ("No study left."), or what it omits.
    """

    group: str
    label: str
    measure: str
    k: int | None = None
    estimate: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    p: float | None = None
    i2: float | None = None
    tau2: float | None = None
    is_primary: bool = False
    note: str = ""

    @property
    def computed(self) -> bool:
        return self.estimate is not None


@dataclass(frozen=True)
class Robustness:
    """The robustness panel: the primary analysis first, then the variants by group.

    ``measure`` and ``log_scale`` are the primary analysis's; ``level`` is the
    confidence level of every interval.
    """

    measure: str
    log_scale: bool
    level: float
    rows: tuple[RobustnessRow, ...]

    @property
    def measure_label(self) -> str:
        """E.g. "Risk ratio (95% CI)", the header of the effect column and axis."""
        return f"{_capital(_noun(self.measure))} ({_percent(self.level)}% CI)"

    def to_json(self) -> dict:
        """Plain data for ``Analysis.results``: every number finite or None."""
        return {
            "measure": self.measure,
            "log_scale": self.log_scale,
            "level": self.level,
            "rows": [asdict(row) for row in self.rows],
        }

    def to_frame(self) -> pd.DataFrame:
        """One line per row, the fields of :class:`RobustnessRow` as columns."""
        names = [f.name for f in fields(RobustnessRow)]
        return pd.DataFrame([asdict(row) for row in self.rows], columns=names)

    def plot_rows(self) -> list[RobustnessLine]:
        """The rows as :func:`synthesis.plots.robustness.plot_robustness` takes them.

        A variant on another scale (a risk difference beside risk ratios, an
        SMD beside mean differences) is shown as text only.
        """
        return [
            RobustnessLine(
                group=row.group,
                label=row.label,
                k=row.k,
                estimate=row.estimate,
                ci_lower=row.ci_lower,
                ci_upper=row.ci_upper,
                is_primary=row.is_primary,
                note=row.note,
                on_axis=_same_scale(row.measure, self.measure),
            )
            for row in self.rows
        ]


# --- the panel ----------------------------------------------------------------


def robustness(
    outcome: Outcome, settings: dict, dataset: list[dict], *, high_risk: dict[str, str]
) -> Robustness:
    """Refit the analysis under each variant of the robustness panel.

    Parameters
    ----------
    outcome : Outcome
        The outcome analysed (its data type decides the other measure).
    settings : dict
        The analysis's settings (``synthesis.services``); missing keys take
        the Cochrane defaults.
    dataset : list of dict
        :func:`extraction.selectors.outcome_dataset` rows.
    high_risk : dict of str to str
        Study name to judgement, from :func:`high_risk_studies`.

    Returns
    -------
    Robustness
        The primary analysis, then: the other model (same pooling;
        random-effects inverse variance for Peto, which has no random
        model); random-effects inverse variance with each τ² estimator
        (DerSimonian-Laird, REML, Paule-Mandel) not already shown; HKSJ
        switched on or off; each study left out; the studies at high risk of
        bias left out; the other effect measures (RR, OR and RD among
        themselves; MD and SMD; none for generic data). Effects on the
        reported scale (RR, not log RR); τ² on the analysis scale.

    Notes
    -----
    Studies the settings exclude stay excluded in every variant. Leaving a
    study out drops all its rows (every subgroup).
    """
    settings = clean_settings(outcome, settings)
    if settings["pooling"] == "peto":
        settings |= {"measure": "OR", "model": "fixed"}  # what the engine computes
    measure = settings["measure"]
    primary = RobustnessRow(PRIMARY, _describe(settings), measure, is_primary=True)
    rows, result = _primary(primary, outcome, settings, analysed_rows(settings, dataset))
    if result is not None:
        analysed = {row.label for row in result.studies}
        studies = [row for row in analysed_rows(settings, dataset) if row["label"] in analysed]
        for variants in (_model_rows, _tau2_rows, _interval_rows):
            rows += variants(outcome, settings, studies)
        rows += _leave_one_out_rows(settings, result)
        rows += _risk_of_bias_rows(outcome, settings, studies, high_risk)
        rows += _measure_rows(outcome, settings, studies)
    return Robustness(measure, registry.is_ratio(measure), settings["ci_level"], tuple(rows))


def _primary(
    row: RobustnessRow, outcome: Outcome, settings: dict, studies: list[dict]
) -> tuple[list[RobustnessRow], Result | None]:
    """The primary row, and the engine's result with its leave-one-out fits (None without data)."""
    if not studies:
        return [replace(row, note=NO_DATA)], None
    try:
        result = run_engine(outcome, settings, studies, small_study=False)
    except AnalysisError as error:
        return [replace(row, note=str(error))], None
    return [_from_fit(row, result.overall)], result


def _evaluate(
    row: RobustnessRow, outcome: Outcome, settings: dict, studies: Sequence[dict]
) -> RobustnessRow:
    """The row with the numbers of the engine's fit, or with a note saying why there are none."""
    if not studies:
        return replace(row, note=NO_STUDY_LEFT)
    try:
        result = run_engine(
            outcome, settings, list(studies), leave_one_out=False, small_study=False
        )
    except AnalysisError as error:  # a variant the engine refuses is a note, not a failure
        logger.info("robustness variant %r could not be computed: %s", row.label, error)
        return replace(row, note=f"Could not be computed: {error}")
    return _from_fit(row, result.overall)


def _from_fit(row: RobustnessRow, fit: Fit) -> RobustnessRow:
    pooled, heterogeneity = fit.pooled, fit.heterogeneity
    if pooled is None or pooled.effect is None:
        reason = fit.not_estimable or "the estimate is beyond the range of numbers"
        return replace(row, k=fit.k, note=f"Not estimable: {reason}.")
    random = fit.analysis.model == "random" and heterogeneity is not None
    return replace(
        row,
        k=pooled.k,
        estimate=pooled.effect,
        ci_lower=pooled.effect_ci_lower,
        ci_upper=pooled.effect_ci_upper,
        p=pooled.p,
        i2=fit.i2_reported,
        tau2=heterogeneity.tau2 if random else None,
    )


def _variant(group, label, outcome, settings, studies, note="") -> RobustnessRow:
    row = RobustnessRow(group, label, settings["measure"], note=note)
    return _evaluate(row, outcome, settings, studies)


def _model_rows(outcome: Outcome, settings: dict, studies: list[dict]) -> list[RobustnessRow]:
    """The other model: fixed for random and random for fixed, with the same pooling."""
    if settings["pooling"] == "peto":
        other = settings | {"pooling": "inverse_variance", "model": "random"}
    elif settings["model"] == "random":
        other = settings | {"model": "fixed", "hksj": False}
    else:
        other = settings | {"model": "random"}
    return [_variant(MODEL, _describe(other, settings), outcome, other, studies)]


def _tau2_rows(outcome: Outcome, settings: dict, studies: list[dict]) -> list[RobustnessRow]:
    """Random-effects inverse variance with each τ² estimator not already shown."""
    shown = settings["tau2_estimator"] if settings["pooling"] != "mantel_haenszel" else None
    rows = []
    for estimator in TAU2_ESTIMATORS:
        if estimator == shown:
            continue
        other = settings | {
            "pooling": "inverse_variance",
            "model": "random",
            "tau2_estimator": estimator,
        }
        label = _describe(other, settings)
        if _count(studies) < 2:
            rows.append(RobustnessRow(TAU2, label, settings["measure"], note=NEEDS_TWO))
        else:
            rows.append(_variant(TAU2, label, outcome, other, studies))
    return rows


def _interval_rows(outcome: Outcome, settings: dict, studies: list[dict]) -> list[RobustnessRow]:
    """Random-effects inverse variance with the HKSJ interval switched on or off."""
    other = settings | {
        "pooling": "inverse_variance",
        "model": "random",
        "hksj": not settings["hksj"],
    }
    label = _describe(other, settings) + ("" if other["hksj"] else ", no HKSJ")
    if _count(studies) < 2:
        return [RobustnessRow(INTERVAL, label, settings["measure"], note=NEEDS_TWO)]
    return [_variant(INTERVAL, label, outcome, other, studies)]


def _leave_one_out_rows(settings: dict, result: Result) -> list[RobustnessRow]:
    """The analysis without each study in turn: the engine's leave-one-out fits."""
    measure = settings["measure"]
    if len(result.studies) == 1:
        label = f"Without {result.studies[0].label}"
        return [RobustnessRow(LEAVE_ONE_OUT, label, measure, note=NO_STUDY_LEFT)]
    note = ONE_STUDY_LEFT if len(result.studies) == 2 else ""
    return [
        _from_fit(
            RobustnessRow(LEAVE_ONE_OUT, f"Without {row.omitted}", measure, note=note), row.fit
        )
        for row in result.leave_one_out
    ]


def _risk_of_bias_rows(
    outcome: Outcome, settings: dict, studies: list[dict], high_risk: dict[str, str]
) -> list[RobustnessRow]:
    """The analysis without the studies at high risk of bias."""
    omitted = [name for name in _names(studies) if name in high_risk]
    if not omitted:
        label = "Excluding studies at high risk of bias"
        note = "No study is at high risk of bias."
        return [RobustnessRow(RISK_OF_BIAS, label, settings["measure"], note=note)]
    count = len(omitted)
    label = f"Excluding {count} {'study' if count == 1 else 'studies'} at high risk of bias"
    rest = [s for s in studies if s["label"] not in high_risk]
    if not rest:
        note = "Every study is at high risk of bias."
    else:
        note = "Without " + "; ".join(f"{name} ({high_risk[name].lower()})" for name in omitted)
    return [_variant(RISK_OF_BIAS, label, outcome, settings, rest, note)]


def _measure_rows(outcome: Outcome, settings: dict, studies: list[dict]) -> list[RobustnessRow]:
    """The other effect measures of the data type (the registry's alternatives), with the
    same pooling where it applies."""
    measure = settings["measure"]
    info = registry.measure("PETO_OR" if settings["pooling"] == "peto" else measure)
    others = info.alternatives if outcome.data_type != DataType.GENERIC else ()
    if not others:
        note = "Generic data has only the measure it was entered in."
        if outcome.data_type != DataType.GENERIC:
            note = f"No other measure for {_measure_name(settings)}."
        return [RobustnessRow(MEASURE, "Another effect measure", measure, note=note)]
    rows = []
    for other_measure in others:
        other = settings | {"measure": other_measure}
        if settings["pooling"] == "peto":
            other["pooling"] = "inverse_variance"
        label = f"{_capital(_noun(other_measure))} instead of {_measure_name(settings)}"
        rows.append(_variant(MEASURE, label, outcome, other, studies))
    return rows


# --- words and numbers ----------------------------------------------------------


def _describe(settings: dict, primary: dict | None = None) -> str:
    """The model in words: "Fixed effect (inverse variance)", "Random effects, REML τ², HKSJ".

    Inverse variance is named for a random-effects variant of a primary
    analysis that pools otherwise (Mantel-Haenszel, Peto).
    """
    pooling = settings["pooling"]
    if pooling == "peto":
        return "Fixed effect (Peto)"
    if pooling == "mantel_haenszel":  # the engine's MH random effects are RevMan's, with DL
        model = "Fixed effect" if settings["model"] == "fixed" else "Random effects"
        return f"{model} (Mantel-Haenszel)" + (", DL τ²" if model == "Random effects" else "")
    if settings["model"] == "fixed":
        text = "Fixed effect (inverse variance)"
    else:
        text = f"Random effects, {settings['tau2_estimator']} τ²"
        if primary is not None and primary["pooling"] != "inverse_variance":
            text += " (inverse variance)"
    return text + (", HKSJ" if settings["hksj"] else "")


def _measure_name(settings: dict) -> str:
    return _noun("PETO_OR" if settings["pooling"] == "peto" else settings["measure"])


def _noun(measure: str) -> str:
    """The registry's name of ``measure`` inside a sentence ("risk ratio")."""
    return registry.MEASURES[measure].noun if measure in registry.MEASURES else measure


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(studies: Sequence[dict]) -> list[str]:
    return list(dict.fromkeys(s["label"] for s in studies))


def _count(studies: Sequence[dict]) -> int:
    return len(_names(studies))


def _same_scale(measure: str, primary: str) -> bool:
    return measure == primary or (registry.is_ratio(measure) and registry.is_ratio(primary))


def _percent(level: float) -> str:
    return f"{100 * level:g}"
