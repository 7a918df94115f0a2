"""The lead creates an analysis, runs it and reads the forest plot, the funnel plot and the
robustness panel; the PRISMA page shows the diagram drawn from the live counts."""

import pytest
from playwright.sync_api import expect

from reviews.demo import DEMO_PASSWORD
from synthesis.models import Analysis
from tests.browser.conftest import log_in
from workspace.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def loaded(page, selector: str) -> None:
    page.wait_for_function(f"document.querySelector({selector!r}).naturalWidth > 0")


@pytest.fixture
def review(eager_tasks):
    review, _ = demo_load()
    return review


def test_the_lead_creates_runs_and_reads_an_analysis(page, review, screenshot_dir):
    log_in(page, "demo-lead")
    page.goto(f"/reviews/{review.pk}/analyses/")
    # the demo's analyses are already run
    expect(page.locator("#analyses tbody tr")).to_have_count(review.analyses.count())
    expect(page.locator("#analyses")).to_contain_text("Pain intensity: MD -1.24")

    page.get_by_label("Outcome").select_option(label="IV ketamine vs control · Hallucinations")
    page.get_by_label("Name").fill("Hallucinations, fixed effect")
    page.get_by_text("RevMan 5's defaults").click()
    page.get_by_role("button", name="Create").click()
    expect(
        page.get_by_role("heading", name="Settings: Hallucinations, fixed effect")
    ).to_be_visible()
    expect(page.get_by_label("Mantel-Haenszel: sturdier when events are few")).to_be_checked()
    page.screenshot(path=screenshot_dir / "settings.png", full_page=True)
    page.get_by_role("button", name="Save and run").click()

    expect(page.locator("#status [data-status=done]")).to_be_visible()
    analysis = Analysis.objects.get(name="Hallucinations, fixed effect")
    effect = analysis.results["pooled"]
    expect(page.locator("#pooled-effect")).to_have_text(
        f"{effect['effect']:.2f} [{effect['effect_ci_lower']:.2f}, {effect['effect_ci_upper']:.2f}]"
    )
    expect(page.locator("#pooled")).to_contain_text("M-H, Fixed, 95% CI")
    forest = page.get_by_alt_text("Forest plot of Hallucinations, fixed effect")
    expect(forest).to_be_visible()
    loaded(page, "#forest img")
    forest.screenshot(path=screenshot_dir / "forest.png")
    loaded(page, "#small-study img")
    page.locator("#small-study img").screenshot(path=screenshot_dir / "funnel.png")
    expect(page.locator("#egger")).to_contain_text("Egger's regression test: t = ")

    page.get_by_role("button", name="Show the robustness panel").click()
    panel = page.locator("#robustness-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#robustness-table")).to_contain_text("Without Demo trial A 2015")
    loaded(page, "#robustness-panel img")
    panel.locator("img").screenshot(path=screenshot_dir / "robustness.png")
    page.screenshot(path=screenshot_dir / "results.png", full_page=True)


def test_a_viewer_reads_results_but_cannot_change_them(page, review, django_user_model):
    from reviews.models import Membership, Role

    viewer = django_user_model.objects.create_user("demo-viewer", password=DEMO_PASSWORD)
    Membership.objects.create(review=review, user=viewer, role=Role.VIEWER)
    log_in(page, "demo-viewer")
    analysis = review.analyses.get(name="Pain intensity")
    page.goto(f"/reviews/{review.pk}/analyses/{analysis.pk}/")
    expect(page.locator("#pooled-effect")).to_have_text("-1.24 [-1.68, -0.80]")
    expect(page.get_by_role("button", name="Run again")).to_have_count(0)
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)


def test_the_prisma_page_shows_the_live_diagram(page, review, screenshot_dir):
    log_in(page, "demo-lead")
    page.goto(f"/reviews/{review.pk}/prisma/")
    diagram = page.locator("img#prisma")
    expect(diagram).to_be_visible()
    loaded(page, "img#prisma")
    diagram.screenshot(path=screenshot_dir / "prisma.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == "prisma-2020-flow-diagram.pdf"
