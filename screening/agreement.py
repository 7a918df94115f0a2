"""Agreement between two screeners: percent agreement and Cohen's kappa with its CI."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt

from scipy.stats import norm


@dataclass(frozen=True)
class Agreement:
    n: int
    observed: float  # proportion of records on which both gave the same verdict
    expected: float  # agreement expected by chance from each screener's own rates
    kappa: float | None
    se: float | None
    ci_lower: float | None
    ci_upper: float | None

    @property
    def percent(self) -> float:
        return 100 * self.observed


def cohen_kappa(first: Sequence[str], second: Sequence[str], *, level: float = 0.95) -> Agreement:
    """Cohen's kappa of two screeners' verdicts on the same records, with a Wald CI.

    Parameters
    ----------
    first, second : sequence of str
        The two screeners' verdicts, aligned record by record.
    level : float
        Confidence level of the interval.

    Returns
    -------
    Agreement
        Kappa is None when it is undefined (chance agreement of 1: both
        screeners always gave one and the same verdict).

    Notes
    -----
    kappa = (p_o - p_e) / (1 - p_e). Its standard error is the large-sample one
    of Fleiss, Cohen & Everitt (1969), not the null one, as is right for an
    interval.

    References
    ----------
    Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37-46.
    Fleiss JL, Cohen J, Everitt BS. Large sample standard errors of kappa and
    weighted kappa. Psychol Bull 1969;72:323-7.
    """
    if len(first) != len(second):
        raise ValueError("the two screeners must have rated the same records")
    n = len(first)
    if n == 0:
        return Agreement(0, 0.0, 0.0, None, None, None, None)
    joint = Counter(zip(first, second, strict=True))
    rows, cols = Counter(first), Counter(second)
    categories = sorted(set(rows) | set(cols))
    p = {(i, j): joint[i, j] / n for i in categories for j in categories}
    row = {i: rows[i] / n for i in categories}
    col = {j: cols[j] / n for j in categories}
    observed = sum(p[i, i] for i in categories)
    expected = sum(row[i] * col[i] for i in categories)
    if expected >= 1:
        return Agreement(n, observed, expected, None, None, None, None)
    kappa = (observed - expected) / (1 - expected)
    se = _fleiss_se(p, row, col, categories, kappa, expected, n)
    z = norm.ppf(0.5 + level / 2)
    # Kappa lives in [-1, 1]; the Wald interval can overshoot with few records.
    return Agreement(
        n, observed, expected, kappa, se, max(-1.0, kappa - z * se), min(1.0, kappa + z * se)
    )


def _fleiss_se(p, row, col, categories, kappa, expected, n) -> float:
    a = sum(p[i, i] * (1 - (row[i] + col[i]) * (1 - kappa)) ** 2 for i in categories)
    b = (1 - kappa) ** 2 * sum(
        p[i, j] * (col[i] + row[j]) ** 2 for i in categories for j in categories if i != j
    )
    c = (kappa - expected * (1 - kappa)) ** 2
    return sqrt(max(a + b - c, 0.0)) / ((1 - expected) * sqrt(n))
