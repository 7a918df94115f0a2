"""When to stop screening: the hypergeometric test of Callaghan & Müller-Hansen (2020).

After screening in prioritised order, the reviewers screen a simple random
sample of the records still unscreened. If the review had missed its recall
target, at least ``K_tar`` relevant records would still sit among them; the
test asks how likely a sample with as few relevant records as the one seen
would then be. When that probability falls below ``1 - confidence``, the
hypothesis "recall is below the target" is rejected and screening can stop.

References
----------
Callaghan MW, Müller-Hansen F. Statistical stopping criteria for automated
screening in systematic reviews. Systematic Reviews 2020;9:273.
https://doi.org/10.1186/s13643-020-01521-4
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import hypergeom

METHOD = "Hypergeometric test of Callaghan & Müller-Hansen (2020)"
CITATION = (
    "Callaghan MW, Müller-Hansen F. Statistical stopping criteria for automated screening "
    "in systematic reviews. Systematic Reviews 2020;9:273. doi:10.1186/s13643-020-01521-4"
)


@dataclass(frozen=True)
class StoppingTest:
    """The test after ``sample_screened`` records of the random sample.

    ``p`` is the probability of seeing at most ``sample_relevant`` relevant
    records in the sample if recall were below ``recall_target``; ``stop`` is
    ``p < 1 - confidence``. ``remaining_low`` to ``remaining_high`` is the
    exact (hypergeometric) ``confidence`` interval for the relevant records
    still unscreened, around the estimate ``remaining``.
    """

    urn: int
    relevant_before: int
    sample_screened: int
    sample_relevant: int
    recall_target: float
    confidence: float
    k_target: int
    p: float
    stop: bool
    remaining: float
    remaining_low: int
    remaining_high: int
    recall_estimate: float

    @property
    def relevant_found(self) -> int:
        return self.relevant_before + self.sample_relevant

    def to_dict(self) -> dict:
        return asdict(self) | {"relevant_found": self.relevant_found, "method": METHOD}


def k_target(relevant_before: int, sample_relevant: int, recall_target: float) -> int:
    """The fewest relevant records the urn must hold for recall to be below the target.

    Parameters
    ----------
    relevant_before : int
        Relevant records found before the random sample started (``r_AL``).
    sample_relevant : int
        Relevant records found in the random sample so far (``k``).
    recall_target : float
        Target recall, between 0 and 1 (``τ``).

    Returns
    -------
    int
        ``K_tar = floor((r_AL + k) / τ - r_AL + 1)``: with that many relevant
        records in the urn (the sample and everything still unscreened), the
        ``r_AL + k`` found so far would be fewer than ``τ`` of all of them.

    Notes
    -----
    Callaghan & Müller-Hansen (2020), equation for ``K_tar``. The small
    tolerance keeps ``20 / 0.95`` style quotients that are whole numbers in
    exact arithmetic from being floored one too low.
    """
    _check_fraction("recall_target", recall_target)
    found = relevant_before + sample_relevant
    return math.floor(found / recall_target - relevant_before + 1 + 1e-9)


def stopping_test(
    *,
    urn: int,
    relevant_before: int,
    sample_screened: int,
    sample_relevant: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
) -> StoppingTest:
    """Test the hypothesis that recall is below the target, from a random sample.

    Parameters
    ----------
    urn : int
        Records still unscreened when the random sample was drawn (the urn the
        sample comes from), including the sample itself.
    relevant_before : int
        Relevant records found before the sample (``r_AL``).
    sample_screened : int
        Records of the sample screened so far (``n``), drawn without replacement.
    sample_relevant : int
        Relevant records among them (``k``).
    recall_target, confidence : float
        Target recall ``τ`` and confidence level ``1 - α``.

    Returns
    -------
    StoppingTest
        ``p = P(X <= k)`` for ``X ~ Hypergeometric(urn, K_tar, n)``; stop when
        ``p < α``. The estimate of relevant records remaining is
        ``(urn - n) · k / n`` with an exact hypergeometric interval.

    Notes
    -----
    Callaghan & Müller-Hansen (2020), the hypergeometric stopping criterion.
    The p-value may be computed after every sampled record, as in the paper.

    References
    ----------
    Callaghan MW, Müller-Hansen F. Systematic Reviews 2020;9:273.
    """
    _check_counts(urn, relevant_before, sample_screened, sample_relevant)
    _check_fraction("confidence", confidence)
    k_tar = k_target(relevant_before, sample_relevant, recall_target)
    p = _p_value(urn, k_tar, sample_screened, sample_relevant)
    low, high = urn_relevant_interval(urn, sample_screened, sample_relevant, confidence)
    left = urn - sample_screened
    remaining = left * sample_relevant / sample_screened if sample_screened else math.nan
    found = relevant_before + sample_relevant
    total = found + remaining
    return StoppingTest(
        urn=urn,
        relevant_before=relevant_before,
        sample_screened=sample_screened,
        sample_relevant=sample_relevant,
        recall_target=recall_target,
        confidence=confidence,
        k_target=k_tar,
        p=p,
        stop=p < 1 - confidence,
        remaining=remaining,
        remaining_low=max(low - sample_relevant, 0),
        remaining_high=max(high - sample_relevant, 0),
        recall_estimate=found / total if total else 1.0,
    )


def sequential_p(
    *, urn: int, relevant_before: int, sample_labels, recall_target: float = 0.95
) -> np.ndarray:
    """The test's p-value after each record of a random sample, in the order screened.

    Parameters
    ----------
    urn, relevant_before, recall_target
        As in :func:`stopping_test`.
    sample_labels : sequence of {0, 1}
        The sampled records' verdicts (1 = relevant), in the order screened.

    Returns
    -------
    numpy.ndarray
        ``p[i]`` is :func:`stopping_test`'s ``p`` after ``i + 1`` sampled records.

    Notes
    -----
    Callaghan & Müller-Hansen (2020) compute the test after every sampled
    record and stop at the first ``p < 1 - confidence``.
    """
    labels = np.asarray(sample_labels, dtype=np.int64)
    _check_counts(urn, relevant_before, len(labels), int(labels.sum()))
    _check_fraction("recall_target", recall_target)
    n = np.arange(1, len(labels) + 1)
    k = np.cumsum(labels)
    k_tar = np.floor((relevant_before + k) / recall_target - relevant_before + 1 + 1e-9)
    p = hypergeom.cdf(k, urn, np.minimum(k_tar, urn), n)
    return np.where(k_tar > urn, 0.0, p)


def _p_value(urn: int, k_tar: int, n: int, k: int) -> float:
    if k_tar > urn:
        return 0.0  # the urn is too small to hide that many: recall cannot be below target
    if n == 0:
        return 1.0
    return float(hypergeom.cdf(k, urn, k_tar, n))


def sample_size(
    *, urn: int, relevant_before: int, recall_target: float = 0.95, confidence: float = 0.95
) -> int:
    """The random sample that rejects the hypothesis if it holds no relevant record.

    Parameters
    ----------
    urn : int
        Records still unscreened.
    relevant_before : int
        Relevant records found so far (``r_AL``).
    recall_target, confidence : float
        As in :func:`stopping_test`.

    Returns
    -------
    int
        The smallest ``n`` with ``P(X = 0) < 1 - confidence`` for
        ``X ~ Hypergeometric(urn, K_tar, n)`` and ``K_tar`` from ``k = 0``;
        ``urn`` when even screening all of it is needed. Every relevant record
        the sample turns up makes the sample needed larger.

    Notes
    -----
    Callaghan & Müller-Hansen (2020): the sample a reviewer plans for, under
    the hopeful assumption that it finds nothing new.
    """
    return sample_needed(
        urn=urn, relevant_before=relevant_before, recall_target=recall_target, confidence=confidence
    )


def sample_needed(
    *,
    urn: int,
    relevant_before: int,
    sample_relevant: int = 0,
    recall_target: float = 0.95,
    confidence: float = 0.95,
) -> int:
    """The random sample that rejects the hypothesis if it turns up no relevant record beyond ``k``.

    Parameters
    ----------
    urn, relevant_before, recall_target, confidence
        As in :func:`stopping_test`.
    sample_relevant : int
        Relevant records the sample has found so far (``k``).

    Returns
    -------
    int
        The smallest sample size ``n`` (counting the records already sampled)
        with ``P(X <= k) < 1 - confidence`` for ``X ~ Hypergeometric(urn,
        K_tar, n)``; ``urn`` when even screening all of it cannot reject.
        With ``k = 0`` this is :func:`sample_size`.
    """
    _check_counts(urn, relevant_before, sample_relevant, sample_relevant)
    k_tar = k_target(relevant_before, sample_relevant, recall_target)
    if k_tar > urn:
        return sample_relevant
    alpha = 1 - confidence

    def rejects(n: int) -> bool:
        return hypergeom.cdf(sample_relevant, urn, k_tar, n) < alpha

    return min(_first(sample_relevant, urn, rejects), urn)


def urn_relevant_interval(urn: int, n: int, k: int, confidence: float) -> tuple[int, int]:
    """Exact two-sided interval for the relevant records in the urn, given ``k`` of ``n`` sampled.

    Parameters
    ----------
    urn, n, k : int
        Urn size, sample size and relevant records in the sample.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    (int, int)
        The smallest and largest ``K`` (relevant records in the whole urn, the
        sample included) not rejected by either one-sided hypergeometric test
        at ``(1 - confidence) / 2``.

    Notes
    -----
    The test-inversion (Clopper-Pearson style) interval for the hypergeometric
    parameter ``K``; see e.g. Wright T. (1991), Exact Confidence Bounds when
    Sampling from Small Finite Universes, Springer.
    """
    half = (1 - confidence) / 2
    lowest, highest = k, urn - (n - k)
    # P(X >= k) grows with K and P(X <= k) falls with it: both ends by bisection.
    low = _first(lowest, highest, lambda big_k: hypergeom.sf(k - 1, urn, big_k, n) > half)
    high = _first(lowest, highest, lambda big_k: hypergeom.cdf(k, urn, big_k, n) <= half) - 1
    return low, max(high, low)


def _first(low: int, high: int, holds) -> int:
    """The smallest integer in [low, high] where the monotone ``holds`` is true, else high + 1."""
    if not holds(high):
        return high + 1
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _check_counts(urn: int, relevant_before: int, n: int, k: int) -> None:
    if min(urn, relevant_before, n, k) < 0:
        raise ValueError("Counts of records cannot be negative.")
    if n > urn:
        raise ValueError(f"The sample ({n} records) is larger than the urn it came from ({urn}).")
    if k > n:
        raise ValueError(f"The sample holds {k} relevant records but only {n} were screened.")


def _check_fraction(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be between 0 and 1 (exclusive), not {value}.")
