"""Invitations through the service layer: made, e-mailed, accepted once, refused otherwise."""

import hashlib
import re
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from reviews import services
from reviews.history import review_history
from reviews.models import Invitation, Membership, Role
from tests.reviews.factories import UserFactory

SITE = "https://prismatic.example.org"
LINK = re.compile(r"https://prismatic\.example\.org/invitations/(\d+)/([\w-]+)/")


def invite(review, email="dora@example.org", role=Role.REVIEWER, by=None):
    sent = services.invitation_create(
        review=review, email=email, role=role, invited_by=by, site_url=SITE
    )
    invitation_id, token = LINK.fullmatch(sent.link).groups()
    return sent.invitation, token


def test_it_emails_a_link_and_keeps_only_the_hash_of_its_token(cast):
    invitation, token = invite(cast.review, email="  Dora@Example.ORG ", by=cast.lead)
    assert invitation.email == "dora@example.org"
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in str(row)

    [message] = mail.outbox
    assert message.to == ["dora@example.org"]
    assert "Ketamine for chronic pain" in message.subject
    assert f"{SITE}/invitations/{invitation.pk}/{token}/" in message.body
    assert "as reviewer" in message.body
    assert invitation.expires - invitation.sent == timedelta(days=7)


def test_the_invited_user_joins_with_the_role_and_the_link_is_used_up(cast):
    dora = UserFactory(username="dora", email="Dora@example.org")
    invitation, token = invite(cast.review, role=Role.VIEWER, by=cast.lead)
    membership = services.invitation_accept(invitation_id=invitation.pk, token=token, user=dora)
    assert (membership.review, membership.user, membership.role) == (cast.review, dora, Role.VIEWER)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, dora)

    with pytest.raises(ValidationError, match="used already") as refused:
        services.invitation_accept(invitation_id=invitation.pk, token=token, user=dora)
    assert refused.value.code == "accepted"


def test_an_expired_link_is_refused(cast):
    dora = UserFactory(username="dora", email="dora@example.org")
    invitation, token = invite(cast.review)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="This invitation expired on") as refused:
        services.invitation_accept(invitation_id=invitation.pk, token=token, user=dora)
    assert refused.value.code == "expired"
    assert not Membership.objects.filter(user=dora).exists()


def test_a_revoked_link_is_refused_at_once(cast):
    dora = UserFactory(username="dora", email="dora@example.org")
    invitation, token = invite(cast.review)
    services.invitation_for_token(invitation_id=invitation.pk, token=token)  # valid until now
    services.invitation_revoke(invitation=invitation)
    with pytest.raises(ValidationError, match="withdrawn") as refused:
        services.invitation_accept(invitation_id=invitation.pk, token=token, user=dora)
    assert refused.value.code == "revoked"
    assert not Membership.objects.filter(user=dora).exists()


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character off
        lambda token: "x" * len(token),
        lambda token: "",
        lambda token: hashlib.sha256(token.encode()).hexdigest(),  # the stored hash itself
    ],
    ids=["one-character-off", "same-length", "empty", "the-hash"],
)
def test_a_forged_token_is_refused_as_an_unknown_link(cast, forge):
    dora = UserFactory(username="dora", email="dora@example.org")
    invitation, token = invite(cast.review)
    with pytest.raises(ValidationError) as forged:
        services.invitation_accept(invitation_id=invitation.pk, token=forge(token), user=dora)
    with pytest.raises(ValidationError) as unknown:
        services.invitation_accept(invitation_id=invitation.pk + 999, token=token, user=dora)
    assert forged.value.code == unknown.value.code == "invalid"
    assert forged.value.messages == unknown.value.messages
    assert not Membership.objects.filter(user=dora).exists()


def test_a_token_for_one_review_gives_nothing_in_another(cast, other_review):
    dora = UserFactory(username="dora", email="dora@example.org")
    mine, my_token = invite(cast.review)
    theirs, _ = invite(other_review)
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(invitation_id=theirs.pk, token=my_token, user=dora)
    assert refused.value.code == "invalid"
    services.invitation_accept(invitation_id=mine.pk, token=my_token, user=dora)
    assert list(Membership.objects.filter(user=dora).values_list("review", flat=True)) == [
        cast.review.pk
    ]


def test_another_logged_in_user_is_refused_in_words(cast):
    invitation, token = invite(cast.review)
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(invitation_id=invitation.pk, token=token, user=cast.outsider)
    assert refused.value.code == "wrong_user"
    assert refused.value.messages == [
        "This invitation is for dora@example.org, but you are logged in as oscar "
        "(oscar@example.org). Log out and open the link again to accept it as "
        "dora@example.org, or ask the lead to invite your address."
    ]
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Membership.objects.filter(user=cast.outsider).exists()


def test_sending_again_makes_a_new_link_and_kills_the_old_one(cast):
    dora = UserFactory(username="dora", email="dora@example.org")
    invitation, old = invite(cast.review)
    Invitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(days=1))
    resent = services.invitation_resend(invitation=invitation, site_url=SITE)
    _, new = LINK.fullmatch(resent.link).groups()
    assert new != old and len(mail.outbox) == 2 and resent.link in mail.outbox[1].body
    assert resent.invitation.expires > timezone.now() + timedelta(days=6)
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept(invitation_id=invitation.pk, token=old, user=dora)
    services.invitation_accept(invitation_id=invitation.pk, token=new, user=dora)


def test_it_refuses_a_member_and_a_second_pending_invitation(cast):
    with pytest.raises(
        ValidationError, match=r"bob@example.org is already on this review's team \(bob\)"
    ):
        invite(cast.review, email="BOB@example.org")
    invite(cast.review)
    with pytest.raises(ValidationError, match="already has an invitation to this review"):
        invite(cast.review, email="dora@EXAMPLE.org", role=Role.LEAD)
    assert Invitation.objects.filter(review=cast.review).count() == 1


def test_a_revoked_or_used_invitation_cannot_be_revoked_or_resent(cast):
    invitation, _ = invite(cast.review)
    services.invitation_revoke(invitation=invitation)
    with pytest.raises(ValidationError, match="was revoked already"):
        services.invitation_revoke(invitation=invitation)
    with pytest.raises(ValidationError, match="was revoked already"):
        services.invitation_resend(invitation=invitation, site_url=SITE)
    invite(cast.review)  # the address may be invited anew


def test_a_new_account_is_made_for_the_invited_address(cast):
    invitation, token = invite(cast.review, email="dora@example.org")
    membership = services.invitation_accept_new_account(
        invitation_id=invitation.pk,
        token=token,
        username="dora",
        password="a-long-Passphrase-7",
        first_name="Dora",
        last_name="Diaz",
    )
    user = membership.user
    assert (user.email, user.get_full_name()) == ("dora@example.org", "Dora Diaz")
    assert user.check_password("a-long-Passphrase-7")
    assert membership.role == Role.REVIEWER


def test_a_new_account_is_refused_when_the_address_has_one(cast):
    UserFactory(username="dora", email="dora@example.org")
    invitation, token = invite(cast.review)
    with pytest.raises(ValidationError, match="has an account already: log in to accept") as e:
        services.invitation_accept_new_account(
            invitation_id=invitation.pk, token=token, username="dora2", password="x-long-Pass-9"
        )
    assert e.value.code == "has_account"
    assert not Membership.objects.filter(user__username="dora2").exists()


def test_a_new_account_is_refused_with_a_forged_token(cast):
    invitation, token = invite(cast.review)
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept_new_account(
            invitation_id=invitation.pk, token=token + "x", username="dora", password="x-Pass-99"
        )
    assert not UserFactory._meta.model.objects.filter(username="dora").exists()


def test_a_mail_server_failure_keeps_the_invitation_and_says_why(cast, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("reviews.mail.send_mail", refuse)
    sent = services.invitation_create(
        review=cast.review,
        email="dora@example.org",
        role=Role.REVIEWER,
        invited_by=None,
        site_url=SITE,
    )
    assert sent.mail_error == "Connection unexpectedly closed"
    assert LINK.fullmatch(sent.link)
    assert Invitation.objects.filter(pk=sent.invitation.pk, status="pending").exists()


def test_invitations_made_revoked_and_accepted_are_in_the_history(cast):
    dora = UserFactory(username="dora", email="dora@example.org")
    first, _ = invite(cast.review, email="erin@example.org")
    services.invitation_revoke(invitation=first)
    second, token = invite(cast.review)
    services.invitation_accept(invitation_id=second.pk, token=token, user=dora)

    entries = [e for e in review_history(cast.review) if e.model == "invitation"]
    summary = [(e.subject, e.action, {c.field: (c.old, c.new) for c in e.changes}) for e in entries]
    assert [(s, a) for s, a, _ in summary] == [
        ("dora@example.org as Reviewer", "changed"),
        ("dora@example.org as Reviewer", "created"),
        ("erin@example.org as Reviewer", "changed"),
        ("erin@example.org as Reviewer", "created"),
    ]
    accepted, revoked = summary[0][2], summary[2][2]
    assert accepted["status"] == ("Pending", "Accepted")
    assert accepted["accepted by"] == ("—", "dora")
    assert revoked["status"] == ("Pending", "Revoked")
    assert all("token" not in field for _, _, changes in summary for field in changes)
