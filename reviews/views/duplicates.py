from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .. import selectors, services
from ..compare import compare_records
from ..models import DuplicatePair, Record
from ..permissions import Ability, review_object, review_view

PAGE_SIZE = 10


@review_view(Ability.MANAGE)
def duplicate_list(request, review):
    """The grey zone: pairs the matcher was unsure of, side by side, for the lead to settle."""
    page = Paginator(selectors.pairs_to_check(review), PAGE_SIZE).get_page(request.GET.get("page"))
    comparisons = [(pair, compare_records(pair.left, pair.right)) for pair in page]
    context = {
        "review": review,
        "page": page,
        "comparisons": comparisons,
        "duplicates_removed": selectors.duplicates_removed(review),
    }
    return render(request, "reviews/duplicate_list.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def duplicate_decide(request, review, pair_id: int):
    pair = review_object(DuplicatePair, review, pair_id)
    duplicate = request.POST.get("verdict") == "duplicate"
    services.pair_decide(pair=pair, duplicate=duplicate, user=request.user)
    messages.success(request, "Merged." if duplicate else "Kept as two different records.")
    back = request.POST.get("next", "")  # the record's story page, when decided there
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    page = request.POST.get("page", "1")
    return redirect(
        reverse("duplicate_list", args=[review.pk]) + f"?page={page if page.isdigit() else 1}"
    )


@review_view(Ability.MANAGE, methods=["POST"])
def record_split(request, review, record_id: int):
    record = review_object(Record, review, record_id)
    unlinked = services.record_split(record=record, user=request.user)
    if unlinked:
        messages.success(request, "The record was split off: it now counts as a record of its own.")
    else:
        messages.info(request, "This record was not merged with any other.")
    return redirect("record_detail", review.pk, record.pk)
