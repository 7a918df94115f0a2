"""The robustness panel: each variant against the engine called directly, RoB, edge cases."""

import json
import math

import pytest

from extraction.models import Comparison, Outcome, OutcomeData, Study
from extraction.selectors import outcome_dataset
from extraction.services import rob as rob_services
from synthesis import computation
from synthesis.risk_of_bias import high_risk_studies
from synthesis.robustness import robustness
from synthesis.stats import effects as es
from synthesis.stats.pooling import inverse_variance

# Invented trials: (study, events_exp, total_exp, events_ctrl, total_ctrl)
NAUSEA = [
    ("Adams 2010", 12, 50, 20, 50),
    ("Baker 2012", 8, 40, 15, 42),
    ("Cole 2015", 20, 100, 22, 98),
    ("Dunn 2018", 5, 30, 12, 30),
    ("Evans 2020", 15, 60, 14, 61),
]
# (study, mean_exp, sd_exp, n_exp, mean_ctrl, sd_ctrl, n_ctrl)
PAIN = [
    ("Adams 2010", 4.1, 1.9, 25, 5.6, 2.1, 24),
    ("Baker 2012", 3.8, 2.2, 40, 4.9, 2.0, 41),
    ("Cole 2015", 5.0, 2.6, 18, 5.4, 2.4, 18),
    ("Dunn 2018", 3.2, 1.7, 30, 5.1, 1.8, 29),
]
TABLE = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")
ARMS = ("mean_exp", "sd_exp", "n_exp", "mean_ctrl", "sd_ctrl", "n_ctrl")


def make_outcome(review, rows, *, data_type="dichotomous", measure="RR", name="Nausea"):
    comparison, _ = Comparison.objects.get_or_create(review=review, name="Ketamine vs placebo")
    outcome = Outcome.objects.create(
        comparison=comparison, name=name, data_type=data_type, measure=measure
    )
    names = TABLE if data_type == "dichotomous" else ARMS if data_type == "continuous" else None
    names = names or ("estimate", "se")
    for label, *values in rows:
        study, _ = Study.objects.get_or_create(review=review, name=label)
        OutcomeData.objects.create(
            outcome=outcome, study=study, values=dict(zip(names, values, strict=True))
        )
    return outcome


def judge(study_name, outcome, assessor, overall, *, tool="rob2", consensus=False, **fields):
    study = Study.objects.get(name=study_name)
    values = {"answers": {}, "judgements": {}, "support": {}, "overall": overall} | fields
    return rob_services.rob_save(
        study=study, outcome=outcome, tool=tool, assessor=assessor, consensus=consensus, **values
    )


def by_label(result):
    return {row.label: row for row in result.rows}


@pytest.fixture
def nausea(cast):
    return make_outcome(cast.review, NAUSEA)


@pytest.fixture
def panel(cast, nausea):
    judge("Cole 2015", nausea, cast.reviewer1, "high", judgements={"D2": "high"})
    judge("Adams 2010", nausea, cast.reviewer1, "low")
    settings = computation.default_settings(nausea)
    dataset = outcome_dataset(nausea)
    return robustness(nausea, settings, dataset, high_risk=high_risk_studies(nausea))


def engine(outcome, settings, rows):
    settings = computation.clean_settings(outcome, settings)
    return computation.run_engine(outcome, settings, rows, small_study=False)


def fit_of(outcome, settings, rows):
    return engine(outcome, settings, rows).overall


def assert_row_matches(row, fit):
    assert row.k == fit.pooled.k
    assert row.estimate == pytest.approx(fit.pooled.effect, rel=1e-12)
    assert row.ci_lower == pytest.approx(fit.pooled.effect_ci_lower, rel=1e-12)
    assert row.ci_upper == pytest.approx(fit.pooled.effect_ci_upper, rel=1e-12)
    assert row.p == pytest.approx(fit.pooled.p, rel=1e-12)


# --- high risk of bias ----------------------------------------------------------


def test_it_finds_the_study_judged_high(cast, nausea):
    judge("Cole 2015", nausea, cast.reviewer1, "high", judgements={"D2": "high"})
    judge("Adams 2010", nausea, cast.reviewer1, "low")
    assert high_risk_studies(nausea) == {"Cole 2015": "High"}


def test_two_assessments_without_consensus_are_not_settled(cast, nausea):
    judge("Cole 2015", nausea, cast.reviewer1, "high", judgements={"D2": "high"})
    judge("Cole 2015", nausea, cast.reviewer2, "", judgements={"D2": "low"})
    assert high_risk_studies(nausea) == {}
    judge("Cole 2015", nausea, cast.lead, "high", judgements={"D2": "high"}, consensus=True)
    assert high_risk_studies(nausea) == {"Cole 2015": "High"}


def test_the_consensus_overrules_a_single_high_assessment(cast, nausea):
    judge("Cole 2015", nausea, cast.reviewer1, "high", judgements={"D2": "high"})
    judge("Cole 2015", nausea, cast.lead, "", judgements={"D2": "low"}, consensus=True)
    assert high_risk_studies(nausea) == {}


def test_another_outcomes_assessment_does_not_count(cast, nausea):
    other = make_outcome(cast.review, NAUSEA[:1], name="Vomiting")
    judge("Adams 2010", other, cast.reviewer1, "high", judgements={"D2": "high"})
    assert high_risk_studies(nausea) == {}
    assert high_risk_studies(other) == {"Adams 2010": "High"}


def test_study_level_rob1_and_robins_i_count(cast, nausea):
    rob_services.rob_tools_update(review=cast.review, tools=["rob1", "robins_i"])
    judge("Adams 2010", None, cast.reviewer1, "", tool="rob1", judgements={"D3": "high"})
    judge("Baker 2012", None, cast.reviewer1, "unclear", tool="rob1", judgements={"D1": "low"})
    judge("Dunn 2018", None, cast.reviewer1, "serious", tool="robins_i")
    judge("Evans 2020", None, cast.reviewer1, "moderate", tool="robins_i")
    assert high_risk_studies(nausea) == {"Adams 2010": "High", "Dunn 2018": "Serious"}


# --- the panel ----------------------------------------------------------------------


def test_the_primary_row_is_the_computed_analysis(nausea, panel):
    primary = panel.rows[0]
    pooled = computation.compute(
        nausea, computation.default_settings(nausea), outcome_dataset(nausea)
    )
    pooled = pooled["pooled"]
    assert (primary.group, primary.label, primary.is_primary) == (
        "Primary analysis",
        "Random effects, REML τ²",
        True,
    )
    assert [row.is_primary for row in panel.rows].count(True) == 1
    assert primary.k == pooled["k"] == 5
    assert primary.estimate == pytest.approx(pooled["effect"], rel=1e-12)
    assert primary.ci_lower == pytest.approx(pooled["effect_ci_lower"], rel=1e-12)
    assert primary.ci_upper == pytest.approx(pooled["effect_ci_upper"], rel=1e-12)
    assert primary.p == pytest.approx(pooled["p"], rel=1e-12)
    assert (panel.measure, panel.log_scale, panel.level) == ("RR", True, 0.95)
    assert panel.measure_label == "Risk ratio (95% CI)"


def test_the_fixed_effect_row_by_hand(panel):
    fixed = by_label(panel)["Fixed effect (inverse variance)"]
    # log RR and its variance 1/a - 1/n1 + 1/c - 1/n2; weights 1/v
    logs = [math.log((a / n1) / (c / n2)) for _, a, n1, c, n2 in NAUSEA]
    variances = [1 / a - 1 / n1 + 1 / c - 1 / n2 for _, a, n1, c, n2 in NAUSEA]
    weights = [1 / v for v in variances]
    pooled = sum(w * y for w, y in zip(weights, logs, strict=True)) / sum(weights)
    se = math.sqrt(1 / sum(weights))
    assert fixed.group == "Model" and fixed.k == 5 and fixed.tau2 is None
    assert fixed.estimate == pytest.approx(math.exp(pooled), rel=1e-12)
    assert fixed.ci_lower == pytest.approx(math.exp(pooled - 1.959963984540054 * se), rel=1e-9)
    columns = list(zip(*NAUSEA, strict=True))
    engine = inverse_variance(es.binary_effects("RR", *columns[1:], labels=columns[0]))
    assert fixed.p == pytest.approx(engine.pooled.p, rel=1e-12)
    assert fixed.i2 == pytest.approx(engine.heterogeneity.I2_from_Q)


def test_each_other_tau2_estimator_and_hksj(nausea, panel):
    rows = by_label(panel)
    taus = [row.label for row in panel.rows if row.group == "τ² estimator"]
    assert taus == ["Random effects, DL τ²", "Random effects, PM τ²"]
    settings = computation.default_settings(nausea)
    studies = computation.analysed_rows(settings, outcome_dataset(nausea))
    for estimator in ("DL", "PM"):
        fit = fit_of(nausea, settings | {"tau2_estimator": estimator}, studies)
        row = rows[f"Random effects, {estimator} τ²"]
        assert_row_matches(row, fit)
        assert row.tau2 == pytest.approx(fit.heterogeneity.tau2)
    hksj = rows["Random effects, REML τ², HKSJ"]
    assert hksj.group == "Confidence interval"
    assert_row_matches(hksj, fit_of(nausea, settings | {"hksj": True}, studies))


def test_leave_one_out_rows_equal_the_engines(nausea, panel):
    settings = computation.default_settings(nausea)
    studies = computation.analysed_rows(settings, outcome_dataset(nausea))
    expected = [(row.omitted, row.fit) for row in engine(nausea, settings, studies).leave_one_out]
    rows = [row for row in panel.rows if row.group == "Leave one out"]
    assert [row.label for row in rows] == [f"Without {name}" for name, _ in expected]
    for row, (_, fit) in zip(rows, expected, strict=True):
        assert_row_matches(row, fit)
        assert row.tau2 == pytest.approx(fit.heterogeneity.tau2)
        assert row.i2 == pytest.approx(fit.heterogeneity.I2)


def test_the_high_risk_study_is_left_out(nausea, panel):
    (row,) = [row for row in panel.rows if row.group == "Risk of bias"]
    assert row.label == "Excluding 1 study at high risk of bias"
    assert row.k == 4 and row.note == "Without Cole 2015 (high)"
    assert row.estimate == pytest.approx(by_label(panel)["Without Cole 2015"].estimate)


def test_no_high_risk_study_gives_a_note(nausea):
    settings = computation.default_settings(nausea)
    result = robustness(nausea, settings, outcome_dataset(nausea), high_risk={})
    (row,) = [row for row in result.rows if row.group == "Risk of bias"]
    assert (row.estimate, row.note) == (None, "No study is at high risk of bias.")


def test_every_study_at_high_risk_gives_a_note(nausea):
    settings = computation.default_settings(nausea)
    high = {name: "High" for name, *_ in NAUSEA}
    result = robustness(nausea, settings, outcome_dataset(nausea), high_risk=high)
    (row,) = [row for row in result.rows if row.group == "Risk of bias"]
    assert row.label == "Excluding 5 studies at high risk of bias"
    assert (row.k, row.estimate, row.note) == (None, None, "No study left.")


def test_the_odds_ratio_row_equals_an_or_analysis(nausea, panel):
    rows = [row for row in panel.rows if row.group == "Effect measure"]
    assert [row.label for row in rows] == [
        "Odds ratio instead of risk ratio",
        "Risk difference instead of risk ratio",
    ]
    settings = computation.default_settings(nausea) | {"measure": "OR"}
    pooled = computation.compute(nausea, settings, outcome_dataset(nausea))["pooled"]
    assert rows[0].measure == "OR"
    assert rows[0].estimate == pytest.approx(pooled["effect"], rel=1e-12)
    assert rows[0].ci_upper == pytest.approx(pooled["effect_ci_upper"], rel=1e-12)
    assert rows[1].measure == "RD" and rows[1].estimate < 0
    lines = panel.plot_rows()
    assert [line.on_axis for line in lines[-2:]] == [True, False]


def test_an_excluded_study_stays_excluded(nausea):
    settings = computation.default_settings(nausea)
    settings["excluded"] = [{"study": "Evans 2020", "reason": "Not randomised"}]
    result = robustness(nausea, settings, outcome_dataset(nausea), high_risk={})
    assert {row.k for row in result.rows if row.k is not None} == {3, 4}
    assert "Without Evans 2020" not in by_label(result)


def test_mantel_haenszel_keeps_its_pooling(nausea):
    settings = computation.default_settings(nausea, preset="revman5")
    dataset = outcome_dataset(nausea)
    result = robustness(nausea, settings, dataset, high_risk={})
    rows = by_label(result)
    assert result.rows[0].label == "Fixed effect (Mantel-Haenszel)"
    random = rows["Random effects (Mantel-Haenszel), DL τ²"]
    studies = computation.analysed_rows(settings, dataset)
    assert_row_matches(random, fit_of(nausea, settings | {"model": "random"}, studies))
    taus = [row.label for row in result.rows if row.group == "τ² estimator"]
    assert taus == [f"Random effects, {t} τ² (inverse variance)" for t in ("DL", "REML", "PM")]
    odds = rows["Odds ratio instead of risk ratio"]
    assert_row_matches(odds, fit_of(nausea, settings | {"measure": "OR"}, studies))


def test_peto_compares_with_random_effects_inverse_variance(nausea):
    settings = computation.default_settings(nausea) | {"pooling": "peto", "measure": "OR"}
    result = robustness(nausea, settings, outcome_dataset(nausea), high_risk={})
    assert result.rows[0].label == "Fixed effect (Peto)"
    labels = [row.label for row in result.rows]
    assert "Random effects, REML τ² (inverse variance)" in labels
    assert "Risk ratio instead of Peto odds ratio" in labels
    assert all(row.computed for row in result.rows if row.group != "Risk of bias")


def test_a_single_study_gives_notes_not_errors(cast):
    single = make_outcome(cast.review, NAUSEA[:1], name="Dizziness")
    settings = computation.default_settings(single)
    result = robustness(single, settings, outcome_dataset(single), high_risk={"Adams 2010": "High"})
    rows = by_label(result)
    assert result.rows[0].k == 1 and result.rows[0].computed
    assert rows["Without Adams 2010"].note == "No study left."
    assert rows["Random effects, DL τ²"].note == "Needs two or more studies."
    assert rows["Random effects, REML τ², HKSJ"].estimate is None
    assert rows["Excluding 1 study at high risk of bias"].note == "No study left."
    for row in result.rows:
        assert row.computed or row.note
    text = json.dumps(result.to_json(), allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text


def test_no_data_gives_only_the_primary_row_with_a_note(cast):
    empty = make_outcome(cast.review, [], name="Sleep")
    result = robustness(empty, computation.default_settings(empty), [], high_risk={})
    assert len(result.rows) == 1 and result.rows[0].note == computation.NO_DATA


def test_mean_difference_against_standardised_mean_difference(cast):
    pain = make_outcome(cast.review, PAIN, data_type="continuous", measure="MD", name="Pain")
    settings = computation.default_settings(pain)
    dataset = outcome_dataset(pain)
    result = robustness(pain, settings, dataset, high_risk={})
    (row,) = [row for row in result.rows if row.group == "Effect measure"]
    assert row.label == "Standardised mean difference instead of mean difference"
    studies = computation.analysed_rows(settings, dataset)
    assert_row_matches(row, fit_of(pain, settings | {"measure": "SMD"}, studies))
    assert not result.log_scale and row.measure == "SMD"
    assert [line.on_axis for line in result.plot_rows()][-1] is False


def test_generic_data_has_no_other_measure(cast):
    generic = make_outcome(
        cast.review,
        [("Adams 2010", -0.4, 0.2), ("Baker 2012", -0.1, 0.3)],
        data_type="generic",
        measure="MD",
        name="Function",
    )
    result = robustness(
        generic, computation.default_settings(generic), outcome_dataset(generic), high_risk={}
    )
    (row,) = [row for row in result.rows if row.group == "Effect measure"]
    assert row.estimate is None and "Generic" in row.note


def test_to_json_is_plain_and_complete(panel):
    stored = json.loads(json.dumps(panel.to_json(), allow_nan=False))
    assert set(stored) == {"measure", "log_scale", "level", "rows"}
    assert len(stored["rows"]) == len(panel.rows)
    assert set(stored["rows"][0]) == {
        "group", "label", "measure", "k", "estimate", "ci_lower", "ci_upper",
        "p", "i2", "tau2", "is_primary", "note",
    }  # fmt: skip
    assert stored["rows"][0]["estimate"] == pytest.approx(panel.rows[0].estimate)
    frame = panel.to_frame()
    assert list(frame["label"]) == [row.label for row in panel.rows]
