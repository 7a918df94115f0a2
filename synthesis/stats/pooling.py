"""Pooling study effects: inverse variance (fixed and random effects), Mantel-Haenszel and Peto.

All estimates, standard errors and interval limits are on the analysis scale
(log for ratio measures); the ``effect*`` properties give the reported scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from synthesis.stats import tau2 as tau2_estimators
from synthesis.stats.effects import (
    StudyEffects,
    binary_effects,
    corrected_table,
    double_zero,
)


def _reported(value: float | None, log_scale: bool) -> float | None:
    if value is None:
        return None
    return float(np.exp(value)) if log_scale else value


@dataclass(frozen=True)
class Pooled:
    """A pooled estimate with its CI and test (analysis scale)."""

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    statistic: float
    statistic_type: str  # "z", or "t" under HKSJ
    statistic_df: int | None
    p: float
    log_scale: bool

    @property
    def effect(self) -> float:
        return _reported(self.estimate, self.log_scale)

    @property
    def effect_ci_lower(self) -> float:
        return _reported(self.ci_lower, self.log_scale)

    @property
    def effect_ci_upper(self) -> float:
        return _reported(self.ci_upper, self.log_scale)


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q and the heterogeneity statistics derived from it and from τ².

    ``I2`` and ``H2`` follow metafor: from τ² for random-effects fits, from Q
    otherwise. ``I2_from_Q`` is RevMan 5's max(0, (Q − df)/Q) in percent.
    """

    Q: float
    df: int
    p: float | None
    I2: float | None
    I2_from_Q: float | None
    H2: float | None
    H2_from_Q: float | None
    tau2: float | None = None
    tau: float | None = None
    tau2_ci_lower: float | None = None
    tau2_ci_upper: float | None = None


@dataclass(frozen=True)
class PredictionInterval:
    """An interval for the true effect of a new study (analysis scale)."""

    lower: float
    upper: float
    distribution: str  # "normal" or "t"
    df: int | None
    log_scale: bool

    @property
    def effect_lower(self) -> float:
        return _reported(self.lower, self.log_scale)

    @property
    def effect_upper(self) -> float:
        return _reported(self.upper, self.log_scale)


@dataclass(frozen=True)
class MetaAnalysis:
    """The result of one meta-analysis.

    ``weight_percent`` is aligned with ``effects.labels`` (NaN for excluded
    studies). ``fixed_mh`` holds the Mantel-Haenszel fixed-effect result
    behind a RevMan-style random-effects MH analysis.
    """

    effects: StudyEffects
    pooling: str
    model: str
    tau2_method: str | None
    ci_method: str
    level: float
    pooled: Pooled
    heterogeneity: Heterogeneity
    weight_percent: np.ndarray
    prediction_interval: PredictionInterval | None = None
    prediction_interval_t_k2: PredictionInterval | None = None
    fixed_mh: MetaAnalysis | None = None

    def to_frame(self) -> pd.DataFrame:
        """Study rows and a final "Overall" row: estimate, CI and weight (analysis scale)."""
        frame = self.effects.to_frame()
        z = stats.norm.ppf(0.5 + self.level / 2)
        se = np.sqrt(self.effects.vi)
        frame["ci_lower"] = self.effects.yi - z * se
        frame["ci_upper"] = self.effects.yi + z * se
        frame["weight_percent"] = self.weight_percent
        overall = pd.DataFrame(
            {
                "yi": [self.pooled.estimate],
                "se": [self.pooled.se],
                "ci_lower": [self.pooled.ci_lower],
                "ci_upper": [self.pooled.ci_upper],
                "weight_percent": [100.0],
                "included": [True],
            },
            index=pd.Index(["Overall"], name="study"),
        )
        return pd.concat([frame, overall])


def _pooled(estimate, se, k, level, log_scale, *, t_df: int | None = None) -> Pooled:
    statistic = estimate / se
    if t_df is None:
        crit = stats.norm.ppf(0.5 + level / 2)
        p = 2 * stats.norm.sf(abs(statistic))
    else:
        crit = stats.t.ppf(0.5 + level / 2, t_df)
        p = 2 * stats.t.sf(abs(statistic), t_df)
    return Pooled(
        k=k,
        estimate=float(estimate),
        se=float(se),
        ci_lower=float(estimate - crit * se),
        ci_upper=float(estimate + crit * se),
        statistic=float(statistic),
        statistic_type="z" if t_df is None else "t",
        statistic_df=t_df,
        p=float(p),
        log_scale=log_scale,
    )


def _q_statistics(q: float, df: int) -> dict:
    if df < 1:
        return {"Q": q, "df": df, "p": None, "I2_from_Q": None, "H2_from_Q": None}
    return {
        "Q": q,
        "df": df,
        "p": float(stats.chi2.sf(q, df)),
        "I2_from_Q": max(0.0, (q - df) / q) * 100 if q > 0 else 0.0,
        "H2_from_Q": q / df,
    }


def heterogeneity_fixed(yi, vi, centre: float) -> Heterogeneity:
    """Q around ``centre`` with inverse-variance weights; I² and H² from Q."""
    q = float(np.sum((yi - centre) ** 2 / vi))
    base = _q_statistics(q, len(yi) - 1)
    return Heterogeneity(**base, I2=base["I2_from_Q"], H2=base["H2_from_Q"])


def heterogeneity_random(yi, vi, q: float, tau2: float, *, interval=None) -> Heterogeneity:
    """Q statistics plus τ², I² = 100 τ²/(τ² + s²) and H² = (τ² + s²)/s² (Higgins-Thompson s²)."""
    base = _q_statistics(q, len(yi) - 1)
    w = 1 / vi
    if len(yi) > 1:
        s2 = (len(yi) - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2))
        i2, h2 = float(100 * tau2 / (tau2 + s2)), float((tau2 + s2) / s2)
    else:
        i2 = h2 = None
    lower, upper = interval if interval is not None else (None, None)
    return Heterogeneity(
        **base,
        I2=i2,
        H2=h2,
        tau2=tau2,
        tau=float(np.sqrt(tau2)),
        tau2_ci_lower=lower,
        tau2_ci_upper=upper,
    )


def _prediction_intervals(pooled: Pooled, tau2: float, k: int, level: float):
    """metafor's interval (z, or t(k−1) under HKSJ) and the t(k−2) Higgins-Thompson-Spiegelhalter one."""
    spread = np.sqrt(tau2 + pooled.se**2)
    if pooled.statistic_df is None:
        crit, dist, df = stats.norm.ppf(0.5 + level / 2), "normal", None
    else:
        df = pooled.statistic_df
        crit, dist = stats.t.ppf(0.5 + level / 2, df), "t"
    default = PredictionInterval(
        float(pooled.estimate - crit * spread),
        float(pooled.estimate + crit * spread),
        dist,
        df,
        pooled.log_scale,
    )
    if k < 3:
        return default, None
    crit = stats.t.ppf(0.5 + level / 2, k - 2)
    hts = PredictionInterval(
        float(pooled.estimate - crit * spread),
        float(pooled.estimate + crit * spread),
        "t",
        k - 2,
        pooled.log_scale,
    )
    return default, hts


def _weight_percent(effects: StudyEffects, weights: np.ndarray) -> np.ndarray:
    full = np.full(len(effects.labels), np.nan)
    full[effects.included] = 100 * weights / weights.sum()
    return full


def inverse_variance(
    effects: StudyEffects,
    *,
    model: str = "fixed",
    tau2_method: str = "DL",
    ci_method: str = "wald",
    level: float = 0.95,
    tau2: float | None = None,
) -> MetaAnalysis:
    """Inverse-variance meta-analysis, fixed or random effects.

    Parameters
    ----------
    effects : StudyEffects
        Study effects on the analysis scale; excluded studies are ignored.
    model : {"fixed", "random"}
    tau2_method : {"DL", "REML", "PM"}
        DerSimonian-Laird, restricted maximum likelihood or Paule-Mandel
        (random effects only).
    ci_method : {"wald", "hksj"}
        Wald (normal) intervals and z test, or the Hartung-Knapp-Sidik-Jonkman
        se² = Σ wᵢ(yᵢ − μ)² / ((k − 1) Σ wᵢ) with t(k − 1), untruncated
        (metafor ``test = "knha"``).
    level : float
        Confidence level of every interval (pooled CI, τ² CI, prediction).
    tau2 : float, optional
        Use this τ² instead of estimating it (random effects only).

    Returns
    -------
    MetaAnalysis
        Estimates on the analysis scale (log RR, log OR, ... for ratios).

    Notes
    -----
    Q is always computed around the fixed-effect estimate with weights 1/vᵢ.
    The τ² interval is the Q-profile interval.

    References
    ----------
    DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
    Hartung J, Knapp G (2001). Stat Med 20:3875-3889.
    Viechtbauer W (2010). metafor. J Stat Softw 36(3).
    """
    yi, vi = effects.yi[effects.included], effects.vi[effects.included]
    k = len(yi)
    w = 1 / vi
    fixed_estimate = float(np.sum(w * yi) / w.sum())
    q = float(np.sum(w * (yi - fixed_estimate) ** 2))
    if model == "random":
        if tau2 is None:
            tau2 = tau2_estimators.estimate_tau2(tau2_method, yi, vi)
    elif model == "fixed":
        tau2 = 0.0
    else:
        raise ValueError(f"unknown model {model!r}")
    weights = 1 / (vi + tau2)
    estimate = float(np.sum(weights * yi) / weights.sum())
    pooled = _pool(yi, weights, estimate, k, ci_method, level, effects.log_scale)
    if model == "fixed":
        het = heterogeneity_fixed(yi, vi, fixed_estimate)
        pis = (None, None)
    else:
        interval = tau2_estimators.q_profile_interval(yi, vi, level) if k > 1 else None
        het = heterogeneity_random(yi, vi, q, tau2, interval=interval)
        pis = _prediction_intervals(pooled, tau2, k, level)
    return MetaAnalysis(
        effects=effects,
        pooling="inverse_variance",
        model=model,
        tau2_method=tau2_method if model == "random" else None,
        ci_method=ci_method,
        level=level,
        pooled=pooled,
        heterogeneity=het,
        weight_percent=_weight_percent(effects, weights),
        prediction_interval=pis[0],
        prediction_interval_t_k2=pis[1],
    )


def _pool(yi, weights, estimate, k, ci_method, level, log_scale) -> Pooled:
    if ci_method == "hksj" and k > 1:
        se = np.sqrt(np.sum(weights * (yi - estimate) ** 2) / ((k - 1) * weights.sum()))
        return _pooled(estimate, se, k, level, log_scale, t_df=k - 1)
    if ci_method not in ("wald", "hksj"):
        raise ValueError(f"unknown ci_method {ci_method!r}")
    return _pooled(estimate, np.sqrt(1 / weights.sum()), k, level, log_scale)


def peto(effects: StudyEffects, *, level: float = 0.95) -> MetaAnalysis:
    """Peto's one-step odds ratio (or O − E hazard ratio): exp(Σ(O − E)/ΣV).

    ``effects`` come from :func:`~synthesis.stats.effects.peto_effects` or
    :func:`~synthesis.stats.effects.o_minus_e_effects`, so yᵢ = (O − E)/V and
    vᵢ = 1/V; the pooled value and Q = Σ(O − E)²/V − (Σ(O − E))²/ΣV are then
    the fixed-effect inverse-variance ones. Log scale.

    References
    ----------
    Yusuf S et al. (1985). Prog Cardiovasc Dis 27:335-371.
    """
    result = inverse_variance(effects, model="fixed", level=level)
    return replace(result, pooling="peto")


def _mh_estimate(measure: str, a, n1, c, n2) -> tuple[float, float, np.ndarray]:
    """Mantel-Haenszel estimate (log scale for RR/OR), its se and the MH weights."""
    b, d, big_n = n1 - a, n2 - c, n1 + n2
    if measure == "OR":
        r, s = a * d / big_n, b * c / big_n
        p, q = (a + d) / big_n, (b + c) / big_n
        rs, ss = r.sum(), s.sum()
        var = (
            np.sum(p * r) / (2 * rs**2)
            + np.sum(p * s + q * r) / (2 * rs * ss)
            + np.sum(q * s) / (2 * ss**2)
        )
        return float(np.log(rs / ss)), float(np.sqrt(var)), s
    if measure == "RR":
        r, s = a * n2 / big_n, c * n1 / big_n
        num = np.sum((n1 * n2 * (a + c) - a * c * big_n) / big_n**2)
        return float(np.log(r.sum() / s.sum())), float(np.sqrt(num / (r.sum() * s.sum()))), s
    if measure == "RD":
        w = n1 * n2 / big_n
        rd = np.sum(a * n2 / big_n - c * n1 / big_n) / w.sum()
        # Sato, Greenland and Robins (1989): valid for sparse and large strata (metafor)
        p = (a * n2**2 - c * n1**2 + n1 * n2 * (n1 - n2) / 2) / big_n**2
        q = (a * (n2 - c) + c * (n1 - a)) / (2 * big_n)
        var = (q.sum() - rd * p.sum()) / w.sum() ** 2
        return float(rd), float(np.sqrt(var)), w
    raise ValueError(f"Mantel-Haenszel needs RR, OR or RD, not {measure!r}")


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
        ``"metafor"``: raw counts in the MH estimate; 0.5 added to zero-cell
        studies for the study estimates and Q. ``"revman5"``: 0.5 added to
        every cell of a zero-cell study before everything, so the MH estimate
        and weights use the corrected table. Double-zero studies are excluded
        for RR and OR in both, and kept for RD.

    Returns
    -------
    MetaAnalysis
        Log RR / log OR, or RD. Variances: Greenland-Robins (RR),
        Robins-Breslow-Greenland (OR) and Sato-Greenland-Robins (RD, which
        reduces to Greenland-Robins for large strata; metafor's choice). Q = Σ(1/vᵢ)(yᵢ − θ_MH)² over studies
        with a study estimate; I² and H² from Q.

    References
    ----------
    Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748.
    Robins J, Breslow N, Greenland S (1986). Biometrics 42:311-323.
    Greenland S, Robins JM (1985). Biometrics 41:55-68.
    Sato T, Greenland S, Robins JM (1989). Biometrics 45:1323-1324.
    Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
    """
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (a, n1, c, n2))
    keep = ~double_zero(a, n1, c, n2) if measure != "RD" else np.ones(len(a), bool)
    if correction == "revman5":
        a, n1, c, n2 = corrected_table(a, n1, c, n2)
        effects = binary_effects(measure, a, n1, c, n2, correction=0.0, labels=labels)
        effects = _masked_studies(effects, keep)
    elif correction == "metafor":
        effects = binary_effects(measure, a, n1, c, n2, labels=labels)
    else:
        raise ValueError(f"unknown correction rule {correction!r}")
    estimate, se, mh_weights = _mh_estimate(measure, a[keep], n1[keep], c[keep], n2[keep])
    log_scale = measure != "RD"
    k = int(np.sum(keep))
    yi, vi = effects.yi[effects.included], effects.vi[effects.included]
    weight_percent = np.full(len(a), np.nan)
    weight_percent[keep] = 100 * mh_weights / mh_weights.sum()
    fixed = MetaAnalysis(
        effects=effects,
        pooling="mantel_haenszel",
        model="fixed",
        tau2_method=None,
        ci_method="wald",
        level=level,
        pooled=_pooled(estimate, se, k, level, log_scale),
        heterogeneity=heterogeneity_fixed(yi, vi, estimate),
        weight_percent=weight_percent,
    )
    if model == "fixed":
        return fixed
    return _mh_random(fixed, yi, vi, level)


def _masked_studies(effects: StudyEffects, keep: np.ndarray) -> StudyEffects:
    included = effects.included & keep
    yi, vi = np.where(included, effects.yi, np.nan), np.where(included, effects.vi, np.nan)
    return StudyEffects(effects.measure, effects.labels, yi, vi, included)


def _mh_random(fixed: MetaAnalysis, yi, vi, level: float) -> MetaAnalysis:
    """RevMan 5's random effects after MH: DL τ² from the MH-centred Q."""
    w = 1 / vi
    q = fixed.heterogeneity.Q
    tau2 = max(0.0, (q - (len(yi) - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    weights = 1 / (vi + tau2)
    estimate = float(np.sum(weights * yi) / weights.sum())
    pooled = _pool(yi, weights, estimate, len(yi), "wald", level, fixed.pooled.log_scale)
    pis = _prediction_intervals(pooled, tau2, len(yi), level)
    return replace(
        fixed,
        model="random",
        tau2_method="DL",
        pooled=pooled,
        heterogeneity=heterogeneity_random(yi, vi, q, tau2),
        weight_percent=_weight_percent(fixed.effects, weights),
        prediction_interval=pis[0],
        prediction_interval_t_k2=pis[1],
        fixed_mh=fixed,
    )
