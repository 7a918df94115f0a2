"""The whole user story in Chromium, against ``make serve``'s set-up.

gunicorn under production settings and a real Celery worker, both on the test's
PostgreSQL database and Redis; the browser does everything a review team does,
from an empty review to the export bundle whose reproduction script passes.
The numbers the pages show are checked against the story's design below
(PRISMA) and against a pooling done here by hand (numpy).

The three exports (``tests/fixtures/story/``) are invented: 36 records of 26
papers. Embase repeats papers 1, 2, 3 and 5 of MEDLINE, and paper 7 as a
congress abstract without DOI (a possible duplicate for the lead); CENTRAL
repeats 1, 2 and 4 of MEDLINE and 13 and 14 of Embase.
"""

import re
import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.conftest import REPO, CeleryWorkers, redis_url, require_service, worker_database_url
from tests.support.servers import gunicorn, manage, production_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

EXPORTS = REPO / "tests" / "fixtures" / "story"
PASSWORD = "Lead-of-the-magnesium-review-2026"
REVIEWERS = {  # username: (e-mail, first name, last name, password)
    "ruth": ("ruth@example.org", "Ruth", "Okoye", "Ruth-screens-abstracts-2026"),
    "tomas": ("tomas@example.org", "Tomas", "Lind", "Tomas-screens-abstracts-2026"),
}
SEARCHES = [  # file, source, interface
    ("medline.nbib", "medline", "PubMed"),
    ("embase.ris", "embase", "Embase.com"),
    ("central.txt", "central", "Cochrane Library"),
]


@pytest.fixture
def team_server(transactional_db, tmp_path):
    """gunicorn and a Celery worker, as ``make serve`` starts them, on the test database."""
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "DATABASE_URL does not name a PostgreSQL database")
    redis, database = redis_url(), worker_database_url(connection)
    env = production_env(
        tmp_path,
        DATABASE_URL=database,
        REDIS_URL=redis,
        ALLOWED_HOSTS="127.0.0.1",
        # plain HTTP on the loopback, as behind a TLS-terminating proxy
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_PROXY_SSL_HEADER="0",
        LOG_LEVEL="WARNING",
    )
    workers = CeleryWorkers(redis=redis, database=database, env=env)
    env["CELERY_QUEUE"] = workers.queue  # its own queue: no other test's task reaches it
    manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
    workers.start(DJANGO_SETTINGS_MODULE="config.settings", CELERY_QUEUE=workers.queue)
    try:
        with gunicorn(env, tmp_path) as server:
            wait_until_healthy(server)
            yield server
    finally:
        workers.stop_all()


def wait_until_healthy(server, seconds: float = 90) -> None:
    """Until /healthz finds the database, the broker and the worker up (gunicorn's worker
    loads the app on its first request, the Celery worker answers pings once started)."""
    host = server.url.removeprefix("http://")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _, body = server.get("/healthz", Host=host, **{"X-Forwarded-Proto": "http"})
        if status == 200:
            return
        time.sleep(0.5)
    pytest.fail(f"the server is not healthy after {seconds} s: {status} {body[:300]!r}")


class Team:
    """One browser context per person, each at the gunicorn server; screenshots numbered."""

    def __init__(self, chromium, server, folder: Path):
        self.chromium, self.server, self.folder = chromium, server, folder
        self.contexts, self.shots = [], 0
        self.started = time.monotonic()

    def page(self):
        context = self.chromium.new_context(
            viewport={"width": 1366, "height": 850}, base_url=self.server.url, accept_downloads=True
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    def log_in(self, username: str, password: str):
        page = self.page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="My reviews")).to_be_visible()
        return page

    def shot(self, page, name: str, **options) -> None:
        self.shots += 1
        print(f"{time.monotonic() - self.started:6.1f} s  {name}")
        page.screenshot(
            path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True, **options
        )

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def team(chromium, team_server, screenshot_dir):
    team = Team(chromium, team_server, screenshot_dir)
    yield team
    team.close()


def make_lead():
    """The lead's account, as an administrator makes it (the server hashes with Argon2;
    the test settings know only MD5, so the hash is made here with PBKDF2, which both read)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return get_user_model().objects.create(
        username="lena",
        first_name="Lena",
        last_name="Berg",
        email="lena@example.org",
        password=hasher.encode(PASSWORD, hasher.salt(), iterations=1000),
    )


def test_the_whole_story(team):
    from reviews.models import Invitation, Membership, Record, Review, Role

    make_lead()
    print("a", time.monotonic() - team.started)
    lead = team.log_in("lena", PASSWORD)
    print("b", time.monotonic() - team.started)

    # The lead creates the review; blinding and two screeners per record are the defaults.
    lead.get_by_role("link", name="New review").click()
    lead.get_by_label("Title").fill("Oral magnesium for migraine prophylaxis")
    lead.get_by_label("Protocol registration").fill("CRD42026000777")
    lead.get_by_label("Population").fill("Adults with episodic migraine")
    lead.get_by_label("Intervention").fill("Oral magnesium")
    lead.get_by_role("button", name="Create review").click()
    expect(lead.get_by_role("heading", name="Team")).to_be_visible()
    print("c", time.monotonic() - team.started)
    review = Review.objects.get(title="Oral magnesium for migraine prophylaxis")
    R = f"/reviews/{review.pk}"
    assert (review.blinding, review.screeners_per_record) == (True, 2)

    # ... and invites two reviewers; each opens the link logged out and makes an account.
    reviewers = {}
    for username, (email, first, last, password) in REVIEWERS.items():
        lead.get_by_label("E-mail address").fill(email)
        lead.get_by_label("Invite as").select_option("reviewer")
        lead.get_by_role("button", name="Send invitation").click()
        expect(lead.locator("#invitation-link")).to_contain_text(f"Invitation sent to {email}")
        link = lead.get_by_label(f"Invitation link for {email}").input_value()
        assert re.fullmatch(rf"{team.server.url}/invitations/\d+/[\w-]+/", link), link
        team.shot(lead, f"invited-{username}")

        page = team.page()
        page.goto(link)
        expect(
            page.get_by_role("heading", name="Join “Oral magnesium for migraine prophylaxis”")
        ).to_be_visible()
        page.get_by_label("Username").fill(username)
        page.get_by_label("First name").fill(first)
        page.get_by_label("Last name").fill(last)
        page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(password)
        page.get_by_label("Password confirmation").fill(password)
        team.shot(page, f"new-account-{username}")
        page.get_by_role("button", name="Make my account and join").click()
        expect(page.get_by_text("you are on its team as Reviewer")).to_be_visible()
        reviewers[username] = page
    lead.goto(f"{R}/team/")
    expect(lead.locator("#team tbody tr")).to_have_count(3)
    expect(lead.locator("#team tr[data-username='ruth']")).to_contain_text("Ruth Okoye")
    expect(lead.get_by_text("No invitations waiting.")).to_be_visible()
    team.shot(lead, "team")
    roles = dict(Membership.objects.filter(review=review).values_list("user__username", "role"))
    assert roles == {"lena": Role.LEAD, "ruth": Role.REVIEWER, "tomas": Role.REVIEWER}
    assert set(Invitation.objects.values_list("status", flat=True)) == {"accepted"}

    # The lead imports the three searches; the worker imports and deduplicates each.
    for file_name, source, interface in SEARCHES:
        lead.goto(f"{R}/imports/")
        lead.get_by_label("Export files").set_input_files(str(EXPORTS / file_name))
        lead.locator("#id_source").select_option(source)
        lead.locator("#id_interface").fill(interface)
        lead.locator("#id_search_date").fill("2026-11-02")
        lead.get_by_role("button", name="Upload and preview").click()
        expect(lead.locator("#preview-count")).to_contain_text("12 records will be imported.")
        lead.get_by_role("button", name="Import 12 records").click()
        expect(lead.locator("#status")).to_have_text("Imported", timeout=60_000)
        expect(lead.locator("#record-count")).to_contain_text("12")
        team.shot(lead, f"imported-{source}")
    lead.goto(f"{R}/imports/")
    identified = lead.locator("#identified")
    for label in ("MEDLINE", "Embase", "Cochrane CENTRAL"):
        expect(identified.get_by_role("row", name=label)).to_contain_text("12")
    # 36 records of 26 papers: 9 copies merged automatically, paper 7's abstract waits
    expect(identified.get_by_role("row", name="Duplicate records removed")).to_contain_text("9")
    team.shot(lead, "imports")

    # The lead merges the possible duplicate, side by side.
    lead.goto(f"{R}/duplicates/")
    expect(lead.get_by_text("1 pair to check. 9 duplicate records removed")).to_be_visible()
    pair = lead.locator(".duplicate-pair")
    expect(pair).to_contain_text("Magnesium and riboflavin together for migraine prophylaxis")
    team.shot(lead, "duplicates")
    pair.get_by_role("button", name="Same report: merge").click()
    expect(lead.get_by_text("0 pairs to check. 10 duplicate records removed")).to_be_visible()
    lead.goto(f"{R}/")
    expect(lead.locator("[data-stage=identified] .count")).to_have_text("36")
    team.shot(lead, "dashboard-imported")
    assert Record.objects.filter(review=review, duplicate_of__isnull=True).count() == 26
