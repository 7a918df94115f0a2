"""The review's team page: members, roles, leaving."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from .. import services
from ..forms import MemberAddForm, MemberRoleForm
from ..models import Membership
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
    team = review.memberships.select_related("user").order_by("role", "user__username")
    context = {"review": review, "team": team, "form": form, "role_form": MemberRoleForm()}
    return render(request, "reviews/review_team.html", context)


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
