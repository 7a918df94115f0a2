"""Standard deviations for continuous outcomes from what a report gives (Handbook 6.5.2)."""

from __future__ import annotations

import math

from scipy.special import stdtrit

from .derivations import (
    Derivation,
    Distribution,
    quantile,
    quantile_formula,
    quantile_inputs,
    require_count,
    require_interval,
    require_nonzero,
    require_p,
    require_positive,
    use_t,
)


def sd_from_se(se: float, n: int) -> Derivation:
    """SD of a group from the standard error of its mean.

    Parameters
    ----------
    se : float
        Standard error of the group mean.
    n : int
        Participants in the group.

    Returns
    -------
    Derivation
        ``result`` is the SD, on the scale of the outcome.

    Notes
    -----
    SD = SE × √n.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.5.2.2.
    """
    require_positive(se=se)
    require_count(n=n)
    return Derivation("SD = SE × √n", {"se": se, "n": n}, se * math.sqrt(n), "sd_from_se")


def sd_from_ci(
    lower: float,
    upper: float,
    n: int,
    *,
    level: float = 0.95,
    distribution: Distribution = "auto",
) -> Derivation:
    """SD of a group from a confidence interval of its mean.

    Parameters
    ----------
    lower, upper : float
        Confidence limits of the group mean.
    n : int
        Participants in the group.
    level : float
        Confidence level, 0.95 for a 95% interval.
    distribution : {"auto", "normal", "t"}
        Quantile used. ``"auto"`` takes the t distribution with n − 1 degrees
        of freedom when n < 60 and the normal distribution otherwise.

    Returns
    -------
    Derivation
        ``result`` is the SD, on the scale of the outcome.

    Notes
    -----
    SD = √n × (upper − lower) / (2 × q), where q is z((1 + level)/2), which is
    1.96 for 95% (hence the Handbook's 3.92), or t((1 + level)/2, n − 1) for
    small samples. Assumes the interval is symmetric about the mean.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.5.2.2.
    """
    require_interval(lower, upper)
    require_count(n=n)
    df = n - 1 if use_t(distribution, n) else None
    name, q = quantile(level, df)
    formula = f"SD = √n × (upper − lower) / (2 × {quantile_formula(level, df, 'n − 1')})"
    inputs = {"lower": lower, "upper": upper, "n": n, "level": level} | quantile_inputs(name, q, df)
    return Derivation(formula, inputs, math.sqrt(n) * (upper - lower) / (2 * q), "sd_from_ci")


def sd_from_difference_se(se: float, n_exp: int, n_ctrl: int) -> Derivation:
    """SD of each group from the standard error of a difference in means.

    Parameters
    ----------
    se : float
        Standard error of the mean difference (MD).
    n_exp, n_ctrl : int
        Participants in the experimental and control groups.

    Returns
    -------
    Derivation
        ``result`` is the SD to enter for both groups.

    Notes
    -----
    SD = SE / √(1/n_exp + 1/n_ctrl). This is the pooled within-group SD: it
    assumes both groups share one SD.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.5.2.3.
    """
    require_positive(se=se)
    require_count(n_exp=n_exp, n_ctrl=n_ctrl)
    sd = se / _difference_scale(n_exp, n_ctrl)
    inputs = {"se": se, "n_exp": n_exp, "n_ctrl": n_ctrl}
    return Derivation("SD = SE / √(1/n_exp + 1/n_ctrl)", inputs, sd, "sd_from_difference_se")


def sd_from_difference_ci(
    lower: float,
    upper: float,
    n_exp: int,
    n_ctrl: int,
    *,
    level: float = 0.95,
    distribution: Distribution = "auto",
) -> Derivation:
    """SD of each group from a confidence interval of a difference in means.

    Parameters
    ----------
    lower, upper : float
        Confidence limits of the mean difference (MD).
    n_exp, n_ctrl : int
        Participants in the experimental and control groups.
    level : float
        Confidence level, 0.95 for a 95% interval.
    distribution : {"auto", "normal", "t"}
        Quantile used. ``"auto"`` takes the t distribution with
        n_exp + n_ctrl − 2 degrees of freedom when either group has fewer
        than 60 participants, the normal distribution otherwise.

    Returns
    -------
    Derivation
        ``result`` is the SD to enter for both groups.

    Notes
    -----
    SE = (upper − lower) / (2 × q), then SD = SE / √(1/n_exp + 1/n_ctrl),
    with q as in :func:`sd_from_ci`. Assumes both groups share one SD.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.5.2.3.
    """
    require_interval(lower, upper)
    require_count(n_exp=n_exp, n_ctrl=n_ctrl)
    df = n_exp + n_ctrl - 2 if use_t(distribution, min(n_exp, n_ctrl)) else None
    name, q = quantile(level, df)
    words = quantile_formula(level, df, "n_exp + n_ctrl − 2")
    formula = f"SD = (upper − lower) / (2 × {words}) / √(1/n_exp + 1/n_ctrl)"
    inputs = {"lower": lower, "upper": upper, "n_exp": n_exp, "n_ctrl": n_ctrl, "level": level}
    sd = (upper - lower) / (2 * q) / _difference_scale(n_exp, n_ctrl)
    return Derivation(formula, inputs | quantile_inputs(name, q, df), sd, "sd_from_difference_ci")


def sd_from_t(mean_difference: float, t: float, n_exp: int, n_ctrl: int) -> Derivation:
    """SD of each group from the t statistic of a two-sample t test.

    Parameters
    ----------
    mean_difference : float
        Difference in means (MD) that the t test compared.
    t : float
        Its t statistic (the sign is ignored).
    n_exp, n_ctrl : int
        Participants in the experimental and control groups.

    Returns
    -------
    Derivation
        ``result`` is the SD to enter for both groups.

    Notes
    -----
    SE = |MD| / |t|, then SD = SE / √(1/n_exp + 1/n_ctrl). Valid for the
    pooled-variance t test; assumes both groups share one SD.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.5.2.3.
    """
    require_nonzero("mean_difference", mean_difference, "a mean difference of 0 gives no SD")
    require_nonzero("t", t, "a t statistic of 0 gives no SD")
    require_count(n_exp=n_exp, n_ctrl=n_ctrl)
    sd = abs(mean_difference) / abs(t) / _difference_scale(n_exp, n_ctrl)
    inputs = {"mean_difference": mean_difference, "t": t, "n_exp": n_exp, "n_ctrl": n_ctrl}
    return Derivation("SD = (|MD| / |t|) / √(1/n_exp + 1/n_ctrl)", inputs, sd, "sd_from_t")


def sd_from_p(mean_difference: float, p: float, n_exp: int, n_ctrl: int) -> Derivation:
    """SD of each group from the two-sided p value of a two-sample t test.

    Parameters
    ----------
    mean_difference : float
        Difference in means (MD) that the t test compared.
    p : float
        Its exact two-sided p value. With only "p < 0.05", passing 0.05 gives
        a conservative (larger) SD.
    n_exp, n_ctrl : int
        Participants in the experimental and control groups.

    Returns
    -------
    Derivation
        ``result`` is the SD to enter for both groups; ``inputs`` include the
        t value and its degrees of freedom.

    Notes
    -----
    t = t(1 − p/2, n_exp + n_ctrl − 2), SE = |MD| / t, then
    SD = SE / √(1/n_exp + 1/n_ctrl). Assumes both groups share one SD.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.5.2.3.
    """
    require_nonzero("mean_difference", mean_difference, "a mean difference of 0 gives no SD")
    require_p(p)
    require_count(n_exp=n_exp, n_ctrl=n_ctrl)
    df = n_exp + n_ctrl - 2
    t = float(stdtrit(df, 1 - p / 2))
    sd = abs(mean_difference) / t / _difference_scale(n_exp, n_ctrl)
    formula = "SD = (|MD| / t(1 − p/2, n_exp + n_ctrl − 2)) / √(1/n_exp + 1/n_ctrl)"
    inputs = {"mean_difference": mean_difference, "p": p, "n_exp": n_exp, "n_ctrl": n_ctrl}
    return Derivation(formula, inputs | {"t": t, "df": df}, sd, "sd_from_p")


def _difference_scale(n_exp: int, n_ctrl: int) -> float:
    return math.sqrt(1 / n_exp + 1 / n_ctrl)
