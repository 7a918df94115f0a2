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

import csv
import math
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from django.db import connection
from playwright.sync_api import expect

from extraction.models import ExtractionEntry
from reviews.models import Invitation, Membership, Record, Review, Role
from screening.models import DEFAULT_REASONS, Decision, Ranking, Stage
from synthesis.models import Analysis
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
SEARCHES = [  # file, source, its label in PRISMA, interface
    ("medline.nbib", "medline", "MEDLINE", "PubMed"),
    ("embase.ris", "embase", "Embase", "Embase.com"),
    ("central.txt", "central", "Cochrane CENTRAL", "Cochrane Library"),
]


def exported() -> tuple[dict[str, int], int]:
    """Records in each export and the papers they are copies of, read with plain patterns
    rather than the app's parsers: every copy carries its paper's DOI, but for the congress
    abstract of paper 7 (the one duplicate the lead settles)."""
    starts = {"medline.nbib": r"^PMID- ", "embase.ris": r"^TY  - ", "central.txt": r"^Record #"}
    texts = {name: (EXPORTS / name).read_text(encoding="utf-8") for name in starts}
    counts = {name: len(re.findall(starts[name], text, re.M)) for name, text in texts.items()}
    papers = set(re.findall(r"10\.5555/story\.\d{4}\.(\d{4})", "".join(texts.values())))
    return counts, len(papers)


IDENTIFIED, PAPERS = exported()
RECORDS = sum(IDENTIFIED.values())
AUTOMATIC = RECORDS - PAPERS - 1  # merged without asking: all but paper 7's congress abstract
# The story's design, from which the pages' numbers are worked out. Papers are numbered as
# in the exports' DOIs (10.5555/story.<year>.<n>).
TA_INCLUDE = {1, 2, 3, 4, 5, 7, 13}  # both reviewers include; the other papers both exclude
TA_CONFLICTS = {6: ("i", "e", "exclude"), 20: ("e", "i", "include")}  # ruth, tomas, the lead
TA_PASSED = TA_INCLUDE | {p for p, (_, _, lead) in TA_CONFLICTS.items() if lead == "include"}
NOT_RETRIEVED = 13
FT_EXCLUDE = {5: "Wrong population", 7: "Wrong study design"}  # both reviewers agree
STUDIES = {  # paper: the study's name, then its data as typed into the outcome grids:
    # n, mean and SD of magnesium then placebo; events and total of each
    1: ("Halvorsen 2011", (40, 3.1, 1.8, 41, 4.0, 2.0), (8, 40, 3, 41)),
    2: ("Okonkwo 2013", (55, 2.8, 1.6, 53, 3.5, 1.7), (10, 55, 4, 53)),
    3: ("Brandt 2015", (30, 4.4, 2.2, 30, 4.1, 2.1), (5, 30, 2, 30)),
    4: ("Varga 2016", (72, 2.1, 1.5, 70, 3.4, 1.6), (12, 72, 6, 70)),
    20: ("Castillo 2014", (48, 3.3, 1.9, 50, 3.6, 2.0), (7, 48, 5, 50)),
}
CONTINUOUS = ("n_exp", "mean_exp", "sd_exp", "n_ctrl", "mean_ctrl", "sd_ctrl")
DICHOTOMOUS = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")
OUTCOMES = [  # name, data type, measure, unit
    ("Migraine days", "continuous", "MD", "days per month"),
    ("Diarrhoea", "dichotomous", "RR", "participants"),
]
ROB_ORDER = ["low", "some_concerns", "high"]
ROB = {  # study: RoB 2 judgements of domains 1 to 5 (the overall is the worst)
    "Halvorsen 2011": ("low", "low", "low", "low", "low"),
    "Okonkwo 2013": ("low", "some_concerns", "low", "low", "low"),
    "Brandt 2015": ("low", "low", "low", "some_concerns", "low"),
    "Varga 2016": ("low", "low", "low", "low", "low"),
    "Castillo 2014": ("some_concerns", "low", "low", "low", "low"),
}
TITLES = {
    6: "Intravenous magnesium sulfate for acute migraine attacks",
    13: "Magnesium pidolate for migraine prophylaxis in women",
    20: "Oral magnesium for migraine prevention in primary care",
}


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
        LOG_LEVEL_APP="WARNING",
    )
    workers = CeleryWorkers(redis=redis, database=database, env=env)
    env["CELERY_QUEUE"] = workers.queue  # its own queue: no other test's task reaches it
    workers.start(DJANGO_SETTINGS_MODULE="config.settings", CELERY_QUEUE=workers.queue)
    try:
        manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
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
        """Save a screenshot of the whole page; the log says when (pytest -s shows it)."""
        self.shots += 1
        print(f"{time.monotonic() - self.started:6.1f} s  {name}")
        page.screenshot(
            path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True, **options
        )

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@dataclass
class Story:
    """Who is where, as the story goes on: the lead's and the reviewers' pages."""

    team: Team
    lead: object
    tmp: Path
    review: Review | None = None
    reviewers: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"/reviews/{self.review.pk}"


@pytest.fixture
def team(chromium, team_server, screenshot_dir):
    team = Team(chromium, team_server, screenshot_dir)
    yield team
    team.close()


def shown(page) -> str:
    return page.locator("#card").get_attribute("data-record")


def press(page, key: str) -> None:
    """Press a key that swaps the card and wait for the new card."""
    page.evaluate("() => { document.getElementById('card').dataset.stale = 'yes'; }")
    page.keyboard.press(key)
    page.wait_for_function("() => !document.getElementById('card').dataset.stale")


def paper_on(page) -> int:
    """The number of the paper on the card, read from its DOI."""
    meta = page.locator("#card .record-meta").inner_text()
    return int(re.search(r"doi:10\.5555/story\.\d{4}\.(\d{4})", meta).group(1))


def expected_prisma() -> dict[str, int]:
    """The dashboard's PRISMA rows, worked out from the story's design."""
    passed = TA_PASSED
    assessed = passed - {NOT_RETRIEVED}
    reasons = {}
    for reason in FT_EXCLUDE.values():
        reasons[f"Excluded: {reason}"] = reasons.get(f"Excluded: {reason}", 0) + 1
    return {
        "Records screened": PAPERS,
        "Records excluded": PAPERS - len(passed),
        "Reports sought for retrieval": len(passed),
        "Reports not retrieved": 1,
        "Reports assessed for eligibility": len(assessed),
        **reasons,
        "Studies included": len(assessed) - len(FT_EXCLUDE),
        "Reports of included studies": len(assessed) - len(FT_EXCLUDE),
    }


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def by_hand(data_type: str, rows: list[tuple]) -> tuple[float, float, float]:
    """Inverse-variance random-effects pooling with τ² by REML, Wald 95% CI (Cochrane's
    current defaults): MD, or RR back from the log scale.

    τ² is the fixed point of Viechtbauer's (2005) REML equation,
    τ² = Σw²((y - μ)² - v) / Σw² + 1/Σw, with w = 1/(v + τ²), floored at 0.
    """
    a = np.array(rows, dtype=float)
    if data_type == "continuous":  # n, mean, SD per arm
        y = a[:, 1] - a[:, 4]
        v = a[:, 2] ** 2 / a[:, 0] + a[:, 5] ** 2 / a[:, 3]
    else:  # events, total per arm
        y = np.log(a[:, 0] / a[:, 1]) - np.log(a[:, 2] / a[:, 3])
        v = 1 / a[:, 0] - 1 / a[:, 1] + 1 / a[:, 2] - 1 / a[:, 3]
    tau2 = 0.0
    for _ in range(10_000):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        new = max(0.0, np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2) + 1 / np.sum(w))
        if abs(new - tau2) < 1e-14:
            break
        tau2 = new
    w = 1 / (v + tau2)
    mu, se = np.sum(w * y) / np.sum(w), math.sqrt(1 / np.sum(w))
    z = 1.959963984540054  # the normal's 97.5th centile
    estimates = (mu, mu - z * se, mu + z * se)
    return estimates if data_type == "continuous" else tuple(math.exp(e) for e in estimates)


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


def create_the_review_and_invite_the_team(story: Story) -> None:
    """The lead creates the review; blinding and two screeners per record are the defaults."""
    team, lead = story.team, story.lead
    lead.get_by_role("link", name="New review").click()
    lead.get_by_label("Title").fill("Oral magnesium for migraine prophylaxis")
    lead.get_by_label("Protocol registration").fill("CRD42026000777")
    lead.get_by_label("Population").fill("Adults with episodic migraine")
    lead.get_by_label("Intervention").fill("Oral magnesium")
    lead.get_by_role("button", name="Create review").click()
    expect(lead.get_by_role("heading", name="Team")).to_be_visible()
    review = story.review = Review.objects.get(title="Oral magnesium for migraine prophylaxis")
    assert (review.blinding, review.screeners_per_record) == (True, 2)

    # ... and invites two reviewers; each opens the link logged out and makes an account.
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
        story.reviewers[username] = page
    lead.goto(f"{story.url}/team/")
    expect(lead.locator("#team tbody tr")).to_have_count(3)
    expect(lead.locator("#team tr[data-username='ruth']")).to_contain_text("Ruth Okoye")
    expect(lead.get_by_text("No invitations waiting.")).to_be_visible()
    team.shot(lead, "team")
    roles = dict(Membership.objects.filter(review=review).values_list("user__username", "role"))
    assert roles == {"lena": Role.LEAD, "ruth": Role.REVIEWER, "tomas": Role.REVIEWER}
    assert set(Invitation.objects.values_list("status", flat=True)) == {"accepted"}


def import_the_searches(story: Story) -> None:
    """The lead imports the three searches; the worker imports and deduplicates each."""
    team, lead, R = story.team, story.lead, story.url
    for file_name, source, _, interface in SEARCHES:
        n = IDENTIFIED[file_name]
        lead.goto(f"{R}/imports/")
        lead.get_by_label("Export files").set_input_files(str(EXPORTS / file_name))
        lead.locator("#id_source").select_option(source)
        lead.locator("#id_interface").fill(interface)
        lead.locator("#id_search_date").fill("2026-11-02")
        lead.get_by_role("button", name="Upload and preview").click()
        expect(lead.locator("#preview-count")).to_contain_text(f"{n} records will be imported.")
        lead.get_by_role("button", name=f"Import {n} records").click()
        expect(lead.locator("#status")).to_have_text("Imported", timeout=60_000)
        expect(lead.locator("#record-count")).to_contain_text(str(n))
        team.shot(lead, f"imported-{source}")
    lead.goto(f"{R}/imports/")
    identified = lead.locator("#identified")
    for file_name, _, label, _ in SEARCHES:
        expect(
            identified.get_by_role("row", name=f"{label} {IDENTIFIED[file_name]}")
        ).to_be_visible()
    # every copy but one merged automatically; paper 7's congress abstract waits for the lead
    expect(
        identified.get_by_role("row", name=f"Duplicate records removed {AUTOMATIC}")
    ).to_be_visible()
    team.shot(lead, "imports")


def merge_the_possible_duplicate(story: Story) -> None:
    """The lead merges the possible duplicate, side by side."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/duplicates/")
    expect(
        lead.get_by_text(f"1 pair to check. {AUTOMATIC} duplicate records removed")
    ).to_be_visible()
    pair = lead.locator(".duplicate-pair")
    expect(pair).to_contain_text("Magnesium and riboflavin together for migraine prophylaxis")
    team.shot(lead, "duplicates")
    pair.get_by_role("button", name="Same report: merge").click()
    expect(
        lead.get_by_text(f"0 pairs to check. {RECORDS - PAPERS} duplicate records removed")
    ).to_be_visible()
    lead.goto(f"{R}/")
    expect(lead.locator("[data-stage=identified] .count")).to_have_text(str(RECORDS))
    team.shot(lead, "dashboard-imported")
    assert Record.objects.filter(review=story.review, duplicate_of__isnull=True).count() == PAPERS


def screen_titles_and_abstracts(story: Story) -> None:
    """The lead turns prioritisation on: each reviewer's ranking is retrained by the worker."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/prioritisation/")
    lead.get_by_label("Prioritised screening", exact=True).check()
    lead.get_by_label("Retrain after").fill("3")
    lead.get_by_label("Relevance badge").check()
    lead.get_by_role("button", name="Save").click()
    expect(lead.get_by_label("Prioritised screening", exact=True)).to_be_checked()
    team.shot(lead, "prioritisation-on")

    # Both reviewers screen titles and abstracts from the keyboard, blinded.
    votes = {"ruth": 0, "tomas": 1}
    for username, page in story.reviewers.items():
        page.goto(f"{R}/screen/title-abstract/")
        expect(page.locator("#left-count")).to_have_text(str(PAPERS))
        expect(page.locator("#id_order")).to_have_value("prioritised")
        seen, badges = [], 0
        while shown(page):
            paper = paper_on(page)
            seen.append(paper)
            badges += page.locator("#relevance-badge").count()
            if username == "tomas":  # ruth's decisions stay hidden from him: blinded
                expect(page.locator("#other-decisions")).to_have_count(0)
            if len(seen) == 13:
                team.shot(page, f"title-abstract-{username}")
            if paper in TA_CONFLICTS:
                press(page, TA_CONFLICTS[paper][votes[username]])
            else:
                press(page, "i" if paper in TA_INCLUDE else "e")
        expect(page.locator("#all-done")).to_be_visible()
        expect(page.locator("#done-count")).to_have_text(str(PAPERS))
        assert sorted(seen) == list(range(1, PAPERS + 1)), seen
        assert badges > 0, "no card showed the reviewer's ranking"
    assert Decision.objects.filter(stage=Stage.TITLE_ABSTRACT).count() == 2 * PAPERS
    lead.goto(f"{R}/prioritisation/")
    rankings = lead.locator("#rankings")
    expect(rankings).to_contain_text("ruth")
    expect(rankings).to_contain_text("tomas")
    team.shot(lead, "rankings")
    trained = Ranking.objects.filter(review=story.review, status=Ranking.Status.DONE)
    assert set(trained.values_list("reviewer__username", flat=True)) == {"ruth", "tomas"}


def resolve_the_conflicts(story: Story) -> None:
    """The lead resolves the two conflicts, seeing both votes side by side."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/conflicts/")
    expect(lead.locator(".conflict")).to_have_count(len(TA_CONFLICTS))
    team.shot(lead, "conflicts")
    for paper, (_, _, verdict) in TA_CONFLICTS.items():
        card = lead.locator(".conflict", has_text=TITLES[paper])
        expect(card.locator(".decision")).to_have_count(2)
        card.get_by_label("Final verdict").select_option(verdict)
        card.get_by_role("button", name="Resolve").click()
        expect(lead.get_by_text(f"Resolved: {verdict}.")).to_be_visible()
    expect(lead.locator(".conflict")).to_have_count(0)

    lead.goto(f"{R}/")
    prisma = lead.locator("#prisma-screening")
    for row in ("Records screened", "Records excluded"):
        value = expected_prisma()[row]
        expect(prisma.get_by_role("row", name=f"{row} {value}", exact=True)).to_be_visible()
    # the reviewers' agreement at title/abstract, and Cohen's kappa, by hand
    n = PAPERS
    included = len(TA_INCLUDE) + 1  # each reviewer included one of the two conflicts
    observed = (n - len(TA_CONFLICTS)) / n
    chance = (included / n) ** 2 + ((n - included) / n) ** 2
    kappa = (observed - chance) / (1 - chance)
    cells = lead.locator("#agreement tr", has_text="Title and abstract").locator("td")
    expect(cells.nth(2)).to_have_text(str(n))
    expect(cells.nth(3)).to_have_text(f"{100 * observed:.1f}%")
    expect(cells.nth(4)).to_contain_text(f"{kappa:.2f} (")
    team.shot(lead, "dashboard-title-abstract")


def screen_the_full_texts(story: Story) -> None:
    """Full texts: the lead marks one not retrieved; the reviewers screen the rest with reasons."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/screen/full-text/")
    while paper_on(lead) != NOT_RETRIEVED:
        press(lead, "s")
    lead.get_by_label("Not retrieved because").fill("Neither the authors nor the library have it")
    lead.locator(".full-text").get_by_role("button", name="Save").click()
    expect(lead.locator("#not-retrieved")).to_be_visible()
    team.shot(lead, "not-retrieved")
    reasons = {label: n for n, label in enumerate(DEFAULT_REASONS, start=1)}
    for username, page in story.reviewers.items():
        page.goto(f"{R}/screen/full-text/")
        expect(page.locator("#left-count")).to_have_text(str(len(TA_PASSED) - 1))
        while shown(page):
            paper = paper_on(page)
            if paper in FT_EXCLUDE:
                page.keyboard.press(str(reasons[FT_EXCLUDE[paper]]))
                press(page, "e")
            else:
                press(page, "i")
        expect(page.locator("#all-done")).to_be_visible()
        team.shot(page, f"full-text-{username}")

    lead.goto(f"{R}/")
    prisma = lead.locator("#prisma-screening")
    for row, value in expected_prisma().items():
        expect(prisma.get_by_role("row", name=f"{row} {value}", exact=True)).to_be_visible()
    team.shot(lead, "dashboard-full-text")


def extract_the_studies(story: Story) -> None:
    """The lead makes the studies; a reviewer extracts them."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/studies/")
    lead.get_by_role("button", name=f"Make studies of {len(STUDIES)} included reports").click()
    expect(lead.get_by_text(f"{len(STUDIES)} new studies from included reports.")).to_be_visible()
    expect(lead.locator("#studies tbody tr")).to_have_count(len(STUDIES))
    ruth = story.reviewers["ruth"]
    ruth.goto(f"{R}/extraction/")
    links = {
        name: ruth.locator("#extraction-status tr", has_text=name)
        .get_by_role("link", name="Extract")
        .get_attribute("href")
        for name, *_ in STUDIES.values()
    }
    for name, (n_exp, _, _, n_ctrl, _, _), _ in STUDIES.values():
        ruth.goto(links[name])  # each answer saves itself as ruth leaves its field
        ruth.locator("#id_study_design").select_option("Parallel-group randomised trial")
        ruth.locator("#id_country").fill("Norway")
        ruth.locator("#id_number_randomised").fill(str(n_exp + n_ctrl))
        ruth.locator("#id_number_randomised").press("Tab")
        for key in ("study_design", "country", "number_randomised"):
            expect(ruth.locator(f"#save-{key}")).to_contain_text("Saved")
    ruth.goto(f"{R}/extraction/")
    expect(ruth.locator("#extraction-status .badge", has_text="Extracted")).to_have_count(
        len(STUDIES)
    )
    team.shot(ruth, "extraction")
    entries = ExtractionEntry.objects.filter(study__review=story.review)
    assert sorted(e.values["number_randomised"] for e in entries) == sorted(
        data[0][0] + data[0][3] for _, *data in STUDIES.values()
    )


def enter_the_outcome_data(story: Story) -> None:
    """The lead defines the comparison and its two outcomes; a reviewer types in the data."""
    team, lead, R = story.team, story.lead, story.url
    ruth = story.reviewers["ruth"]
    lead.goto(f"{R}/outcomes/")
    lead.get_by_label("Name").fill("Oral magnesium vs placebo")
    lead.get_by_label("Experimental").fill("Magnesium")
    lead.get_by_label("Control").fill("Placebo")
    lead.get_by_role("button", name="Add comparison").click()
    for name, data_type, measure, unit in OUTCOMES:
        lead.get_by_role("link", name=re.compile(r"^\W*Outcome$")).click()
        lead.get_by_label("Name").fill(name)
        lead.get_by_label("Data type").select_option(data_type)
        lead.get_by_label("Default effect measure").select_option(measure)
        lead.get_by_label("Unit").fill(unit)
        lead.get_by_label("Time point").fill("12 weeks")
        lead.get_by_role("button", name="Add outcome").click()
        lead.goto(f"{R}/outcomes/")
    expect(lead.locator("tbody tr", has_text="Migraine days")).to_contain_text("Continuous")
    team.shot(lead, "outcomes")
    for index, (name, data_type, _, _) in enumerate(OUTCOMES):
        names = CONTINUOUS if data_type == "continuous" else DICHOTOMOUS
        ruth.goto(f"{R}/outcomes/")
        ruth.get_by_role("link", name=name).click()
        for study, *data in STUDIES.values():
            for name_, value in zip(names, data[index], strict=True):
                ruth.get_by_label(f"{study} {name_}", exact=True).fill(str(value))
        ruth.get_by_role("button", name="Save all").click()
        expect(
            ruth.get_by_role("alert").filter(has_text=f"Saved the data of {len(STUDIES)} studies.")
        ).to_be_visible()
        team.shot(ruth, f"outcome-data-{data_type}")
    ruth.goto(f"{R}/outcomes/")
    for name, *_ in OUTCOMES:
        expect(ruth.locator("tbody tr", has_text=name).locator("td").last).to_have_text(
            str(len(STUDIES))
        )


def judge_the_risk_of_bias(story: Story) -> None:
    """The other reviewer judges the risk of bias of each study's migraine-days result (RoB 2)."""
    team, R = story.team, story.url
    tomas = story.reviewers["tomas"]
    tomas.goto(f"{R}/rob/")
    tomas.locator("#outcome-choice").select_option(
        label="Oral magnesium vs placebo · Migraine days (12 weeks)"
    )
    expect(tomas.locator("#rob-table tbody tr")).to_have_count(len(STUDIES))
    overview = tomas.url
    links = {
        name: tomas.locator(f"tr[data-study='{name}']").get_by_role("link", name="Assess")
        for name in ROB
    }
    links = {name: link.get_attribute("href") for name, link in links.items()}
    for name, judgements in ROB.items():
        tomas.goto(links[name])
        for domain, judgement in zip(("D1", "D2", "D3", "D4", "D5"), judgements, strict=True):
            tomas.locator(f"#id_judgement_{domain}").select_option(judgement)
        tomas.locator("#id_overall").select_option(max(judgements, key=ROB_ORDER.index))
        tomas.get_by_role("button", name="Save assessment").click()
        expect(tomas.get_by_role("alert").filter(has_text="Assessment saved.")).to_be_visible()
    tomas.goto(overview)
    labels = {"low": "Low", "some_concerns": "Some concerns", "high": "High"}
    for name, judgements in ROB.items():
        badges = tomas.locator(f"tr[data-study='{name}'] td.domain .rob-badge")
        for cell, judgement in enumerate([*judgements, max(judgements, key=ROB_ORDER.index)]):
            expect(badges.nth(cell)).to_have_attribute("title", labels[judgement])
    tomas.wait_for_function("() => document.querySelector('img#traffic-light').naturalWidth > 0")
    team.shot(tomas, "risk-of-bias")


def run_the_analyses(story: Story) -> None:
    """The lead creates the two analyses (Cochrane's current defaults) and runs them in the
    background: the worker pools them and draws the forest plots."""
    team, lead, R = story.team, story.lead, story.url
    for index, (name, data_type, _, _) in enumerate(OUTCOMES):
        lead.goto(f"{R}/analyses/")
        lead.get_by_label("Outcome").select_option(label=f"Oral magnesium vs placebo · {name}")
        lead.get_by_role("button", name="Create").click()
        lead.get_by_role("button", name="Save and run").click()
        expect(lead.locator("#status [data-status=done]")).to_be_visible(timeout=60_000)
        lead.wait_for_function("() => document.querySelector('#forest img').naturalWidth > 0")
        team.shot(lead, f"analysis-{name.split()[0].lower()}")
        # the pooled estimate against REML pooling done here by hand
        effect, lower, upper = by_hand(data_type, [data[index] for _, *data in STUDIES.values()])
        expect(lead.locator("#pooled-effect")).to_have_text(
            f"{effect:.2f} [{lower:.2f}, {upper:.2f}]"
        )
        expect(lead.locator("#study-table tbody tr")).to_have_count(len(STUDIES))
        stored = Analysis.objects.get(name=name).results["pooled"]
        assert stored["effect"] == pytest.approx(effect, rel=1e-6)
        assert (stored["effect_ci_lower"], stored["effect_ci_upper"]) == pytest.approx(
            (lower, upper), rel=1e-6
        )


def see_the_prisma_diagram(story: Story) -> None:
    """The PRISMA 2020 diagram, drawn from the live counts by the worker."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/prisma/")
    expect(lead.locator("#awaiting")).to_have_count(0)
    expect(lead.locator("img#prisma")).to_be_visible(timeout=30_000)
    lead.wait_for_function("() => document.querySelector('img#prisma').naturalWidth > 0")
    team.shot(lead, "prisma")


def export_and_reproduce(story: Story) -> None:
    """The lead builds the export bundle (the worker writes it) and downloads it."""
    team, lead, R = story.team, story.lead, story.url
    lead.goto(f"{R}/export/")
    expect(lead.locator("#bundle-scope")).to_contain_text("Your bundle holds the whole review.")
    lead.get_by_role("button", name="Build the bundle").click()
    download_link = lead.locator("#exports").get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=60_000)
    team.shot(lead, "export")
    with lead.expect_download() as download:
        download_link.click()
    bundle = story.tmp / "bundle"
    with zipfile.ZipFile(download.value.path()) as archive:
        archive.extractall(bundle)
    flow = expected_prisma()
    counts = {row["data"]: row["n"] for row in read_csv(bundle / "prisma" / "PRISMA2020.csv")}
    assert counts["database_specific_results"] == "; ".join(
        f"{label}, {IDENTIFIED[file_name]}" for file_name, _, label, _ in SEARCHES
    )
    assert counts["duplicates"] == str(RECORDS - PAPERS)
    assert counts["records_screened"] == str(flow["Records screened"])
    assert counts["records_excluded"] == str(flow["Records excluded"])
    assert counts["dbr_notretrieved_reports"] == str(flow["Reports not retrieved"])
    assert counts["dbr_excluded"] == "Wrong population, 1; Wrong study design, 1"
    assert counts["new_studies"] == str(flow["Studies included"])

    # Its reproduction script recomputes both analyses from the bundle alone.
    answer = subprocess.run(
        [sys.executable, "reproduce/reproduce.py"],
        cwd=bundle,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr
    lines = answer.stdout.splitlines()
    assert sum(line.startswith("PASS") for line in lines) == len(OUTCOMES), answer.stdout
    assert lines[-1].startswith("0 failed"), answer.stdout


def test_the_whole_story(team, tmp_path):
    make_lead()
    story = Story(team=team, lead=team.log_in("lena", PASSWORD), tmp=tmp_path)
    create_the_review_and_invite_the_team(story)
    import_the_searches(story)
    merge_the_possible_duplicate(story)
    screen_titles_and_abstracts(story)
    resolve_the_conflicts(story)
    screen_the_full_texts(story)
    extract_the_studies(story)
    enter_the_outcome_data(story)
    judge_the_risk_of_bias(story)
    run_the_analyses(story)
    see_the_prisma_diagram(story)
    export_and_reproduce(story)
