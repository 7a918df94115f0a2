"""Writes that span the stages: creating a review with every stage's defaults."""

from django.db import transaction

from extraction.services.form_builder import extraction_form_create_default
from reviews.models import Membership, Review, Role
from screening.services import exclusion_reasons_create_defaults


@transaction.atomic
def review_create(*, user, **fields) -> Review:
    """Create a review with ``user`` as its first lead, and each stage's defaults.

    Screening gets its exclusion reasons and extraction its first form, each
    from the app's own service.
    """
    review = Review(created_by=user, **fields)
    review.full_clean()
    review.save()
    Membership.objects.create(review=review, user=user, role=Role.LEAD)
    exclusion_reasons_create_defaults(review=review)
    extraction_form_create_default(review=review, user=user)
    return review
