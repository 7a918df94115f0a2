"""Small-study effects: Egger's regression test, Begg's rank correlation, trim-and-fill.

Each function takes a fitted :class:`~synthesis.stats.pooling.MetaAnalysis`
and works on its included studies, on the analysis scale. Each needs at
least three studies and raises :class:`~synthesis.stats.errors.NotEstimable`
("not estimable with k = 2 (needs at least 3 studies)") otherwise, or when
the studies cannot tell (every study with the same standard error).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from synthesis.stats import tau2 as tau2_estimators
from synthesis.stats.effects import StudyEffects
from synthesis.stats.errors import NotEstimable, too_few
from synthesis.stats.pooling import MetaAnalysis, inverse_variance


@dataclass(frozen=True)
class EggerTest:
    """Egger's regression of yᵢ on seᵢ (weights 1/vᵢ, multiplicative dispersion), t(k − 2)."""

    statistic: float
    df: int
    p: float
    slope_se_coefficient: float
    slope_se_coefficient_se: float
    limit_estimate: float
    limit_ci_lower: float
    limit_ci_upper: float
    statistic_type: str = "t"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


@dataclass(frozen=True)
class RankCorrelation:
    """Begg and Mazumdar's Kendall tau between standardised deviates and variances."""

    kendall_tau: float
    p: float
    exact: bool

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


@dataclass(frozen=True)
class TrimAndFill:
    """Duval and Tweedie's trim-and-fill: k0 imputed studies and the refitted analysis."""

    estimator: str
    side: str
    k0: int
    k0_se: float
    filled_yi: np.ndarray
    filled_vi: np.ndarray
    filled: MetaAnalysis

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"yi": self.filled_yi, "vi": self.filled_vi})


MINIMUM_K = 3


def _included(fit: MetaAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """The included studies' yᵢ and vᵢ; NotEstimable below three studies."""
    e = fit.effects
    yi, vi = e.yi[e.included], e.vi[e.included]
    if len(yi) < MINIMUM_K:
        raise too_few(len(yi), MINIMUM_K)
    return yi, vi


def _varied(vi: np.ndarray) -> None:
    if np.ptp(vi) == 0:
        raise NotEstimable("not estimable: every study has the same standard error")


def egger_test(fit: MetaAnalysis) -> EggerTest:
    """Classical Egger test (metafor ``regtest(model = "lm")``).

    Returns
    -------
    EggerTest
        The slope on seᵢ (the bias coefficient), its t test on k − 2 df, and
        the intercept (the limit estimate as se → 0) with its CI at the fit's
        level. Analysis scale.

    References
    ----------
    Egger M, Davey Smith G, Schneider M, Minder C (1997). BMJ 315:629-634.
    """
    yi, vi = _included(fit)
    _varied(vi)
    k = len(yi)
    x = np.column_stack([np.ones(k), np.sqrt(vi)])
    w = 1 / vi
    xtwx_inv = np.linalg.inv(x.T @ (x * w[:, None]))
    beta = xtwx_inv @ (x.T @ (w * yi))
    dispersion = np.sum(w * (yi - x @ beta) ** 2) / (k - 2)
    if not dispersion > 0:
        raise NotEstimable("not estimable: the studies lie exactly on the regression line")
    se = np.sqrt(np.diag(xtwx_inv) * dispersion)
    statistic = beta[1] / se[1]
    crit = stats.t.ppf(0.5 + fit.level / 2, k - 2)
    return EggerTest(
        statistic=float(statistic),
        df=k - 2,
        p=float(2 * stats.t.sf(abs(statistic), k - 2)),
        slope_se_coefficient=float(beta[1]),
        slope_se_coefficient_se=float(se[1]),
        limit_estimate=float(beta[0]),
        limit_ci_lower=float(beta[0] - crit * se[0]),
        limit_ci_upper=float(beta[0] + crit * se[0]),
    )


def rank_correlation(fit: MetaAnalysis) -> RankCorrelation:
    """Begg's rank correlation test (metafor ``ranktest``).

    Notes
    -----
    Deviates are standardised around the fixed-effect estimate whatever the
    fit's model: (yᵢ − θ_FE)/sqrt(vᵢ − 1/Σwⱼ). The p-value is exact whenever
    there are no ties, however many studies (``ranktest`` asks R's
    ``cor.test`` for the exact test), and the normal approximation otherwise.

    References
    ----------
    Begg CB, Mazumdar M (1994). Biometrics 50:1088-1101.
    """
    yi, vi = _included(fit)
    _varied(vi)
    w = 1 / vi
    theta = np.sum(w * yi) / w.sum()
    deviates = (yi - theta) / np.sqrt(vi - 1 / w.sum())
    if np.ptp(deviates) == 0:
        raise NotEstimable("not estimable: every study lies at the same standardised distance")
    ties = len(np.unique(deviates)) < len(yi) or len(np.unique(vi)) < len(vi)
    method = "asymptotic" if ties else "exact"
    result = stats.kendalltau(deviates, vi, method=method)
    return RankCorrelation(float(result.statistic), float(result.pvalue), method == "exact")


def _refit(
    fit: MetaAnalysis, yi: np.ndarray, vi: np.ndarray, *, default_control: bool = False
) -> MetaAnalysis:
    """``fit``'s model on other data; ``default_control`` estimates REML τ² as
    metafor's ``rma.uni`` does with its default control (see
    :func:`~synthesis.stats.tau2.reml_metafor_default`)."""
    labels = tuple(str(i + 1) for i in range(len(yi)))
    effects = StudyEffects(fit.effects.measure, labels, yi, vi, np.ones(len(yi), bool))
    tau2 = None
    if default_control and fit.model == "random" and fit.tau2_method == "REML" and len(yi) > 1:
        tau2 = tau2_estimators.reml_metafor_default(yi, vi)
    return inverse_variance(
        effects,
        model=fit.model,
        tau2_method=fit.tau2_method or "DL",
        ci_method=fit.ci_method,
        level=fit.level,
        tau2=tau2,
    )


def _side(fit: MetaAnalysis, yi: np.ndarray, vi: np.ndarray) -> str:
    """ "right" when the slope of yᵢ on seᵢ (same model as the fit) is negative."""
    x = np.column_stack([np.ones(len(yi)), np.sqrt(vi)])
    tau2 = 0.0
    if fit.model == "random":
        tau2 = tau2_estimators.estimate_tau2(fit.tau2_method or "DL", yi, vi, x)
    w = 1 / (vi + tau2)
    beta = np.linalg.solve(x.T @ (x * w[:, None]), x.T @ (w * yi))
    return "right" if beta[1] < 0 else "left"


def _l0(yi: np.ndarray, centre: float) -> tuple[float, float]:
    k = len(yi)
    deviation = yi - centre
    ranks = stats.rankdata(np.abs(deviation), method="ordinal")
    s_r = np.sum(ranks[deviation > 0])
    k0 = (4 * s_r - k * (k + 1)) / (2 * k - 1)
    var_sr = (
        k * (k + 1) * (2 * k + 1)
        + 10 * k0**3
        + 27 * k0**2
        + 17 * k0
        - 18 * k * k0**2
        - 18 * k * k0
        + 6 * k**2 * k0
    ) / 24
    return k0, 4 * np.sqrt(var_sr) / (2 * k - 1)


def _r0(yi: np.ndarray, centre: float) -> tuple[float, float]:
    k = len(yi)
    deviation = yi - centre
    signed = np.sign(deviation) * stats.rankdata(np.abs(deviation), method="ordinal")
    k0 = (k - np.max(-signed[signed < 0], initial=0)) - 1
    return k0, np.sqrt(2 * max(0, k0) + 2)


def trim_and_fill(
    fit: MetaAnalysis, *, estimator: str = "L0", side: str | None = None, max_iter: int = 100
) -> TrimAndFill:
    """Duval and Tweedie's trim-and-fill (metafor ``trimfill``).

    Parameters
    ----------
    fit : MetaAnalysis
        The inverse-variance fit; trimmed and filled fits use its model.
    estimator : {"L0", "R0"}
    side : {"left", "right"}, optional
        Side where studies are missing; by default "right" when the slope of
        yᵢ on seᵢ is negative and "left" otherwise.

    Returns
    -------
    TrimAndFill
        k0 (rounded half to even), its se (NaN when the L0 variance formula
        goes negative, as in metafor), the imputed studies (mirror images
        2θ − yᵢ of the k0 most extreme, analysis scale) and the filled fit.

    Notes
    -----
    Where we differ from metafor 3.8 on purpose: the trimmed and filled fits
    keep the fit's confidence-interval method (HKSJ) and level, which
    ``trimfill``'s refit silently drops (it falls back to Wald intervals at
    95%). The filled fit's REML τ² uses ``rma.uni``'s default control, as
    metafor's does.

    References
    ----------
    Duval S, Tweedie R (2000). Biometrics 56:455-463; J Am Stat Assoc 95:89-98.
    """
    yi0, vi0 = _included(fit)
    _varied(vi0)
    side = side or _side(fit, yi0, vi0)
    flip = -1.0 if side == "right" else 1.0
    order = np.argsort(flip * yi0, kind="stable")
    yi, vi = flip * yi0[order], vi0[order]
    k = len(yi)
    k0, previous, se_k0 = 0, -1, np.nan
    rule = _l0 if estimator == "L0" else _r0
    for _ in range(max_iter):
        if k0 == previous:
            break
        previous = k0
        centre = _refit(fit, flip * yi[: k - k0], vi[: k - k0]).pooled.estimate * flip
        raw_k0, se_k0 = rule(yi, centre)
        k0 = int(max(0, round(raw_k0)))
    filled_yi = flip * (2 * centre - yi[k - k0 :]) if k0 else np.empty(0)
    filled_vi = vi[k - k0 :] if k0 else np.empty(0)
    # no study filled: the fit itself (metafor returns it); otherwise metafor
    # refits the filled data with rma.uni's default control, not the fit's
    filled = fit
    if k0:
        filled = _refit(
            fit,
            np.concatenate([yi0, filled_yi]),
            np.concatenate([vi0, filled_vi]),
            default_control=True,
        )
    return TrimAndFill(estimator, side, k0, float(se_k0), filled_yi, filled_vi, filled)
