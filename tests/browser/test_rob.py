"""The lead opens the risk-of-bias overview with a few assessments; a reviewer sees the
algorithm's suggestion follow the answers as they are clicked."""

import pytest
from playwright.sync_api import expect

from extraction.demo.rob import demo_rob
from extraction.models import Comparison, Outcome, Study
from reviews.demo import demo_users
from tests.browser.conftest import log_in
from workspace.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STUDIES = ["Sigtermans 2009", "Schwartzman 2009", "Noppers 2011", "Amr 2010", "Kiefer 2008"]


@pytest.fixture
def review():
    review, _ = demo_load()
    users = demo_users()
    for name in STUDIES:
        Study.objects.get_or_create(review=review, name=name)
    comparison = Comparison.objects.create(review=review, name="IV ketamine vs placebo")
    Outcome.objects.create(
        comparison=comparison, name="Pain intensity", data_type="continuous", measure="MD"
    )
    demo_rob(review, users["demo-reviewer1"], users["demo-reviewer2"], users["demo-lead"])
    return review


def test_the_lead_sees_the_overview_and_the_traffic_light_plot(page, review, screenshot_dir):
    log_in(page, "demo-lead")
    page.goto(f"/reviews/{review.pk}/rob/")
    expect(page.get_by_role("heading", name="Risk of bias", exact=True)).to_be_visible()
    table = page.locator("#rob-table")
    expect(table.locator("tbody tr")).to_have_count(review.studies.count())
    expect(table).to_contain_text("Awaiting consensus (2 assessors)")
    figure = page.locator("img#traffic-light")
    expect(figure).to_be_visible()
    page.wait_for_function("document.querySelector('img#traffic-light').naturalWidth > 0")
    figure.screenshot(path=screenshot_dir / "traffic-light.png")
    page.locator("img#summary").screenshot(path=screenshot_dir / "summary.png")
    page.screenshot(path=screenshot_dir / "rob-overview.png", full_page=True)


def test_the_suggestion_follows_the_answers(page, review, screenshot_dir):
    log_in(page, "demo-reviewer2")
    page.goto(f"/reviews/{review.pk}/rob/")
    page.locator("tr[data-study='Sigtermans 2009']").get_by_role("link", name="Assess").click()
    domain = page.locator("#domain-D1")
    domain.locator("input[name=q1_1][value=Y]").check()
    domain.locator("input[name=q1_2][value=N]").check()
    expect(domain.locator("[data-suggested=D1]")).to_contain_text("High")
    domain.locator("input[name=q1_2][value=Y]").check()
    domain.locator("input[name=q1_3][value=N]").check()
    expect(domain.locator("[data-suggested=D1]")).to_contain_text("Low")
    d2 = page.locator("#domain-D2")
    expect(d2.locator("[data-question='2.3']")).to_be_hidden()
    d2.locator("input[name=q2_1][value=Y]").check()
    expect(d2.locator("[data-question='2.3']")).to_be_visible()
    domain.get_by_label("Your judgement").select_option("low")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Assessment saved.")).to_be_visible()
    page.screenshot(path=screenshot_dir / "rob-assess.png", full_page=True)
