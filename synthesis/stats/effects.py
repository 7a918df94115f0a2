"""Per-study effect sizes and their sampling variances (metafor's ``escalc`` step).

Every function returns a :class:`StudyEffects` on the *analysis scale*: the
natural log for ratio measures (RR, OR, Peto OR, HR) and the raw difference
for MD, SMD and RD, as the registry ``extraction.outcomes.measures`` says.
Studies that carry no information for the measure (for example double-zero
studies for RR and OR) stay in the result with ``included = False`` and NaN
values, so rows keep matching the input. :func:`study_effects` picks the
function for a data type and measure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from extraction.outcomes.data import DataType
from extraction.outcomes.measures import is_ratio


@dataclass(frozen=True)
class StudyEffects:
    """Study effect sizes ``yi`` with variances ``vi`` on the analysis scale."""

    measure: str
    labels: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    included: np.ndarray

    @property
    def log_scale(self) -> bool:
        return is_ratio(self.measure)

    def subset(self, mask: np.ndarray) -> StudyEffects:
        """The studies where ``mask`` is true, in their original order."""
        mask = np.asarray(mask, dtype=bool)
        labels = tuple(lab for lab, keep in zip(self.labels, mask, strict=True) if keep)
        return StudyEffects(self.measure, labels, self.yi[mask], self.vi[mask], self.included[mask])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"yi": self.yi, "vi": self.vi, "se": np.sqrt(self.vi), "included": self.included},
            index=pd.Index(self.labels, name="study"),
        )


def _labels(labels, n: int) -> tuple[str, ...]:
    return tuple(labels) if labels is not None else tuple(str(i + 1) for i in range(n))


def _f(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def mean_difference(m1, sd1, n1, m2, sd2, n2, *, labels=None) -> StudyEffects:
    """Mean difference, experimental minus control.

    Returns
    -------
    StudyEffects
        ``yi = m1 - m2`` and ``vi = sd1²/n1 + sd2²/n2`` (raw units, metafor ``MD``).
    """
    m1, sd1, n1, m2, sd2, n2 = map(_f, (m1, sd1, n1, m2, sd2, n2))
    yi = m1 - m2
    vi = sd1**2 / n1 + sd2**2 / n2
    return _masked("MD", _labels(labels, len(yi)), yi, vi, _estimable(yi, vi))


def standardized_mean_difference(
    m1, sd1, n1, m2, sd2, n2, *, variant: str = "metafor", labels=None
) -> StudyEffects:
    """Hedges' adjusted g (bias-corrected standardized mean difference).

    Parameters
    ----------
    variant : {"metafor", "revman5"}
        ``"metafor"``: exact correction J(m) = Γ(m/2) / (√(m/2) Γ((m−1)/2)),
        m = N − 2, and var = 1/n1 + 1/n2 + g²/(2N) (``escalc(vtype="LS")``).
        ``"revman5"``: J = 1 − 3/(4N − 9) and var = N/(n1 n2) + g²/(2(N − 3.94)).

    Notes
    -----
    The pooled SD is sqrt(((n1−1) sd1² + (n2−1) sd2²) / (N − 2)).

    References
    ----------
    Hedges LV (1981). J Educ Stat 6:107-128. Deeks JJ, Higgins JPT (2010),
    Statistical algorithms in Review Manager 5.
    """
    m1, sd1, n1, m2, sd2, n2 = map(_f, (m1, sd1, n1, m2, sd2, n2))
    big_n = n1 + n2
    s_pooled = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (big_n - 2))
    d = (m1 - m2) / s_pooled
    if variant == "revman5":
        g = (1 - 3 / (4 * big_n - 9)) * d
        vi = big_n / (n1 * n2) + g**2 / (2 * (big_n - 3.94))
    elif variant == "metafor":
        m = big_n - 2
        j = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
        g = j * d
        vi = 1 / n1 + 1 / n2 + g**2 / (2 * big_n)
    else:
        raise ValueError(f"unknown SMD variant {variant!r}")
    return _masked("SMD", _labels(labels, len(g)), g, vi, _estimable(g, vi))


def _estimable(yi: np.ndarray, vi: np.ndarray) -> np.ndarray:
    """Studies with a finite estimate and a finite variance above 0 (not underflowed to 0)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(yi) & np.isfinite(vi) & (vi > 0)


def double_zero(a, n1, c, n2) -> np.ndarray:
    """Studies with no events, or only events, in both arms."""
    a, n1, c, n2 = map(_f, (a, n1, c, n2))
    return ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))


def corrected_table(a, n1, c, n2, *, correction: float = 0.5):
    """Add ``correction`` to all four cells of every study with a zero cell.

    Returns ``(a, n1, c, n2)`` as floats; each group total of a corrected study
    rises by ``2 * correction`` (RevMan's rule, Cochrane Handbook 5.1 §9.4.4).
    """
    a, n1, c, n2 = map(_f, (a, n1, c, n2))
    zero = (a == 0) | (c == 0) | (a == n1) | (c == n2)
    add = np.where(zero, correction, 0.0)
    return a + add, n1 + 2 * add, c + add, n2 + 2 * add


def binary_effects(
    measure: str,
    a,
    n1,
    c,
    n2,
    *,
    correction: float = 0.5,
    drop_double_zero: bool | None = None,
    labels=None,
) -> StudyEffects:
    """Risk ratio, odds ratio or risk difference from 2×2 tables.

    Parameters
    ----------
    measure : {"RR", "OR", "RD"}
    a, n1, c, n2 : array_like
        Events and totals in the experimental and control arms.
    correction : float
        Added to every cell of a study with a zero cell (0 for none).
    drop_double_zero : bool, optional
        Exclude studies with no (or only) events in both arms. Defaults to
        True for RR and OR and False for RD, as RevMan does.

    Returns
    -------
    StudyEffects
        Log RR / log OR (log scale) or RD, with the large-sample variances
        1/a − 1/n1 + 1/c − 1/n2, 1/a + 1/b + 1/c + 1/d and
        p1(1−p1)/n1 + p2(1−p2)/n2 (metafor ``escalc``, ``add = 1/2, to = "only0"``).
    """
    if drop_double_zero is None:
        drop_double_zero = measure != "RD"
    dz = double_zero(a, n1, c, n2)
    a, n1, c, n2 = corrected_table(a, n1, c, n2, correction=correction)
    b, d = n1 - a, n2 - c
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log((a / n1) / (c / n2))
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(a * d / (b * c))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RD":
            p1, p2 = a / n1, c / n2
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        else:
            raise ValueError(f"unknown binary measure {measure!r}")
    included = _estimable(yi, vi)
    if drop_double_zero:
        included &= ~dz
    return _masked(measure, _labels(labels, len(yi)), yi, vi, included)


def _masked(measure, labels, yi, vi, included) -> StudyEffects:
    yi = np.where(included, yi, np.nan)
    vi = np.where(included, vi, np.nan)
    return StudyEffects(measure, labels, yi, vi, included)


def peto_terms(a, n1, c, n2) -> tuple[np.ndarray, np.ndarray]:
    """Observed minus expected events in the experimental arm and its hypergeometric variance."""
    a, n1, c, n2 = map(_f, (a, n1, c, n2))
    big_n = n1 + n2
    events = a + c
    o_minus_e = a - n1 * events / big_n
    variance = n1 * n2 * events * (big_n - events) / (big_n**2 * (big_n - 1))
    return o_minus_e, variance


def peto_effects(a, n1, c, n2, *, labels=None) -> StudyEffects:
    """Peto's one-step log odds ratio, (O − E)/V with variance 1/V, from raw counts.

    Studies with V = 0 (no events, or only events, in both arms) are excluded.

    References
    ----------
    Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Prog Cardiovasc Dis 27:335-371.
    """
    o_minus_e, variance = peto_terms(a, n1, c, n2)
    return o_minus_e_effects(o_minus_e, variance, labels=labels, measure="PETO_OR")


def o_minus_e_effects(o_minus_e, variance, *, labels=None, measure: str = "HR") -> StudyEffects:
    """Log hazard (or odds) ratio (O − E)/V with variance 1/V, from O − E and V."""
    o_minus_e, variance = _f(o_minus_e), _f(variance)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        yi, vi = o_minus_e / variance, 1 / variance
    included = (variance > 0) & _estimable(yi, vi)
    return _masked(measure, _labels(labels, len(yi)), yi, vi, included)


def generic_effects(estimate, se, *, measure: str, labels=None) -> StudyEffects:
    """Generic inverse variance: an estimate (log scale for ratios) and its standard error."""
    estimate, se = _f(estimate), _f(se)
    return _masked(
        measure, _labels(labels, len(estimate)), estimate, se**2, _estimable(estimate, se**2)
    )


def study_effects(
    data_type: DataType | str,
    measure: str,
    columns: Mapping[str, Sequence[float]],
    *,
    labels: Sequence[str],
    correction: float = 0.5,
    drop_double_zero: bool | None = None,
    smd_variant: str = "metafor",
) -> StudyEffects:
    """The effect sizes of ``measure`` from ``data_type`` data, by the conformance schema's columns.

    Parameters
    ----------
    data_type : {"continuous", "dichotomous", "generic", "o_minus_e"}
    measure : str
        A key of the registry (``extraction.outcomes.measures.MEASURES``) that
        suits ``data_type``: MD or SMD from arms; RR, OR, RD or PETO_OR from
        2×2 tables; HR or PETO_OR from O − E and V; any from an estimate and
        its SE (already on the analysis scale).
    columns : mapping of str to sequence of float
        ``n_exp, mean_exp, ...``, ``events_exp, ...``, ``estimate, se`` or
        ``o_minus_e, variance``.
    labels : sequence of str
    correction, drop_double_zero
        The zero-cell rule of :func:`binary_effects`.
    smd_variant : {"metafor", "revman5"}
        See :func:`standardized_mean_difference`.

    Returns
    -------
    StudyEffects
        On the analysis scale (log for ratio measures).
    """
    data_type = DataType(data_type)
    if data_type is DataType.CONTINUOUS:
        arms = [columns[f"{name}_{arm}"] for arm in ("exp", "ctrl") for name in ("mean", "sd", "n")]
        if measure == "MD":
            return mean_difference(*arms, labels=labels)
        return standardized_mean_difference(*arms, variant=smd_variant, labels=labels)
    if data_type is DataType.GENERIC:
        return generic_effects(columns["estimate"], columns["se"], measure=measure, labels=labels)
    if data_type is DataType.O_MINUS_E:
        return o_minus_e_effects(
            columns["o_minus_e"], columns["variance"], labels=labels, measure=measure
        )
    table = [columns[k] for k in ("events_exp", "total_exp", "events_ctrl", "total_ctrl")]
    if measure == "PETO_OR":
        return peto_effects(*table, labels=labels)
    return binary_effects(
        measure, *table, correction=correction, drop_double_zero=drop_double_zero, labels=labels
    )
