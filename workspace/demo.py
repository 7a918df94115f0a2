"""The demo review that ``python manage.py demo`` loads: illustrative data written by us.

Each app adds its own part: reviews the team and the imports, screening the
decisions and conflicts, extraction the studies, forms, outcome data and
risk of bias, synthesis the analyses.
"""

from django.db import transaction

from extraction.demo.entries import demo_extraction
from extraction.demo.outcomes import demo_outcomes
from extraction.demo.rob import demo_rob
from reviews import services as review_services
from reviews.demo import DEMO_USERS, demo_imports, demo_users
from reviews.models import Review
from screening.demo import demo_screening
from synthesis.demo import demo_analyses

from .services import review_create

DEMO_TITLE = "IV ketamine infusion for chronic pain (illustrative demo)"

QUESTION = {
    "protocol_id": "DEMO-0001",
    "population": "Adults with chronic (≥ 3 months) non-cancer pain. Illustrative demo data.",
    "intervention": "Intravenous ketamine infusion, any dose or schedule.",
    "comparator": "Placebo, usual care or another active treatment.",
    "outcomes": "Pain intensity; sleep quality; nausea, hallucinations, sedation.",
    "study_designs": "Randomised controlled trials.",
}


@transaction.atomic
def demo_load() -> tuple[Review, bool]:
    """Create the demo users and review once; return (review, created)."""
    users = demo_users()
    existing = Review.objects.filter(title=DEMO_TITLE).first()
    if existing:
        return existing, False
    lead = users[DEMO_USERS[0].username]
    review = review_create(user=lead, title=DEMO_TITLE, **QUESTION)
    for demo in DEMO_USERS[1:]:
        review_services.membership_add(review=review, identifier=demo.username, role=demo.role)
    demo_imports(review, lead)
    reviewer1, reviewer2 = users["demo-reviewer1"], users["demo-reviewer2"]
    demo_screening(review, reviewer1, reviewer2, lead)
    demo_extraction(review, reviewer1, reviewer2, lead)
    demo_outcomes(review, lead)
    demo_rob(review, reviewer1, reviewer2, lead)
    demo_analyses(review)
    return review, True
