"""The records browser and each record's story page, with the lead's actions on them.

They live in the top app because the browser filters on where records stand
(screening's knowledge) and the story ends in a study (extraction's).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from reviews import services as review_services
from reviews.models import Label, Record
from reviews.permissions import Ability, review_object, review_view
from reviews.selectors import labels_of, record_labels
from screening import services as screening_services
from screening.models import Stage
from screening.standing import sees_votes, standings

from . import selectors
from .forms import BULK_LIMIT, BulkActionForm, RecordFilterForm, RecordLabelForm
from .story import record_story

PAGE_SIZE = 50


@review_view(Ability.VIEW)
def record_list(request, review):
    """Every record of the review, filtered, sorted and paged; the lead acts on what it shows."""
    membership = request.membership
    form = RecordFilterForm(request.GET, membership=membership)
    valid = form.is_valid()
    records = selectors.records_browse(membership, form.cleaned_data) if valid else None
    page = selectors.records_page(
        records if valid else Record.objects.none(),
        number=form.cleaned_data["page"] if valid else 1,
        size=PAGE_SIZE,
        one_pass=valid and bool(form.cleaned_data["q"]),
    )
    stage = form.cleaned_data["stage"] if valid else Stage.TITLE_ABSTRACT
    rows = page.object_list
    stand = standings(rows, membership=membership, stage=stage)
    names = record_labels([record.pk for record in rows])
    context = {
        "review": review,
        "form": form,
        "page": page,
        "rows": [(record, stand[record.pk], names[record.pk]) for record in rows],
        "stage_label": Stage(stage).label,
        "sees_votes": sees_votes(membership),
        "show_mine": "mine" in form.fields,
        "query": form.query_string(),
        "previous_query": form.query_string(page=page.number - 1),
        "next_query": form.query_string(page=page.number + 1),
        "labels": labels_of(review),
    }
    if membership.is_lead:
        context["bulk_form"] = BulkActionForm(
            review=review, initial={"expected": page.paginator.count}
        )
        context["bulk_limit"] = BULK_LIMIT
    return render(request, "workspace/record_list.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def record_bulk(request, review):
    """One action on the records a filter shows, confirmed first, all or nothing."""
    filter_form = RecordFilterForm(request.GET, membership=request.membership)
    form = BulkActionForm(request.POST, review=review)
    back = reverse("record_list", args=[review.pk]) + "?" + filter_form.query_string()
    context = {
        "review": review,
        "form": form,
        "fields": [form[name] for name in ("action", "scope", "label_name", "reason", "note")],
        "back": back,
        "query": filter_form.query_string(),
    }
    valid = form.is_valid()
    if not filter_form.is_valid():
        form.add_error(None, "The records filter in the address is not valid: filter again.")
        valid = False
    if not valid:
        return render(request, "workspace/record_bulk.html", context)
    filtered = selectors.records_browse(request.membership, filter_form.cleaned_data)
    try:
        selection = form.selection(filtered)
        if not form.cleaned_data["confirm"]:
            context |= {
                "selection": selection,
                "preview": selection.records[:20],
                "heading": _describe(form.cleaned_data, selection.count),
            }
            return render(request, "workspace/record_bulk.html", context)
        message = _apply(form.cleaned_data, selection.records, review, request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "workspace/record_bulk.html", context)
    messages.success(request, message)
    return redirect(back)


def _describe(data: dict, count: int) -> str:
    records = f"{count:,} record{'s' if count != 1 else ''}"
    if data["action"] == "exclude":
        return f"exclude {records} at title/abstract"
    if data["action"] == "label":
        return f"label {records} “{' '.join(data['label_name'].split())}”"
    return f"take the label “{data['label']}” off {records}"


def _apply(data: dict, records, review, user) -> str:
    if data["action"] == "exclude":
        count = screening_services.records_exclude(
            review=review, records=records, reason=data["reason"], note=data["note"], lead=user
        )
        return f"Excluded {count:,} records at title/abstract ({data['reason']})."
    if data["action"] == "label":
        change = review_services.label_apply(
            review=review, records=records, name=data["label_name"], user=user
        )
        already = f" ({change.unchanged:,} had it already)" if change.unchanged else ""
        return f"Labelled {change.changed:,} records “{change.label}”{already}."
    change = review_services.label_remove(
        review=review, records=records, label=data["label"], user=user
    )
    return f"Took the label “{change.label}” off {change.changed:,} records."


@review_view(Ability.VIEW)
def record_detail(request, review, record_id: int):
    """The record's story: import, duplicates, each stage's decisions and resolution, its study."""
    record = review_object(
        Record.objects.select_related("batch__created_by", "duplicate_of"), review, record_id
    )
    story = record_story(record, membership=request.membership)
    context = {
        "review": review,
        "record": record,
        "story": story,
        "sources": story.sources,
        "label_form": RecordLabelForm(),
        "labels": labels_of(review),
    }
    return render(request, "workspace/record_detail.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def record_label(request, review, record_id: int):
    """Put a label on this record, or take it off."""
    record = review_object(Record, review, record_id)
    form = RecordLabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(record)
    records = Record.objects.filter(pk=record.pk)
    name, user = form.cleaned_data["name"], request.user
    try:
        if form.cleaned_data["remove"]:
            label = Label.objects.filter(review=review, name__iexact=name.strip()).first()
            if label is None:
                raise ValidationError(f"No label is called “{name}”.")
            review_services.label_remove(review=review, records=records, label=label, user=user)
            messages.success(request, f"Took the label “{label}” off.")
        else:
            change = review_services.label_apply(
                review=review, records=records, name=name, user=user
            )
            messages.success(request, f"Labelled “{change.label}”.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(record)
