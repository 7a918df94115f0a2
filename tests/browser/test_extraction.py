"""A reviewer fills the extraction form and enters outcome data for one study, in Chromium."""

import pytest
from playwright.sync_api import expect

from extraction.models import Comparison, ExtractionEntry, Outcome, OutcomeData, Study
from extraction.services.form_builder import extraction_form_create_default
from tests.browser.test_imports import log_in
from tests.reviews.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_extracts_a_study_and_its_outcome_data(page, cast, screenshot_dir):
    extraction_form_create_default(review=cast.review)
    study = Study.objects.create(review=cast.review, name="Harrow 2012")
    study.reports.add(RecordFactory(review=cast.review, title="Invented trial of ketamine"))
    comparison = Comparison.objects.create(
        review=cast.review,
        name="IV ketamine vs control",
        experimental="Ketamine",
        control="Placebo",
    )
    outcome = Outcome.objects.create(
        comparison=comparison,
        name="Pain intensity",
        data_type="continuous",
        measure="MD",
        unit="0-10 NRS",
    )

    log_in(page, "bob")
    page.goto(f"/reviews/{cast.review.pk}/studies/{study.pk}/extraction/")
    page.locator("#id_country").fill("Norway")
    page.locator("#id_country").press("Tab")
    expect(page.locator("#save-country")).to_contain_text("Saved")
    page.locator("#id_number_randomised").fill("60")
    page.locator("#id_number_randomised").press("Tab")
    expect(page.locator("#save-number_randomised")).to_contain_text("Saved")
    page.screenshot(path=screenshot_dir / "extraction-entry.png", full_page=True)
    values = ExtractionEntry.objects.get(study=study).values
    assert (values["country"], values["number_randomised"]) == ("Norway", 60)

    page.goto(f"/reviews/{cast.review.pk}/outcomes/{outcome.pk}/")
    for name, value in (
        ("n_exp", "30"),
        ("mean_exp", "4.1"),
        ("sd_exp", "1.9"),
        ("n_ctrl", "30"),
        ("mean_ctrl", "5.2"),
        ("sd_ctrl", "2.0"),
    ):
        page.locator(f'input[name="{study.pk}-{name}"]').fill(value)
    page.get_by_role("button", name="Save all").click()
    expect(page.locator(f'input[name="{study.pk}-sd_ctrl"]')).to_have_value("2.0")
    page.screenshot(path=screenshot_dir / "outcome-grid.png", full_page=True)
    data = OutcomeData.objects.get(outcome=outcome, study=study).values
    assert data == {
        "n_exp": 30,
        "mean_exp": 4.1,
        "sd_exp": 1.9,
        "n_ctrl": 30,
        "mean_ctrl": 5.2,
        "sd_ctrl": 2.0,
    }
