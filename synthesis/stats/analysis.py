"""The engine's one public entry point: :func:`analyse` studies under a :class:`Method`.

It checks the input at the boundary, computes the study effects (metafor's
``escalc``), pools them (``rma.uni``, ``rma.mh``, ``rma.peto``), and builds
on that fit the subgroups, the leave-one-out refits and the small-study
tests, each implemented here once. The web layer and the conformance runner
both call it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import stats

from extraction.outcomes.data import DataType
from extraction.outcomes.measures import DOUBLE_ZERO

from . import small_study as tests
from .effects import StudyEffects, double_zero, study_effects
from .errors import NotEstimable
from .inputs import Study, Table, check_studies
from .mantel_haenszel import mantel_haenszel
from .method import Method
from .pooling import NO_ESTIMATE, MetaAnalysis, inverse_variance, peto
from .results import (
    Fit,
    LeaveOneOut,
    Result,
    SmallStudy,
    StudyResult,
    SubgroupResult,
)
from .subgroups import subgroup_differences

FEW_STUDIES = 10
LOW_POWER = "With fewer than 10 studies these tests have little power (Cochrane Handbook 13.3.5.4)."


def analyse(
    studies: Sequence[Study],
    method: Method,
    *,
    leave_one_out: bool = True,
    small_study: bool = True,
) -> Result:
    """Meta-analyse ``studies`` by ``method``.

    Parameters
    ----------
    studies : sequence of Study
        One per study, all of one data type, labels unique. A study with a
        missing value is left out and named in ``Result.left_out``.
    method : Method
        Measure, pooling, model, τ² estimator, interval method, level,
        zero-cell rules, SMD variant, subgroups, prediction interval.
    leave_one_out : bool
        Refit without each study in turn (metafor ``leave1out``).
    small_study : bool
        Egger's regression test, Begg's rank correlation and trim-and-fill
        (metafor ``regtest(model = "lm")``, ``ranktest``, ``trimfill``).

    Returns
    -------
    Result
        Estimates on the analysis scale (log for ratio measures) with the
        reported scale beside them. A value that does not exist for the
        input is None with the reason in words: a pooled value when no study
        has an estimate or a Mantel-Haenszel sum is zero, heterogeneity of a
        single study, a test that needs more studies.

    Raises
    ------
    EngineInputError
        Impossible input, naming the study and the field: no studies,
        counts that are not whole or exceed the total, n < 1, negative SDs,
        SEs ≤ 0, non-finite numbers, an SD of 0 in both arms, data that do
        not suit the measure.

    Notes
    -----
    Inverse variance: fixed effect, or random effects with DerSimonian-Laird,
    REML or Paule-Mandel τ², Wald or Hartung-Knapp-Sidik-Jonkman intervals,
    the Q-profile interval for τ² and a prediction interval. Mantel-Haenszel
    RR, OR and RD, with RevMan 5's DerSimonian-Laird random effects. Peto's
    odds ratio and the O − E hazard ratio. Subgroups are pooled separately,
    each with its own τ², and compared by RevMan's test. A leave-one-out fit
    of one study has no heterogeneity (None), where metafor reports p = 1.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor
    package. J Stat Softw 36(3):1-48.
    Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
    Higgins JPT et al., eds. Cochrane Handbook for Systematic Reviews of
    Interventions, version 6.5 (2024), chapter 10.
    """
    data_type, usable, left_out = check_studies(studies, method)
    # numpy's warnings on the way (log 0, 0/0) are not results: every reported
    # value is finite or None with its reason, as the property tests check
    with np.errstate(all="ignore"):
        return _analyse(data_type, usable, left_out, method, leave_one_out, small_study)


def _analyse(data_type, usable, left_out, method, leave_one_out, small_study) -> Result:
    table = Table.of(data_type, usable)
    overall = fit(table, method)
    groups, differences = _subgroups(table, method) if method.subgroups else ((), None)
    return Result(
        method=method,
        data_type=data_type,
        overall=overall,
        studies=study_rows(table, overall),
        left_out=tuple(left_out),
        subgroups=groups,
        subgroup_differences=differences,
        leave_one_out=_leave_one_out(table, method) if leave_one_out else (),
        small_study=_small_study(overall) if small_study else None,
    )


def fit(data: Table, method: Method) -> Fit:
    """The pooled analysis of checked studies (no subgroups, refits or tests)."""
    data_type, studies, labels, table = data.data_type, data.studies, data.labels, data.columns
    zero = method.zero_cells
    drop = zero.drop_double_zero and DOUBLE_ZERO in method.measure_info.zero_cell_rules
    if method.uses_mh:
        cells = [table[k] for k in ("events_exp", "total_exp", "events_ctrl", "total_ctrl")]
        analysis = mantel_haenszel(
            method.measure,
            *cells,
            labels=labels,
            model=method.model,
            correction="revman5" if zero.mh_sums else "metafor",
            value=zero.correction,
            drop_double_zero=drop,
            level=method.level,
        )
    else:
        effects = study_effects(
            data_type,
            method.measure,
            table,
            labels=labels,
            correction=zero.correction,
            drop_double_zero=drop,
            smd_variant=method.smd_variant,
        )
        analysis = _pool(effects, method)
    if analysis.not_estimable == NO_ESTIMATE:
        reason = _no_estimate(data_type, studies, analysis.effects, method)
        analysis = replace(analysis, not_estimable=reason)
    return Fit(analysis, method)


def _pool(effects: StudyEffects, method: Method) -> MetaAnalysis:
    if method.uses_peto:
        return peto(effects, level=method.level)
    return inverse_variance(
        effects,
        model=method.model,
        tau2_method=method.tau2_estimator,
        ci_method=method.ci_method,
        level=method.level,
    )


def _no_estimate(data_type, studies, effects: StudyEffects, method: Method) -> str:
    """Why no study has an estimate: "every study has no events in either arm"."""
    notes = [study_note(data_type, s, method) for s in studies]
    noun = method.measure_info.noun
    if len(set(notes)) == 1:
        return f"no study has an estimate of the {noun}: every study has {notes[0]}"
    named = "; ".join(f"{s.label}: {note}" for s, note in zip(studies, notes, strict=True))
    return f"no study has an estimate of the {noun} ({named})"


# --- study rows -----------------------------------------------------------------


def study_rows(data: Table, overall: Fit) -> tuple:
    """One :class:`StudyResult` per study, its z interval at the method's level.

    A value is None where it is not defined: every value of a study not pooled,
    and a reported-scale limit whose exp() overflows.
    """
    effects = overall.analysis.effects
    z = stats.norm.ppf(0.5 + overall.method.level / 2)
    se = np.sqrt(effects.vi)
    values = {"yi": effects.yi, "vi": effects.vi, "se": se}
    values |= {"ci_lower": effects.yi - z * se, "ci_upper": effects.yi + z * se}
    for name, source in (("effect", "yi"), ("effect_ci_lower", "ci_lower")):
        values[name] = np.exp(values[source]) if effects.log_scale else values[source]
    values["effect_ci_upper"] = (
        np.exp(values["ci_upper"]) if effects.log_scale else values["ci_upper"]
    )
    listed = {name: [_defined(v) for v in column.tolist()] for name, column in values.items()}
    included, weights = effects.included.tolist(), overall.weights
    return tuple(
        StudyResult(
            label=item.label,
            subgroup=item.subgroup,
            included=included[i],
            weight_percent=weights[i],
            note="" if included[i] else study_note(data.data_type, item, overall.method),
            **{name: column[i] if included[i] else None for name, column in listed.items()},
        )
        for i, item in enumerate(data.studies)
    )


def _defined(value: float) -> float | None:
    return value if math.isfinite(value) else None


def study_note(data_type: DataType, item: Study, method: Method) -> str:
    """Why a study has no estimate of its own, in words."""
    d = item.data
    if data_type is DataType.O_MINUS_E:
        return "no events (V = 0)"
    if data_type is not DataType.DICHOTOMOUS:
        return "its variance is 0 to machine precision, so it cannot be weighed"
    if d.events_exp == d.events_ctrl == 0:
        return "no events in either arm"
    if double_zero([d.events_exp], [d.total_exp], [d.events_ctrl], [d.total_ctrl])[0]:
        return "every participant had the event in both arms"
    return (
        f"a zero cell and no zero-cell correction, so its {method.measure_info.noun} is not defined"
    )


# --- built on the fit -------------------------------------------------------------


def _subgroups(data: Table, method: Method):
    """Each subgroup pooled on its own (its own τ²) and the test for differences."""
    names = list(dict.fromkeys(s.group for s in data.studies))
    if len(names) < 2:
        return (), None
    groups = []
    for name in names:
        members = data.subset([s.group == name for s in data.studies])
        groups.append(SubgroupResult(name, members.labels, fit(members, method)))
    differences = subgroup_differences({g.name: g.fit.analysis for g in groups})
    return tuple(groups), differences


def _leave_one_out(data: Table, method: Method) -> tuple:
    """The fit without each study in turn (metafor ``leave1out``), from two studies up."""
    k = len(data.studies)
    if k < 2:
        return ()
    return tuple(
        LeaveOneOut(item.label, fit(data.subset(np.arange(k) != i), method))
        for i, item in enumerate(data.studies)
    )


def _small_study(overall: Fit) -> SmallStudy:
    """Egger, Begg and trim-and-fill, each None with its reason when it cannot be computed."""
    k = overall.k
    reasons = []
    if overall.pooled is None:
        reasons.append(f"Small-study tests are not estimable: {overall.not_estimable}.")
        return SmallStudy(k, None, None, None, None, " ".join(reasons))
    if k < tests.MINIMUM_K:
        note = f"Small-study tests are not estimable with k = {k} (they need at least 3 studies)."
        return SmallStudy(k, None, None, None, None, note)
    egger = _attempt(tests.egger_test, overall, "Egger's test", reasons)
    begg = _attempt(tests.rank_correlation, overall, "Begg's test", reasons)
    trim = _attempt(_trim, overall, "Trim-and-fill", reasons)
    trim_fit = None if trim is None else Fit(trim.filled, overall.method)
    note = " ".join(([LOW_POWER] if k < FEW_STUDIES else []) + reasons)
    return SmallStudy(k, egger, begg, trim, trim_fit, note)


def _trim(overall: Fit):
    return tests.trim_and_fill(overall.analysis, estimator=overall.method.trim_and_fill_estimator)


def _attempt(test, overall: Fit, name: str, reasons: list[str]):
    try:
        return test(overall if test is _trim else overall.analysis)
    except NotEstimable as error:
        reasons.append(f"{name}: {error}.")
    except (ArithmeticError, np.linalg.LinAlgError) as error:
        reasons.append(f"{name} could not be computed: {error}.")
    return None
