"""The records browser and a record's story page, in a real browser: the lead filters,
excludes a filter's records in bulk, and a reviewer reads one record's story, blinded."""

import pytest
from playwright.sync_api import expect

from reviews.models import Record
from screening.models import Decision, Resolution
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.reviews.factories import RecordFactory
from tests.screening.standing_records import standing_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANIMAL_STUDIES = [
    "Ketamine reverses allodynia in mice after nerve ligation",
    "Spinal ketamine in rats: a dose-finding study",
    "Ketamine and opioid tolerance in mice",
]


@pytest.fixture
def made(cast):
    made = standing_records(cast)
    for i, title in enumerate(ANIMAL_STUDIES):
        RecordFactory(review=cast.review, batch=made.awaiting.batch, position=100 + i, title=title)
    return made


def rows(page):
    return page.locator("#records tbody tr[data-record]")


def test_the_lead_filters_the_records_and_excludes_the_animal_studies_in_bulk(
    page, cast, made, screenshot_dir
):
    log_in(page, "alice", PASSWORD)
    page.goto(f"/reviews/{cast.review.pk}/records/")
    expect(page.locator("#result-count")).to_have_text("10 records")

    page.get_by_label("Where it stands").select_option(label="In conflict")
    page.get_by_role("button", name="Filter").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Esketamine nasal spray for back pain")
    expect(rows(page).first.locator(".standing")).to_have_text("In conflict")
    page.screenshot(path=screenshot_dir / "in_conflict.png", full_page=True)

    page.get_by_label("Where it stands").select_option(label="Awaiting screening")
    page.get_by_label("Search").fill("mice")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#result-count")).to_have_text("2 records")
    page.get_by_label("Search").fill("rats")
    page.get_by_role("button", name="Filter").click()
    expect(rows(page)).to_have_count(1)  # the other rat study is already excluded
    page.get_by_label("Search").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#result-count")).to_have_text("5 records")

    animal = [Record.objects.get(title=title).pk for title in ANIMAL_STUDIES]
    for pk in animal:
        page.get_by_label(f"Tick record #{pk}").check()
    page.get_by_label("With these records").select_option(label="Exclude at title/abstract")
    page.get_by_label("Reason (to exclude)").select_option(label="Wrong population")
    page.get_by_label("Note (to exclude)").fill("Animal studies")
    page.screenshot(path=screenshot_dir / "bulk_form.png", full_page=True)
    page.get_by_role("button", name="Apply…").click()

    expect(
        page.get_by_role("heading", name="Confirm: exclude 3 records at title/abstract")
    ).to_be_visible()
    expect(page.locator("#preview li")).to_have_count(3)
    assert not Resolution.objects.filter(record_id__in=animal).exists()
    page.screenshot(path=screenshot_dir / "bulk_confirm.png", full_page=True)
    page.get_by_role("button", name="Confirm").click()

    expect(
        page.get_by_text("Excluded 3 records at title/abstract (Wrong population).")
    ).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("2 records")
    page.screenshot(path=screenshot_dir / "after_bulk.png", full_page=True)
    for pk in animal:
        resolution = Resolution.objects.get(record_id=pk, stage="ta")
        assert (resolution.verdict, resolution.source, resolution.resolved_by) == (
            "exclude",
            "lead",
            cast.lead,
        )
        assert Decision.objects.get(record_id=pk, reviewer=cast.lead).note == "Animal studies"

    page.get_by_label("Where it stands").select_option(label="Wrong population")
    page.get_by_role("button", name="Filter").click()
    expect(rows(page)).to_have_count(4)


def test_a_reviewer_reads_a_records_story_blinded_and_the_lead_sees_it_whole(
    page, cast, made, screenshot_dir
):
    log_in(page, "carol", PASSWORD)
    page.goto(f"/reviews/{cast.review.pk}/records/")
    expect(page.locator("#blinding-note")).to_be_visible()
    conflict = rows(page).filter(has_text="Esketamine nasal spray")
    expect(conflict.locator(".standing")).to_have_text("Not resolved yet")
    expect(conflict.locator(".mine")).to_have_text("Exclude")
    page.screenshot(path=screenshot_dir / "reviewer_list.png", full_page=True)

    conflict.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Esketamine nasal spray for back pain")).to_be_visible()
    story = page.locator("#story-ta")
    expect(story).to_contain_text("carol decided Exclude")
    expect(story).not_to_contain_text("bob")
    expect(story).not_to_contain_text("Conflict")
    expect(story.locator(".blinding-note")).to_be_visible()
    page.screenshot(path=screenshot_dir / "reviewer_story.png", full_page=True)

    page.goto(made.final.get_absolute_url())
    expect(page.locator("#story-import")).to_contain_text("From embase.ris, a search of Embase")
    expect(page.locator("#story-ta")).to_contain_text("bob decided Include")
    expect(page.locator("#story-ft")).to_contain_text("Resolved: Include")
    page.screenshot(path=screenshot_dir / "resolved_story.png", full_page=True)

    page.locator("#topnav .dropdown-toggle").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "alice", PASSWORD)
    page.goto(made.conflict.get_absolute_url())
    story = page.locator("#story-ta")
    expect(story).to_contain_text("bob decided Include")
    expect(story).to_contain_text("carol decided Exclude")
    expect(story).to_contain_text("Conflict the screeners disagreed")
    page.locator("#labels").get_by_placeholder("A label").fill("Ask the authors")
    page.get_by_role("button", name="Add label").click()
    expect(page.locator("#labels .record-label")).to_have_text("Ask the authors")
    page.screenshot(path=screenshot_dir / "lead_story.png", full_page=True)
