"""Missing SDs and SEs derived from what a report gives, each with a record of how.

Every function returns a :class:`Derivation`: the value is its ``result``, and
``formula``, ``inputs`` and ``method`` say exactly what was done, so the value
can be stored next to its provenance and shown in the history. Formulas follow
the Cochrane Handbook, chapter 6: sections 6.3.1 and 6.3.2 (standard errors of
effect estimates) and 6.5.2.2 and 6.5.2.3 (standard deviations for continuous
outcomes). Quantiles are exact (3.92 in the Handbook is 2 × 1.959964, rounded).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

from scipy.special import ndtri, stdtrit

Distribution = Literal["auto", "normal", "t"]

# Below this many participants in a group, confidence intervals are taken to
# come from the t distribution (Cochrane Handbook 6.5.2.2 and 6.5.2.3).
SMALL_SAMPLE = 60

REFERENCES = {
    "sd_from_se": "Cochrane Handbook 6.5.2.2",
    "sd_from_ci": "Cochrane Handbook 6.5.2.2",
    "sd_from_difference_se": "Cochrane Handbook 6.5.2.3",
    "sd_from_difference_ci": "Cochrane Handbook 6.5.2.3",
    "sd_from_t": "Cochrane Handbook 6.5.2.3",
    "sd_from_p": "Cochrane Handbook 6.5.2.3",
    "se_from_difference_ci": "Cochrane Handbook 6.3.1",
    "se_from_p": "Cochrane Handbook 6.3.1",
    "se_from_ratio_ci": "Cochrane Handbook 6.3.2",
    "se_from_ratio_p": "Cochrane Handbook 6.3.2",
    "log_ratio": "Cochrane Handbook 6.3.2",
}


class DerivationError(ValueError):
    """The inputs cannot give a value (the message says why, in plain words)."""


@dataclass(frozen=True)
class Derivation:
    """A derived value and how it was obtained.

    ``inputs`` holds the values given and the quantile used (``z`` or ``t``,
    with ``df``); ``method`` is the name of the function that did it.
    """

    formula: str
    inputs: dict[str, float]
    result: float
    method: str

    @property
    def reference(self) -> str:
        return REFERENCES[self.method]

    def to_dict(self) -> dict:
        return asdict(self) | {"reference": self.reference}

    def __str__(self) -> str:
        given = ", ".join(f"{name} = {value:.6g}" for name, value in self.inputs.items())
        return f"{self.formula} = {self.result:.6g} ({given}; {self.reference})"


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
    _require_positive(se=se)
    _require_count(n=n)
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
    _require_interval(lower, upper)
    _require_count(n=n)
    df = n - 1 if _use_t(distribution, n) else None
    name, q = _quantile(level, df)
    formula = f"SD = √n × (upper − lower) / (2 × {_quantile_formula(level, df, 'n − 1')})"
    inputs = {"lower": lower, "upper": upper, "n": n, "level": level} | _quantile_inputs(
        name, q, df
    )
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
    _require_positive(se=se)
    _require_count(n_exp=n_exp, n_ctrl=n_ctrl)
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
    _require_interval(lower, upper)
    _require_count(n_exp=n_exp, n_ctrl=n_ctrl)
    df = n_exp + n_ctrl - 2 if _use_t(distribution, min(n_exp, n_ctrl)) else None
    name, q = _quantile(level, df)
    quantile = _quantile_formula(level, df, "n_exp + n_ctrl − 2")
    formula = f"SD = (upper − lower) / (2 × {quantile}) / √(1/n_exp + 1/n_ctrl)"
    inputs = {"lower": lower, "upper": upper, "n_exp": n_exp, "n_ctrl": n_ctrl, "level": level}
    sd = (upper - lower) / (2 * q) / _difference_scale(n_exp, n_ctrl)
    return Derivation(formula, inputs | _quantile_inputs(name, q, df), sd, "sd_from_difference_ci")


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
    _require_nonzero("mean_difference", mean_difference, "a mean difference of 0 gives no SD")
    _require_nonzero("t", t, "a t statistic of 0 gives no SD")
    _require_count(n_exp=n_exp, n_ctrl=n_ctrl)
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
    _require_nonzero("mean_difference", mean_difference, "a mean difference of 0 gives no SD")
    _require_p(p)
    _require_count(n_exp=n_exp, n_ctrl=n_ctrl)
    df = n_exp + n_ctrl - 2
    t = float(stdtrit(df, 1 - p / 2))
    sd = abs(mean_difference) / t / _difference_scale(n_exp, n_ctrl)
    formula = "SD = (|MD| / t(1 − p/2, n_exp + n_ctrl − 2)) / √(1/n_exp + 1/n_ctrl)"
    inputs = {"mean_difference": mean_difference, "p": p, "n_exp": n_exp, "n_ctrl": n_ctrl}
    return Derivation(formula, inputs | {"t": t, "df": df}, sd, "sd_from_p")


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
    _require_interval(lower, upper)
    if df is not None:
        _require_count(df=df)
    name, q = _quantile(level, df)
    formula = f"SE = (upper − lower) / (2 × {_quantile_formula(level, df, 'df')})"
    inputs = {"lower": lower, "upper": upper, "level": level} | _quantile_inputs(name, q, df)
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
    _require_positive(lower=lower, upper=upper)
    _require_interval(lower, upper)
    name, z = _quantile(level, None)
    formula = f"SE = (ln upper − ln lower) / (2 × {_quantile_formula(level, None, '')})"
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
    _require_nonzero("estimate", estimate, "an estimate of 0 gives no SE from a p value")
    _require_p(p)
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
    _require_positive(ratio=ratio)
    _require_nonzero("ratio", math.log(ratio), "a ratio of 1 gives no SE from a p value")
    _require_p(p)
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
    _require_positive(ratio=ratio)
    return Derivation("estimate = ln ratio", {"ratio": ratio}, math.log(ratio), "log_ratio")


def _use_t(distribution: Distribution, n: int) -> bool:
    if distribution not in ("auto", "normal", "t"):
        raise DerivationError(f"unknown distribution {distribution!r} (auto, normal or t)")
    return distribution == "t" or (distribution == "auto" and n < SMALL_SAMPLE)


def _quantile(level: float, df: int | None) -> tuple[str, float]:
    if not (_is_number(level) and 0 < level < 1):
        raise DerivationError("the confidence level must be between 0 and 1 (0.95 for 95%)")
    if df is not None and df < 1:
        raise DerivationError("the t distribution needs at least 2 participants")
    probability = (1 + level) / 2
    if df is None:
        return "z", float(ndtri(probability))
    return "t", float(stdtrit(df, probability))


def _quantile_formula(level: float, df: int | None, df_words: str) -> str:
    probability = f"{(1 + level) / 2:.6g}"
    return f"z({probability})" if df is None else f"t({probability}, {df_words})"


def _quantile_inputs(name: str, q: float, df: int | None) -> dict[str, float]:
    return {name: q} if df is None else {name: q, "df": df}


def _difference_scale(n_exp: int, n_ctrl: int) -> float:
    return math.sqrt(1 / n_exp + 1 / n_ctrl)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _require_number(name: str, value: object) -> None:
    if not _is_number(value):
        raise DerivationError(f"{name} must be a number")


def _require_positive(**values: float) -> None:
    for name, value in values.items():
        _require_number(name, value)
        if value <= 0:
            raise DerivationError(f"{name} must be greater than 0")


def _require_nonzero(name: str, value: float, why: str) -> None:
    _require_number(name, value)
    if value == 0:
        raise DerivationError(why)


def _require_count(**values: int) -> None:
    for name, value in values.items():
        if not (_is_number(value) and float(value).is_integer() and value >= 1):
            raise DerivationError(f"{name} must be a positive whole number")


def _require_interval(lower: float, upper: float) -> None:
    _require_number("lower", lower)
    _require_number("upper", upper)
    if lower >= upper:
        raise DerivationError(
            f"the lower limit ({lower:g}) must be below the upper limit ({upper:g})"
        )


def _require_p(p: float) -> None:
    if not (_is_number(p) and 0 < p < 1):
        raise DerivationError("p must be between 0 and 1, exclusive")
