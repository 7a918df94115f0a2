"""Log in, log out, password change, and the rate limit on failed log-ins."""

from axes.models import AccessAttempt
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.reviews.factories import UserFactory


def attempt(client, username, password, ip):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_it_logs_in_and_out(client, db):
    UserFactory(username="lena")
    response = attempt(client, "lena", PASSWORD, "10.0.0.1")
    assert response.status_code == 302 and response.url == reverse("review_list")
    assert client.get(reverse("review_list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("review_list")).status_code == 302


def test_it_changes_the_password(client, db):
    user = UserFactory(username="lena")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-Passphrase-7",
            "new_password2": "a-much-longer-Passphrase-7",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-Passphrase-7")


def test_failed_logins_lock_only_that_username_from_that_address(client, db, settings):
    UserFactory(username="lena")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "lena", "wrong", "10.0.0.66")
    locked = attempt(client, "lena", PASSWORD, "10.0.0.66")
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    # The real user, from their own address, still gets in: nobody can lock another out.
    assert attempt(client, "lena", PASSWORD, "10.0.0.1").status_code == 302


def test_a_username_longer_than_any_account_is_a_failed_login_not_a_500(client, db):
    # The recorded attempt's column holds 255 characters; PostgreSQL refused the whole
    # 300 until the username was cut to what an account can have.
    response = attempt(client, "x" * 300, "wrong", "10.0.0.7")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["x" * 150]
