"""The extraction form builder: the lead edits, every member may read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from reviews.permissions import Ability, review_object, review_view

from ..forms.entries import EntryForm, FieldForm
from ..models import ExtractionForm, FieldType, FormField, FormSection
from ..services import form_builder as services


@review_view(Ability.VIEW, write=Ability.MANAGE)
def extraction_form(request, review):
    """The current form (or ``?version=N``), with the lead's controls on the current one."""
    if request.method == "POST":
        _form_change(request, review)
        return redirect("extraction_form", review.pk)
    current = services.extraction_form_current(review)
    version = _version(review, request.GET.get("version"), current)
    context = {
        "review": review,
        "form": version,
        "current": current,
        "versions": ExtractionForm.objects.filter(review=review).order_by("-version"),
        "editable": version == current and request.membership.is_lead,
        "in_use": version is not None and version.entries.exists(),
        "preview": EntryForm(version=version) if version else None,
        "sections": version.sections.prefetch_related("fields") if version else [],
    }
    return render(request, "extraction/form_builder.html", context)


def _version(review, number: str | None, current):
    if not number or not number.isdigit():
        return current
    found = ExtractionForm.objects.filter(review=review, version=int(number)).first()
    if found is None:
        raise Http404("No such version.")
    return found


def _form_change(request, review) -> None:
    action = request.POST.get("action")
    try:
        if action == "add_section":
            services.section_add(review=review, user=request.user, title=request.POST.get("title"))
        elif action == "default" and services.extraction_form_current(review) is None:
            services.extraction_form_create_default(review=review, user=request.user)
        else:
            return
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Saved.")


@review_view(Ability.MANAGE, methods=["POST"])
def extraction_section(request, review, section_id: int):
    """Rename, move or delete a section."""
    section = review_object(FormSection, review, section_id, field="form__review")
    action, user = request.POST.get("action"), request.user
    try:
        if action == "rename":
            services.section_rename(section=section, user=user, title=request.POST.get("title"))
        elif action in ("up", "down"):
            services.section_move(section=section, user=user, offset=_offset(action))
        elif action == "delete":
            services.section_delete(section=section, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("extraction_form", review.pk)


def _offset(action: str) -> int:
    return -1 if action == "up" else 1


@review_view(Ability.MANAGE)
def extraction_field_add(request, review, section_id: int):
    section = review_object(FormSection, review, section_id, field="form__review")
    form = FieldForm(request.POST or None, initial={"type": FieldType.SHORT_TEXT})
    if request.method == "POST" and form.is_valid():
        try:
            services.field_add(section=section, user=request.user, **form.attributes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added “{form.cleaned_data['label']}”.")
            return redirect("extraction_form", review.pk)
    context = {"review": review, "section": section, "field_form": form}
    return render(request, "extraction/form_field.html", context)


@review_view(Ability.MANAGE)
def extraction_field(request, review, field_id: int):
    """Change a field; or, by ``action``, move it up or down or delete it."""
    field = review_object(
        FormField.objects.select_related("section__form"),
        review,
        field_id,
        field="section__form__review",
    )
    action = request.POST.get("action", "save")
    if request.method == "POST" and action != "save":
        _field_change(request, field, action)
        return redirect("extraction_form", review.pk)
    form = FieldForm(request.POST or None, instance=field)
    if request.method == "POST" and form.is_valid():
        try:
            services.field_update(field=field, user=request.user, **form.attributes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved “{form.cleaned_data['label']}”.")
            return redirect("extraction_form", review.pk)
    context = {"review": review, "section": field.section, "field": field, "field_form": form}
    return render(request, "extraction/form_field.html", context)


def _field_change(request, field, action: str) -> None:
    try:
        if action in ("up", "down"):
            services.field_move(field=field, user=request.user, offset=_offset(action))
        elif action == "delete":
            services.field_delete(field=field, user=request.user)
            messages.success(request, f"Deleted “{field.label}”.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
