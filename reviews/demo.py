"""The demo review that `python manage.py demo` loads: illustrative data written by us.

Later issues add the demo's records, decisions, studies and analyses here.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import Review, Role

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
    return review, True
