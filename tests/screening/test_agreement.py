"""Cohen's kappa against a hand-computed example and scikit-learn's point estimate."""

import pytest
from sklearn.metrics import cohen_kappa_score

from screening.agreement import cohen_kappa

# 50 records: both include 20, A include / B exclude 5, A exclude / B include 10,
# both exclude 15.
FIRST = ["include"] * 25 + ["exclude"] * 25
SECOND = ["include"] * 20 + ["exclude"] * 5 + ["include"] * 10 + ["exclude"] * 15


def test_it_matches_the_hand_computed_example():
    # p_o = (20 + 15) / 50 = 0.7; margins A .5/.5, B .6/.4; p_e = .5*.6 + .5*.4 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    # Fleiss-Cohen-Everitt: A = .4(1 - 1.1*.6)^2 + .3(1 - .9*.6)^2 = 0.10972
    # B = .6^2 (.1 * 1.1^2 + .2 * .9^2) = 0.10188; C = (.4 - .5*.6)^2 = 0.01
    # SE = sqrt(A + B - C) / ((1 - p_e) sqrt(50)) = 0.126996...
    result = cohen_kappa(FIRST, SECOND)
    assert result.n == 50
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.4)
    assert result.se == pytest.approx(0.2016**0.5 / (0.5 * 50**0.5))
    assert result.ci_lower == pytest.approx(0.4 - 1.959964 * 0.126996, abs=1e-5)
    assert result.ci_upper == pytest.approx(0.4 + 1.959964 * 0.126996, abs=1e-5)
    assert result.percent == pytest.approx(70.0)


def test_it_agrees_with_scikit_learn_on_three_categories():
    first = ["include", "exclude", "maybe", "exclude", "exclude", "include", "maybe", "exclude"] * 3
    second = [
        "include",
        "exclude",
        "exclude",
        "exclude",
        "maybe",
        "include",
        "maybe",
        "include",
    ] * 3
    assert cohen_kappa(first, second).kappa == pytest.approx(cohen_kappa_score(first, second))


def test_perfect_agreement_on_one_verdict_has_no_kappa():
    result = cohen_kappa(["exclude"] * 5, ["exclude"] * 5)
    assert (result.observed, result.kappa) == (1.0, None)


def test_it_refuses_unaligned_ratings():
    with pytest.raises(ValueError, match="same records"):
        cohen_kappa(["include"], ["include", "exclude"])
