"""Invitations through the pages: each form is submitted as the page renders it."""

import logging
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.history import review_history
from reviews.models import Invitation, Membership, Role
from tests.reviews.factories import UserFactory
from tests.reviews.pages import form_to, form_with, submit

LINK = re.compile(r"http://testserver(/invitations/\d+/[\w-]+/)")
PASSWORD = "a-long-Passphrase-7"


def team_url(review):
    return reverse("review_team", args=[review.pk])


def invite_on_the_team_page(client, review, email="dora@example.org", role=Role.REVIEWER):
    page = client.get(team_url(review))
    form = form_with(page, "invite-email", "invite-role")
    return submit(client, page, form, **{"invite-email": email, "invite-role": role})


def main_of(response) -> str:
    """The page's own content (the rest differs by its CSRF token only)."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def mailed_link(message=None) -> str:
    return LINK.search((message or mail.outbox[-1]).body).group(1)


def test_the_lead_invites_and_the_page_shows_the_link_once(client, cast):
    client.force_login(cast.lead)
    response = invite_on_the_team_page(client, cast.review, role=Role.VIEWER)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Invitation sent to <strong>dora@example.org</strong>" in page
    [message] = mail.outbox
    link = mailed_link(message)
    assert f'value="http://testserver{link}"' in page
    assert "Copy link" in page

    again = client.get(team_url(cast.review)).content.decode()
    assert "dora@example.org" in again and link not in again
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.invited_by) == (Role.VIEWER, cast.lead)


def test_the_invite_form_names_what_is_wrong(client, cast):
    client.force_login(cast.lead)
    response = invite_on_the_team_page(client, cast.review, email="not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    response = invite_on_the_team_page(client, cast.review, email="carol@example.org")
    assert "carol@example.org is already on this review&#x27;s team (carol)" in (
        response.content.decode()
    )
    assert not Invitation.objects.exists() and not mail.outbox


def test_only_the_lead_sees_and_manages_invitations(client, cast):
    services.invitation_create(
        review=cast.review,
        email="dora@example.org",
        role=Role.REVIEWER,
        invited_by=cast.lead,
        site_url="http://testserver",
    )
    client.force_login(cast.reviewer1)
    page = client.get(team_url(cast.review)).content.decode()
    assert "dora@example.org" not in page and "invite-email" not in page
    url = reverse("invitation_create", args=[cast.review.pk])
    assert (
        client.post(url, {"invite-email": "x@example.org", "invite-role": "lead"}).status_code
        == 403
    )
    assert Invitation.objects.count() == 1


def test_a_newcomer_sets_a_name_and_password_and_lands_on_the_review(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    client.logout()

    page = client.get(mailed_link())
    assert "Join “Ketamine for chronic pain”" in page.content.decode()
    form = form_with(page, "username", "password1", "password2")
    assert dict(form.data)["username"] == "dora"  # suggested from the address
    response = submit(
        client,
        page,
        form,
        first_name="Dora",
        last_name="Diaz",
        password1=PASSWORD,
        password2=PASSWORD,
    )
    assert response.status_code == 302 and response.url == cast.review.get_absolute_url()
    dashboard = client.get(response.url)
    assert dashboard.status_code == 200
    assert "you are on its team as Reviewer" in dashboard.content.decode()
    dora = get_user_model().objects.get(username="dora")
    assert (dora.email, dora.get_full_name()) == ("dora@example.org", "Dora Diaz")
    assert Membership.objects.get(user=dora).review == cast.review

    accepted = next(e for e in review_history(cast.review) if e.model == "invitation")
    assert (accepted.action, accepted.who) == ("changed", "dora")


def test_the_account_form_shows_what_is_wrong_and_makes_nothing(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    client.logout()
    page = client.get(mailed_link())
    form = form_with(page, "username", "password1", "password2")
    response = submit(
        client, page, form, first_name="Dora", username="bob", password1="x", password2="y"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "A user with that username already exists." in text
    assert "The two password fields didn’t match." in text
    assert not get_user_model().objects.filter(email="dora@example.org").exists()


def test_a_registered_user_logs_in_and_accepts(client, cast):
    UserFactory(username="dora", email="dora@example.org")
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    client.logout()
    link = mailed_link()

    page = client.get(link)
    text = page.content.decode()
    assert "This address has an account here" in text and "password1" not in text
    login_url = re.search(r'href="(/accounts/login/\?next=[^"]+)"', text).group(1)
    login_page = client.get(login_url.replace("&amp;", "&"))
    form = form_with(login_page, "username", "password")
    back = submit(
        client, login_page, form, username="dora", password="correct horse battery staple"
    )
    assert back.status_code == 302 and back.url == link

    page = client.get(link)
    response = submit(client, page, form_to(page, ""))
    assert response.status_code == 302 and response.url == cast.review.get_absolute_url()
    assert Membership.objects.get(user__username="dora").role == Role.REVIEWER
    assert client.get(link).status_code == 410  # used up


def test_another_logged_in_user_is_refused_in_words(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    link = mailed_link()
    client.force_login(cast.outsider)
    page = client.get(link)
    text = page.content.decode()
    assert page.status_code == 200
    assert "This invitation is for dora@example.org, but you are logged in as oscar" in text
    assert "Join the review" not in text
    posted = client.post(link)  # as a crafted request would, with no button on the page
    assert "This invitation is for dora@example.org" in posted.content.decode()
    assert not Membership.objects.filter(user=cast.outsider).exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_a_live_link_stays_out_of_the_logs(client, cast, caplog):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    link = mailed_link()
    token = link.strip("/").split("/")[-1]
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="prismatic"):
        client.force_login(cast.outsider)
        client.get(link)
        client.post(link)  # refused: the link stays alive
        client.logout()
        page = client.get(link)
    assert all(token not in r.getMessage() + str(getattr(r, "path", "")) for r in caplog.records)
    requests = [r for r in caplog.records if r.name == "prismatic.request"]
    assert [r.path for r in requests] == [f"/invitations/{link.split('/')[2]}/…/"] * 3

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="prismatic"):
        form = form_with(page, "username", "password1", "password2")
        submit(client, page, form, first_name="Dora", password1=PASSWORD, password2=PASSWORD)
    (made,) = [r for r in caplog.records if r.name == "prismatic.request"]
    assert (made.status, token in made.getMessage()) == (302, False)


def test_a_forged_link_gets_the_same_page_as_an_unknown_one(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    client.logout()
    link = mailed_link()
    invitation_id, token = link.strip("/").split("/")[1:]
    forged = client.get(f"/invitations/{invitation_id}/{token[:-2]}xy/")
    unknown = client.get(f"/invitations/{int(invitation_id) + 1}/{token}/")
    huge = client.get(f"/invitations/{10**30}/{token}/")
    assert forged.status_code == unknown.status_code == huge.status_code == 404
    assert main_of(forged) == main_of(unknown) == main_of(huge)
    assert "This invitation link is not valid" in forged.content.decode()


def test_revoking_on_the_team_page_kills_the_link_at_once(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    link = mailed_link()
    invitation = Invitation.objects.get()
    page = client.get(team_url(cast.review))
    revoke = form_to(page, reverse("invitation_revoke", args=[cast.review.pk, invitation.pk]))
    response = submit(client, page, revoke)
    assert response.status_code == 302
    assert "its link no longer works" in client.get(response.url).content.decode()

    client.logout()
    refused = client.get(link)
    assert refused.status_code == 410
    assert "withdrawn by the review" in refused.content.decode()


def test_send_again_shows_a_new_link_and_the_old_one_dies(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    old = mailed_link()
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(hours=1))
    page = client.get(team_url(cast.review))
    assert "Expired" in page.content.decode()

    resend = form_to(page, reverse("invitation_resend", args=[cast.review.pk, invitation.pk]))
    response = submit(client, page, resend)
    new = mailed_link()
    assert new != old and len(mail.outbox) == 2
    assert f'value="http://testserver{new}"' in response.content.decode()
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_an_expired_link_says_so(client, cast):
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    Invitation.objects.update(expires=timezone.now() - timedelta(days=1))
    client.logout()
    response = client.get(mailed_link())
    assert response.status_code == 410
    assert "This invitation expired on" in response.content.decode()


def test_a_link_for_one_review_opens_nothing_in_another(client, cast, other_review):
    services.invitation_create(
        review=other_review,
        email="dora@example.org",
        role=Role.LEAD,
        invited_by=None,
        site_url="http://testserver",
    )
    other_id = Invitation.objects.get().pk
    client.force_login(cast.lead)
    invite_on_the_team_page(client, cast.review)
    _, token = mailed_link().strip("/").split("/")[1:]
    client.logout()
    assert client.get(f"/invitations/{other_id}/{token}/").status_code == 404

    page = client.get(mailed_link())
    form = form_with(page, "username", "password1", "password2")
    submit(client, page, form, first_name="Dora", password1=PASSWORD, password2=PASSWORD)
    assert client.get(other_review.get_absolute_url()).status_code == 404
    assert client.get(cast.review.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
def test_a_member_cannot_revoke_or_resend(client, cast, role):
    sent = services.invitation_create(
        review=cast.review,
        email="dora@example.org",
        role=Role.REVIEWER,
        invited_by=cast.lead,
        site_url="http://testserver",
    )
    client.force_login(cast.member(role))
    for name in ("invitation_revoke", "invitation_resend"):
        assert (
            client.post(reverse(name, args=[cast.review.pk, sent.invitation.pk])).status_code == 403
        )
    assert Invitation.objects.get().status == Invitation.Status.PENDING
