"""The review's team page: members, roles, leaving, and invitations."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from .. import services
from ..forms import InvitationForm, MemberAddForm, MemberRoleForm
from ..models import Invitation, Membership
from ..permissions import Ability, review_object, review_view


@review_view(Ability.VIEW, write=Ability.MANAGE)
def review_team(request, review):
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.membership_add(review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("identifier", error)
        else:
            messages.success(
                request, f"{member.user.username} added as {member.get_role_display()}."
            )
            return redirect("review_team", review.pk)
    return _team_page(request, review, form=form)


def _team_page(request, review, *, form=None, invite_form=None, sent=None):
    """The team page; ``sent`` shows a link just made, the only time it can be shown."""
    team = review.memberships.select_related("user").order_by("role", "user__username")
    form = MemberAddForm() if form is None else form
    invite_form = InvitationForm() if invite_form is None else invite_form
    # The page is also the answer to an invitation's POST: each form names its own URL.
    form.helper.form_action = reverse("review_team", args=[review.pk])
    invite_form.helper.form_action = reverse("invitation_create", args=[review.pk])
    invitations = review.invitations.filter(status=Invitation.Status.PENDING).select_related(
        "invited_by"
    )
    context = {
        "review": review,
        "team": team,
        "form": form,
        "role_form": MemberRoleForm(),
        "invite_form": invite_form,
        "invitations": invitations.order_by("created"),
        "sent": sent,
    }
    return render(request, "reviews/review_team.html", context)


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


@review_view(Ability.MANAGE, methods=["POST"])
def invitation_create(request, review):
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _team_page(request, review, invite_form=form)
    try:
        sent = services.invitation_create(
            review=review, invited_by=request.user, site_url=_site_url(request), **form.cleaned_data
        )
    except ValidationError as error:
        form.add_error("email", error)
        return _team_page(request, review, invite_form=form)
    return _team_page(request, review, sent=sent)


@review_view(Ability.MANAGE, methods=["POST"])
def invitation_resend(request, review, invitation_id: int):
    invitation = review_object(Invitation, review, invitation_id)
    try:
        sent = services.invitation_resend(invitation=invitation, site_url=_site_url(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("review_team", review.pk)
    return _team_page(request, review, sent=sent)


@review_view(Ability.MANAGE, methods=["POST"])
def invitation_revoke(request, review, invitation_id: int):
    invitation = review_object(Invitation, review, invitation_id)
    try:
        services.invitation_revoke(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Invitation of {invitation.email} revoked: its link no longer works."
        )
    return redirect("review_team", review.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def member_role(request, review, member_id: int):
    membership = review_object(
        Membership.objects.select_related("user", "review"), review, member_id
    )
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("review_team", review.pk)
    try:
        services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{membership.user.username} is now {membership.get_role_display()}."
        )
    return redirect("review_team", review.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def member_remove(request, review, member_id: int):
    membership = review_object(
        Membership.objects.select_related("user", "review"), review, member_id
    )
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.username} removed from the team.")
    return redirect("review_team", review.pk)
