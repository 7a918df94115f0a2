"""The lead excludes many records at title/abstract at once: all of them, or none."""

import pytest
from django.core.exceptions import ValidationError

from reviews.models import Record
from screening.models import Conflict, Decision, QueueEntry, Resolution, ScreenerTally, Verdict
from screening.queue import queue_fill
from screening.selectors import prisma_counts
from screening.services import records_exclude, screener_done
from tests.screening.standing_records import TA, standing_records, vote


@pytest.fixture
def made(cast):
    made = standing_records(cast)
    queue_fill(review=cast.review, stage=TA)
    return made


@pytest.fixture
def reason(cast):
    return cast.review.exclusion_reasons.get(label="Wrong study design")


def selection(*records):
    return Record.objects.filter(pk__in=[record.pk for record in records])


def snapshot(review) -> dict:
    """Everything a bulk exclusion may touch, to show that a refused one touched nothing."""
    at = {"record__review": review}
    return {
        "decisions": sorted(Decision.objects.filter(**at).values_list("pk", "verdict", "note")),
        "decision history": Decision.history.filter(**at).count(),
        "resolutions": sorted(Resolution.objects.filter(**at).values_list("record", "verdict")),
        "resolution history": Resolution.history.filter(**at).count(),
        "conflicts": sorted(Conflict.objects.filter(**at).values_list("record", "resolved")),
        "queue": sorted(QueueEntry.objects.filter(review=review).values_list("record", "stage")),
        "tallies": sorted(
            ScreenerTally.objects.filter(review=review).values_list("reviewer", "done")
        ),
    }


def test_it_records_the_leads_decision_and_resolution_on_every_record(cast, made, reason):
    vote(made.awaiting, cast.lead, Verdict.INCLUDE, note="first look")
    chosen = selection(made.awaiting, made.half, made.conflict)

    count = records_exclude(
        review=cast.review, records=chosen, reason=reason, note="Animal studies", lead=cast.lead
    )

    assert count == 3
    for record in (made.awaiting, made.half, made.conflict):
        decision = Decision.objects.get(record=record, stage=TA, reviewer=cast.lead)
        assert (decision.verdict, decision.reason, decision.note) == (
            "exclude",
            reason,
            "Animal studies",
        )
        resolution = Resolution.objects.get(record=record, stage=TA)
        assert (resolution.verdict, resolution.source, resolution.resolved_by) == (
            "exclude",
            "lead",
            cast.lead,
        )
        assert (resolution.reason, resolution.note) == (reason, "Animal studies")
        assert not QueueEntry.objects.filter(record=record, stage=TA).exists()
    assert Conflict.objects.get(record=made.conflict).resolved
    # The lead's earlier vote is changed, not lost: its history holds both.
    changes = Decision.history.filter(record_id=made.awaiting.pk, reviewer=cast.lead)
    assert sorted(changes.values_list("history_type", "verdict")) == [
        ("+", "include"),
        ("~", "exclude"),
    ]
    assert changes.get(history_type="~").history_user == cast.lead
    assert Resolution.history.filter(record_id=made.half.pk).get().history_user == cast.lead
    # Bob's vote on the half-screened record stays as he cast it.
    assert Decision.objects.get(record=made.half, reviewer=cast.reviewer1).verdict == "include"
    assert screener_done(review=cast.review, reviewer=cast.lead, stage=TA) == 3


def test_the_excluded_records_count_as_screened_and_excluded_in_prisma(cast, made, reason):
    before = prisma_counts(cast.review)
    records_exclude(
        review=cast.review,
        records=selection(made.awaiting, made.half),
        reason=reason,
        note="Not trials",
        lead=cast.lead,
    )
    after = prisma_counts(cast.review)
    assert after.records_screened == before.records_screened + 2
    assert after.records_excluded == before.records_excluded + 2
    assert after.awaiting_title_abstract == before.awaiting_title_abstract - 2


@pytest.mark.parametrize(
    "spoiler, message",
    [
        ("excluded", "1 of the selected records are already resolved at title/abstract"),
        ("duplicate", "1 of the selected records were removed as duplicates"),
    ],
)
def test_one_record_that_cannot_be_excluded_leaves_nothing_changed(
    cast, made, reason, spoiler, message
):
    before = snapshot(cast.review)
    chosen = selection(made.awaiting, made.half, made.conflict, getattr(made, spoiler))
    with pytest.raises(ValidationError, match=message):
        records_exclude(
            review=cast.review, records=chosen, reason=reason, note="Animal studies", lead=cast.lead
        )
    assert snapshot(cast.review) == before


def test_a_record_of_another_review_refuses_the_whole_action(cast, made, reason, other_review):
    stranger = Record.objects.create(
        review=other_review,
        batch=other_review.import_batches.create(source="medline", file_name="x.nbib", sha256="1"),
        position=0,
        title="Not yours",
    )
    before = snapshot(cast.review)
    with pytest.raises(ValidationError, match="not in this review"):
        records_exclude(
            review=cast.review,
            records=selection(made.awaiting, stranger),
            reason=reason,
            note="x",
            lead=cast.lead,
        )
    assert snapshot(cast.review) == before


def test_it_needs_a_reason_of_this_review_and_a_note(cast, made, other_review, reason):
    foreign = other_review.exclusion_reasons.first()
    for bad_reason, note, message in (
        (None, "why", "Choose a reason"),
        (foreign, "why", "Choose a reason"),
        (reason, "  ", "Say in a note"),
    ):
        with pytest.raises(ValidationError, match=message):
            records_exclude(
                review=cast.review,
                records=selection(made.awaiting),
                reason=bad_reason,
                note=note,
                lead=cast.lead,
            )
    assert not Resolution.objects.filter(record=made.awaiting).exists()


def test_a_failure_half_way_through_the_writes_undoes_them_all(cast, made, reason, monkeypatch):
    """The checks pass, then the queue step fails on the second record: everything rolls back."""
    from screening import services

    seen = []

    def fail_on_second(record, *args):
        seen.append(record.pk)
        if len(seen) == 2:
            raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_after_resolution", fail_on_second)
    before = snapshot(cast.review)
    with pytest.raises(RuntimeError):
        records_exclude(
            review=cast.review,
            records=selection(made.awaiting, made.half, made.conflict),
            reason=reason,
            note="Animal studies",
            lead=cast.lead,
        )
    assert len(seen) == 2
    assert snapshot(cast.review) == before
