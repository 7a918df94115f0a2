"""Between-study variance (tau²): DerSimonian-Laird, REML, Paule-Mandel, and the Q-profile interval.

All estimators accept a design matrix ``x`` (an intercept column by default),
so meta-regression (trim-and-fill's side, for one) uses the same code.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

TOLERANCE = 1e-12


def _design(yi: np.ndarray, x: np.ndarray | None) -> np.ndarray:
    return np.ones((len(yi), 1)) if x is None else np.asarray(x, dtype=float)


def _projection(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P = W − W X (X'WX)⁻¹ X'W, the residual-making matrix of weighted least squares."""
    wx = x * w[:, None]
    return np.diag(w) - wx @ np.linalg.solve(x.T @ wx, wx.T)


def _intercept_terms(w: np.ndarray, yi: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Py, tr(P) and tr(PP) for the intercept-only model, in O(k).

    P = W − w w'/Σw, so Py = w (y − μ) with μ = Σwy/Σw, tr(P) = Σw − Σw²/Σw and
    tr(PP) = Σw² − 2 Σw³/Σw + (Σw²)²/(Σw)²: the same numbers as the dense
    :func:`_projection`, without its k × k matrix (1,000 studies: 1 MB each step).
    """
    total, squares = w.sum(), np.sum(w * w)
    py = w * (yi - np.sum(w * yi) / total)
    return py, total - squares / total, squares - 2 * np.sum(w**3) / total + (squares / total) ** 2


def generalised_q(yi, vi, tau2: float, x=None) -> float:
    """Σ wᵢ (yᵢ − ŷᵢ)² with wᵢ = 1/(vᵢ + τ²): Cochran's Q at τ² = 0."""
    if x is None:
        w = 1 / (vi + tau2)
        return float(np.sum(w * (yi - np.sum(w * yi) / w.sum()) ** 2))
    x = _design(yi, x)
    p = _projection(1 / (vi + tau2), x)
    return float(yi @ p @ yi)


def dersimonian_laird(yi, vi, x=None) -> float:
    """DerSimonian-Laird moment estimator, max(0, (Q − (k − p)) / tr(P)).

    References
    ----------
    DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
    """
    if x is None:
        py, trace, _ = _intercept_terms(1 / vi, yi)
        return max(0.0, (float(py @ yi) - (len(yi) - 1)) / trace)
    x = _design(yi, x)
    p = _projection(1 / vi, x)
    q = float(yi @ p @ yi)
    return max(0.0, (q - (len(yi) - x.shape[1])) / np.trace(p))


def paule_mandel(yi, vi, x=None) -> float:
    """Paule-Mandel estimator: the τ² ≥ 0 at which the generalised Q equals k − p.

    References
    ----------
    Paule RC, Mandel J (1982). J Res Natl Bur Stand 87:377-385.
    """
    x = _design(yi, x)
    target = len(yi) - x.shape[1]
    if generalised_q(yi, vi, 0.0, x) <= target:
        return 0.0
    upper = _bracket(lambda t: generalised_q(yi, vi, t, x) - target, max(1.0, 10 * np.var(yi)))
    return optimize.brentq(
        lambda t: generalised_q(yi, vi, t, x) - target, 0.0, upper, xtol=TOLERANCE, rtol=1e-15
    )


def hedges(yi, vi, x=None) -> float:
    """Hedges' (HE) unweighted moment estimator, (RSS − tr(PV)) / (k − p), not truncated.

    References
    ----------
    Hedges LV (1983). Psychol Bull 93:388-395.
    """
    x = _design(yi, x)
    k, p = x.shape
    proj = np.eye(k) - x @ np.linalg.solve(x.T @ x, x.T)
    resid = proj @ yi
    return float((resid @ resid - np.trace(proj * vi)) / (k - p))


def reml(
    yi,
    vi,
    x=None,
    *,
    max_iter: int = 1000,
    threshold: float = TOLERANCE,
    start: float | None = None,
) -> float:
    """Restricted maximum-likelihood τ² by Fisher scoring, to |Δτ²| < ``threshold``.

    Notes
    -----
    The update is Δ = (y'PPy − tr P) / tr(PP), as in metafor's ``rma.uni``;
    a step that would make τ² negative is halved until it does not. The
    start is the DerSimonian-Laird estimate unless ``start`` is given.

    References
    ----------
    Viechtbauer W (2005). J Educ Behav Stat 30:261-293.
    """
    tau2 = dersimonian_laird(yi, vi, x) if start is None else start
    x = None if x is None else _design(yi, x)
    for _ in range(max_iter):
        if x is None:
            py, trace, trace_pp = _intercept_terms(1 / (vi + tau2), yi)
        else:
            p = _projection(1 / (vi + tau2), x)
            py, trace, trace_pp = p @ yi, np.trace(p), np.sum(p * p)
        step = (py @ py - trace) / trace_pp
        while tau2 + step < 0:
            step /= 2
            if abs(step) < TOLERANCE:
                return 0.0
        tau2 += step
        if abs(step) < threshold:
            break
    return max(0.0, tau2)


def reml_metafor_default(yi, vi, x=None) -> float:
    """REML τ² as ``rma.uni`` computes it with its default control.

    Notes
    -----
    Fisher scoring from max(0, Hedges' estimate), stopping once |Δτ²| < 1e-5
    (at most 100 steps). metafor's ``trimfill`` refits the filled data this
    way whatever control the original fit had, so the filled analysis it
    reports carries that tolerance (τ² about 1e-4 relative from the converged
    value); this function lets trim-and-fill report the same numbers.
    """
    start = max(0.0, hedges(yi, vi, x))
    return reml(yi, vi, x, max_iter=101, threshold=1e-5, start=start)


ESTIMATORS = {"DL": dersimonian_laird, "REML": reml, "PM": paule_mandel}


def estimate_tau2(method: str, yi, vi, x=None) -> float:
    """τ² by ``method`` ("DL", "REML" or "PM"); 0 for a single study."""
    if len(yi) < 2:
        return 0.0
    return float(ESTIMATORS[method](np.asarray(yi, float), np.asarray(vi, float), x))


def _bracket(fun, start: float) -> float:
    """An upper bound where the decreasing ``fun`` is negative."""
    upper = start
    while fun(upper) > 0:
        upper *= 10
        if upper > 1e12:
            raise ArithmeticError("the Q-profile limit could not be bracketed")
    return upper


def q_profile_interval(yi, vi, level: float = 0.95) -> tuple[float, float]:
    """Q-profile confidence interval for τ² (intercept-only model).

    Returns the τ² values at which the generalised Q equals the upper and
    lower χ²(k − 1) quantiles; a limit is 0 when Q(0) is already below its
    quantile.

    References
    ----------
    Viechtbauer W (2007). Stat Med 26:37-52.
    """
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    df = len(yi) - 1
    alpha = 1 - level
    q0 = generalised_q(yi, vi, 0.0)
    limits = []
    for quantile in (stats.chi2.ppf(1 - alpha / 2, df), stats.chi2.ppf(alpha / 2, df)):
        if q0 <= quantile:
            limits.append(0.0)
            continue
        fun = lambda t, q=quantile: generalised_q(yi, vi, t) - q  # noqa: E731
        upper = _bracket(fun, max(1.0, 10 * np.var(yi)))
        limits.append(optimize.brentq(fun, 0.0, upper, xtol=1e-14, rtol=1e-15))
    return limits[0], limits[1]
