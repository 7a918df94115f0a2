"""Outcome data: the per-study dataclasses, their checks, and the Handbook derivations.

Expected values are worked by hand in the comments. Quantiles come from
tables: z(0.975) = 1.959964 (2z = 3.919928, the Handbook's 3.92),
z(0.95) = 1.644854, z(0.995) = 2.575829, z(0.999) = 3.090232,
t(0.975, 20) = 2.0860, t(0.975, 24) = 2.0639, t(0.975, 45) = 2.0141,
t(0.996, 45) = 2.7755. Values that go through a four-digit table t are
compared at rel 1e-4, the others (worked to six digits) at rel 1e-5.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from extraction.outcomes import (
    ContinuousArms,
    DataType,
    Derivation,
    DerivationError,
    DichotomousArms,
    GenericEstimate,
    ObservedMinusExpected,
    Problem,
    data_class,
    log_ratio,
    parse_outcome_csv,
    sd_from_ci,
    sd_from_difference_ci,
    sd_from_difference_se,
    sd_from_p,
    sd_from_se,
    sd_from_t,
    se_from_difference_ci,
    se_from_p,
    se_from_ratio_ci,
    se_from_ratio_p,
)
from extraction.outcomes.data import field_names

REPO = Path(__file__).resolve().parents[2]
TABLE = 1e-4
EXACT = 1e-5


def continuous(**changes) -> ContinuousArms:
    values = dict(n_exp=20, mean_exp=3.9, sd_exp=1.8, n_ctrl=22, mean_ctrl=5.1, sd_ctrl=2.0)
    return ContinuousArms(**values | changes)


def dichotomous(**changes) -> DichotomousArms:
    return DichotomousArms(
        **dict(events_exp=7, total_exp=30, events_ctrl=4, total_ctrl=31) | changes
    )


# The dataclasses


def test_it_accepts_good_continuous_data():
    assert continuous().validate() == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"sd_ctrl": -1.5}, [Problem("sd_ctrl", "SD cannot be negative")]),
        ({"n_exp": 0}, [Problem("n_exp", "n must be a positive whole number")]),
        ({"n_ctrl": 12.5}, [Problem("n_ctrl", "n must be a positive whole number")]),
        ({"n_exp": True}, [Problem("n_exp", "n must be a positive whole number")]),
        ({"mean_exp": math.nan}, [Problem("mean_exp", "mean must be a number")]),
        ({"mean_ctrl": "5.1"}, [Problem("mean_ctrl", "mean must be a number")]),
        ({"sd_exp": None}, [Problem("sd_exp", "SD is missing")]),
        ({"sd_exp": math.inf}, [Problem("sd_exp", "SD must be a number")]),
    ],
)
def test_it_names_each_continuous_problem(changes, expected):
    assert continuous(**changes).validate() == expected


def test_it_reports_every_continuous_problem_at_once():
    problems = continuous(n_exp=0, sd_exp=-1, n_ctrl=-3, sd_ctrl=-2).validate()
    assert [str(problem) for problem in problems] == [
        "n_exp: n must be a positive whole number",
        "sd_exp: SD cannot be negative",
        "n_ctrl: n must be a positive whole number",
        "sd_ctrl: SD cannot be negative",
    ]


def test_an_sd_of_zero_in_one_arm_is_possible_but_not_in_both():
    # every control participant scored the same: the MD's variance is still sd_exp²/n_exp
    assert continuous(sd_ctrl=0).validate() == []
    problems = continuous(sd_exp=0, sd_ctrl=0).validate()
    assert problems == [
        Problem("sd_exp", "SD cannot be 0 in both arms"),
        Problem("sd_ctrl", "SD cannot be 0 in both arms"),
    ]
    assert problems[0].sentence == "the SD is 0 in both arms, so the study has no variance"


@pytest.mark.parametrize(
    "data, sentence",
    [
        (
            dichotomous(events_exp=300, total_exp=231),
            "300 events in the experimental arm but only 231 participants",
        ),
        (
            dichotomous(events_ctrl=-1),
            "events in the control arm must be a whole number (0 or more), not -1",
        ),
        (
            dichotomous(total_ctrl=0),
            "the total in the control arm must be a positive whole number, not 0",
        ),
        (
            continuous(n_exp=2.5),
            "n in the experimental arm must be a positive whole number, not 2.5",
        ),
        (continuous(sd_ctrl=-1.5), "the SD in the control arm is negative (-1.5)"),
        (
            continuous(mean_exp=math.inf),
            "the mean in the experimental arm must be a finite number, not inf",
        ),
        (GenericEstimate(0.3, 0), "the SE must be greater than 0, not 0"),
        (ObservedMinusExpected(-2.1, -4), "the variance is negative (-4)"),
    ],
)
def test_each_problem_has_a_sentence_naming_the_arm(data, sentence):
    (problem,) = data.validate()
    assert problem.sentence == sentence and not problem.missing


def test_a_missing_value_is_marked_missing():
    (problem,) = continuous(mean_ctrl=None).validate()
    assert problem.missing and problem.message == "mean is missing"
    assert problem.sentence == "the mean in the control arm is missing"


def test_it_accepts_a_whole_float_n_and_a_negative_mean():
    assert continuous(n_exp=20.0, mean_exp=-1.05).validate() == []


def test_it_accepts_zero_events_and_all_events():
    assert dichotomous(events_exp=0, events_ctrl=31).validate() == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        (
            {"events_exp": 12, "total_exp": 10},
            [Problem("events_exp", "events (12) cannot exceed the total (10)")],
        ),
        (
            {"events_ctrl": -1},
            [Problem("events_ctrl", "events must be a whole number (0 or more)")],
        ),
        ({"events_exp": 2.5}, [Problem("events_exp", "events must be a whole number (0 or more)")]),
        ({"total_ctrl": 0}, [Problem("total_ctrl", "total must be a positive whole number")]),
        ({"total_exp": None}, [Problem("total_exp", "total is missing")]),
    ],
)
def test_it_names_each_dichotomous_problem(changes, expected):
    assert dichotomous(**changes).validate() == expected


def test_it_does_not_compare_events_with_a_bad_total():
    # A total of 0 is the problem; "events (7) cannot exceed the total (0)" would be noise.
    assert dichotomous(total_exp=0).validate() == [
        Problem("total_exp", "total must be a positive whole number")
    ]


@pytest.mark.parametrize(
    "estimate, se, expected",
    [
        (0.35, 0.27, []),
        (-1.05, 0.34, []),
        (0.0, 0.1, []),
        (0.35, 0, [Problem("se", "SE must be greater than 0")]),
        (0.35, -0.2, [Problem("se", "SE must be greater than 0")]),
        (None, 0.2, [Problem("estimate", "estimate is missing")]),
        (
            math.nan,
            None,
            [Problem("estimate", "estimate must be a number"), Problem("se", "SE is missing")],
        ),
    ],
)
def test_it_checks_a_generic_estimate(estimate, se, expected):
    assert GenericEstimate(estimate, se).validate() == expected


def test_to_dict_gives_the_conformance_fields_in_order():
    assert list(continuous().to_dict()) == [
        "n_exp", "mean_exp", "sd_exp", "n_ctrl", "mean_ctrl", "sd_ctrl",
    ]  # fmt: skip
    assert dichotomous().to_dict() == {
        "events_exp": 7, "total_exp": 30, "events_ctrl": 4, "total_ctrl": 31,
    }  # fmt: skip
    assert GenericEstimate(0.35, 0.27).to_dict() == {"estimate": 0.35, "se": 0.27}


def test_it_is_frozen():
    with pytest.raises(AttributeError):
        continuous().sd_exp = 2.0


def test_o_minus_e_data_allow_a_variance_of_zero():
    # V = 0 is a study without events: no information, but nothing impossible
    assert ObservedMinusExpected(0.0, 0.0).validate() == []
    assert ObservedMinusExpected(None, 3.1).validate() == [Problem("o_minus_e", "O − E is missing")]


def test_o_minus_e_data_read_from_a_csv():
    rows = parse_outcome_csv("study,O-E,V\nEarly 1990,-2.5,10.25\n", "o_minus_e")
    assert rows[0].data == ObservedMinusExpected(-2.5, 10.25)


def test_data_class_takes_the_data_type_name():
    assert data_class("o_minus_e") is ObservedMinusExpected
    assert data_class("continuous") is ContinuousArms
    assert data_class(DataType.DICHOTOMOUS) is DichotomousArms
    assert data_class("generic") is GenericEstimate
    with pytest.raises(ValueError, match="unknown data type 'survival'"):
        data_class("survival")


def test_the_conformance_studies_fit_the_dataclasses(shared_dir):
    # The meta-analysis engine (issue 6) reads these fields: every study of the
    # suite must build a dataclass with the same keys and pass its checks.
    cases = json.loads((shared_dir / "conformance" / "meta_analysis_cases.json").read_text())
    checked = 0
    for case in cases["cases"]:
        if case["data_type"] not in list(DataType):
            continue
        for study in case["studies"]:
            values = {key: study[key] for key in field_names(case["data_type"])}
            assert set(study) - set(values) <= {"label", "subgroup"}
            assert data_class(case["data_type"])(**values).validate() == []
            checked += 1
    assert checked > 1000


def test_it_imports_without_django():
    code = "import sys, extraction.outcomes; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# Derivations: SD of a group mean (Handbook 6.5.2.2)


def test_sd_from_se():
    # SD = SE × √n = 0.5 × √25 = 0.5 × 5 = 2.5
    derivation = sd_from_se(0.5, 25)
    assert derivation.result == pytest.approx(2.5, rel=EXACT)
    assert derivation.formula == "SD = SE × √n"
    assert derivation.inputs == {"se": 0.5, "n": 25}
    assert derivation.method == "sd_from_se"
    assert derivation.reference == "Cochrane Handbook 6.5.2.2"


def test_sd_from_ci_of_a_large_group_uses_z():
    # n = 100 ≥ 60: SD = √100 × (12 − 8) / 3.919928 = 10 × 4 / 3.919928 = 10.20427
    derivation = sd_from_ci(8, 12, 100)
    assert derivation.result == pytest.approx(10.20427, rel=EXACT)
    assert derivation.formula == "SD = √n × (upper − lower) / (2 × z(0.975))"
    assert derivation.inputs["z"] == pytest.approx(1.959964, rel=EXACT)
    # The Handbook's rounded divisor, 3.92, gives 40 / 3.92 = 10.20408.
    assert derivation.result == pytest.approx(10.20408, rel=TABLE)


def test_sd_from_ci_of_a_small_group_uses_t():
    # n = 25 < 60: SD = √25 × (12.1 − 8.3) / (2 × t(0.975, 24))
    #                 = 5 × 3.8 / (2 × 2.0639) = 19 / 4.1278 = 4.60294
    derivation = sd_from_ci(8.3, 12.1, 25)
    assert derivation.result == pytest.approx(4.60294, rel=TABLE)
    assert derivation.formula == "SD = √n × (upper − lower) / (2 × t(0.975, n − 1))"
    assert derivation.inputs["df"] == 24
    assert derivation.inputs["t"] == pytest.approx(2.0639, rel=TABLE)


def test_sd_from_ci_can_be_told_the_distribution():
    # normal for n = 25: 19 / 3.919928 = 4.84703
    assert sd_from_ci(8.3, 12.1, 25, distribution="normal").result == pytest.approx(
        4.84703, rel=EXACT
    )
    # t for n = 100 would use t(0.975, 99) = 1.9842: 40 / 3.9685 = 10.0794
    assert sd_from_ci(8, 12, 100, distribution="t").result == pytest.approx(10.0794, rel=TABLE)


def test_sd_from_ci_at_another_level():
    # 90%: 2 × z(0.95) = 3.289707 (the Handbook's 3.29); √100 × 4 / 3.289707 = 12.15914
    derivation = sd_from_ci(8, 12, 100, level=0.90)
    assert derivation.result == pytest.approx(12.15914, rel=EXACT)
    assert derivation.formula == "SD = √n × (upper − lower) / (2 × z(0.95))"


def test_sd_from_ci_with_59_and_60_participants():
    # The switch to z happens at 60: t(0.975, 58) = 2.0017 against z = 1.96.
    assert sd_from_ci(8, 12, 59).inputs["df"] == 58
    assert "t" not in sd_from_ci(8, 12, 60).inputs


# Derivations: SD from a difference in means (Handbook 6.5.2.3)

# √(1/25 + 1/22) = √(0.04 + 0.0454545) = √0.0854545 = 0.292326
SCALE_25_22 = 0.292326


def test_sd_from_difference_se():
    # SD = 1.37 / √(1/25 + 1/22) = 1.37 / 0.292326 = 4.68655
    derivation = sd_from_difference_se(1.37, 25, 22)
    assert derivation.result == pytest.approx(4.68655, rel=EXACT)
    assert derivation.formula == "SD = SE / √(1/n_exp + 1/n_ctrl)"


def test_sd_from_t():
    # SE = 3.8 / 2.78 = 1.366906; SD = 1.366906 / 0.292326 = 4.67597
    derivation = sd_from_t(3.8, 2.78, 25, 22)
    assert derivation.result == pytest.approx(4.67597, rel=EXACT)
    assert derivation.inputs == {"mean_difference": 3.8, "t": 2.78, "n_exp": 25, "n_ctrl": 22}


def test_sd_from_t_ignores_signs():
    assert sd_from_t(-3.8, 2.78, 25, 22).result == sd_from_t(3.8, -2.78, 25, 22).result


def test_sd_from_p_follows_the_handbook_example():
    # Handbook 6.5.2.3: n 25 and 22, MD 3.8, p = 0.008. t(1 − 0.004, 45) = 2.7755
    # (the Handbook's 2.78), SE = 3.8 / 2.7755 = 1.369122, SD = 1.369122 / 0.292326 = 4.68355
    derivation = sd_from_p(3.8, 0.008, 25, 22)
    assert derivation.inputs["t"] == pytest.approx(2.7755, rel=TABLE)
    assert derivation.inputs["df"] == 45
    assert derivation.result == pytest.approx(4.68355, rel=TABLE)
    assert derivation.method == "sd_from_p"
    assert derivation.reference == "Cochrane Handbook 6.5.2.3"


def test_sd_from_difference_ci_of_small_groups_uses_t():
    # min(25, 22) < 60, df = 45: SE = (6.4 − 1.2) / (2 × 2.0141) = 5.2 / 4.0282 = 1.290899
    # SD = 1.290899 / 0.292326 = 4.41598
    derivation = sd_from_difference_ci(1.2, 6.4, 25, 22)
    assert derivation.result == pytest.approx(4.41598, rel=TABLE)
    assert derivation.inputs["df"] == 45


def test_sd_from_difference_ci_of_large_groups_uses_z():
    # SE = 5.2 / 3.919928 = 1.326555; √(1/100 + 1/100) = 0.1414214; SD = 9.38014
    derivation = sd_from_difference_ci(1.2, 6.4, 100, 100)
    assert derivation.result == pytest.approx(9.38014, rel=EXACT)
    assert derivation.formula == ("SD = (upper − lower) / (2 × z(0.975)) / √(1/n_exp + 1/n_ctrl)")


# Derivations: SE of an effect estimate (Handbook 6.3.1 and 6.3.2)


def test_se_from_difference_ci():
    # The ketamine pain MD, −1.05 [−1.72, −0.39]: SE = 1.33 / 3.919928 = 0.339292
    derivation = se_from_difference_ci(-1.72, -0.39)
    assert derivation.result == pytest.approx(0.339292, rel=EXACT)
    assert derivation.reference == "Cochrane Handbook 6.3.1"


def test_se_from_difference_ci_with_degrees_of_freedom():
    # t(0.975, 20) = 2.0860: SE = (6 − 2) / 4.1720 = 0.958773
    derivation = se_from_difference_ci(2, 6, df=20)
    assert derivation.result == pytest.approx(0.958773, rel=TABLE)
    assert derivation.formula == "SE = (upper − lower) / (2 × t(0.975, df))"


def test_se_from_p():
    # The same MD with p = 0.002: z(0.999) = 3.090232, SE = 1.05 / 3.090232 = 0.339777
    derivation = se_from_p(-1.05, 0.002)
    assert derivation.result == pytest.approx(0.339777, rel=EXACT)
    assert derivation.inputs["z"] == pytest.approx(3.090232, rel=EXACT)


def test_se_from_ratio_ci():
    # Nausea RR 1.42 [0.84, 2.39]: ln 2.39 = 0.871293, ln 0.84 = −0.174353,
    # SE = (0.871293 + 0.174353) / 3.919928 = 1.045646 / 3.919928 = 0.266751
    derivation = se_from_ratio_ci(0.84, 2.39)
    assert derivation.result == pytest.approx(0.266751, rel=EXACT)
    assert derivation.formula == "SE = (ln upper − ln lower) / (2 × z(0.975))"
    assert derivation.reference == "Cochrane Handbook 6.3.2"


def test_se_from_ratio_ci_at_99_percent():
    # 2 × z(0.995) = 5.151659; (ln 2 − ln 0.5) = 1.386294; SE = 1.386294 / 5.151659 = 0.269097
    assert se_from_ratio_ci(0.5, 2.0, level=0.99).result == pytest.approx(0.269097, rel=EXACT)


def test_se_from_ratio_p():
    # ln 2 = 0.693147, z(0.975) = 1.959964: SE = 0.693147 / 1.959964 = 0.353653
    assert se_from_ratio_p(2.0, 0.05).result == pytest.approx(0.353653, rel=EXACT)
    # A protective ratio gives the same SE: |ln 0.5| = ln 2.
    assert se_from_ratio_p(0.5, 0.05).result == pytest.approx(0.353653, rel=EXACT)


def test_log_ratio_gives_the_generic_estimate():
    # ln 1.42 = 0.350657
    estimate, se = log_ratio(1.42), se_from_ratio_ci(0.84, 2.39)
    data = GenericEstimate(estimate.result, se.result)
    assert data.estimate == pytest.approx(0.350657, rel=EXACT)
    assert data.validate() == []


def test_a_derivation_reads_as_a_sentence_and_a_dict():
    derivation = sd_from_se(0.5, 25)
    assert str(derivation) == "SD = SE × √n = 2.5 (se = 0.5, n = 25; Cochrane Handbook 6.5.2.2)"
    assert derivation.to_dict() == {
        "formula": "SD = SE × √n",
        "inputs": {"se": 0.5, "n": 25},
        "result": 2.5,
        "method": "sd_from_se",
        "reference": "Cochrane Handbook 6.5.2.2",
    }
    assert isinstance(derivation, Derivation)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sd_from_se(0, 25), "se must be greater than 0"),
        (lambda: sd_from_se(0.5, 2.5), "n must be a positive whole number"),
        (
            lambda: sd_from_ci(12, 8, 25),
            r"the lower limit \(12\) must be below the upper limit \(8\)",
        ),
        (lambda: sd_from_ci(8, 12, 25, level=95), "the confidence level must be between 0 and 1"),
        (lambda: sd_from_ci(8, 12, 1), "the t distribution needs at least 2 participants"),
        (lambda: sd_from_ci(8, 12, 25, distribution="student"), "unknown distribution 'student'"),
        (lambda: sd_from_t(0, 2.1, 25, 22), "a mean difference of 0 gives no SD"),
        (lambda: sd_from_t(3.8, 0, 25, 22), "a t statistic of 0 gives no SD"),
        (lambda: sd_from_p(3.8, 0, 25, 22), "p must be between 0 and 1"),
        (lambda: sd_from_p(3.8, 1, 25, 22), "p must be between 0 and 1"),
        (lambda: sd_from_difference_se(1.37, 25, 0), "n_ctrl must be a positive whole number"),
        (lambda: se_from_ratio_ci(0, 2.39), "lower must be greater than 0"),
        (lambda: se_from_ratio_p(1.0, 0.3), "a ratio of 1 gives no SE from a p value"),
        (lambda: se_from_p(0, 0.3), "an estimate of 0 gives no SE from a p value"),
        (lambda: se_from_p(math.nan, 0.3), "estimate must be a number"),
        (lambda: log_ratio(-1.2), "ratio must be greater than 0"),
    ],
)
def test_it_explains_why_a_derivation_is_impossible(call, message):
    with pytest.raises(DerivationError, match=message):
        call()
