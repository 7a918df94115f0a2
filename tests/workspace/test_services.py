"""Creating a review: the lead, and each stage's defaults."""

import pytest
from django.core.exceptions import ValidationError

from extraction.models import ExtractionForm
from reviews.models import Membership, Review, Role
from screening.models import ExclusionReason
from screening.services import DEFAULT_REASONS
from tests.reviews.factories import UserFactory
from workspace import services


def test_it_makes_the_creator_the_lead(db):
    user = UserFactory(username="lena")
    review = services.review_create(user=user, title="Ketamine", protocol_id="CRD42024000001")
    membership = Membership.objects.get(review=review)
    assert (membership.user, membership.role) == (user, Role.LEAD)
    assert review.created_by == user


def test_it_gives_the_review_each_stage_s_defaults(db):
    review = services.review_create(user=UserFactory(), title="Ketamine")
    reasons = ExclusionReason.objects.filter(review=review).order_by("position")
    assert [r.label for r in reasons] == list(DEFAULT_REASONS)
    assert ExtractionForm.objects.filter(review=review).count() == 1


def test_it_rejects_an_invalid_review(db):
    with pytest.raises(ValidationError):
        services.review_create(user=UserFactory(), title="", screeners_per_record=2)
    assert not Review.objects.exists()
