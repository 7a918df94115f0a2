"""Where records stand, and what a blinded reviewer may ask about it."""

import pytest
from django.core.exceptions import PermissionDenied

from reviews.models import Membership, Record
from screening.models import Stage
from screening.standing import (
    Standing,
    filter_by_my_decision,
    filter_by_standing,
    standing_choices,
    standings,
)
from tests.screening.standing_records import FT, TA, standing_records


@pytest.fixture
def made(cast):
    return standing_records(cast)


def member(cast, user) -> Membership:
    return Membership.objects.select_related("review").get(review=cast.review, user=user)


def found(cast, user, stage, standing) -> set[int]:
    records = filter_by_standing(
        Record.objects.filter(review=cast.review),
        membership=member(cast, user),
        stage=stage,
        standing=standing,
    )
    return set(records.values_list("pk", flat=True))


def ids(*records) -> set[int]:
    return {record.pk for record in records}


def test_the_lead_filters_every_state_at_title_abstract(cast, made):
    lead = cast.lead
    assert found(cast, lead, TA, Standing.AWAITING) == ids(made.awaiting, made.half)
    assert found(cast, lead, TA, Standing.CONFLICT) == ids(made.conflict)
    assert found(cast, lead, TA, Standing.INCLUDED) == ids(
        made.included, made.not_retrieved, made.final
    )
    assert found(cast, lead, TA, Standing.EXCLUDED) == ids(made.excluded)
    population = cast.review.exclusion_reasons.get(label="Wrong population")
    assert found(cast, lead, TA, f"reason-{population.pk}") == ids(made.excluded)
    design = cast.review.exclusion_reasons.get(label="Wrong study design")
    assert found(cast, lead, TA, f"reason-{design.pk}") == set()


def test_at_full_text_only_records_sent_on_take_part(cast, made):
    lead = cast.lead
    assert found(cast, lead, FT, Standing.AWAITING) == ids(made.included)
    assert found(cast, lead, FT, Standing.NOT_RETRIEVED) == ids(made.not_retrieved)
    assert found(cast, lead, FT, Standing.INCLUDED) == ids(made.final)
    assert found(cast, lead, FT, Standing.CONFLICT) == set()


def test_a_blinded_reviewer_sees_awaiting_and_conflict_as_one_state(cast, made):
    carol = member(cast, cast.reviewer2)
    values = [value for value, _ in standing_choices(carol) if isinstance(value, str)]
    assert Standing.UNRESOLVED in values
    assert Standing.CONFLICT not in values and Standing.AWAITING not in values
    assert found(cast, cast.reviewer2, TA, Standing.UNRESOLVED) == ids(
        made.awaiting, made.half, made.conflict
    )
    for state in (Standing.CONFLICT, Standing.AWAITING):
        with pytest.raises(PermissionDenied):
            found(cast, cast.reviewer2, TA, state)


def test_with_blinding_off_a_reviewer_may_ask_for_conflicts(cast, made):
    cast.review.blinding = False
    cast.review.save()
    assert found(cast, cast.reviewer2, TA, Standing.CONFLICT) == ids(made.conflict)


def test_my_decision_filter_reads_only_my_own_votes(cast, made):
    records = Record.objects.filter(review=cast.review, duplicate_of__isnull=True)

    def mine(user, verdict):
        chosen = filter_by_my_decision(records, reviewer=user, stage=TA, mine=verdict)
        return set(chosen.values_list("pk", flat=True))

    assert mine(cast.reviewer2, "exclude") == ids(made.conflict, made.excluded)
    assert mine(cast.reviewer2, "none") == ids(made.awaiting, made.half)
    assert mine(cast.reviewer1, "include") == ids(
        made.half, made.conflict, made.included, made.not_retrieved, made.final
    )


def test_a_page_of_standings_for_the_lead_and_for_a_blinded_reviewer(cast, made):
    page = made.all()
    lead = standings(page, membership=member(cast, cast.lead), stage=TA)
    assert lead[made.half.pk].state == Standing.AWAITING
    assert lead[made.half.pk].votes == 1
    assert lead[made.conflict.pk].state == Standing.CONFLICT
    assert (lead[made.excluded.pk].state, lead[made.excluded.pk].reason) == (
        Standing.EXCLUDED,
        "Wrong population",
    )
    assert lead[made.duplicate.pk].state == Standing.DUPLICATE

    carol = standings(page, membership=member(cast, cast.reviewer2), stage=TA)
    assert carol[made.conflict.pk].state == Standing.UNRESOLVED
    assert carol[made.half.pk].state == Standing.UNRESOLVED
    assert carol[made.half.pk].votes is None
    assert (carol[made.conflict.pk].mine, carol[made.half.pk].mine) == ("Exclude", "")

    full_text = standings(page, membership=member(cast, cast.lead), stage=Stage.FULL_TEXT)
    assert full_text[made.not_retrieved.pk].state == Standing.NOT_RETRIEVED
    assert full_text[made.final.pk].state == Standing.INCLUDED
    assert full_text[made.awaiting.pk].state == Standing.NOT_REACHED
