"""The zero-cell rules as an analysis's settings apply them, against hand computations.

Three trials: Ames (0/10 vs 0/10, no events in either arm), Bell (0/10 vs 3/10,
one zero cell) and Cole (2/20 vs 4/20, none).
"""

import math

import pytest

from extraction.models import Comparison, Outcome, OutcomeData, Study
from synthesis import services

TRIALS = [("Ames 2001", 0, 10, 0, 10), ("Bell 2004", 0, 10, 3, 10), ("Cole 2008", 2, 20, 4, 20)]
KEYS = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")


@pytest.fixture
def outcome(cast):
    comparison = Comparison.objects.create(review=cast.review, name="Ketamine vs placebo")
    outcome = Outcome.objects.create(
        comparison=comparison, name="Delirium", data_type="dichotomous", measure="RR"
    )
    for name, *cells in TRIALS:
        study = Study.objects.create(review=cast.review, name=name)
        OutcomeData.objects.create(
            outcome=outcome, study=study, values=dict(zip(KEYS, cells, strict=True))
        )
    return outcome


def run(outcome, **settings):
    analysis = services.analysis_create(
        outcome=outcome, name="Delirium", settings={"model": "fixed"} | settings
    )
    analysis = services.analysis_run(analysis_id=analysis.pk)
    assert analysis.status == "done", analysis.error
    return {row["label"]: row for row in analysis.results["studies"]}, analysis.results


def test_half_is_added_to_every_cell_of_a_study_with_a_zero_cell(outcome):
    studies, _ = run(outcome)
    # Bell: (0.5/11) / (3.5/11); var 1/0.5 - 1/11 + 1/3.5 - 1/11
    bell = studies["Bell 2004"]
    assert bell["yi"] == pytest.approx(math.log(0.5 / 3.5), rel=1e-12)
    assert bell["vi"] == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 3.5 - 1 / 11, rel=1e-12)
    # Cole has no zero cell: untouched
    assert studies["Cole 2008"]["yi"] == pytest.approx(math.log(0.5), rel=1e-12)


def test_a_study_without_events_is_left_out_of_a_ratio_but_kept_for_a_difference(outcome):
    studies, results = run(outcome)
    assert not studies["Ames 2001"]["included"] and results["pooled"]["k"] == 2
    studies, results = run(outcome, measure="RD")
    assert studies["Ames 2001"]["included"] and results["pooled"]["k"] == 3
    assert studies["Ames 2001"]["yi"] == pytest.approx(0.0)


def test_keeping_double_zero_studies_for_ratios_is_a_setting(outcome):
    studies, results = run(outcome, exclude_double_zero=False)
    # (0.5/11) / (0.5/11) = 1: log RR 0, variance 2/0.5 - 2/11
    ames = studies["Ames 2001"]
    assert ames["included"] and results["pooled"]["k"] == 3
    assert ames["yi"] == pytest.approx(0.0) and ames["vi"] == pytest.approx(4 - 2 / 11)


def test_the_correction_is_a_setting(outcome):
    studies, _ = run(outcome, zero_cell_correction=0.25)
    assert studies["Bell 2004"]["yi"] == pytest.approx(math.log(0.25 / 3.25), rel=1e-12)
    studies, results = run(outcome, zero_cell_correction=0)
    # no correction: Bell's log RR is minus infinity, so it is not estimable
    assert not studies["Bell 2004"]["included"] and studies["Bell 2004"]["yi"] is None
    assert results["pooled"]["k"] == 1 and results["pooled"]["effect"] == pytest.approx(0.5)


def test_revman5_also_corrects_the_mantel_haenszel_sums(outcome):
    _, plain = run(outcome, pooling="mantel_haenszel")
    _, revman = run(outcome, pooling="mantel_haenszel", revman5_zero_cells=True)
    # MH RR = Σ a·n2/N / Σ c·n1/N over the studies with events.
    # metafor: Bell 0·10/20 and 3·10/20, Cole 2·20/40 and 4·20/40 → 1 / 3.5
    assert plain["pooled"]["effect"] == pytest.approx(1 / 3.5, rel=1e-12)
    # RevMan 5: Bell corrected to 0.5/11 vs 3.5/11 (N = 22) → (0.25 + 1) / (1.75 + 2)
    assert revman["pooled"]["effect"] == pytest.approx(1.25 / 3.75, rel=1e-12)


def test_a_correction_outside_zero_to_one_is_refused(outcome):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="zero-cell correction must be a number from 0 to 1"):
        services.analysis_create(outcome=outcome, name="x", settings={"zero_cell_correction": 2})
