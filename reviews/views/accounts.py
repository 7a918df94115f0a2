"""Pages anyone may open: accepting an invitation, and open sign-up when it is on.

None of them tells a visitor without a valid link whether an address has an
account: sign-up answers every address the same way and says the rest by
e-mail, and a forged invitation link gets the same refusal as an unknown one.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from .. import services
from ..forms import AccountForm, SignupForm
from ..mail import MAIL_ERRORS
from ..models import Invitation, display_name
from ..services.invitations import wrong_user_message

# Accounts made here have just proved their address and chosen their password.
BACKEND = "django.contrib.auth.backends.ModelBackend"


def invitation_accept(request, invitation_id: int, token: str):
    try:
        invitation = services.invitation_for_token(invitation_id=invitation_id, token=token)
    except ValidationError as refusal:
        return _refused(request, refusal)
    if request.user.is_authenticated:
        return _accept_as_user(request, invitation, token)
    if services.invitation_has_account(invitation):
        login_url = reverse("login") + "?" + urlencode({"next": request.path})
        context = {"invitation": invitation, "login_url": login_url}
        return render(request, "reviews/invitation_log_in.html", context)
    return _accept_new_account(request, invitation, token)


def _accept_as_user(request, invitation: Invitation, token: str):
    context = {"invitation": invitation}
    if request.method == "POST":
        try:
            membership = services.invitation_accept(
                invitation_id=invitation.pk, token=token, user=request.user
            )
        except ValidationError as refusal:
            return _refused(request, refusal)
        return _welcome(request, membership)
    if (request.user.email or "").lower() != invitation.email:
        context["wrong_user"] = wrong_user_message(invitation, request.user)
    return render(request, "reviews/invitation_accept.html", context)


def _accept_new_account(request, invitation: Invitation, token: str):
    form = AccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept_new_account(
                invitation_id=invitation.pk, token=token, **_account_fields(form)
            )
        except ValidationError as refusal:
            if refusal.code is None:
                form.add_error(None, refusal)
            else:
                return _refused(request, refusal)
        else:
            login(request, membership.user, backend=BACKEND)
            return _welcome(request, membership)
    context = {"invitation": invitation, "form": form}
    return render(request, "reviews/invitation_new_account.html", context)


def _account_fields(form: AccountForm) -> dict:
    data = form.cleaned_data
    return {
        "username": data["username"],
        "password": data["password1"],
        "first_name": data["first_name"],
        "last_name": data["last_name"],
    }


def _welcome(request, membership):
    messages.success(
        request,
        f"Welcome to “{membership.review.title}”: you are on its team as "
        f"{membership.get_role_display()}.",
    )
    return redirect(membership.review.get_absolute_url())


# A refusal that only a holder of the right link can get says why, with its own status;
# those that leave the link alive answer 200, since Django logs a 4xx with its path.
REFUSAL_STATUS = {"invalid": 404, "wrong_user": 200, "has_account": 200}


def _refused(request, refusal: ValidationError):
    status = REFUSAL_STATUS.get(refusal.code, 410)
    context = {"reason": " ".join(refusal.messages), "code": refusal.code}
    return render(request, "reviews/invitation_refused.html", context, status=status)


def _require_open_signup() -> None:
    if not settings.OPEN_SIGNUP:
        raise Http404("Sign-up is closed: ask a review's lead to invite you.")


def signup(request):
    _require_open_signup()
    if request.user.is_authenticated:
        return redirect("review_list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.signup_request(email=email, site_url=request.build_absolute_uri("/"))
        except MAIL_ERRORS:
            form.add_error(None, "The message could not be sent (the mail server refused it).")
        else:
            return render(request, "registration/signup_sent.html", {"email": email})
    return render(request, "registration/signup.html", {"form": form})


def signup_complete(request, token: str):
    _require_open_signup()
    try:
        email = services.signup_token_email(token=token)
    except ValidationError as refusal:
        status = 410 if refusal.code == "expired" else 404
        context = {"reason": " ".join(refusal.messages)}
        return render(request, "registration/signup_refused.html", context, status=status)
    form = AccountForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.signup_complete(token=token, **_account_fields(form))
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, f"Welcome, {display_name(user)}.")
            return redirect("review_list")
    return render(request, "registration/signup_complete.html", {"form": form, "email": email})
