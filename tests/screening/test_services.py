"""Decisions, settling, conflicts and resolutions, one rule at a time."""

import pytest
from django.core.exceptions import ValidationError

from screening import services
from screening.models import Conflict, Decision, FullText, Resolution, Stage, Verdict
from tests.reviews.factories import RecordFactory

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def record(cast):
    return RecordFactory(review=cast.review)


def decide(record, reviewer, verdict, stage=TA, **extra):
    return services.decision_record(
        record=record, reviewer=reviewer, stage=stage, verdict=verdict, **extra
    )


def reason(cast, label="Wrong population"):
    return cast.review.exclusion_reasons.get(label=label)


def test_agreement_of_both_screeners_resolves_the_record(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    assert not Resolution.objects.exists()
    decide(record, cast.reviewer2, Verdict.INCLUDE)
    resolution = Resolution.objects.get(record=record, stage=TA)
    assert (resolution.verdict, resolution.source, resolution.resolved_by) == (
        "include",
        "agreement",
        None,
    )
    assert not Conflict.objects.exists()


def test_an_include_against_an_exclude_is_a_conflict(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.EXCLUDE)
    assert Conflict.objects.filter(record=record, stage=TA, resolved=False).count() == 1
    assert not Resolution.objects.exists()


def test_any_maybe_is_a_conflict_by_default_and_agreement_when_switched_off(cast, record):
    decide(record, cast.reviewer1, Verdict.MAYBE)
    decide(record, cast.reviewer2, Verdict.MAYBE)
    assert Conflict.objects.filter(record=record).exists()
    cast.review.maybe_is_conflict = False
    cast.review.save()
    other = RecordFactory(review=cast.review)
    decide(other, cast.reviewer1, Verdict.MAYBE)
    decide(other, cast.reviewer2, Verdict.MAYBE)
    assert Resolution.objects.get(record=other).verdict == "maybe"


def test_changing_my_vote_to_agree_settles_the_conflict(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.EXCLUDE)
    decide(record, cast.reviewer2, Verdict.INCLUDE, note="Read it again")
    assert not Conflict.objects.exists()
    assert Resolution.objects.get(record=record).verdict == "include"
    decision = Decision.objects.get(record=record, reviewer=cast.reviewer2)
    assert [h.verdict for h in decision.history.order_by("history_date")] == ["exclude", "include"]


def test_a_resolved_record_cannot_change(cast, record):
    decide(record, cast.reviewer1, Verdict.EXCLUDE)
    decide(record, cast.reviewer2, Verdict.EXCLUDE)
    with pytest.raises(ValidationError, match="already resolved"):
        decide(record, cast.reviewer1, Verdict.INCLUDE)
    with pytest.raises(ValidationError, match="already resolved"):
        services.decision_withdraw(record=record, reviewer=cast.reviewer1, stage=TA)


def test_a_record_with_all_its_votes_takes_no_more(cast, record):
    """The lead, reading the record while both screeners disagreed on it, adds nothing."""
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.EXCLUDE)
    with pytest.raises(services.RecordSettled, match="its 2 decisions while you read it"):
        decide(record, cast.lead, Verdict.INCLUDE)
    assert Decision.objects.filter(record=record).count() == 2
    assert Decision.history.filter(record=record).count() == 2
    # a screener who voted may still change their own vote
    decide(record, cast.reviewer2, Verdict.INCLUDE)
    assert Resolution.objects.get(record=record).verdict == "include"


def test_single_screening_resolves_on_one_decision(cast, record):
    cast.review.screeners_per_record = 1
    cast.review.save()
    decide(record, cast.reviewer1, Verdict.EXCLUDE)
    assert Resolution.objects.get(record=record).source == "single"


def test_full_text_exclusion_needs_a_reason(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.INCLUDE)
    with pytest.raises(ValidationError, match="Choose a reason"):
        decide(record, cast.reviewer1, Verdict.EXCLUDE, stage=FT)
    decide(record, cast.reviewer1, Verdict.EXCLUDE, stage=FT, reason=reason(cast))
    decide(record, cast.reviewer2, Verdict.EXCLUDE, stage=FT, reason=reason(cast))
    resolution = Resolution.objects.get(record=record, stage=FT)
    assert (resolution.verdict, resolution.reason.label) == ("exclude", "Wrong population")


def test_different_exclusion_reasons_at_full_text_go_to_the_lead(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.INCLUDE)
    decide(record, cast.reviewer1, Verdict.EXCLUDE, stage=FT, reason=reason(cast))
    decide(record, cast.reviewer2, Verdict.EXCLUDE, stage=FT, reason=reason(cast, "Wrong outcomes"))
    assert Conflict.objects.filter(record=record, stage=FT).exists()


def test_a_reason_at_title_abstract_only_when_the_review_asks(cast, record):
    decide(record, cast.reviewer1, Verdict.EXCLUDE)
    cast.review.reason_at_title_abstract = True
    cast.review.save()
    with pytest.raises(ValidationError, match="Choose a reason"):
        decide(RecordFactory(review=cast.review), cast.reviewer1, Verdict.EXCLUDE)


def test_full_text_waits_for_title_abstract(cast, record):
    with pytest.raises(ValidationError, match="not passed title and abstract"):
        decide(record, cast.reviewer1, Verdict.INCLUDE, stage=FT)


def test_a_maybe_goes_to_full_text_only_when_the_review_says_so(cast, record):
    cast.review.maybe_is_conflict = False
    cast.review.save()
    decide(record, cast.reviewer1, Verdict.MAYBE)
    decide(record, cast.reviewer2, Verdict.MAYBE)
    decide(record, cast.reviewer1, Verdict.INCLUDE, stage=FT)
    cast.review.maybe_to_full_text = False
    cast.review.save()
    with pytest.raises(ValidationError, match="not passed title and abstract"):
        decide(record, cast.reviewer2, Verdict.INCLUDE, stage=FT)


def test_undo_takes_back_my_decision_and_the_conflict(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.EXCLUDE)
    assert services.decision_withdraw(record=record, reviewer=cast.reviewer2, stage=TA)
    assert list(Decision.objects.values_list("reviewer__username", flat=True)) == ["bob"]
    assert not Conflict.objects.exists()


def test_the_lead_resolves_a_conflict_once(cast, record):
    decide(record, cast.reviewer1, Verdict.INCLUDE)
    decide(record, cast.reviewer2, Verdict.EXCLUDE)
    resolution = services.conflict_resolve(
        record=record, stage=TA, verdict=Verdict.INCLUDE, lead=cast.lead, note="Population fits"
    )
    assert (resolution.source, resolution.resolved_by, resolution.note) == (
        "lead",
        cast.lead,
        "Population fits",
    )
    assert Conflict.objects.get(record=record).resolved
    with pytest.raises(ValidationError, match="Already resolved \\(include\\) by alice"):
        services.conflict_resolve(record=record, stage=TA, verdict=Verdict.EXCLUDE, lead=cast.lead)


def test_labels_are_cleaned(cast, record):
    decision = decide(
        record, cast.reviewer1, Verdict.MAYBE, labels=[" pilot  study", "pilot study", "", "adults"]
    )
    assert decision.labels == ["pilot study", "adults"]


def test_a_duplicate_record_cannot_be_screened(cast, record):
    copy = RecordFactory(review=cast.review, duplicate_of=record)
    with pytest.raises(ValidationError, match="removed as a duplicate"):
        decide(copy, cast.reviewer1, Verdict.INCLUDE)


def test_reasons_are_added_once_and_retired(cast):
    added = services.exclusion_reason_add(review=cast.review, label="  Animal   study ")
    assert (added.label, added.position) == ("Animal study", 8)
    with pytest.raises(ValidationError, match="already a reason"):
        services.exclusion_reason_add(review=cast.review, label="animal study")
    services.exclusion_reason_set_active(reason=added, active=False)
    assert not cast.review.exclusion_reasons.get(label="Animal study").active


def test_a_full_text_can_be_marked_not_retrieved(cast, record):
    services.full_text_save(
        record=record, user=cast.reviewer1, not_retrieved_reason="Author did not reply"
    )
    full_text = FullText.objects.get(record=record)
    assert (full_text.not_retrieved, full_text.not_retrieved_reason) == (
        True,
        "Author did not reply",
    )
