"""Mantel-Haenszel pooling of 2×2 tables (RR, OR, RD), with RevMan 5's random effects on request.

The estimate comes from the Mantel-Haenszel sums over the tables; the study
estimates (with their zero-cell correction) serve only for Q, the weights of
RevMan's random effects and the forest plot. When a sum is zero the pooled
value is not defined: the fit says why in words instead of reporting ±inf.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from synthesis.stats.effects import StudyEffects, binary_effects, corrected_table, double_zero
from synthesis.stats.pooling import (
    MetaAnalysis,
    heterogeneity_fixed,
    heterogeneity_random,
    make_pooled,
    not_estimable,
    percent_weights,
    pool_weighted,
    prediction_intervals,
)

NAMES = {"RR": "risk ratio", "OR": "odds ratio", "RD": "risk difference"}
NO_VARIANCE = (
    "every study has no events, or only events, in both arms: the Mantel-Haenszel {name} "
    "has no variance and is not estimable"
)


@dataclass(frozen=True)
class _Sums:
    """The MH estimate (log scale for RR and OR) and its se, or the reason there is none."""

    estimate: float | None
    se: float | None
    weights: np.ndarray
    reason: str = ""


def _odds_ratio(a, b, c, d, big_n) -> _Sums:
    r, s = a * d / big_n, b * c / big_n
    rs, ss = r.sum(), s.sum()
    if rs == 0 or ss == 0:
        return _Sums(None, None, s, _or_reason(rs, ss))
    p, q = (a + d) / big_n, (b + c) / big_n
    var = (
        np.sum(p * r) / (2 * rs**2)
        + np.sum(p * s + q * r) / (2 * rs * ss)
        + np.sum(q * s) / (2 * ss**2)
    )
    return _Sums(float(np.log(rs / ss)), float(np.sqrt(var)), s)


def _or_reason(rs: float, ss: float) -> str:
    if rs == 0 and ss == 0:
        return "a·d = 0 and b·c = 0 in every study: the Mantel-Haenszel odds ratio is not estimable"
    if rs == 0:
        return (
            "in every study the experimental arm has no events or every control participant "
            "had one (a·d = 0): the Mantel-Haenszel odds ratio is not estimable"
        )
    return (
        "in every study every experimental participant had the event or the control arm has "
        "none (b·c = 0): the Mantel-Haenszel odds ratio is not estimable"
    )


def _risk_ratio(a, n1, c, n2, big_n) -> _Sums:
    r, s = a * n2 / big_n, c * n1 / big_n
    rs, ss = r.sum(), s.sum()
    if rs == 0 or ss == 0:
        arm = (
            "either arm"
            if rs == ss == 0
            else "the experimental arm"
            if rs == 0
            else "the control arm"
        )
        reason = f"no events in {arm} of any study: the Mantel-Haenszel risk ratio is not estimable"
        return _Sums(None, None, s, reason)
    num = np.sum((n1 * n2 * (a + c) - a * c * big_n) / big_n**2)
    return _Sums(float(np.log(rs / ss)), float(np.sqrt(num / (rs * ss))), s)


def _risk_difference(a, n1, c, n2, big_n) -> _Sums:
    w = n1 * n2 / big_n
    rd = np.sum(a * n2 / big_n - c * n1 / big_n) / w.sum()
    # Sato, Greenland and Robins (1989): valid for sparse and large strata (metafor)
    p = (a * n2**2 - c * n1**2 + n1 * n2 * (n1 - n2) / 2) / big_n**2
    q = (a * (n2 - c) + c * (n1 - a)) / (2 * big_n)
    var = (q.sum() - rd * p.sum()) / w.sum() ** 2
    return _Sums(float(rd), float(np.sqrt(var)) if var > 0 else 0.0, w)


def _mh_sums(measure: str, a, n1, c, n2) -> _Sums:
    """The Mantel-Haenszel estimate of ``measure`` over the tables given."""
    if len(a) == 0:
        return _Sums(None, None, np.empty(0), NO_VARIANCE.format(name=NAMES[measure]))
    big_n = n1 + n2
    if measure == "OR":
        sums = _odds_ratio(a, n1 - a, c, n2 - c, big_n)
    elif measure == "RR":
        sums = _risk_ratio(a, n1, c, n2, big_n)
    else:
        sums = _risk_difference(a, n1, c, n2, big_n)
    if sums.se is not None and not sums.se > 0:
        return replace(sums, estimate=None, se=None, reason=NO_VARIANCE.format(name=NAMES[measure]))
    return sums


def mantel_haenszel(
    measure: str,
    a,
    n1,
    c,
    n2,
    *,
    labels=None,
    model: str = "fixed",
    correction: str = "metafor",
    value: float = 0.5,
    drop_double_zero: bool | None = None,
    level: float = 0.95,
) -> MetaAnalysis:
    """Mantel-Haenszel pooled RR, OR or RD, with RevMan-style random effects on request.

    Parameters
    ----------
    measure : {"RR", "OR", "RD"}
    a, n1, c, n2 : array_like
        Events and totals, experimental then control.
    model : {"fixed", "random"}
        ``"random"`` is RevMan 5's: DerSimonian-Laird τ² from the Q around the
        MH estimate, then inverse-variance weights 1/(vᵢ + τ²).
    correction : {"metafor", "revman5"}
        ``"metafor"`` (``rma.mh``'s defaults): raw counts of every study in
        the MH sums; ``value`` added to zero-cell studies for the study
        estimates and Q only. ``"revman5"``: ``value`` added to every cell of
        a zero-cell study before everything, so the MH estimate and weights
        use the corrected table, and studies with no events (or only events)
        in both arms are left out of the sums for RR and OR.
    value : float
        The zero-cell correction (0.5).
    drop_double_zero : bool, optional
        Leave studies with no events (or only events) in both arms out of the
        study estimates and Q; by default for RR and OR and not for RD.
    level : float
        Confidence level.

    Returns
    -------
    MetaAnalysis
        Log RR / log OR, or RD. Variances: Greenland-Robins (RR),
        Robins-Breslow-Greenland (OR) and Sato-Greenland-Robins (RD, which
        reduces to Greenland-Robins for large strata; metafor's choice).
        Q = Σ(1/vᵢ)(yᵢ − θ_MH)² over studies with a study estimate; I² and H²
        from Q. ``weight_percent`` are the MH weights (c·n1/N for RR, b·c/N
        for OR, n1·n2/N for RD) of every study in the sums: a study whose own
        log RR is undefined because every participant had the event still
        weighs in, as in metafor. When a sum is zero (no experimental events
        in any study for RR; a·d or b·c zero in every study for OR) the
        pooled value is None and ``not_estimable`` says why, as metafor's NA.

    References
    ----------
    Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748.
    Robins J, Breslow N, Greenland S (1986). Biometrics 42:311-323.
    Greenland S, Robins JM (1985). Biometrics 41:55-68.
    Sato T, Greenland S, Robins JM (1989). Biometrics 45:1323-1324.
    Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
    """
    if measure not in NAMES:
        raise ValueError(f"Mantel-Haenszel needs RR, OR or RD, not {measure!r}")
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (a, n1, c, n2))
    drop = measure != "RD" if drop_double_zero is None else drop_double_zero
    if correction == "revman5":
        keep = ~double_zero(a, n1, c, n2) if measure != "RD" else np.ones(len(a), bool)
        a, n1, c, n2 = corrected_table(a, n1, c, n2, correction=value)
        effects = binary_effects(measure, a, n1, c, n2, correction=0.0, labels=labels)
        effects = _masked_studies(effects, keep)
    elif correction == "metafor":
        keep = np.ones(len(a), bool)  # rma.mh's drop00 = c(TRUE, FALSE)
        effects = binary_effects(
            measure, a, n1, c, n2, correction=value, drop_double_zero=drop, labels=labels
        )
    else:
        raise ValueError(f"unknown correction rule {correction!r}")
    sums = _mh_sums(measure, a[keep], n1[keep], c[keep], n2[keep])
    if sums.estimate is None:
        return not_estimable(effects, "mantel_haenszel", model, "wald", level, sums.reason)
    fixed = _mh_fixed(effects, sums, keep, measure != "RD", level)
    if model == "fixed":
        return fixed
    return _mh_random(fixed, level)


def _mh_fixed(
    effects: StudyEffects, sums: _Sums, keep: np.ndarray, log_scale: bool, level: float
) -> MetaAnalysis:
    yi, vi = effects.yi[effects.included], effects.vi[effects.included]
    weight_percent = np.full(len(keep), np.nan)
    weight_percent[keep] = 100 * sums.weights / sums.weights.sum()
    # a study outside the study estimates that adds nothing to the sums shows no weight
    weight_percent[~effects.included & (weight_percent == 0)] = np.nan
    k = int(effects.included.sum())
    return MetaAnalysis(
        effects=effects,
        pooling="mantel_haenszel",
        model="fixed",
        tau2_method=None,
        ci_method="wald",
        level=level,
        pooled=make_pooled(sums.estimate, sums.se, k, level, log_scale),
        heterogeneity=heterogeneity_fixed(yi, vi, sums.estimate),
        weight_percent=weight_percent,
    )


def _masked_studies(effects: StudyEffects, keep: np.ndarray) -> StudyEffects:
    included = effects.included & keep
    yi, vi = np.where(included, effects.yi, np.nan), np.where(included, effects.vi, np.nan)
    return StudyEffects(effects.measure, effects.labels, yi, vi, included)


def _mh_random(fixed: MetaAnalysis, level: float) -> MetaAnalysis:
    """RevMan 5's random effects after MH: DL τ² from the MH-centred Q (0 below two studies)."""
    effects = fixed.effects
    yi, vi = effects.yi[effects.included], effects.vi[effects.included]
    if len(yi) == 0:
        reason = "no study has its own estimate, so random effects cannot weigh the studies"
        return not_estimable(effects, "mantel_haenszel", "random", "wald", level, reason)
    w = 1 / vi
    q = fixed.heterogeneity.Q
    tau2 = 0.0
    if len(yi) > 1:
        tau2 = max(0.0, (q - (len(yi) - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    weights = 1 / (vi + tau2)
    estimate = float(np.sum(weights * yi) / weights.sum())
    pooled = pool_weighted(yi, weights, estimate, len(yi), "wald", level, fixed.pooled.log_scale)
    pis = prediction_intervals(pooled, tau2, len(yi), level)
    return replace(
        fixed,
        model="random",
        tau2_method="DL",
        pooled=pooled,
        heterogeneity=heterogeneity_random(yi, vi, q, tau2),
        weight_percent=percent_weights(effects, weights),
        prediction_interval=pis[0],
        prediction_interval_t_k2=pis[1],
        fixed_mh=fixed,
    )
