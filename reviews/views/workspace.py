from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from screening import selectors as screening_selectors
from screening.models import Stage

from .. import selectors, services
from ..forms import MemberAddForm, MemberRoleForm, ReviewForm, ReviewSettingsForm
from ..history import review_history
from ..models import Membership
from ..permissions import Ability, review_object, review_view

HISTORY_PAGE = 50


@login_required
def review_list(request):
    memberships = selectors.memberships_for_user(request.user)
    return render(request, "reviews/review_list.html", {"memberships": memberships})


@login_required
def review_create(request):
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = services.review_create(user=request.user, **form.cleaned_data)
        messages.success(request, f"Review “{review.title}” created. Add your team next.")
        return redirect("review_team", review.pk)
    return render(request, "reviews/review_create.html", {"form": form})


@review_view(Ability.VIEW)
def review_dashboard(request, review):
    context = {
        "review": review,
        "pipeline": selectors.review_pipeline(review),
        "by_source": selectors.identified_by_source(review),
        "team": review.memberships.select_related("user"),
        "prisma": screening_selectors.prisma_counts(review),
    }
    # Agreement and conflict counts would tell a blinded reviewer how others voted.
    if request.membership.is_lead or not review.blinding:
        context["agreement"] = [
            (Stage(stage).label, screening_selectors.agreement_by_pair(review, stage))
            for stage in Stage
        ]
        context["conflicts"] = {
            stage: screening_selectors.stage_counts(review, stage).conflicts for stage in Stage
        }
    return render(request, "reviews/review_dashboard.html", context)


@review_view(Ability.MANAGE)
def review_settings(request, review):
    form = ReviewSettingsForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Review settings saved.")
        return redirect("review_settings", review.pk)
    return render(request, "reviews/review_settings.html", {"review": review, "form": form})


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


@review_view(Ability.MANAGE)
def review_history_page(request, review):
    page = _page_number(request)
    entries = review_history(review, offset=(page - 1) * HISTORY_PAGE, limit=HISTORY_PAGE + 1)
    context = {
        "review": review,
        "entries": entries[:HISTORY_PAGE],
        "page": page,
        "has_next": len(entries) > HISTORY_PAGE,
    }
    return render(request, "reviews/review_history.html", context)


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1
