from django.core.paginator import Paginator
from django.shortcuts import render

from .. import selectors
from ..models import Record
from ..permissions import Ability, review_object, review_view

PAGE_SIZE = 50


@review_view(Ability.VIEW)
def record_list(request, review):
    show = request.GET.get("show", "unique")
    if show not in selectors.RECORD_VIEWS:
        show = "unique"
    query = request.GET.get("q", "").strip()[:200]
    batch_id = _int(request.GET.get("batch"))
    records = selectors.records_search(review, query=query, batch_id=batch_id, show=show)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "review": review,
        "page": page,
        "query": query,
        "show": show,
        "views": selectors.RECORD_VIEWS,
        "batch_id": batch_id,
        "batches": review.import_batches.filter(status="done"),
    }
    return render(request, "reviews/record_list.html", context)


@review_view(Ability.VIEW)
def record_detail(request, review, record_id: int):
    record = review_object(
        Record.objects.select_related("batch", "duplicate_of"), review, record_id
    )
    context = {"review": review, "record": record, "sources": selectors.record_sources(record)}
    return render(request, "reviews/record_detail.html", context)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None  # an id, and one the database can hold
