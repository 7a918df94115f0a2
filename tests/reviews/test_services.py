import pytest
from django.core.exceptions import ValidationError

from reviews import services
from reviews.models import Membership, Role
from tests.reviews.factories import UserFactory


def test_it_adds_a_member_by_email_case_insensitively(cast):
    newcomer = UserFactory(username="nina", email="Nina@Example.org")
    membership = services.membership_add(
        review=cast.review, identifier="  nina@example.ORG ", role=Role.VIEWER
    )
    assert (membership.user, membership.role) == (newcomer, Role.VIEWER)


def test_it_names_an_unknown_user(cast):
    with pytest.raises(ValidationError, match="No user has the username or e-mail “ghost”"):
        services.membership_add(review=cast.review, identifier="ghost", role=Role.REVIEWER)


def test_it_refuses_a_second_membership(cast):
    with pytest.raises(ValidationError, match="bob is already on this review's team"):
        services.membership_add(review=cast.review, identifier="bob", role=Role.VIEWER)


def test_it_keeps_at_least_one_lead(cast):
    lead = Membership.objects.get(review=cast.review, user=cast.lead)
    with pytest.raises(ValidationError, match="at least one lead"):
        services.membership_set_role(membership=lead, role=Role.REVIEWER)
    with pytest.raises(ValidationError, match="last lead cannot be removed"):
        services.membership_remove(membership=lead)
    assert Membership.objects.get(pk=lead.pk).role == Role.LEAD


def test_a_lead_can_step_down_once_another_lead_exists(cast):
    bob = Membership.objects.get(review=cast.review, user=cast.reviewer1)
    services.membership_set_role(membership=bob, role=Role.LEAD)
    alice = Membership.objects.get(review=cast.review, user=cast.lead)
    services.membership_remove(membership=alice)
    assert list(
        cast.review.memberships.filter(role=Role.LEAD).values_list("user__username", flat=True)
    ) == ["bob"]
