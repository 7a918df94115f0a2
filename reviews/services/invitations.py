"""Invitations to a review's team: made, sent again, revoked and accepted.

A link carries a random token from ``secrets.token_urlsafe``; only its SHA-256
is stored, so the plain link can be shown only at the moment it is made (on
inviting and on sending again, which makes a new one). Every check of a link
runs again inside the accepting transaction with the row locked, so a revoked,
used or expired link is refused at once, and two clicks accept once.
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ..mail import MAIL_ERRORS, mail_send
from ..models import Invitation, Membership, Review, Role
from .accounts import user_create

# One refusal for an unknown id and a wrong token alike: a guess learns nothing.
INVALID = (
    "This invitation link is not valid. Check that you copied the whole link, "
    "or ask the review's lead to send it again."
)


@dataclass(frozen=True)
class InvitationSent:
    """A new link, and whether its e-mail went out (``mail_error`` says why not)."""

    invitation: Invitation
    link: str
    mail_error: str = ""


def invitation_create(
    *, review: Review, email: str, role: str, invited_by, site_url: str
) -> InvitationSent:
    """Invite ``email`` to ``review`` with ``role`` and e-mail the link.

    ``site_url`` is the address the link starts with, e.g. ``https://prismatic.example.org``.
    """
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError(f"Unknown role “{role}”.")
    _refuse_member(review, email)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                review=review,
                email=email,
                role=role,
                invited_by=invited_by,
                token_hash=Invitation.hash_token(token),
                sent=now,
                expires=now + Invitation.VALID_FOR,
            )
    except IntegrityError:
        raise ValidationError(
            f"{email} already has an invitation to this review: send it again from the list."
        ) from None
    return _send(invitation, token, site_url)


def _refuse_member(review: Review, email: str) -> None:
    member = (
        Membership.objects.filter(review=review, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    if member is not None:
        raise ValidationError(f"{email} is already on this review's team ({member.user.username}).")


@transaction.atomic
def invitation_resend(*, invitation: Invitation, site_url: str) -> InvitationSent:
    """A new link for a pending invitation (the old one stops working), valid 7 days again."""
    invitation = _locked_pending(invitation)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = Invitation.hash_token(token)
    invitation.sent = now
    invitation.expires = now + Invitation.VALID_FOR
    invitation.save(update_fields=["token_hash", "sent", "expires"])
    return _send(invitation, token, site_url)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    """Close a pending invitation: its link is refused from now on."""
    invitation = _locked_pending(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.closed = timezone.now()
    invitation.save(update_fields=["status", "closed"])
    return invitation


def _locked_pending(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != Invitation.Status.PENDING:
        raise ValidationError(
            f"The invitation of {locked.email} was {locked.get_status_display().lower()} already."
        )
    return locked


def invitation_for_token(*, invitation_id: int, token: str, lock: bool = False) -> Invitation:
    """The pending, unexpired invitation a link names, or a ValidationError saying why not.

    The codes are ``invalid`` (no such link), ``expired``, ``accepted`` and
    ``revoked``; only a holder of the right token learns anything but ``invalid``.
    """
    invitations = Invitation.objects.select_related("review", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(pk=invitation_id).first()
    if invitation is None or not invitation.token_matches(token):
        raise ValidationError(INVALID, code="invalid")
    if invitation.status == Invitation.Status.ACCEPTED:
        raise ValidationError(
            "This invitation has been used already: whoever accepted it finds the review "
            "under My reviews.",
            code="accepted",
        )
    if invitation.status == Invitation.Status.REVOKED:
        raise ValidationError("This invitation was withdrawn by the review's lead.", code="revoked")
    if invitation.is_expired:
        raise ValidationError(
            f"This invitation expired on {date_format(invitation.expires, 'j F Y')}. "
            "Ask the review's lead to send it again.",
            code="expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation_id: int, token: str, user) -> Membership:
    """Put ``user`` on the invitation's team with its role; the link is used up.

    The user's e-mail must be the invited address. A user already on the team
    keeps the role they have.
    """
    invitation = invitation_for_token(invitation_id=invitation_id, token=token, lock=True)
    if (user.email or "").strip().lower() != invitation.email:
        raise ValidationError(wrong_user_message(invitation, user), code="wrong_user")
    membership = Membership.objects.filter(review=invitation.review, user=user).first()
    if membership is None:
        membership = Membership(review=invitation.review, user=user, role=invitation.role)
        # The history names who accepted, even when the request was anonymous (a new account).
        membership._history_user = user
        membership.save()
    invitation._history_user = user
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.closed = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "closed"])
    return membership


def wrong_user_message(invitation: Invitation, user) -> str:
    """Why ``user`` may not accept ``invitation``: it names another address."""
    return (
        f"This invitation is for {invitation.email}, but you are logged in as "
        f"{user.username} ({user.email or 'no e-mail address'}). Log out and open the link "
        f"again to accept it as {invitation.email}, or ask the lead to invite your address."
    )


@transaction.atomic
def invitation_accept_new_account(
    *,
    invitation_id: int,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Make an account for the invited address and accept the invitation with it."""
    invitation = invitation_for_token(invitation_id=invitation_id, token=token, lock=True)
    if invitation_has_account(invitation):
        raise ValidationError(
            f"{invitation.email} has an account already: log in to accept.", code="has_account"
        )
    user = user_create(
        username=username,
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    return invitation_accept(invitation_id=invitation_id, token=token, user=user)


def invitation_has_account(invitation: Invitation) -> bool:
    """Whether the invited address has an account (told only to holders of the link)."""
    users = get_user_model().objects.filter(is_active=True, email__iexact=invitation.email)
    return users.exists()


def _send(invitation: Invitation, token: str, site_url: str) -> InvitationSent:
    link = site_url.rstrip("/") + reverse("invitation_accept", args=[invitation.pk, token])
    context = {"invitation": invitation, "link": link, "review": invitation.review}
    try:
        mail_send(to=invitation.email, template="reviews/invitation_email", context=context)
    except MAIL_ERRORS as error:
        return InvitationSent(invitation, link, mail_error=str(error) or type(error).__name__)
    return InvitationSent(invitation, link)
