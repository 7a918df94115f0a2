"""Labels on records: put on and taken off many at once, all or nothing, with history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.history import review_history
from reviews.models import Label, Record, RecordLabel
from reviews.selectors import labels_of, record_labels, records_search
from reviews.services import label_apply, label_remove
from tests.reviews.factories import RecordFactory


@pytest.fixture
def records(cast):
    return [RecordFactory(review=cast.review, position=i) for i in range(4)]


def chosen(records):
    return Record.objects.filter(pk__in=[record.pk for record in records])


def test_it_makes_the_label_and_puts_it_on_every_record(cast, records):
    change = label_apply(
        review=cast.review, records=chosen(records[:3]), name="  animal   study ", user=cast.lead
    )
    assert (change.label.name, change.changed, change.unchanged) == ("animal study", 3, 0)
    assert record_labels([r.pk for r in records]) == {
        records[0].pk: ["animal study"],
        records[1].pk: ["animal study"],
        records[2].pk: ["animal study"],
        records[3].pk: [],
    }
    link = RecordLabel.objects.filter(record=records[0]).get()
    assert link.added_by == cast.lead


def test_the_same_name_in_another_case_is_the_same_label(cast, records):
    label_apply(review=cast.review, records=chosen(records[:2]), name="Ask authors", user=cast.lead)
    change = label_apply(
        review=cast.review, records=chosen(records[1:3]), name="ASK AUTHORS", user=cast.lead
    )
    assert (change.changed, change.unchanged) == (1, 1)
    assert [(label.name, label.used) for label in labels_of(cast.review)] == [("Ask authors", 3)]
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.create(review=cast.review, name="ask authors")


def test_the_records_search_filters_by_label(cast, records):
    change = label_apply(review=cast.review, records=chosen(records[1:3]), name="x", user=cast.lead)
    found = records_search(cast.review, label_id=change.label.pk)
    assert list(found) == records[1:3]


def test_taking_a_label_off_keeps_the_label_and_the_history(cast, records):
    change = label_apply(review=cast.review, records=chosen(records), name="check", user=cast.lead)
    removed = label_remove(
        review=cast.review,
        records=chosen(records[:2] + records[:1]),
        label=change.label,
        user=cast.lead,
    )
    assert (removed.changed, removed.unchanged) == (2, 0)
    assert RecordLabel.objects.filter(label=change.label).count() == 2
    history = RecordLabel.history.filter(record_id=records[0].pk).order_by("history_date")
    assert [(row.history_type, row.history_user) for row in history] == [
        ("+", cast.lead),
        ("-", cast.lead),
    ]
    entries = [(e.model, e.action) for e in review_history(cast.review, limit=100)]
    assert entries.count(("record label", "deleted")) == 2
    assert entries.count(("record label", "created")) == 4
    assert ("label", "created") in entries


def test_a_record_of_another_review_leaves_every_record_unlabelled(cast, records, other_review):
    stranger = RecordFactory(review=other_review)
    with pytest.raises(ValidationError, match="1 of the selected records are not in this review"):
        label_apply(
            review=cast.review,
            records=chosen([*records, stranger]),
            name="mine",
            user=cast.lead,
        )
    assert not RecordLabel.objects.exists()
    assert not Label.objects.exists()


@pytest.mark.parametrize(
    "name, message", [("   ", "Give the label a name"), ("x" * 41, "at most 40")]
)
def test_a_label_needs_a_short_name(cast, records, name, message):
    with pytest.raises(ValidationError, match=message):
        label_apply(review=cast.review, records=chosen(records), name=name, user=cast.lead)


def test_a_label_of_another_review_cannot_be_taken_off_here(cast, records, other_review):
    theirs = Label.objects.create(review=other_review, name="theirs")
    with pytest.raises(ValidationError, match="another review"):
        label_remove(review=cast.review, records=chosen(records), label=theirs, user=cast.lead)
