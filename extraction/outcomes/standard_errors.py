"""Standard errors of effect estimates from their intervals and p values (Handbook 6.3)."""

from __future__ import annotations

import math

from scipy.special import ndtri

from .derivations import (
    Derivation,
    quantile,
    quantile_formula,
    quantile_inputs,
    require_count,
    require_interval,
    require_nonzero,
    require_p,
    require_positive,
)


def se_from_difference_ci(
    lower: float, upper: float, *, level: float = 0.95, df: int | None = None
) -> Derivation:
    """SE of a difference measure (MD, SMD, RD) from its confidence interval.

    Parameters
    ----------
    lower, upper : float
        Confidence limits of the estimate.
    level : float
        Confidence level, 0.95 for a 95% interval.
    df : int, optional
        Degrees of freedom when the interval came from a t distribution
        (small trials: n_exp + n_ctrl − 2); the normal distribution otherwise.

    Returns
    -------
    Derivation
        ``result`` is the SE, on the scale of the estimate.

    Notes
    -----
    SE = (upper − lower) / (2 × z((1 + level)/2)), which is
    (upper − lower) / 3.92 for a 95% interval.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.3.1.
    """
    require_interval(lower, upper)
    if df is not None:
        require_count(df=df)
    name, q = quantile(level, df)
    formula = f"SE = (upper − lower) / (2 × {quantile_formula(level, df, 'df')})"
    inputs = {"lower": lower, "upper": upper, "level": level} | quantile_inputs(name, q, df)
    return Derivation(formula, inputs, (upper - lower) / (2 * q), "se_from_difference_ci")


def se_from_ratio_ci(lower: float, upper: float, *, level: float = 0.95) -> Derivation:
    """SE of a log ratio (ln OR, ln RR, ln HR) from the ratio's confidence interval.

    Parameters
    ----------
    lower, upper : float
        Confidence limits of the ratio, on the ratio scale (e.g. 0.84 and 2.39).
    level : float
        Confidence level, 0.95 for a 95% interval.

    Returns
    -------
    Derivation
        ``result`` is the SE of the log ratio (natural log), the scale of
        :class:`~extraction.outcomes.data.GenericEstimate`.

    Notes
    -----
    SE = (ln upper − ln lower) / (2 × z((1 + level)/2)), which is
    (ln upper − ln lower) / 3.92 for a 95% interval.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.3.2.
    """
    require_positive(lower=lower, upper=upper)
    require_interval(lower, upper)
    name, z = quantile(level, None)
    formula = f"SE = (ln upper − ln lower) / (2 × {quantile_formula(level, None, '')})"
    inputs = {"lower": lower, "upper": upper, "level": level, name: z}
    se = (math.log(upper) - math.log(lower)) / (2 * z)
    return Derivation(formula, inputs, se, "se_from_ratio_ci")


def se_from_p(estimate: float, p: float) -> Derivation:
    """SE of a difference measure (MD, SMD, RD) from its estimate and two-sided p value.

    Parameters
    ----------
    estimate : float
        The effect estimate.
    p : float
        Its exact two-sided p value, from a z test.

    Returns
    -------
    Derivation
        ``result`` is the SE, on the scale of the estimate; ``inputs`` include z.

    Notes
    -----
    z = z(1 − p/2), SE = |estimate| / z.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.3.1.
    """
    require_nonzero("estimate", estimate, "an estimate of 0 gives no SE from a p value")
    require_p(p)
    z = float(ndtri(1 - p / 2))
    inputs = {"estimate": estimate, "p": p, "z": z}
    return Derivation("SE = |estimate| / z(1 − p/2)", inputs, abs(estimate) / z, "se_from_p")


def se_from_ratio_p(ratio: float, p: float) -> Derivation:
    """SE of a log ratio (ln OR, ln RR, ln HR) from the ratio and its two-sided p value.

    Parameters
    ----------
    ratio : float
        The ratio estimate on the ratio scale (e.g. 1.42).
    p : float
        Its exact two-sided p value, from a z test.

    Returns
    -------
    Derivation
        ``result`` is the SE of the natural log of the ratio; ``inputs``
        include z.

    Notes
    -----
    z = z(1 − p/2), SE = |ln ratio| / z.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.3.2.
    """
    require_positive(ratio=ratio)
    require_nonzero("ratio", math.log(ratio), "a ratio of 1 gives no SE from a p value")
    require_p(p)
    z = float(ndtri(1 - p / 2))
    se = abs(math.log(ratio)) / z
    inputs = {"ratio": ratio, "p": p, "z": z}
    return Derivation("SE = |ln ratio| / z(1 − p/2)", inputs, se, "se_from_ratio_p")


def log_ratio(ratio: float) -> Derivation:
    """A ratio estimate (OR, RR, HR) on the analysis scale: its natural log.

    Parameters
    ----------
    ratio : float
        The ratio estimate, greater than 0.

    Returns
    -------
    Derivation
        ``result`` is ln(ratio), the ``estimate`` of a
        :class:`~extraction.outcomes.data.GenericEstimate`.

    References
    ----------
    Cochrane Handbook for Systematic Reviews of Interventions, version 6.4,
    section 6.3.2.
    """
    require_positive(ratio=ratio)
    return Derivation("estimate = ln ratio", {"ratio": ratio}, math.log(ratio), "log_ratio")
