"""The reviews app's part of the demo review (``workspace.demo`` loads it whole): the
demo team and three illustrative database exports, written by us."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File

from . import services
from .models import Review, Role, Source

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"

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
