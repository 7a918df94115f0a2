"""Pooling study effects: inverse variance (fixed and random effects) and Peto.

All estimates, standard errors and interval limits are on the analysis scale
(log for ratio measures); the ``effect*`` properties give the reported scale.
Mantel-Haenszel pooling is in ``mantel_haenszel``; it returns the same
:class:`MetaAnalysis`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from synthesis.stats import tau2 as tau2_estimators
from synthesis.stats.effects import StudyEffects


def _reported(value: float | None, log_scale: bool) -> float | None:
    """The value on the reported scale; None when exp() overflows (a log limit above 709)."""
    if value is None or not log_scale:
        return value
    with np.errstate(over="ignore"):
        reported = float(np.exp(value))
    return reported if np.isfinite(reported) else None


@dataclass(frozen=True)
class Pooled:
    """A pooled estimate with its CI and test (analysis scale).

    ``effect``, ``effect_ci_lower`` and ``effect_ci_upper`` are on the
    reported scale (exp() for ratios); a limit is None when exp() overflows.
    """

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
    def effect(self) -> float | None:
        return _reported(self.estimate, self.log_scale)

    @property
    def effect_ci_lower(self) -> float | None:
        return _reported(self.ci_lower, self.log_scale)

    @property
    def effect_ci_upper(self) -> float | None:
        return _reported(self.ci_upper, self.log_scale)


@dataclass(frozen=True)
class Heterogeneity:
    """Cochran's Q and the heterogeneity statistics derived from it and from τ².

    ``I2`` and ``H2`` follow metafor: from τ² for random-effects fits, from Q
    otherwise. ``I2_from_Q`` is RevMan 5's max(0, (Q − df)/Q) in percent.
    A fit of one study has no heterogeneity: every statistic is None (metafor
    reports Q = 0 and p = 1 there; "not defined" is the truer answer).
    """

    Q: float | None
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
    """An interval for the true effect of a new study (analysis scale).

    ``kind`` is ``"metafor"`` (z, or t(k − 1) under HKSJ: metafor's and
    RevMan Web's interval, equal to the CI when τ² = 0) or ``"hts"``
    (Higgins-Thompson-Spiegelhalter, t(k − 2), the Cochrane Handbook's).
    """

    lower: float
    upper: float
    distribution: str  # "normal" or "t"
    df: int | None
    log_scale: bool
    kind: str = "metafor"
    level: float = 0.95

    @property
    def formula(self) -> str:
        """The formula in symbols, e.g. "μ ± t(0.975, k − 2 = 14) × √(τ² + SE²)"."""
        p = f"{0.5 + self.level / 2:.6g}"
        if self.distribution == "normal":
            quantile = f"z({p})"
        else:
            quantile = f"t({p}, k − {1 if self.kind == 'metafor' else 2} = {self.df})"
        return f"μ ± {quantile} × √(τ² + SE²)"

    @property
    def effect_lower(self) -> float | None:
        return _reported(self.lower, self.log_scale)

    @property
    def effect_upper(self) -> float | None:
        return _reported(self.upper, self.log_scale)


@dataclass(frozen=True)
class MetaAnalysis:
    """The result of one meta-analysis.

    ``weight_percent`` is aligned with ``effects.labels`` (NaN for excluded
    studies). ``fixed_mh`` holds the Mantel-Haenszel fixed-effect result
    behind a RevMan-style random-effects MH analysis. When the pooled value
    is not defined (no study has an estimate, or a Mantel-Haenszel sum is
    zero) ``pooled`` and ``heterogeneity`` are None and ``not_estimable``
    says why in words.
    """

    effects: StudyEffects
    pooling: str
    model: str
    tau2_method: str | None
    ci_method: str
    level: float
    pooled: Pooled | None
    heterogeneity: Heterogeneity | None
    weight_percent: np.ndarray
    prediction_interval: PredictionInterval | None = None
    prediction_interval_t_k2: PredictionInterval | None = None
    fixed_mh: MetaAnalysis | None = None
    not_estimable: str = ""

    def to_frame(self) -> pd.DataFrame:
        """Study rows and a final "Overall" row: estimate, CI and weight (analysis scale)."""
        frame = self.effects.to_frame()
        if self.pooled is None:
            frame["weight_percent"] = self.weight_percent
            return frame
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


def make_pooled(estimate, se, k, level, log_scale, *, t_df: int | None = None) -> Pooled:
    """The pooled estimate's interval and test.

    Parameters
    ----------
    estimate, se : float
        On the analysis scale.
    k : int
        Studies pooled.
    level : float
        Confidence level.
    log_scale : bool
        Whether ``effect*`` take exp().
    t_df : int, optional
        Degrees of freedom of a t test and interval (HKSJ's k − 1); z otherwise.

    Returns
    -------
    Pooled
        estimate ± q·se with q the normal (or t) quantile at (1 + level)/2, the
        Wald z (or t) statistic and its two-sided p.
    """
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


NO_HETEROGENEITY = Heterogeneity(None, 0, None, None, None, None, None)


def heterogeneity_fixed(yi, vi, centre: float) -> Heterogeneity:
    """Q around ``centre`` with inverse-variance weights; I² and H² from Q (None for one study)."""
    if len(yi) < 2:
        return NO_HETEROGENEITY
    q = float(np.sum((yi - centre) ** 2 / vi))
    base = _q_statistics(q, len(yi) - 1)
    return Heterogeneity(**base, I2=base["I2_from_Q"], H2=base["H2_from_Q"])


def heterogeneity_random(yi, vi, q: float, tau2: float, *, interval=None) -> Heterogeneity:
    """Q statistics plus τ², I² = 100 τ²/(τ² + s²) and H² = (τ² + s²)/s² (Higgins-Thompson s²).

    None for one study: τ² is then taken as 0 for the weights but not reported.
    """
    if len(yi) < 2:
        return NO_HETEROGENEITY
    base = _q_statistics(q, len(yi) - 1)
    w = 1 / vi
    s2 = (len(yi) - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2))
    i2, h2 = float(100 * tau2 / (tau2 + s2)), float((tau2 + s2) / s2)
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


def prediction_intervals(pooled: Pooled, tau2: float, k: int, level: float):
    """metafor's interval (z, or t(k−1) under HKSJ) and the t(k−2) Higgins-Thompson-Spiegelhalter one.

    Both are μ ± q·√(τ² + se²) on the analysis scale; with τ² = 0, metafor's
    equals the confidence interval. Neither exists for one study; the t(k − 2)
    one needs three.

    References
    ----------
    Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). J R Stat Soc A 172:137-159.
    Cochrane Handbook 6.5 (2024), 10.10.4.3. metafor ``predict.rma``.
    """
    if k < 2:
        return None, None
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
        "metafor",
        level,
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
        "hts",
        level,
    )
    return default, hts


def percent_weights(effects: StudyEffects, weights: np.ndarray) -> np.ndarray:
    """Weights of the included studies in percent, aligned with ``effects.labels`` (NaN elsewhere)."""
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
        With no included study, or an HKSJ standard error of 0 (every study
        with the same estimate), ``pooled`` is None and ``not_estimable``
        says why. One study has no heterogeneity and no prediction interval.

    Notes
    -----
    Q is always computed around the fixed-effect estimate with weights 1/vᵢ.
    The τ² interval is the Q-profile interval (None when a limit cannot be
    bracketed).

    References
    ----------
    DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
    Hartung J, Knapp G (2001). Stat Med 20:3875-3889.
    Viechtbauer W (2010). metafor. J Stat Softw 36(3).
    """
    if model not in ("fixed", "random"):
        raise ValueError(f"unknown model {model!r}")
    yi, vi = effects.yi[effects.included], effects.vi[effects.included]
    k = len(yi)
    if k == 0:
        return not_estimable(effects, "inverse_variance", model, ci_method, level, NO_ESTIMATE)
    w = 1 / vi
    fixed_estimate = float(np.sum(w * yi) / w.sum())
    if model == "random" and tau2 is None:
        tau2 = tau2_estimators.estimate_tau2(tau2_method, yi, vi)
    tau2 = tau2 if model == "random" else 0.0
    weights = 1 / (vi + tau2)
    estimate = float(np.sum(weights * yi) / weights.sum())
    pooled = pool_weighted(yi, weights, estimate, k, ci_method, level, effects.log_scale)
    if not pooled.se > 0:  # HKSJ's se is 0 when every study has the same estimate
        return not_estimable(effects, "inverse_variance", model, ci_method, level, NO_SPREAD)
    if model == "fixed":
        het = heterogeneity_fixed(yi, vi, fixed_estimate)
        pis = (None, None)
    else:
        q = float(np.sum(w * (yi - fixed_estimate) ** 2))
        het = heterogeneity_random(yi, vi, q, tau2, interval=_tau2_interval(yi, vi, level))
        pis = prediction_intervals(pooled, tau2, k, level)
    return MetaAnalysis(
        effects=effects,
        pooling="inverse_variance",
        model=model,
        tau2_method=tau2_method if model == "random" else None,
        ci_method=ci_method,
        level=level,
        pooled=pooled,
        heterogeneity=het,
        weight_percent=percent_weights(effects, weights),
        prediction_interval=pis[0],
        prediction_interval_t_k2=pis[1],
    )


NO_ESTIMATE = "no study has an estimate for this measure"
NO_SPREAD = (
    "every study has the same estimate, so the Hartung-Knapp-Sidik-Jonkman standard error "
    "is 0 and its interval is not defined"
)


def not_estimable(
    effects: StudyEffects, pooling: str, model: str, ci_method: str, level: float, reason: str
) -> MetaAnalysis:
    """A fit whose pooled value is not defined, with the reason in words."""
    return MetaAnalysis(
        effects=effects,
        pooling=pooling,
        model=model,
        tau2_method=None,
        ci_method=ci_method,
        level=level,
        pooled=None,
        heterogeneity=None,
        weight_percent=np.full(len(effects.labels), np.nan),
        not_estimable=reason,
    )


def _tau2_interval(yi, vi, level: float) -> tuple[float, float] | None:
    """The Q-profile interval, or None for one study or when a limit cannot be bracketed."""
    if len(yi) < 2:
        return None
    try:
        return tau2_estimators.q_profile_interval(yi, vi, level)
    except ArithmeticError:
        return None


def pool_weighted(yi, weights, estimate, k, ci_method, level, log_scale) -> Pooled:
    """The interval and test of a weighted mean: Wald, or Hartung-Knapp-Sidik-Jonkman.

    Notes
    -----
    Wald: se = √(1/Σwᵢ) with z. HKSJ (two studies or more): se² = Σwᵢ(yᵢ − μ)² /
    ((k − 1) Σwᵢ) with t(k − 1), not truncated (metafor ``test = "knha"``).

    References
    ----------
    Hartung J, Knapp G (2001). Stat Med 20:3875-3889. Sidik K, Jonkman JN (2002).
    Stat Med 21:3153-3159.
    """
    if ci_method == "hksj" and k > 1:
        se = np.sqrt(np.sum(weights * (yi - estimate) ** 2) / ((k - 1) * weights.sum()))
        return make_pooled(estimate, se, k, level, log_scale, t_df=k - 1)
    if ci_method not in ("wald", "hksj"):
        raise ValueError(f"unknown ci_method {ci_method!r}")
    return make_pooled(estimate, np.sqrt(1 / weights.sum()), k, level, log_scale)


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
