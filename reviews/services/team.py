"""Writes to review teams (``workspace.services.review_create`` creates the review)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from ..models import Membership, Review, Role


def user_find(identifier: str):
    """The active user whose username or e-mail is ``identifier`` (case-insensitive)."""
    identifier = identifier.strip()
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
    )
    found = list(users[:2])
    if not found:
        raise ValidationError(f"No user has the username or e-mail “{identifier}”.")
    if len(found) > 1:
        raise ValidationError(f"“{identifier}” matches several users; use the username.")
    return found[0]


@transaction.atomic
def membership_add(*, review: Review, identifier: str, role: str) -> Membership:
    user = user_find(identifier)
    if Membership.objects.filter(review=review, user=user).exists():
        raise ValidationError(f"{user.username} is already on this review's team.")
    return Membership.objects.create(review=review, user=user, role=role)


def _lock_leads(review: Review) -> list[int]:
    # Lock the lead rows so two leads demoting each other at once cannot leave
    # the review without a lead.
    return list(
        Membership.objects.select_for_update()
        .filter(review=review, role=Role.LEAD)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”.")
    leads = _lock_leads(membership.review)
    if role != Role.LEAD and leads == [membership.pk]:
        raise ValidationError("A review needs at least one lead: make someone else lead first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    leads = _lock_leads(membership.review)
    if leads == [membership.pk]:
        raise ValidationError("The last lead cannot be removed: make someone else lead first.")
    membership.delete()
