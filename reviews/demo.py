"""The reviews app's part of the demo review (``workspace.demo`` loads it whole): the
demo team and three illustrative database exports, written by us."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files import File

from . import services
from .models import Record, Review, Role, Source

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
    """The demo team, made once, all with the published demo password.

    The password is hashed once for the three: a deliberately slow hash (Argon2)
    three times over was a good part of the demo's loading time.
    """
    users, hashed = {}, None
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
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
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


def demo_number(record: Record) -> int | None:
    """The invented paper a demo record is a copy of: the number every database gave it.

    Each paper of the demo exports has one number n, written into all its
    identifiers: DOI 10.5555/demo.<year>.<n, 4 digits>, PMID 99900000 + n,
    Embase id 990000000 + n, CENTRAL id CN-<90000000 + n>. A copy may lack some
    (one Embase record has no DOI), so any of them will do.
    """
    if match := re.fullmatch(r"10\.5555/demo\.\d{4}\.(\d{4})", record.doi):
        return int(match.group(1))
    for value, base in ((record.pmid, 99900000), (record.embase_id, 990000000)):
        if value.isdigit() and 0 < int(value) - base < 10000:
            return int(value) - base
    if match := re.fullmatch(r"CN-(\d{8})", record.central_id):
        return int(match.group(1)) - 90000000
    return None


def demo_records(review: Review) -> dict[int, Record]:
    """The review's unique records by demo number (a merged record answers for its copies)."""
    unique = Record.objects.filter(review=review, duplicate_of__isnull=True)
    numbered = {}
    for record in unique.prefetch_related("duplicates"):
        for copy in (record, *record.duplicates.all()):
            if (number := demo_number(copy)) is not None:
                numbered[number] = record
                break
    return numbered


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
