"""The engine's entry point: what it refuses, what it leaves out, and what it cannot estimate.

Numbers are worked by hand in the comments.
"""

import json
import math

import pytest

from synthesis.stats import (
    EngineInputError,
    Method,
    ZeroCells,
    analyse,
    studies_from_rows,
    study,
)

ARMS = ("n_exp", "mean_exp", "sd_exp", "n_ctrl", "mean_ctrl", "sd_ctrl")
TABLE = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")


def continuous(*rows):
    return [
        study(label, "continuous", dict(zip(ARMS, values, strict=True))) for label, *values in rows
    ]


def tables(*rows):
    return [
        study(label, "dichotomous", dict(zip(TABLE, values, strict=True)))
        for label, *values in rows
    ]


def generic(*rows):
    return [study(label, "generic", {"estimate": e, "se": se}) for label, e, se in rows]


THREE = generic(("A", -2.0, 1.0), ("B", -1.0, 1.0), ("C", 0.0, 1.0))


# Refusing impossible input, in words


@pytest.mark.parametrize(
    ("studies", "message"),
    [
        (
            tables(("Smith 2010", 300, 231, 10, 230)),
            "Smith 2010: 300 events in the experimental arm but only 231 participants",
        ),
        (
            tables(("Jones 2001", -1, 20, 3, 20)),
            "Jones 2001: events in the experimental arm must be a whole number (0 or more), not -1",
        ),
        (
            tables(("Jones 2001", 2.5, 20, 3, 20)),
            "Jones 2001: events in the experimental arm must be a whole number (0 or more), not 2.5",
        ),
        (
            tables(("Lee 1999", 0, 0, 3, 20)),
            "Lee 1999: the total in the experimental arm must be a positive whole number, not 0",
        ),
        (
            continuous(("Ames 2003", 20, 3.9, -1.8, 22, 5.1, 2.0)),
            "Ames 2003: the SD in the experimental arm is negative (-1.8)",
        ),
        (
            continuous(("Ames 2003", 20, 3.9, 0, 22, 5.1, 0)),
            "Ames 2003: the SD is 0 in both arms, so the study has no variance",
        ),
        (
            continuous(("Ames 2003", 20, math.nan, 1.8, 22, 5.1, 2.0)),
            "Ames 2003: the mean in the experimental arm must be a finite number, not nan",
        ),
        (
            generic(("Bell 2005", 0.4, 0.0)),
            "Bell 2005: the SE must be greater than 0, not 0",
        ),
        (
            generic(("Bell 2005", math.inf, 0.2)),
            "Bell 2005: the estimate must be a finite number, not inf",
        ),
        ([], "no studies were given (k = 0)"),
        (generic(("A", 0.1, 0.2), ("A", 0.3, 0.2)), "A: the label is used by two studies"),
    ],
)
def test_it_refuses_impossible_data_naming_the_study_and_the_field(studies, message):
    with pytest.raises(EngineInputError) as error:
        analyse(
            studies, Method("RR" if studies and "events_exp" in vars(studies[0].data) else "MD")
        )
    assert str(error.value) == message


def test_it_lists_every_problem_of_every_study():
    studies = tables(("Smith 2010", 300, 231, 10, 230), ("Jones 2001", 3, 20, 30, 20))
    with pytest.raises(EngineInputError) as error:
        analyse(studies, Method("OR"))
    assert [(p.study, p.field) for p in error.value.problems] == [
        ("Smith 2010", "events_exp"),
        ("Jones 2001", "events_ctrl"),
    ]


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        (
            {"level": 95},
            "level",
            "the confidence level must be between 0 and 1, not 95 (give 0.95 for 95%)",
        ),
        ({"level": 0}, "level", "the confidence level must be between 0 and 1, not 0"),
        ({"model": "mixed"}, "model", "unknown model 'mixed' (known: fixed, random)"),
        (
            {"tau2_estimator": "SJ"},
            "tau2_estimator",
            "unknown τ² estimator 'SJ' (known: REML, DL, PM)",
        ),
        (
            {"pooling": "peto"},
            "pooling",
            "the mean difference is pooled by inverse variance, not peto",
        ),
        ({"measure": "LOR"}, "measure", "unknown effect measure 'LOR'"),
        (
            {"zero_cells": ZeroCells(correction=-0.5)},
            "zero_cells.correction",
            "0 or more, not -0.5",
        ),
        ({"prediction_interval": "riley"}, "prediction_interval", "unknown prediction interval"),
    ],
)
def test_it_refuses_an_unknown_method(options, field, message):
    with pytest.raises(EngineInputError) as error:
        Method(**{"measure": "MD"} | options)
    (problem,) = error.value.problems
    assert problem.field == field and message in problem.message


def test_mantel_haenszel_needs_tables_and_hksj_needs_inverse_variance():
    with pytest.raises(EngineInputError, match="HKSJ interval needs inverse-variance pooling"):
        Method("RR", pooling="mantel_haenszel", ci_method="hksj")
    with pytest.raises(EngineInputError, match="Mantel-Haenszel pooling needs 2×2 tables"):
        analyse(THREE, Method("RR", pooling="mantel_haenszel"))
    with pytest.raises(EngineInputError, match="cannot be computed from continuous data"):
        analyse(continuous(("A", 20, 1, 1, 20, 2, 1)), Method("RR"))


def test_the_smd_needs_a_pooled_sd():
    # n 1 and 1: no degrees of freedom for the pooled SD
    with pytest.raises(EngineInputError, match="A: the SMD needs at least 3 participants, not 2"):
        analyse(continuous(("A", 1, 3.0, 1.0, 1, 4.0, 1.0)), Method("SMD"))


# Missing values: the study is left out and named, in every data type


@pytest.mark.parametrize(
    ("studies", "measure", "reason"),
    [
        (
            continuous(("Ames", 20, 3.9, 1.8, 22, None, 2.0), ("B", 20, 3, 1, 20, 4, 1)),
            "MD",
            "the mean in the control arm is missing",
        ),
        (
            tables(("Ames", 3, 20, 4, None), ("B", 3, 20, 5, 20)),
            "RR",
            "the total in the control arm is missing",
        ),
        (generic(("Ames", 0.3, None), ("B", 0.1, 0.3)), "MD", "the SE is missing"),
    ],
)
def test_a_study_with_a_missing_value_is_left_out_and_named(studies, measure, reason):
    result = analyse(studies, Method(measure, model="fixed"))
    assert [(item.label, item.reason) for item in result.left_out] == [("Ames", reason)]
    assert [row.label for row in result.studies] == ["B"]
    assert result.to_dict()["left_out"] == [{"study": "Ames", "reason": reason}]


def test_no_study_with_all_its_data_is_refused():
    with pytest.raises(EngineInputError, match=r"no study has all its data \(k = 0\): Ames"):
        analyse(generic(("Ames", None, 0.2)), Method("MD"))


# What cannot be estimated is null, with the reason


def test_every_double_zero_study_leaves_the_ratio_not_estimable():
    result = analyse(tables(("A", 0, 10, 0, 12), ("B", 0, 20, 0, 20)), Method("RR"))
    assert result.pooled is None
    assert result.not_estimable == (
        "no study has an estimate of the risk ratio: every study has no events in either arm"
    )
    assert [row.note for row in result.studies] == ["no events in either arm"] * 2
    assert result.small_study.egger is None
    json.dumps(result.to_dict(), allow_nan=False)


def test_a_fit_of_one_study_has_no_heterogeneity():
    # leave-one-out of two studies: each refit has one study. metafor says Q = 0, p = 1.
    result = analyse(THREE[:2], Method("MD", model="random", tau2_estimator="DL"))
    for row in result.leave_one_out:
        h = row.fit.heterogeneity
        assert (h.Q, h.p, h.I2, h.H2, h.tau2) == (None, None, None, None, None)
        assert row.fit.prediction_interval is None
        assert row.fit.prediction_note == "not estimable with k = 1 (needs at least 2 studies)"
    # without B the estimate is A's own: -2 with SE 1
    assert result.leave_one_out[1].fit.pooled.estimate == -2.0


def test_small_study_tests_need_three_studies():
    result = analyse(THREE[:2], Method("MD", model="fixed"))
    small = result.small_study
    assert (small.egger, small.begg, small.trim_and_fill) == (None, None, None)
    assert (
        small.note
        == "Small-study tests are not estimable with k = 2 (they need at least 3 studies)."
    )


def test_egger_needs_studies_of_different_precision():
    result = analyse(THREE, Method("MD", model="fixed"))
    assert result.small_study.egger is None
    assert "Egger's test: not estimable: every study has the same standard error." in (
        result.small_study.note
    )


# The prediction interval


def test_with_no_heterogeneity_the_prediction_interval_is_the_confidence_interval():
    # yi 0, 0.1, 0.2 with vi 1: Q = 0.02 < df, so τ² (DL) = 0
    studies = generic(("A", 0.0, 1.0), ("B", 0.1, 1.0), ("C", 0.2, 1.0))
    result = analyse(studies, Method("MD", tau2_estimator="DL"))
    pi, pooled = result.overall.prediction_interval, result.pooled
    assert result.heterogeneity.tau2 == 0
    assert (pi.lower, pi.upper) == pytest.approx((pooled.ci_lower, pooled.ci_upper), rel=1e-12)
    assert pi.kind == "metafor" and pi.formula == "μ ± z(0.975) × √(τ² + SE²)"


def test_the_higgins_thompson_spiegelhalter_interval_is_a_setting():
    # μ = 0.1, SE² = 1/3, τ² = 0: 0.1 ± t(0.975, 1) × √(1/3) = 0.1 ± 12.7062047 × 0.5773503
    studies = generic(("A", 0.0, 1.0), ("B", 0.1, 1.0), ("C", 0.2, 1.0))
    result = analyse(studies, Method("MD", tau2_estimator="DL", prediction_interval="hts"))
    pi = result.overall.prediction_interval
    assert pi.kind == "hts" and pi.df == 1
    assert pi.upper == pytest.approx(0.1 + 12.7062047 * math.sqrt(1 / 3), rel=1e-7)
    assert pi.formula == "μ ± t(0.975, k − 2 = 1) × √(τ² + SE²)"
    assert result.to_dict()["prediction_interval"]["formula"] == pi.formula
    two = analyse(studies[:2], Method("MD", tau2_estimator="DL", prediction_interval="hts"))
    assert two.overall.prediction_interval is None
    assert two.to_dict()["prediction_note"] == "not estimable with k = 2 (needs at least 3 studies)"


# The shapes


def test_to_dict_and_to_frame():
    result = analyse(THREE, Method("MD", model="fixed"))
    plain = result.to_dict()
    # fixed effect of -2, -1, 0 with equal weights: -1, SE 1/√3
    assert plain["pooled"]["estimate"] == pytest.approx(-1.0)
    assert plain["pooled"]["se"] == pytest.approx(1 / math.sqrt(3))
    assert [row["weight_percent"] for row in plain["studies"]] == pytest.approx([100 / 3] * 3)
    assert plain["method"]["measure"] == "MD" and plain["left_out"] == []
    frame = result.to_frame()
    assert list(frame.index) == ["A", "B", "C", "Overall"]
    assert frame.loc["Overall", "effect"] == pytest.approx(-1.0)


def test_rows_of_the_conformance_schema_build_studies():
    rows = [{"label": "A", "estimate": 0.2, "se": 0.1, "subgroup": "Low"}]
    (item,) = studies_from_rows("generic", rows)
    assert item.label == "A" and item.data.estimate == 0.2 and item.group == "Low"
