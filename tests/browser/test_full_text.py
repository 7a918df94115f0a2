"""The full-text card: a long abstract keeps the decisions in view; "not retrieved" is the lead's."""

import pytest
from playwright.sync_api import expect

from screening import services
from screening.models import FullText, Stage, Verdict
from tests.browser.test_screening import ABSTRACT, screen
from tests.browser.test_screening import open_page as open_page  # the fixture
from tests.reviews.factories import RecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at_full_text(cast, **fields):
    record = RecordFactory(review=cast.review, **fields)
    for reviewer in (cast.reviewer1, cast.reviewer2):
        services.decision_record(
            record=record, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT, verdict=Verdict.INCLUDE
        )
    return record


def test_a_long_abstract_keeps_the_decision_buttons_in_view(open_page, cast, screenshot_dir):
    at_full_text(cast, title="A trial with a long abstract", abstract=" ".join([ABSTRACT] * 6))
    bob = open_page("bob")
    screen(bob, cast.review, "full-text")
    abstract = bob.locator(".record-abstract")
    assert abstract.bounding_box()["width"] > 500  # not squeezed into a narrow column
    bob.mouse.wheel(0, 2000)
    bob.wait_for_timeout(200)
    include = bob.get_by_role("button", name="Include")
    box = include.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 850
    bob.screenshot(path=screenshot_dir / "scrolled.png")


def test_only_the_lead_marks_a_full_text_not_retrieved(open_page, cast, screenshot_dir):
    record = at_full_text(cast, title="A trial nobody can find")
    bob = open_page("bob")
    screen(bob, cast.review, "full-text")
    expect(bob.get_by_text("The lead marks a full text as not retrieved")).to_be_visible()
    expect(bob.get_by_label("Not retrieved because")).to_have_count(0)
    alice = open_page("alice")
    screen(alice, cast.review, "full-text")
    alice.get_by_label("Not retrieved because").fill("Author did not reply")
    alice.get_by_role("button", name="Save").click()
    expect(alice.locator("#not-retrieved")).to_be_visible()
    alice.goto(f"/reviews/{cast.review.pk}/screen/full-text/?record={record.pk}")
    expect(alice.locator("#no-decision")).to_be_visible()
    expect(alice.get_by_role("button", name="Include")).to_have_count(0)
    alice.screenshot(path=screenshot_dir / "not-retrieved.png")
    assert FullText.objects.get(record=record).not_retrieved
