"""The stopping rule: Callaghan & Müller-Hansen (2020)'s hypergeometric test.

Checked three ways: against the authors' worked example, against hand
computations with binomial coefficients (no scipy), and against simulated
reviews where the truth is known, for the guarantee it states.
"""

import math

import numpy as np
import pytest

from screening.prioritisation.stopping import (
    k_target,
    sample_needed,
    sample_size,
    sequential_p,
    stopping_test,
    urn_relevant_interval,
)


def hypergeom_cdf(k: int, urn: int, relevant: int, n: int) -> float:
    """P(X <= k) for X ~ Hypergeometric(urn, relevant, n), from binomial coefficients."""
    total = math.comb(urn, n)
    return (
        sum(math.comb(relevant, i) * math.comb(urn - relevant, n - i) for i in range(k + 1)) / total
    )


def test_it_reproduces_the_authors_worked_example():
    # The authors' worked example (mcallaghan/rapid-screening, analysis/hyper_criteriaR):
    # 100 documents, 20 relevant seen, then 70 irrelevant treated as the sample,
    # recall target 0.9: K_tar = 3 and p = 0.001460565.
    test = stopping_test(
        urn=80, relevant_before=20, sample_screened=70, sample_relevant=0, recall_target=0.9
    )
    assert test.k_target == 3
    assert test.p == pytest.approx(0.001460565, abs=5e-10)
    # By hand: C(77, 70) / C(80, 70) = (10 * 9 * 8) / (80 * 79 * 78)
    assert test.p == pytest.approx(720 / 492960, rel=1e-12)
    assert test.stop


def test_k_target_follows_the_papers_formula_without_float_trouble():
    # floor(95 / 0.95 - 95 + 1) = floor(100 - 94) = 6; 95 / 0.95 is 99.999... in floating point.
    assert k_target(95, 0, 0.95) == 6
    assert k_target(20, 0, 0.9) == 3  # floor(22.2 - 19)
    assert k_target(20, 2, 0.9) == 5  # floor(24.4 - 19)
    assert k_target(0, 0, 0.95) == 1  # nothing found yet: one relevant record would do


@pytest.mark.parametrize(
    ("urn", "before", "n", "k", "target"),
    [
        (500, 40, 120, 0, 0.95),
        (500, 40, 200, 2, 0.95),
        (300, 10, 150, 1, 0.8),
        (60, 5, 59, 0, 0.95),
    ],
)
def test_the_p_value_is_the_hypergeometric_tail(urn, before, n, k, target):
    test = stopping_test(
        urn=urn, relevant_before=before, sample_screened=n, sample_relevant=k, recall_target=target
    )
    expected = hypergeom_cdf(k, urn, math.floor((before + k) / target - before + 1 + 1e-9), n)
    assert test.p == pytest.approx(expected, rel=1e-9)


def test_sequential_p_is_the_test_after_each_sampled_record():
    labels = [0, 0, 1, 0, 0, 0, 1, 0]
    p = sequential_p(urn=200, relevant_before=30, sample_labels=labels)
    for i in range(len(labels)):
        test = stopping_test(
            urn=200, relevant_before=30, sample_screened=i + 1, sample_relevant=sum(labels[: i + 1])
        )
        assert p[i] == pytest.approx(test.p, rel=1e-12)


def test_the_sample_size_is_the_smallest_that_rejects_when_nothing_is_found():
    # K_tar = 3 of an urn of 80: P(X = 0) = C(77, n) / C(80, n); brute force by hand.
    smallest = next(n for n in range(81) if hypergeom_cdf(0, 80, 3, n) < 0.05)
    assert sample_size(urn=80, relevant_before=20, recall_target=0.9) == smallest == 50
    # Each relevant record the sample finds raises the sample needed.
    with_one = next(n for n in range(1, 81) if hypergeom_cdf(1, 80, k_target(20, 1, 0.9), n) < 0.05)
    assert (
        sample_needed(urn=80, relevant_before=20, sample_relevant=1, recall_target=0.9) == with_one
    )


def test_no_sample_is_needed_when_the_urn_cannot_hide_enough():
    # 100 found, target 95%: K_tar = 6, but only 5 records are left: recall is already >= 95%.
    assert sample_size(urn=5, relevant_before=100) == 0
    assert stopping_test(urn=5, relevant_before=100, sample_screened=0, sample_relevant=0).stop


def test_the_interval_inverts_the_two_one_sided_tests():
    urn, n, k = 200, 50, 3
    inside = [
        big_k
        for big_k in range(k, urn - (n - k) + 1)
        if hypergeom_cdf(k, urn, big_k, n) > 0.025
        and 1 - hypergeom_cdf(k - 1, urn, big_k, n) > 0.025
    ]
    assert urn_relevant_interval(urn, n, k, 0.95) == (inside[0], inside[-1])


def test_the_estimate_of_what_remains_scales_the_sample():
    test = stopping_test(urn=1000, relevant_before=50, sample_screened=200, sample_relevant=4)
    assert test.remaining == pytest.approx(800 * 4 / 200)
    assert test.remaining_low <= test.remaining <= test.remaining_high
    assert test.relevant_found == 54
    assert test.recall_estimate == pytest.approx(54 / (54 + 16))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"urn": 10, "sample_screened": 11}, "larger than the urn"),
        ({"sample_screened": 3, "sample_relevant": 4}, "only 3 were screened"),
        ({"relevant_before": -1}, "cannot be negative"),
        ({"recall_target": 1.0}, "recall_target must be between 0 and 1"),
        ({"confidence": 0}, "confidence must be between 0 and 1"),
    ],
)
def test_impossible_numbers_are_refused_in_words(kwargs, message):
    arguments = {"urn": 100, "relevant_before": 10, "sample_screened": 5, "sample_relevant": 0}
    with pytest.raises(ValueError, match=message):
        stopping_test(**(arguments | kwargs))


def _simulated_review(rng, *, records: int, relevant: int, found_before: int) -> tuple[int, float]:
    """Stop with the test on a random sample; return (records sampled, recall at the stop)."""
    urn_relevant = relevant - found_before
    urn = np.zeros(records - found_before * 3, dtype=int)  # 3 records screened per relevant found
    urn[:urn_relevant] = 1
    sample = rng.permutation(urn)
    p = sequential_p(urn=len(urn), relevant_before=found_before, sample_labels=sample)
    below = np.flatnonzero(p < 0.05)
    stop = int(below[0]) + 1 if below.size else len(sample)
    return stop, (found_before + sample[:stop].sum()) / relevant


@pytest.mark.parametrize("found_before", [40, 44, 46, 48])
def test_it_misses_the_recall_target_in_at_most_five_percent_of_reviews(found_before):
    # 600 records, 50 relevant; before the check the reviewers found 40 to 48 of them
    # (recall 80% to 96%). Whatever the truth, stopping below 95% recall must be rare.
    rng = np.random.default_rng(found_before)
    runs = [
        _simulated_review(rng, records=600, relevant=50, found_before=found_before)
        for _ in range(300)
    ]
    missed = np.mean([recall < 0.95 for _, recall in runs])
    # 5% plus three binomial standard errors of 300 runs.
    assert missed <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 300)


def test_it_saves_work_when_recall_is_already_high():
    rng = np.random.default_rng(7)
    runs = [_simulated_review(rng, records=2000, relevant=50, found_before=50) for _ in range(20)]
    # Nothing left to find: every run stops after the planned sample. K_tar = 3, so by hand
    # the sample is the first n with C(1847, n) / C(1850, n) < 0.05, a third of the urn unread.
    planned = next(
        n for n in range(1851) if math.prod((1850 - n - i) / (1850 - i) for i in range(3)) < 0.05
    )
    assert {stop for stop, _ in runs} == {planned} == {sample_size(urn=1850, relevant_before=50)}
    assert {recall for _, recall in runs} == {1.0}
    assert 1850 - planned > 1850 / 3
