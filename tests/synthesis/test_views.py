"""The analysis pages: create, settings, run, results with figures, stale data, PRISMA page.

Tasks run in-process (eager); ``django_capture_on_commit_callbacks(execute=True)``
sends what the view enqueues on commit, as a real request would.
"""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from extraction.models import Outcome, OutcomeData, Study
from reviews.demo import DEMO_DATA
from reviews.models import Record
from reviews.services import import_batch_create, import_batch_run
from synthesis import services
from synthesis.models import Analysis, Figure

from .test_services import make_outcome

# Fixed-effect inverse-variance MD of test_services.STUDIES, by hand:
# yi = -2, -1, -3; vi = 0.4, 0.6, 0.8; w = 2.5, 5/3, 1.25; Σw = 65/12
# estimate = -125/65 = -1.923077, SE = sqrt(12/65) = 0.429669
# CI = -1.923077 ± 1.959964 × 0.429669 = [-2.765205, -1.080949]
# Q = 2.884615 on 2 df, P = exp(-Q/2) = 0.2364, I² = (Q - 2)/Q = 30.7%
FIXED = {"model": "fixed", "prediction_interval": False}


@pytest.fixture(autouse=True)
def in_process(eager_tasks):
    """What the views enqueue runs in this process, even when CI sets REDIS_URL."""


@pytest.fixture
def outcome(cast):
    return make_outcome(cast.review)


def url(name, review, *args):
    return reverse(name, args=[review.pk, *args])


def run_settings(client, analysis, django_capture_on_commit_callbacks, **changes):
    """POST the settings form with the analysis's settings plus ``changes`` (runs it)."""
    settings = analysis.settings | changes
    data = {"name": analysis.name, **{k: v for k, v in settings.items() if k != "excluded"}}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update(changes.pop("form", {}) if "form" in changes else {})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("analysis_settings", analysis.review, analysis.pk), data)
    return response


def test_the_lead_creates_an_analysis_from_an_outcome(client, cast, outcome):
    client.force_login(cast.lead)
    response = client.post(
        url("analysis_list", cast.review), {"outcome": outcome.pk, "name": "", "preset": "revman5"}
    )
    analysis = Analysis.objects.get()
    assert response.url == url("analysis_settings", cast.review, analysis.pk)
    assert analysis.name == "Pain score"  # the outcome's name when none is given
    assert analysis.settings["model"] == "fixed" and analysis.settings["i2"] == "Q"
    assert analysis.status == "draft"


def test_save_and_run_gives_the_hand_computed_result_on_the_page(
    client, cast, outcome, django_capture_on_commit_callbacks
):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    client.force_login(cast.lead)
    response = run_settings(client, analysis, django_capture_on_commit_callbacks, **FIXED)
    assert response.status_code == 302, response.context["form"].errors
    analysis.refresh_from_db()
    assert analysis.status == "done" and analysis.settings["model"] == "fixed"
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert '<dd class="col-sm-9 fw-semibold" id="pooled-effect">-1.92 [-2.77, -1.08]</dd>' in page
    assert "Chi² = 2.88, df = 2 (P = 0.24); I² = 31%" in page
    assert "Test for overall effect: Z = 4.48 (P &lt; 0.00001)" in page
    for weight in ("46.2%", "30.8%", "23.1%"):  # 2.5, 5/3 and 1.25 of 65/12
        assert weight in page
    assert "nan" not in page.lower()


def test_figures_are_stored_with_the_results_and_served(client, cast, outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    services.analysis_run(analysis_id=analysis.pk)
    kinds = set(Figure.objects.filter(analysis=analysis).values_list("kind", "format"))
    assert kinds == {
        (kind, fmt) for kind in ("forest", "funnel", "robustness") for fmt in ("png", "svg")
    }
    client.force_login(cast.viewer)
    svg = client.get(url("analysis_figure", cast.review, analysis.pk, "forest", "svg"))
    assert svg["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(svg.content)
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    text += svg.content.decode()
    for label in ("Adams 2010", "Baker 2015", "Cole 2020"):
        assert label in text
    png = client.get(
        url("analysis_figure", cast.review, analysis.pk, "funnel", "png") + "?download"
    )
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert png["Content-Disposition"].startswith("attachment;")


def test_a_figure_not_drawn_yet_sends_back_to_the_analysis(client, cast, outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    client.force_login(cast.lead)
    response = client.get(url("analysis_figure", cast.review, analysis.pk, "forest", "png"))
    assert response.url == url("analysis_detail", cast.review, analysis.pk)
    bogus = client.get(url("analysis_figure", cast.review, analysis.pk, "radar", "png"))
    assert bogus.status_code == 404


def test_leaving_a_study_out_needs_a_reason_and_is_reported(
    client, cast, outcome, django_capture_on_commit_callbacks
):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    client.force_login(cast.lead)
    # studies are listed in name order: Adams 2010 is exclude_0
    response = run_settings(
        client, analysis, django_capture_on_commit_callbacks, form={"exclude_0": "on"}
    )
    assert response.status_code == 200
    assert "Say why Adams 2010 is left out." in response.content.decode()
    analysis.refresh_from_db()
    assert analysis.status == "draft"
    response = run_settings(
        client,
        analysis,
        django_capture_on_commit_callbacks,
        form={"exclude_0": "on", "reason_0": "Quasi-randomised"},
    )
    analysis.refresh_from_db()
    assert analysis.settings["excluded"] == [{"study": "Adams 2010", "reason": "Quasi-randomised"}]
    assert analysis.results["pooled"]["k"] == 2
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert "Left out: Adams 2010 (Quasi-randomised)." in page


def test_changed_data_runs_the_analysis_again(
    client, cast, outcome, django_capture_on_commit_callbacks
):
    analysis = services.analysis_create(outcome=outcome, name="Pain", settings=FIXED)
    services.analysis_run(analysis_id=analysis.pk)
    data = OutcomeData.objects.get(study__name="Cole 2020")
    data.values = data.values | {"mean_exp": 12}  # MD 0 instead of -3
    data.save()
    client.force_login(cast.viewer)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert "The data changed since the last run" in page
    analysis.refresh_from_db()
    # -2 and -1 with weights 2.5 and 5/3, 0 with 1.25: -6.6667/5.4167 = -1.2308
    assert analysis.status == "done"
    assert analysis.results["pooled"]["estimate"] == pytest.approx(-80 / 65, rel=1e-12)
    forest = Figure.objects.get(analysis=analysis, kind="forest", format="svg")
    assert forest.input_hash == analysis.input_hash


def test_run_all_queues_every_analysis(client, cast, outcome, django_capture_on_commit_callbacks):
    first = services.analysis_create(outcome=outcome, name="Random")
    second = services.analysis_create(outcome=outcome, name="Fixed", settings=FIXED)
    client.force_login(cast.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("analysis_run_all", cast.review))
    for analysis in (first, second):
        analysis.refresh_from_db()
        assert analysis.status == "done"
    assert first.results["model"] == "random" and second.results["model"] == "fixed"


def test_the_status_fragment_reloads_the_page_when_the_run_ends(client, cast, outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    services.analysis_enqueue(analysis=analysis)  # never sent: no on-commit here
    client.force_login(cast.viewer)
    waiting = client.get(url("analysis_status", cast.review, analysis.pk))
    assert "Waiting for a worker" in waiting.content.decode() and "HX-Refresh" not in waiting
    services.analysis_run(analysis_id=analysis.pk)
    done = client.get(url("analysis_status", cast.review, analysis.pk))
    assert done["HX-Refresh"] == "true"


def test_polling_a_stuck_analysis_writes_nothing_and_the_lead_sends_it_again(
    client, cast, outcome, django_capture_on_commit_callbacks
):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    services.analysis_enqueue(analysis=analysis)  # never sent: no on-commit here
    Analysis.objects.filter(pk=analysis.pk).update(updated=timezone.now() - timedelta(hours=1))
    before = Analysis.objects.get(pk=analysis.pk)
    client.force_login(cast.viewer)
    page = client.get(url("analysis_status", cast.review, analysis.pk)).content.decode()
    assert "Send it again" not in page
    assert Analysis.objects.get(pk=analysis.pk).updated == before.updated
    client.force_login(cast.lead)
    assert (
        "Send it again"
        in client.get(url("analysis_status", cast.review, analysis.pk)).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("analysis_run", cast.review, analysis.pk))
    assert Analysis.objects.get(pk=analysis.pk).status == "done"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "No study has data for this outcome."),
        ([(0, 10, 0, 12), (0, 20, 0, 20)], "every study has no events in either arm"),
    ],
    ids=["no data", "all double-zero"],
)
def test_an_analysis_that_cannot_run_says_why_in_plain_words(client, cast, rows, message):
    outcome = Outcome.objects.create(
        comparison=make_outcome(cast.review, studies=[]).comparison,
        name="Delirium",
        data_type="dichotomous",
        measure="RR",
    )
    for i, (a, n1, c, n2) in enumerate(rows):
        study = Study.objects.create(review=cast.review, name=f"Trial {i}")
        values = {"events_exp": a, "total_exp": n1, "events_ctrl": c, "total_ctrl": n2}
        OutcomeData.objects.create(outcome=outcome, study=study, values=values)
    analysis = services.analysis_create(outcome=outcome, name="Delirium")
    services.analysis_run(analysis_id=analysis.pk)
    client.force_login(cast.viewer)
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert message in page
    assert not re.search(r"\bnan\b", page, re.IGNORECASE)


def test_one_study_and_a_double_zero_study_show_no_nan(client, cast):
    outcome = Outcome.objects.create(
        comparison=make_outcome(cast.review, studies=[]).comparison,
        name="Delirium",
        data_type="dichotomous",
        measure="RR",
    )
    for name, values in (("Ames 2001", (3, 20, 6, 20)), ("Bell 2003", (0, 15, 0, 15))):
        study = Study.objects.create(review=cast.review, name=name)
        keys = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")
        OutcomeData.objects.create(
            outcome=outcome, study=study, values=dict(zip(keys, values, strict=True))
        )
    analysis = services.analysis_create(outcome=outcome, name="Delirium")
    analysis = services.analysis_run(analysis_id=analysis.pk)
    assert analysis.status == "done" and analysis.results["pooled"]["k"] == 1
    client.force_login(cast.viewer)
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert "0.50 [0.14, 1.73]" in page  # RR 3/20 ÷ 6/20, log SE sqrt(1/3 - 1/20 + 1/6 - 1/20)
    assert "Heterogeneity: Not applicable" in page
    assert "Not estimable" in page  # Bell 2003 is listed, not pooled
    assert "Small-study tests are not estimable with k = 1 (they need at least 3 studies)." in page
    assert "Not estimable with k = 1 (needs at least 2 studies)" in page  # prediction interval
    assert not re.search(r"\bnan\b", page, re.IGNORECASE)


def test_the_prisma_page_draws_the_diagram_in_the_background(
    client, cast, django_capture_on_commit_callbacks
):
    review = cast.review
    upload = SimpleUploadedFile("medline.nbib", (DEMO_DATA / "demo_medline.nbib").read_bytes())
    batch = import_batch_create(review=review, user=cast.lead, upload=upload, source="medline")
    import_batch_run(batch_id=batch.pk)
    client.force_login(cast.viewer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url("prisma_diagram", review)).content.decode()
    assert "Drawing the diagram" in first
    page = client.get(url("prisma_diagram", review)).content.decode()
    assert 'id="prisma"' in page
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")):
        response = client.get(url("prisma_figure", review, fmt))
        assert response.content.startswith(magic), fmt
    # The MEDLINE records imported, none screened: the page says so.
    waiting = Record.objects.filter(review=review).count()
    assert (
        f"Screening is not finished: {waiting} records still await title/abstract screening."
        in page
    )


# The engine's words and the prediction interval, through the pages

# metafor 3.8-1 on test_services.STUDIES (yi -2, -1, -3; vi 0.4, 0.6, 0.8):
#   fit <- rma(yi = c(-2, -1, -3), vi = c(.4, .6, .8), method = "DL")
#   predict(fit)                      # pi.lb -3.36627418829243, pi.ub -0.512097225553986
#   predict(fit, pi.type = "riley")   # pi.lb -11.1908242900522, pi.ub 7.31245287620578 (t, k − 2)
DL = {"model": "random", "tau2_estimator": "DL", "prediction_interval": True}


def test_the_prediction_interval_names_its_formula_and_can_be_the_handbooks(
    client, cast, outcome, django_capture_on_commit_callbacks
):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    client.force_login(cast.lead)
    run_settings(client, analysis, django_capture_on_commit_callbacks, **DL)
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert '<dd class="col-sm-9" id="prediction">-3.37 to -0.51' in page
    assert "normal distribution: μ ± z(0.975) × √(τ² + SE²)" in page
    analysis.refresh_from_db()
    response = run_settings(
        client, analysis, django_capture_on_commit_callbacks, prediction_interval_kind="hts"
    )
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert '<dd class="col-sm-9" id="prediction">-11.19 to 7.31' in page
    assert (
        "t distribution, k − 2 = 1 df (Higgins–Thompson–Spiegelhalter): "
        "μ ± t(0.975, k − 2 = 1) × √(τ² + SE²)"
    ) in page
    assert "t distribution with k − 2 df (Higgins, Thompson and Spiegelhalter)" in page  # settings
    svg = client.get(url("analysis_figure", cast.review, analysis.pk, "forest", "svg"))
    assert "Prediction interval (t, k − 2 = 1 df, Higgins–Thompson–Spiegelhalter)" in (
        svg.content.decode()
    )
    analysis.refresh_from_db()
    assert analysis.results["prediction_interval"]["kind"] == "hts"  # for the export


def test_the_settings_page_offers_both_prediction_intervals_in_words(client, cast, outcome):
    analysis = services.analysis_create(outcome=outcome, name="Pain")
    client.force_login(cast.lead)
    page = client.get(url("analysis_settings", cast.review, analysis.pk)).content.decode()
    assert "How the prediction interval is computed" in page
    assert "as metafor and RevMan Web compute it" in page
    assert "the Cochrane Handbook&#x27;s formula" in page


def dichotomous_outcome(review, rows, name="Delirium"):
    outcome = Outcome.objects.create(
        comparison=make_outcome(review, studies=[]).comparison,
        name=name,
        data_type="dichotomous",
        measure="RR",
    )
    keys = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")
    for label, *values in rows:
        study = Study.objects.create(review=review, name=label)
        values = {k: v for k, v in zip(keys, values, strict=True) if v is not None}
        OutcomeData.objects.create(outcome=outcome, study=study, values=values)
    return outcome


def test_an_mh_risk_ratio_without_experimental_events_says_why(
    client, cast, django_capture_on_commit_callbacks
):
    outcome = dichotomous_outcome(
        cast.review, [("Ames 2001", 0, 10, 3, 10), ("Bell 2003", 0, 12, 4, 12)]
    )
    analysis = services.analysis_create(outcome=outcome, name="Delirium")
    client.force_login(cast.lead)
    run_settings(
        client,
        analysis,
        django_capture_on_commit_callbacks,
        pooling="mantel_haenszel",
        model="fixed",
    )
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert (
        "No events in the experimental arm of any study: the Mantel-Haenszel risk ratio is "
        "not estimable."
    ) in page
    assert not re.search(r"\b(nan|inf)\b", page, re.IGNORECASE)


def test_impossible_data_already_stored_are_refused_in_the_engines_words(client, cast):
    # the grid refuses this; a row stored before the check (or by hand) meets the engine's
    outcome = dichotomous_outcome(cast.review, [("Smith 2010", 300, 231, 10, 230)])
    analysis = services.analysis_run(
        analysis_id=services.analysis_create(outcome=outcome, name="Delirium").pk
    )
    client.force_login(cast.viewer)
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert "Smith 2010: 300 events in the experimental arm but only 231 participants." in page


def test_a_study_with_missing_data_is_named_on_the_page(client, cast):
    rows = [("Ames 2001", 3, 20, 6, 20), ("Bell 2003", 4, 25, 8, 24), ("Cole 2005", 2, None, 5, 30)]
    outcome = dichotomous_outcome(cast.review, rows)
    analysis = services.analysis_run(
        analysis_id=services.analysis_create(outcome=outcome, name="Delirium").pk
    )
    assert analysis.status == "done" and analysis.results["pooled"]["k"] == 2
    client.force_login(cast.viewer)
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert (
        "Left out for missing data: Cole 2005 (the total in the experimental arm is missing)."
    ) in page


def test_a_subgroup_that_is_not_estimable_is_shown_and_left_out_of_the_test(
    client, cast, django_capture_on_commit_callbacks
):
    rows = [("A1", 12, 50, 20, 50), ("A2", 8, 40, 14, 42), ("B1", 4, 30, 9, 31)]
    rows += [("B2", 9, 45, 15, 44), ("C1", 3, 20, 0, 20), ("C2", 5, 25, 0, 24)]
    outcome = dichotomous_outcome(cast.review, rows)
    outcome.measure, outcome.subgroup_variable = "OR", "Dose"
    outcome.save()
    for data in OutcomeData.objects.filter(outcome=outcome).select_related("study"):
        data.subgroup = data.study.name[0]
        data.save()
    analysis = services.analysis_create(outcome=outcome, name="Delirium")
    client.force_login(cast.lead)
    run_settings(
        client,
        analysis,
        django_capture_on_commit_callbacks,
        pooling="mantel_haenszel",
        model="fixed",
    )
    analysis.refresh_from_db()
    assert analysis.status == "done", analysis.error
    assert analysis.results["subgroup_differences"]["df"] == 1
    page = client.get(url("analysis_detail", cast.review, analysis.pk)).content.decode()
    assert "Not tested: C (not estimable)." in page
    assert "Not estimable" in page  # subgroup C's row
    assert Figure.objects.filter(analysis=analysis, kind="forest").exists()
