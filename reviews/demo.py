"""The demo review that `python manage.py demo` loads: illustrative data written by us.

Later issues add the demo's records, decisions, studies and analyses here.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction

from . import services
from .models import Review, Role, Source

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"

DEMO_TITLE = "IV ketamine infusion for chronic pain (illustrative demo)"
DEMO_PASSWORD = "prismatic-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str


DEMO_USERS = (
    DemoUser("demo-lead", "Lena", "Lead", Role.LEAD),
    DemoUser("demo-reviewer1", "Ravi", "Reviewer", Role.REVIEWER),
    DemoUser("demo-reviewer2", "Rosa", "Reviewer", Role.REVIEWER),
)

QUESTION = {
    "protocol_id": "DEMO-0001",
    "population": "Adults with chronic (≥ 3 months) non-cancer pain. Illustrative demo data.",
    "intervention": "Intravenous ketamine infusion, any dose or schedule.",
    "comparator": "Placebo, usual care or another active treatment.",
    "outcomes": "Pain intensity; sleep quality; nausea, hallucinations, sedation.",
    "study_designs": "Randomised controlled trials.",
}


def demo_users() -> dict[str, object]:
    users = {}
    for demo in DEMO_USERS:
        user, created = get_user_model().objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[demo.username] = user
    return users


@transaction.atomic
def demo_load() -> tuple[Review, bool]:
    """Create the demo users and review once; return (review, created)."""
    users = demo_users()
    existing = Review.objects.filter(title=DEMO_TITLE).first()
    if existing:
        return existing, False
    lead = users[DEMO_USERS[0].username]
    review = services.review_create(user=lead, title=DEMO_TITLE, **QUESTION)
    for demo in DEMO_USERS[1:]:
        services.membership_add(review=review, identifier=demo.username, role=demo.role)
    demo_imports(review, lead)
    demo_later_stages(review, users["demo-reviewer1"], users["demo-reviewer2"], lead)
    return review, True


def demo_later_stages(review: Review, reviewer1, reviewer2, lead) -> None:
    """Screening, extraction, outcome data, risk of bias and analyses, each from its own app."""
    from extraction.demo.entries import demo_extraction
    from extraction.demo.outcomes import demo_outcomes
    from extraction.demo.rob import demo_rob
    from screening.demo import demo_screening
    from synthesis.demo import demo_analyses

    demo_screening(review, reviewer1, reviewer2, lead)
    demo_extraction(review, reviewer1, reviewer2, lead)
    demo_outcomes(review, lead)
    demo_rob(review, reviewer1, reviewer2, lead)
    demo_analyses(review)


# (file, source, interface, search strategy): illustrative searches of the three databases.
DEMO_IMPORTS = (
    (
        "demo_medline.nbib",
        Source.MEDLINE,
        "PubMed",
        "ketamine[tiab] AND (chronic pain[mh] OR chronic pain[tiab]) AND randomized controlled trial[pt]",
    ),
    (
        "demo_embase.ris",
        Source.EMBASE,
        "Embase.com",
        "'ketamine'/exp AND 'chronic pain'/exp AND 'randomized controlled trial'/de",
    ),
    (
        "demo_central.txt",
        Source.CENTRAL,
        "Cochrane Library",
        "#1 MeSH descriptor: [Ketamine] #2 MeSH descriptor: [Chronic Pain] #3 #1 AND #2",
    ),
)


def demo_imports(review: Review, lead) -> None:
    """Import the three illustrative exports, which share some records, through the real pipeline."""
    for name, source, interface, strategy in DEMO_IMPORTS:
        with open(DEMO_DATA / name, "rb") as handle:
            batch = services.import_batch_create(
                review=review,
                user=lead,
                upload=File(handle, name=name),
                source=source,
                interface=interface,
                search_date=date(2026, 10, 1),
                strategy=strategy,
            )
        services.import_batch_run(batch_id=batch.pk)
