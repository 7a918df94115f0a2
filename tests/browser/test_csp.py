"""The pages that run scripts still work under the production Content-Security-Policy,
and the browser reports no violation of it."""

import re

import pytest
from playwright.sync_api import expect

from extraction.models import Outcome
from screening.models import Decision
from synthesis.models import Analysis
from tests.browser.conftest import log_in
from tests.browser.test_screening import press, screen, shown
from tests.conftest import PASSWORD
from tests.reviews.factories import RecordFactory
from workspace.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's policy: it records every
# violation the browser reports, whether or not it also reaches the console.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(page):
    """The page, with CSP violations and script errors collected as they happen."""
    problems = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield page, problems


def assert_clean(page, problems) -> None:
    assert problems == []
    assert page.evaluate("window.__violations") == []


def test_every_page_is_served_with_the_policy(watched, cast):
    page, problems = watched
    response = page.goto("/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src-attr")[0]
    assert "camera=()" in response.headers["permissions-policy"]
    assert_clean(page, problems)


def test_screening_from_the_keyboard_works_under_the_policy(watched, cast, screenshot_dir):
    page, problems = watched
    RecordFactory.create_batch(3, review=cast.review, abstract="Ketamine for chronic pain.")
    log_in(page, "bob", PASSWORD)
    screen(page, cast.review)
    first = shown(page)
    assert press(page, "i") != first
    assert Decision.objects.filter(reviewer=cast.reviewer1).count() == 1
    page.screenshot(path=screenshot_dir / "screening.png")
    assert_clean(page, problems)


@pytest.fixture
def demo():
    review, _ = demo_load()
    return review


def test_the_outcome_grid_and_its_derive_helper_work_under_the_policy(
    watched, demo, screenshot_dir
):
    page, problems = watched
    outcome = Outcome.objects.filter(comparison__review=demo, data_type="continuous").first()
    log_in(page, "demo-lead")
    page.goto(f"/reviews/{demo.pk}/outcomes/{outcome.pk}/")
    page.locator("[data-derive]").first.click()  # htmx.ajax fills a Bootstrap modal
    expect(page.locator("#derive-modal")).to_be_visible()
    expect(page.locator("#derive-body")).not_to_be_empty()
    page.screenshot(path=screenshot_dir / "outcome-derive.png")
    assert_clean(page, problems)


def test_the_rob_assessment_suggests_judgements_under_the_policy(watched, demo, screenshot_dir):
    page, problems = watched
    log_in(page, "demo-reviewer2")
    page.goto(f"/reviews/{demo.pk}/rob/")
    page.get_by_role("link", name="Assess").first.click()
    domain = page.locator("#domain-D1")
    for name, value in (("q1_1", "Y"), ("q1_2", "Y"), ("q1_3", "N")):
        domain.locator(f"input[name={name}][value={value}]").check()
    expect(domain.locator("[data-suggested=D1]")).to_contain_text("Low")
    domain.locator("input[name=q1_2][value=N]").check()
    expect(domain.locator("[data-suggested=D1]")).to_contain_text("High")
    page.screenshot(path=screenshot_dir / "rob-assess.png", full_page=True)
    assert_clean(page, problems)


def test_svg_figures_show_and_carry_a_policy_of_their_own(watched, demo, screenshot_dir):
    page, problems = watched
    analysis = Analysis.objects.filter(review=demo, status="done").first()
    log_in(page, "demo-lead")
    page.goto(f"/reviews/{demo.pk}/analyses/{analysis.pk}/")
    forest = page.locator("img[alt^='Forest plot']")
    expect(forest).to_be_visible()
    page.wait_for_function("document.querySelector(\"img[alt^='Forest plot']\").naturalWidth > 0")
    page.screenshot(path=screenshot_dir / "analysis.png")
    assert_clean(page, problems)

    response = page.goto(forest.get_attribute("src"))
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
    )
    page.screenshot(path=screenshot_dir / "forest-alone.png")


def test_confirmations_and_choice_lists_work_without_inline_handlers(watched, demo):
    page, problems = watched
    log_in(page, "demo-lead")
    analysis = Analysis.objects.filter(review=demo).first()
    page.goto(f"/reviews/{demo.pk}/analyses/{analysis.pk}/")
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("button", name="Delete analysis").click()
    assert questions == ["Delete this analysis?"]
    assert Analysis.objects.filter(pk=analysis.pk).exists()  # dismissed: nothing deleted

    page.goto(f"/reviews/{demo.pk}/rob/rob2/")
    choice = page.locator("#outcome-choice")
    value = choice.locator("option").last.get_attribute("value")
    choice.select_option(value)
    expect(page).to_have_url(re.compile(rf"/rob/rob2/\?outcome={value}$"))
    assert_clean(page, problems)
