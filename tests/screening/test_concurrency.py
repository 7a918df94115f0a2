"""Two reviewers deciding the same record at the same moment, on PostgreSQL.

SQLite runs one writer at a time, so it hides the race; these tests need
PostgreSQL (DATABASE_URL=postgres://...) and real threads, each with its own
connection. A barrier before every pair of calls makes the two really race.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from reviews.models import Record, Role
from screening import services
from screening.models import Conflict, Decision, Resolution, Stage, Verdict
from tests.conftest import require_service
from tests.reviews.factories import ImportBatchFactory, MembershipFactory

TA = Stage.TITLE_ABSTRACT
PAIRS = 1000

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql():
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", "the race between two reviewers only shows there (set DATABASE_URL)"
        )


def make_records(review, n: int) -> list[Record]:
    batch = ImportBatchFactory(review=review)
    return Record.objects.bulk_create(
        Record(review=review, batch=batch, position=i, title=f"Race {i}") for i in range(n)
    )


def race(first, second, items) -> list[tuple[object, object]]:
    """Call first(item) and second(item) in two threads, released together for every item.

    Returns what each call returned, or the exception it raised.
    """
    barrier = threading.Barrier(2)

    def run(call):
        outcomes = []
        with connection.cursor() as cursor:  # durability is not under test: skip the fsyncs
            cursor.execute("SET synchronous_commit TO off")
        try:
            for item in items:
                barrier.wait()
                try:
                    outcomes.append(call(item))
                except ValidationError as error:
                    outcomes.append(error)
        finally:
            connections.close_all()  # this thread's connections only
        return outcomes

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run, first), pool.submit(run, second)]
        return list(zip(*(future.result() for future in futures), strict=True))


def decide(reviewer, verdict):
    def call(record):
        return services.decision_record(record=record, reviewer=reviewer, stage=TA, verdict=verdict)

    return call


def naive_decide(reviewer, verdict):
    """Insert my vote, then read the other's, without locking the record: the bug we avoid."""

    def call(record):
        with transaction.atomic():
            Decision.objects.create(record=record, stage=TA, reviewer=reviewer, verdict=verdict)
            others = Decision.objects.filter(record=record, stage=TA).exclude(reviewer=reviewer)
            if any(other.verdict != verdict for other in others):
                Conflict.objects.get_or_create(record=record, stage=TA)

    return call


def test_opposite_votes_at_the_same_moment_always_make_a_conflict(cast):
    records = make_records(cast.review, PAIRS)
    race(decide(cast.reviewer1, Verdict.INCLUDE), decide(cast.reviewer2, Verdict.EXCLUDE), records)
    assert Decision.objects.count() == 2 * PAIRS
    assert Conflict.objects.filter(resolved=False).count() == PAIRS
    assert not Resolution.objects.exists()


def test_the_same_vote_at_the_same_moment_always_resolves(cast):
    records = make_records(cast.review, PAIRS)
    race(decide(cast.reviewer1, Verdict.EXCLUDE), decide(cast.reviewer2, Verdict.EXCLUDE), records)
    assert Decision.objects.count() == 2 * PAIRS
    assert not Conflict.objects.exists()
    assert Resolution.objects.filter(verdict=Verdict.EXCLUDE, source="agreement").count() == PAIRS


def test_a_double_submit_leaves_one_decision_and_both_in_its_history(cast):
    records = make_records(cast.review, 200)
    race(decide(cast.reviewer1, Verdict.INCLUDE), decide(cast.reviewer1, Verdict.EXCLUDE), records)
    assert Decision.objects.count() == 200
    assert set(Counter(Decision.objects.values_list("record", flat=True)).values()) == {1}
    assert Decision.history.count() == 400
    assert not Conflict.objects.exists() and not Resolution.objects.exists()


def test_two_leads_resolving_one_conflict_at_once_leave_one_resolution(cast):
    second_lead = MembershipFactory(review=cast.review, user__username="dora", role=Role.LEAD).user
    records = make_records(cast.review, 200)
    for record in records:
        decide(cast.reviewer1, Verdict.INCLUDE)(record)
        decide(cast.reviewer2, Verdict.EXCLUDE)(record)

    def resolve(lead, verdict):
        def call(record):
            return services.conflict_resolve(record=record, stage=TA, verdict=verdict, lead=lead)

        return call

    outcomes = race(
        resolve(cast.lead, Verdict.INCLUDE), resolve(second_lead, Verdict.EXCLUDE), records
    )
    assert Resolution.objects.filter(source="lead").count() == 200
    assert not Conflict.objects.filter(resolved=False).exists()
    for first, second in outcomes:
        refused = [o for o in (first, second) if isinstance(o, ValidationError)]
        assert len(refused) == 1
        assert refused[0].messages[0] in (
            "Already resolved (include) by alice.",
            "Already resolved (exclude) by dora.",
        )


def test_the_naive_insert_then_read_misses_conflicts(cast):
    """The measurement behind the row lock: without it, most racing conflicts go unseen."""
    records = make_records(cast.review, PAIRS)
    race(
        naive_decide(cast.reviewer1, Verdict.INCLUDE),
        naive_decide(cast.reviewer2, Verdict.EXCLUDE),
        records,
    )
    found = Conflict.objects.count()
    print(f"naive insert-then-read found {found} of {PAIRS} conflicts")
    assert Decision.objects.count() == 2 * PAIRS
    assert found < PAIRS
