"""The lead imports a MEDLINE export in the browser and settles a possible duplicate."""

import pytest
from playwright.sync_api import expect

from reviews.demo import DEMO_DATA, demo_imports
from reviews.models import DuplicatePair, ImportBatch, Record
from tests.browser.conftest import log_in as log_in_as
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    """The cast's users have the tests' password (``tests.conftest.PASSWORD``)."""
    log_in_as(page, username, PASSWORD)


def test_the_lead_imports_a_search_with_a_preview(page, cast, screenshot_dir, eager_tasks):
    log_in(page, "alice")
    page.goto(f"/reviews/{cast.review.pk}/imports/")
    page.get_by_label("Export files").set_input_files(str(DEMO_DATA / "demo_medline.nbib"))
    page.locator("#id_interface").fill("PubMed")
    page.locator("#id_search_date").fill("2026-10-01")
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.locator("#preview li")).to_have_count(5)
    expect(page.locator("#format")).to_contain_text("pubmed")
    expect(page.locator("#preview-count")).to_contain_text("10 records will be imported.")
    page.screenshot(path=screenshot_dir / "preview.png", full_page=True)
    page.get_by_role("button", name="Import 10 records").click()

    expect(page.locator("#status")).to_have_text("Imported")
    expect(page.locator("#record-count")).to_contain_text("10")
    assert ImportBatch.objects.get().record_count == 10
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("[data-stage=identified] .count")).to_have_text("10")
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)


def test_the_lead_merges_a_pair_side_by_side(page, cast, screenshot_dir):
    demo_imports(cast.review, cast.lead)
    left, right = Record.objects.filter(review=cast.review, duplicate_of__isnull=True).order_by(
        "pk"
    )[:2]
    pair = DuplicatePair.objects.create(
        review=cast.review, left=left, right=right, score=0.72, status="undecided"
    )
    log_in(page, "alice")
    page.goto(f"/reviews/{cast.review.pk}/duplicates/")
    expect(page.locator(f"#pair-{pair.pk} mark").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "duplicates.png", full_page=True)
    page.locator(f"#pair-{pair.pk}").get_by_role("button", name="Not duplicates").click()
    expect(page.get_by_text("Kept as two different records.")).to_be_visible()
    pair.refresh_from_db()
    assert pair.status == "distinct"
    page.goto(f"/reviews/{cast.review.pk}/records/?show=all")
    page.screenshot(path=screenshot_dir / "records.png", full_page=True)
