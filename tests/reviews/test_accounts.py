"""Password reset by e-mail and open sign-up, through the pages as they render.

Neither tells a visitor whether an address has an account: the page answers
the same, and only the message sent to the address says more.
"""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.urls import reverse

from reviews.services.accounts import SIGNUP_SALT, SIGNUP_VALID_DAYS
from tests.reviews.factories import UserFactory
from tests.reviews.pages import form_with, submit

PASSWORD = "a-long-Passphrase-7"
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/[\w-]+/[\w-]+/)")
SIGNUP_LINK = re.compile(r"http://testserver(/accounts/signup/[\w:-]+/)")


def main_of(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def ask_for_reset(client, email: str):
    page = client.get(reverse("password_reset"))
    response = submit(client, page, form_with(page, "email"), email=email)
    assert response.status_code == 302
    return client.get(response.url)


def test_the_login_page_links_to_password_reset_and_not_to_a_closed_signup(client, db):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page
    assert reverse("signup") not in page
    assert client.get(reverse("signup")).status_code == 404


def test_password_reset_answers_the_same_for_any_address(client, db):
    UserFactory(username="lena", email="lena@example.org")
    known = ask_for_reset(client, "LENA@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")
    assert main_of(known) == main_of(unknown)
    assert "If an account has that address" in main_of(known)
    [message] = mail.outbox
    assert message.to == ["lena@example.org"]
    assert "Your username is lena" in message.body


def test_a_reset_link_sets_a_new_password_once(client, db):
    user = UserFactory(username="lena", email="lena@example.org")
    ask_for_reset(client, "lena@example.org")
    link = RESET_LINK.search(mail.outbox[0].body).group(1)

    page = client.get(link, follow=True)
    form = form_with(page, "new_password1", "new_password2")
    done = submit(client, page, form, new_password1=PASSWORD, new_password2=PASSWORD)
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    again = client.get(link, follow=True)
    assert "The password-reset link is not valid" in again.content.decode()


def test_a_forged_reset_link_is_refused(client, db):
    UserFactory(username="lena", email="lena@example.org")
    page = client.get("/accounts/password/reset/MQ/forged-token/", follow=True)
    assert "The password-reset link is not valid" in page.content.decode()
    assert "new_password1" not in page.content.decode()


@pytest.fixture
def open_signup(settings):
    settings.OPEN_SIGNUP = True


def ask_to_sign_up(client, email: str):
    page = client.get(reverse("signup"))
    return submit(client, page, form_with(page, "email"), email=email)


def test_signup_answers_the_same_for_any_address_and_says_more_by_mail(client, db, open_signup):
    UserFactory(username="lena", email="lena@example.org")
    assert reverse("signup") in client.get(reverse("login")).content.decode()
    taken = ask_to_sign_up(client, "lena@example.org")
    free = ask_to_sign_up(client, "nina@example.org")
    assert taken.status_code == free.status_code == 200
    assert main_of(taken).replace("lena", "nina") == main_of(free)

    to_lena, to_nina = mail.outbox
    assert to_lena.to == ["lena@example.org"]
    assert "this address has an account already" in " ".join(to_lena.body.split())
    assert not SIGNUP_LINK.search(to_lena.body)
    assert SIGNUP_LINK.search(to_nina.body)
    assert get_user_model().objects.count() == 1


def test_a_signup_link_makes_the_account_once(client, db, open_signup):
    ask_to_sign_up(client, "nina@example.org")
    link = SIGNUP_LINK.search(mail.outbox[0].body).group(1)
    page = client.get(link)
    assert "For <strong>nina@example.org</strong>" in page.content.decode()
    form = form_with(page, "first_name", "username", "password1", "password2")
    response = submit(client, page, form, first_name="Nina", password1=PASSWORD, password2=PASSWORD)
    assert response.status_code == 302 and response.url == reverse("review_list")
    assert "Welcome, Nina" in client.get(response.url).content.decode()
    nina = get_user_model().objects.get(username="nina")
    assert nina.email == "nina@example.org" and nina.check_password(PASSWORD)

    client.logout()
    page = client.get(link)
    form = form_with(page, "first_name", "username", "password1", "password2")
    again = submit(
        client,
        page,
        form,
        first_name="Nina",
        username="nina2",
        password1=PASSWORD,
        password2=PASSWORD,
    )
    assert "nina@example.org has an account already: log in instead." in again.content.decode()
    assert get_user_model().objects.filter(email="nina@example.org").count() == 1


class PastSigner(signing.TimestampSigner):
    """Signs as sign-up does, but a minute more than the links' lifetime ago."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - SIGNUP_VALID_DAYS * 86400 - 60)


def test_a_forged_or_old_signup_link_is_refused(client, db, open_signup):
    ask_to_sign_up(client, "nina@example.org")
    link = SIGNUP_LINK.search(mail.outbox[0].body).group(1)
    forged = client.get(link[:-3] + ("xx/" if not link.endswith("xx/") else "yy/"))
    assert forged.status_code == 404
    assert "This sign-up link is not valid" in forged.content.decode()

    token = PastSigner(salt=SIGNUP_SALT).sign_object("nina@example.org")
    expired = client.get(reverse("signup_complete", args=[token]))
    assert expired.status_code == 410
    assert f"more than {SIGNUP_VALID_DAYS} days old" in expired.content.decode()


def test_signup_pages_are_not_found_while_signup_is_closed(client, db, settings):
    settings.OPEN_SIGNUP = True
    ask_to_sign_up(client, "nina@example.org")
    link = SIGNUP_LINK.search(mail.outbox[0].body).group(1)
    settings.OPEN_SIGNUP = False
    assert client.get(link).status_code == 404
    assert client.post(reverse("signup"), {"email": "x@example.org"}).status_code == 404
    assert len(mail.outbox) == 1


def test_open_signup_pages_show_their_errors_and_take_junk_without_a_500(client, db, open_signup):
    """The site-wide walks run with sign-up closed (its pages 404): these run them open."""
    from tests.test_forms_as_rendered import walk
    from tests.test_request_fuzz import fuzz

    ask_to_sign_up(client, "nina@example.org")
    link = SIGNUP_LINK.search(mail.outbox[0].body).group(1)
    for url in (reverse("signup"), link):
        assert walk(client, url) == []
        assert fuzz(client, url), f"{url} has no form to fuzz"
    assert not get_user_model().objects.exists()
