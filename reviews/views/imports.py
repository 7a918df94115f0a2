from celery.result import AsyncResult
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render

from config.celery import broker_reachable
from reviews.importers import FORMATS

from .. import selectors, services
from ..forms import ImportForm
from ..models import ImportBatch
from ..permissions import Ability, review_object, review_view


@review_view(Ability.VIEW, write=Ability.MANAGE)
def import_list(request, review):
    form = ImportForm(request.POST or None, request.FILES or None, formats=sorted(FORMATS))
    if request.method == "POST" and form.is_valid():
        batches = _create_batches(request, review, form)
        if batches:
            messages.info(request, "Check the preview, then confirm the import.")
            return redirect("import_detail", review.pk, batches[0].pk)
    context = {
        "review": review,
        "form": form,
        "batches": review.import_batches.select_related("created_by"),
        "by_source": selectors.identified_by_source(review),
        "duplicates_removed": selectors.duplicates_removed(review),
    }
    return render(request, "reviews/import_list.html", context)


def _create_batches(request, review, form) -> list[ImportBatch]:
    """All the chosen files become batches, or none does (errors name each file)."""
    fields = {k: v for k, v in form.cleaned_data.items() if k != "files"}
    try:
        with transaction.atomic():
            return [
                services.import_batch_create(
                    review=review, user=request.user, upload=upload, **fields
                )
                for upload in form.cleaned_data["files"]
            ]
    except ValidationError as error:
        form.add_error("files", error)
        return []


@review_view(Ability.VIEW)
def import_detail(request, review, batch_id: int):
    batch = review_object(ImportBatch.objects.select_related("created_by"), review, batch_id)
    preview = (
        services.import_preview(batch) if batch.status == ImportBatch.Status.UPLOADED else None
    )
    pending = review.import_batches.filter(status=ImportBatch.Status.UPLOADED).exclude(pk=batch.pk)
    context = {
        "review": review,
        "batch": batch,
        "preview": preview,
        "pending": pending,
        **_progress(batch),
    }
    return render(request, "reviews/import_detail.html", context)


@review_view(Ability.VIEW)
def import_progress(request, review, batch_id: int):
    """The progress fragment the import page polls while the import runs."""
    batch = review_object(ImportBatch, review, batch_id)
    response = render(
        request,
        "reviews/import_progress.html",
        {"review": review, "batch": batch, **_progress(batch)},
    )
    if not batch.in_progress:
        response["HX-Refresh"] = "true"  # reload the whole page to show the result
    return response


def _progress(batch: ImportBatch) -> dict:
    if batch.status == ImportBatch.Status.QUEUED:
        return {
            "progress_records": None,
            "progress_percent": None,
            "task_system_down": not broker_reachable(),
        }
    if batch.status != ImportBatch.Status.RUNNING or not batch.task_id:
        return {"progress_records": None, "progress_percent": None}
    info = AsyncResult(batch.task_id).info
    if not isinstance(info, dict):
        return {"progress_records": None, "progress_percent": None}
    return {
        "progress_records": info.get("records"),
        "progress_percent": round(100 * info.get("fraction", 0)),
    }


@review_view(Ability.MANAGE, methods=["POST"])
def import_commit(request, review, batch_id: int):
    batch = review_object(ImportBatch, review, batch_id)
    try:
        services.import_batch_commit(batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("import_detail", review.pk, batch.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def import_requeue(request, review, batch_id: int):
    batch = review_object(ImportBatch, review, batch_id)
    try:
        services.import_batch_requeue(batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, "Sent to the workers again.")
    return redirect("import_detail", review.pk, batch.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def import_discard(request, review, batch_id: int):
    batch = review_object(ImportBatch, review, batch_id)
    try:
        services.import_batch_discard(batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("import_detail", review.pk, batch.pk)
    messages.success(request, f"“{batch.file_name}” discarded.")
    return redirect("import_list", review.pk)
