"""The demo's invented outcome data pool near the seed paper's results.

The expectations are computed here by hand (numpy, from the demo's tables),
not taken from the engine: inverse-variance random effects with REML tau²
(Viechtbauer 2005's fixed-point iteration), Wald intervals, as the review's
analyses are set; RevMan 5's fixed-effect Mantel-Haenszel risk ratio with the
Greenland-Robins variance for the RevMan 5 variant. Then the demo's stored
analyses must equal those hand computations.
"""

import math

import numpy as np
import pytest
from scipy import stats

from extraction.demo.entries import PARTICIPANTS
from extraction.demo.outcomes import DERIVED, HALLUCINATIONS, NAUSEA, PAIN, SEDATION, SLEEP
from synthesis.models import Analysis
from synthesis.services import analysis_run
from workspace.demo import demo_load

Z = stats.norm.ppf(0.975)

# The seed paper's pooled results (DESIGN.md), and how near the demo must land.
PAPER = {
    "Pain intensity": (-1.05, -1.72, -0.39),
    "Sleep quality": (0.00, -0.12, 0.12),
    "Nausea": (1.42, 0.84, 2.39),
    "Hallucinations": (1.08, 0.67, 1.76),
    "Sedation": (1.05, 0.24, 4.54),
}


def reml(y, v) -> tuple[float, float, float]:
    """Random-effects estimate and 95% CI, REML tau² by fixed-point iteration."""
    y, v = np.asarray(y, float), np.asarray(v, float)
    tau2 = 0.0
    for _ in range(1000):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        new = max(0.0, np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1 / np.sum(w))
        if abs(new - tau2) < 1e-12:
            break
        tau2 = new
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    se = math.sqrt(1 / np.sum(w))
    return mu, mu - Z * se, mu + Z * se


def quinn_sd() -> float:
    """The control SD from the 95% CI of its mean (t with n - 1 df, Handbook 6.5.2.2)."""
    _, request = DERIVED["Quinn 2016"]
    lower, upper, n = (request["inputs"][k] for k in ("lower", "upper", "n"))
    return math.sqrt(n) * (upper - lower) / (2 * stats.t.ppf(0.975, n - 1))


def mean_differences(data):
    y, v = [], []
    for n1, m1, s1, n2, m2, s2 in data.values():
        s2 = quinn_sd() if s2 is None else s2
        y.append(m1 - m2)
        v.append(s1**2 / n1 + s2**2 / n2)
    return y, v


def log_risk_ratios(data):
    y, v = [], []
    for a, n1, c, n2 in data.values():
        if 0 in (a, c):  # RevMan's rule: add 0.5 to each cell of a study with a zero cell
            a, c, n1, n2 = a + 0.5, c + 0.5, n1 + 1, n2 + 1
        y.append(math.log((a / n1) / (c / n2)))
        v.append(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return y, v


def mantel_haenszel(data) -> tuple[float, float, float]:
    """Fixed-effect M-H risk ratio, Greenland-Robins variance of its log."""
    r = s = p = 0.0
    for a, n1, c, n2 in data.values():
        n = n1 + n2
        r += a * n2 / n
        s += c * n1 / n
        p += (n1 * n2 * (a + c) - a * c * n) / n**2
    log_rr, se = math.log(r / s), math.sqrt(p / (r * s))
    return log_rr, log_rr - Z * se, log_rr + Z * se


def by_hand() -> dict[str, tuple[float, float, float]]:
    results = {
        name: reml(*mean_differences(d))
        for name, d in (("Pain intensity", PAIN), ("Sleep quality", SLEEP))
    }
    for name, data in (
        ("Nausea", NAUSEA),
        ("Hallucinations", HALLUCINATIONS),
        ("Sedation", SEDATION),
    ):
        results[name] = tuple(math.exp(x) for x in reml(*log_risk_ratios(data)))
    results["Nausea (RevMan 5 defaults)"] = tuple(math.exp(x) for x in mantel_haenszel(NAUSEA))
    return results


def test_the_invented_data_pool_near_the_seed_papers_results():
    hand = by_hand()
    for name, (estimate, lower, upper) in PAPER.items():
        got = hand[name]
        if name in ("Pain intensity", "Sleep quality"):  # differences: within 0.05
            assert got == pytest.approx((estimate, lower, upper), abs=0.05), name
        else:  # ratios: within 10%
            assert got == pytest.approx((estimate, lower, upper), rel=0.1), name


def test_every_participant_is_in_the_pain_outcome_and_the_arms_add_up():
    assert sum(n1 + n2 for n1, _, _, n2, _, _ in PAIN.values()) == 1080
    assert len(PAIN) == 16
    for name, (n1, *_, n2, _, _) in PAIN.items():
        randomised = PARTICIPANTS[name][0]
        assert n1 + n2 == randomised, name
        for outcome in (SLEEP, NAUSEA, HALLUCINATIONS, SEDATION):
            if name in outcome:
                row = outcome[name]
                arms = (row[0], row[3]) if len(row) == 6 else (row[1], row[3])
                assert arms == (n1, n2), name


def test_the_demos_analyses_are_those_numbers(db):
    review, _ = demo_load()
    hand = by_hand()
    analyses = Analysis.objects.filter(review=review)
    assert sorted(a.name for a in analyses) == sorted(hand)
    revman5 = analyses.get(name="Nausea (RevMan 5 defaults)")
    assert revman5.status == Analysis.Status.DRAFT  # prepared for the visitor to run
    analysis_run(analysis_id=revman5.pk)
    for analysis in Analysis.objects.filter(review=review):
        assert analysis.status == Analysis.Status.DONE, analysis.error
        pooled = analysis.results["pooled"]
        got = (pooled["effect"], pooled["effect_ci_lower"], pooled["effect_ci_upper"])
        assert got == pytest.approx(hand[analysis.name], rel=1e-6), analysis.name
    pain = analyses.get(name="Pain intensity").results
    assert pain["pooled"]["k"] == 16
    assert 0.001 < pain["pooled"]["p"] < 0.005  # the paper's p = 0.002
    assert sum(s["data"]["n_exp"] + s["data"]["n_ctrl"] for s in pain["studies"]) == 1080
