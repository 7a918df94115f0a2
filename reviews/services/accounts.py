"""Accounts made from the browser: by accepting an invitation, or by open sign-up.

Open sign-up (``OPEN_SIGNUP``) proves the address first: the form takes an
e-mail address and always answers the same, while the message sent there holds
either a link to finish signing up or, when the address has an account, a note
saying so. So the page never tells whether an address has an account, and
nobody can hold an account under an address they cannot read.
"""

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from ..mail import mail_send

SIGNUP_SALT = "reviews.signup"
SIGNUP_VALID_DAYS = 2


@transaction.atomic
def user_create(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
):
    """A new active account; refused when the address or the username is taken."""
    users = get_user_model().objects
    email = email.strip().lower()
    if users.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} has an account already: log in instead.")
    if users.filter(username__iexact=username).exists():
        raise ValidationError(f"The username “{username}” is taken; choose another.")
    return users.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )


def signup_request(*, email: str, site_url: str) -> None:
    """E-mail ``email`` a link to finish signing up, or a note that it has an account."""
    email = email.strip().lower()
    if get_user_model().objects.filter(email__iexact=email).exists():
        login = site_url.rstrip("/") + reverse("login")
        reset = site_url.rstrip("/") + reverse("password_reset")
        context = {"email": email, "login": login, "reset": reset}
        mail_send(to=email, template="registration/signup_exists_email", context=context)
        return
    token = signing.dumps(email, salt=SIGNUP_SALT)
    link = site_url.rstrip("/") + reverse("signup_complete", args=[token])
    context = {"email": email, "link": link, "days": SIGNUP_VALID_DAYS}
    mail_send(to=email, template="registration/signup_email", context=context)


def signup_token_email(*, token: str) -> str:
    """The address a sign-up link was sent to, or a ValidationError when it is forged or old."""
    try:
        return signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_VALID_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise ValidationError(
            f"This sign-up link is more than {SIGNUP_VALID_DAYS} days old: sign up again.",
            code="expired",
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            "This sign-up link is not valid: check that you copied all of it.", code="invalid"
        ) from None


def signup_complete(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """The account for a sign-up link's address (a second use finds it taken)."""
    email = signup_token_email(token=token)
    return user_create(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
