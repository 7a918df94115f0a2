"""The review's navigation fits a laptop screen: every link is on the page, none cut off."""

import pytest

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 1024])
def test_every_stage_link_and_the_review_menu_are_inside_the_window(
    page, cast, screenshot_dir, width
):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "alice", PASSWORD)
    page.goto(f"/reviews/{cast.review.pk}/")
    links = page.locator(".review-nav > .nav-item")
    assert links.count() > 10
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, index
    page.screenshot(path=screenshot_dir / f"nav-{width}.png")


def test_the_export_page_s_records_form_fits_its_card(page, cast, screenshot_dir):
    log_in(page, "alice", PASSWORD)
    page.goto(f"/reviews/{cast.review.pk}/export/")
    form = page.locator("#records-form")
    card = form.locator("xpath=ancestor::div[contains(@class, 'card-body')]").bounding_box()
    selects = form.locator("select")
    assert selects.count() == 3
    for index in range(selects.count()):
        box = selects.nth(index).bounding_box()
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], index
    page.screenshot(path=screenshot_dir / "export.png")
