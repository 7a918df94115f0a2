"""A lead logs in, creates a review and adds a reviewer, in a real browser."""

import pytest
from playwright.sync_api import expect

from reviews.models import Membership, Review, Role
from tests.browser.conftest import log_in
from workspace.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_lead_creates_a_review_and_adds_a_reviewer(page, screenshot_dir):
    demo_load()
    log_in(page, "demo-lead")
    expect(
        page.get_by_text("IV ketamine infusion for chronic pain (illustrative demo)")
    ).to_be_visible()

    page.get_by_role("link", name="New review").click()
    page.get_by_label("Title").fill("Magnesium for migraine prophylaxis")
    page.get_by_label("Protocol registration").fill("crd42025000123")
    page.get_by_label("Population").fill("Adults with episodic migraine")
    page.get_by_label("Intervention").fill("Oral magnesium")
    page.get_by_role("button", name="Create review").click()

    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    page.get_by_label("Username or e-mail").fill("demo-reviewer1@example.org")
    page.locator("#id_role").select_option("reviewer")
    page.get_by_role("button", name="Add member").click()

    expect(page.get_by_text("demo-reviewer1 added as Reviewer.")).to_be_visible()
    expect(page.locator("#team tr[data-username='demo-reviewer1']")).to_be_visible()
    page.screenshot(path=screenshot_dir / "team.png", full_page=True)

    review = Review.objects.get(title="Magnesium for migraine prophylaxis")
    assert review.protocol_id == "CRD42025000123"
    roles = dict(Membership.objects.filter(review=review).values_list("user__username", "role"))
    assert roles == {"demo-lead": Role.LEAD, "demo-reviewer1": Role.REVIEWER}

    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#pipeline")).to_contain_text("Records identified")
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)
