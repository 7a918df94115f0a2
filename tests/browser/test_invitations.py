"""The lead invites a reviewer by e-mail; the reviewer makes an account from the link and screens.

The live server runs in the test process with Django's locmem mail backend, so
the message the reviewer would get is read from ``django.core.mail.outbox``.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from reviews.models import Invitation, Membership, Role
from reviews.services import invitation_create
from screening.models import Decision, Verdict
from tests.browser.conftest import log_in
from tests.browser.test_screening import press, shown
from tests.conftest import PASSWORD
from tests.reviews.factories import RecordFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "ketamine-Reviewer-2025"


@pytest.fixture
def newcomer(chromium, live_server):
    """A browser of someone with no account yet."""
    context = chromium.new_context(
        viewport={"width": 1366, "height": 850}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_lead_invites_a_reviewer_who_joins_and_screens(page, newcomer, cast, screenshot_dir):
    review = cast.review
    RecordFactory.create_batch(3, review=review)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "alice", PASSWORD)

    page.goto(f"/reviews/{review.pk}/team/")
    page.get_by_label("E-mail address").fill("dora@example.org")
    page.get_by_label("Invite as").select_option("reviewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invitation-link")).to_contain_text("Invitation sent to dora@example.org")

    [message] = mail.outbox
    assert message.to == ["dora@example.org"]
    link = re.search(r"http://\S+/invitations/\d+/[\w-]+/", message.body).group(0)
    expect(page.get_by_label("Invitation link for dora@example.org")).to_have_value(link)
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    expect(page.locator("#invitations tr[data-email='dora@example.org']")).to_contain_text(
        "Reviewer"
    )
    page.screenshot(path=screenshot_dir / "invited.png", full_page=True)

    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Join “Ketamine for chronic pain”")).to_be_visible()
    expect(newcomer.get_by_label("Username")).to_have_value("dora")
    newcomer.get_by_label("First name").fill("Dora")
    newcomer.get_by_label("Last name").fill("Diaz")
    newcomer.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(NEW_PASSWORD)
    newcomer.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    newcomer.screenshot(path=screenshot_dir / "new-account.png", full_page=True)
    newcomer.get_by_role("button", name="Make my account and join").click()

    expect(newcomer.get_by_text("you are on its team as Reviewer")).to_be_visible()
    expect(newcomer.locator("#pipeline")).to_contain_text("Records identified")
    newcomer.screenshot(path=screenshot_dir / "welcome.png", full_page=True)

    newcomer.get_by_role("link", name="Title/abstract").click()
    expect(newcomer.locator("#card")).to_be_visible()
    first = shown(newcomer)
    press(newcomer, "i")
    expect(newcomer.locator("#done-count")).to_have_text("1")
    newcomer.screenshot(path=screenshot_dir / "screening.png", full_page=True)
    decision = Decision.objects.get(reviewer__username="dora")
    assert (str(decision.record_id), decision.verdict) == (first, Verdict.INCLUDE)

    page.goto(f"/reviews/{review.pk}/team/")  # not a reload: that would post the invitation again
    expect(page.locator("#team tr[data-username='dora']")).to_contain_text("Dora Diaz")
    expect(page.locator("#invitations")).to_have_count(0)
    expect(page.get_by_text("No invitations waiting.")).to_be_visible()
    page.screenshot(path=screenshot_dir / "team-after.png", full_page=True)
    assert Membership.objects.get(review=review, user__username="dora").role == Role.REVIEWER
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED

    newcomer.goto(link)
    expect(newcomer.locator("#refusal")).to_contain_text("This invitation has been used already")
    newcomer.screenshot(path=screenshot_dir / "used-link.png")


def test_a_registered_invitee_logs_in_to_accept_and_another_user_is_refused(
    page, cast, live_server, screenshot_dir
):
    UserFactory(username="dora", email="dora@example.org", first_name="Dora")
    sent = invitation_create(
        review=cast.review,
        email="dora@example.org",
        role=Role.VIEWER,
        invited_by=cast.lead,
        site_url=live_server.url,
    )
    log_in(page, "bob", PASSWORD)
    page.goto(sent.link)
    expect(page.locator("#wrong-user")).to_contain_text(
        "This invitation is for dora@example.org, but you are logged in as bob"
    )
    expect(page.get_by_role("button", name="Join the review")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "wrong-user.png")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("This address has an account here")).to_be_visible()
    page.screenshot(path=screenshot_dir / "log-in-to-accept.png")
    page.get_by_role("link", name="Log in to accept").click()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Username").fill("dora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Join the review as dora").click()
    expect(page.get_by_text("you are on its team as Viewer")).to_be_visible()
    assert Membership.objects.get(user__username="dora").role == Role.VIEWER
    assert Membership.objects.get(review=cast.review, user=cast.reviewer1).role == Role.REVIEWER
