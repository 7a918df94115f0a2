"""The workspace pages: the reviews list, a new review, its dashboard, settings and history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from reviews.forms import ReviewForm, ReviewSettingsForm
from reviews.history import review_history
from reviews.permissions import Ability, review_view
from reviews.selectors import identified_by_source, memberships_for_user
from screening import selectors as screening_selectors
from screening.models import Stage
from synthesis.prisma import prisma_flow

from . import selectors, services

HISTORY_PAGE = 50
# Pages past this are empty anyway; the cap keeps the offset a small number.
MAX_PAGE = 1_000_000


@login_required
def review_list(request):
    memberships = memberships_for_user(request.user)
    return render(request, "workspace/review_list.html", {"memberships": memberships})


@login_required
def review_create(request):
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = services.review_create(user=request.user, **form.cleaned_data)
        messages.success(request, f"Review “{review.title}” created. Add your team next.")
        return redirect("review_team", review.pk)
    return render(request, "workspace/review_create.html", {"form": form})


@review_view(Ability.VIEW)
def review_dashboard(request, review):
    flow = prisma_flow(review)
    context = {
        "review": review,
        "pipeline": selectors.review_pipeline(review, flow),
        "by_source": identified_by_source(review),
        "team": review.memberships.select_related("user"),
        "prisma": flow,
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
    return render(request, "workspace/review_dashboard.html", context)


@review_view(Ability.MANAGE)
def review_settings(request, review):
    form = ReviewSettingsForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        effects = services.review_settings_update(review=review, form=form)
        messages.success(request, "Review settings saved.")
        for effect in effects:
            messages.info(request, effect)
        return redirect("review_settings", review.pk)
    context = {"review": review, "form": form, "started": screening_selectors.started(review)}
    return render(request, "workspace/review_settings.html", context)


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
    return render(request, "workspace/review_history.html", context)


def _page_number(request) -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.GET.get("page", 1))))
    except ValueError:
        return 1
