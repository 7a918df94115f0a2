"""Analyses: creating, running (against the engine called directly), idempotency, the command."""

import io
import math

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from extraction.models import Comparison, Outcome, OutcomeData, Study
from synthesis import computation, services
from synthesis.models import Analysis
from synthesis.stats import effects as es
from synthesis.stats.pooling import inverse_variance

# (study, mean_exp, sd_exp, n_exp, mean_ctrl, sd_ctrl, n_ctrl)
# MD and its variance sd1²/n1 + sd2²/n2: -2 (0.4), -1 (0.6), -3 (0.8).
STUDIES = [
    ("Adams 2010", 10, 2, 20, 12, 2, 20),
    ("Baker 2015", 11, 3, 30, 12, 3, 30),
    ("Cole 2020", 9, 4, 40, 12, 4, 40),
]


def make_outcome(review, studies=STUDIES):
    comparison = Comparison.objects.create(review=review, name="Ketamine vs placebo")
    outcome = Outcome.objects.create(
        comparison=comparison, name="Pain score", data_type="continuous", measure="MD"
    )
    for name, m1, sd1, n1, m2, sd2, n2 in studies:
        study = Study.objects.create(review=review, name=name)
        values = {"mean_exp": m1, "sd_exp": sd1, "n_exp": n1}
        values |= {"mean_ctrl": m2, "sd_ctrl": sd2, "n_ctrl": n2}
        OutcomeData.objects.create(outcome=outcome, study=study, values=values)
    return outcome


def engine_fit(**options):
    columns = list(zip(*STUDIES, strict=True))
    effects = es.mean_difference(*columns[1:], labels=columns[0])
    return inverse_variance(effects, **options)


@pytest.fixture
def outcome(cast):
    return make_outcome(cast.review)


def test_defaults_follow_current_cochrane_guidance(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    s = analysis.settings
    assert (s["model"], s["tau2_estimator"], s["hksj"]) == ("random", "REML", False)
    assert s["prediction_interval"] and s["measure"] == "MD" and s["ci_level"] == 0.95
    assert analysis.status == "draft" and analysis.review == outcome.comparison.review


def test_the_revman5_preset(outcome):
    dichotomous = Outcome.objects.create(
        comparison=outcome.comparison, name="Nausea", data_type="dichotomous", measure="RR"
    )
    preset = computation.default_settings(dichotomous, preset="revman5")
    assert (preset["pooling"], preset["model"], preset["i2"]) == ("mantel_haenszel", "fixed", "Q")
    assert preset["tau2_estimator"] == "DL"


def test_bad_settings_are_refused(outcome):
    with pytest.raises(ValidationError, match="fixed or random"):
        services.analysis_create(outcome=outcome, name="Pain", settings={"model": "mixed"})
    with pytest.raises(ValidationError, match="need dichotomous"):
        services.analysis_create(outcome=outcome, name="Pain", settings={"pooling": "peto"})


def test_random_effects_result_equals_the_engine(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    analysis = services.analysis_run(analysis_id=analysis.pk)
    assert (analysis.status, analysis.attempts, analysis.error) == ("done", 1, "")
    fit = engine_fit(model="random", tau2_method="REML")
    pooled = analysis.results["pooled"]
    assert pooled["estimate"] == pytest.approx(fit.pooled.estimate, rel=1e-12)
    assert pooled["ci_lower"] == pytest.approx(fit.pooled.ci_lower, rel=1e-12)
    assert pooled["p"] == pytest.approx(fit.pooled.p, rel=1e-12)
    assert analysis.results["heterogeneity"]["tau2"] == pytest.approx(fit.heterogeneity.tau2)
    interval = analysis.results["prediction_interval"]
    assert interval["lower"] == pytest.approx(fit.prediction_interval.lower, rel=1e-12)
    studies = analysis.results["studies"]
    assert [s["label"] for s in studies] == ["Adams 2010", "Baker 2015", "Cole 2020"]
    assert [s["yi"] for s in studies] == pytest.approx([-2, -1, -3])
    assert [s["vi"] for s in studies] == pytest.approx([0.4, 0.6, 0.8])
    assert sum(s["weight_percent"] for s in studies) == pytest.approx(100)
    assert len(analysis.input_hash) == 64


def test_fixed_effect_by_hand(outcome):
    analysis = services.analysis_create(
        outcome=outcome, name="Pain", settings={"model": "fixed", "ci_level": 0.95}
    )
    results = services.analysis_run(analysis_id=analysis.pk).results
    # weights 1/vi = 2.5, 5/3, 1.25 (sum 65/12); sum of w*yi = -125/12
    # pooled MD = -125/65 = -1.923077, se = sqrt(12/65) = 0.429669
    pooled = results["pooled"]
    assert pooled["estimate"] == pytest.approx(-1.923077, abs=1e-6)
    assert pooled["se"] == pytest.approx(0.429669, abs=1e-6)
    assert pooled["ci_lower"] == pytest.approx(-1.923077 - 1.959964 * 0.429669, abs=1e-5)
    assert pooled["statistic_type"] == "z"
    assert pooled["estimate"] == pytest.approx(engine_fit(model="fixed").pooled.estimate)
    assert [s["weight_percent"] for s in results["studies"]] == pytest.approx(
        [100 * 2.5 / (65 / 12), 100 * (5 / 3) / (65 / 12), 100 * 1.25 / (65 / 12)]
    )
    assert results["prediction_interval"] is None


def test_hksj_gives_a_t_test(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain", settings={"hksj": True})
    pooled = services.analysis_run(analysis_id=analysis.pk).results["pooled"]
    fit = engine_fit(model="random", tau2_method="REML", ci_method="hksj")
    assert (pooled["statistic_type"], pooled["statistic_df"]) == ("t", 2)
    assert pooled["ci_upper"] == pytest.approx(fit.pooled.ci_upper, rel=1e-12)


def test_an_excluded_study_is_left_out(outcome):
    excluded = [{"study": "Cole 2020", "reason": "high risk of bias"}]
    analysis = services.analysis_create(
        outcome=outcome, name="Pain", settings={"model": "fixed", "excluded": excluded}
    )
    results = services.analysis_run(analysis_id=analysis.pk).results
    # (2.5 * -2 + 5/3 * -1) / (2.5 + 5/3) = -1.6
    assert results["pooled"]["estimate"] == pytest.approx(-1.6)
    assert results["pooled"]["k"] == 2 and results["excluded"] == excluded


def test_the_same_inputs_are_not_computed_again(outcome, monkeypatch):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    first = services.analysis_run(analysis_id=analysis.pk)

    def fail(*args):
        raise AssertionError("computed again")

    monkeypatch.setattr(services, "compute", fail)
    again = services.analysis_run(analysis_id=analysis.pk)
    assert (again.results, again.input_hash, again.attempts) == (
        first.results,
        first.input_hash,
        1,
    )


def test_changed_data_is_computed_again(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain", settings={"model": "fixed"})
    first = services.analysis_run(analysis_id=analysis.pk)
    row = OutcomeData.objects.get(study__name="Cole 2020")
    row.values["mean_exp"] = 12
    row.save()
    second = services.analysis_run(analysis_id=analysis.pk)
    assert second.input_hash != first.input_hash
    assert second.results["studies"][2]["yi"] == pytest.approx(0)


def test_no_data_fails_in_plain_words(cast):
    comparison = Comparison.objects.create(review=cast.review, name="Ketamine vs placebo")
    empty = Outcome.objects.create(
        comparison=comparison, name="Sleep", data_type="continuous", measure="MD"
    )
    study = Study.objects.create(review=cast.review, name="Adams 2010")
    OutcomeData.objects.create(outcome=empty, study=study, values={"mean_exp": 3})
    analysis = services.analysis_create(outcome=empty, name="Sleep")
    analysis = services.analysis_run(analysis_id=analysis.pk)
    assert analysis.status == "failed"
    # the engine names the study and what it lacks
    assert analysis.error.startswith(
        "No study has all its data (k = 0): Adams 2010 (n in the experimental arm is missing; "
    )
    assert analysis.results is None


def test_it_gives_up_after_three_attempts(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    Analysis.objects.filter(pk=analysis.pk).update(status="running", attempts=3)
    analysis = services.analysis_run(analysis_id=analysis.pk)
    assert (analysis.status, analysis.attempts) == ("failed", 3)
    assert "failed 3 times" in analysis.error


def test_results_are_plain_json(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    analysis = services.analysis_run(analysis_id=analysis.pk)
    analysis.refresh_from_db()
    values = [analysis.results["pooled"][k] for k in ("estimate", "se", "p")]
    assert all(isinstance(v, float) and math.isfinite(v) for v in values)


def test_the_command_prints_the_pooled_result(outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain", settings={"model": "fixed"})
    out = io.StringIO()
    call_command("run_analysis", str(analysis.pk), stdout=out)
    # P = 2Φ(-4.4757) = 7.6e-6
    assert out.getvalue().startswith(
        "Pain: MD -1.92 [95% CI -2.77, -1.08], z = -4.48, P < 0.00001,"
    )
    assert out.getvalue().strip().endswith("k = 3")


def test_the_command_runs_all_of_a_review(outcome):
    services.analysis_create(outcome=outcome, name="Fixed", settings={"model": "fixed"})
    services.analysis_create(outcome=outcome, name="Random")
    out = io.StringIO()
    call_command("run_analysis", "--all", str(outcome.comparison.review_id), stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Fixed", "Random"]
    assert Analysis.objects.filter(status="done").count() == 2


def test_the_command_reports_a_failure(cast):
    comparison = Comparison.objects.create(review=cast.review, name="Ketamine vs placebo")
    empty = Outcome.objects.create(
        comparison=comparison, name="Sleep", data_type="continuous", measure="MD"
    )
    analysis = services.analysis_create(outcome=empty, name="Sleep")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 analyses failed"):
        call_command("run_analysis", str(analysis.pk), stdout=out)
    assert "No study has data for this outcome." in out.getvalue()
