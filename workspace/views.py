"""The workspace pages: the reviews list, a new review, its dashboard, settings, history
and exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render

from reviews.forms import ReviewForm, ReviewSettingsForm
from reviews.history import review_history
from reviews.permissions import Ability, review_object, review_view
from reviews.selectors import identified_by_source, memberships_for_user
from reviews.spreadsheets import csv_chunks
from screening import selectors as screening_selectors
from screening.models import Stage
from synthesis.models import Analysis
from synthesis.prisma import prisma_flow

from . import selectors, services
from .exports import parts, references
from .exports import records as exports_records
from .exports.scope import Scope
from .forms import RecordsExportForm
from .models import Export

HISTORY_PAGE = 50
# Pages past this are empty anyway; the cap keeps the offset a small number.
MAX_PAGE = 1_000_000
RECORDS_DEFAULT = {"stage": Stage.TITLE_ABSTRACT, "status": "all", "format": "csv"}


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


# Exports: the bundle (built in a task, polled while it builds) and the parts on their own


def _own_export(request, review, export_id: int) -> Export | None:
    """The export if it is this member's: a bundle holds what its maker may see."""
    export = review_object(Export, review, export_id)
    return export if export.created_by_id == request.user.pk else None


@review_view(Ability.VIEW)
def review_export(request, review):
    """GET shows the page; POST queues a bundle for this member."""
    if request.method == "POST":
        services.export_create(review=review, membership=request.membership)
        messages.info(request, "The bundle is being built; this page shows its progress.")
        return redirect("review_export", review.pk)
    context = {
        "review": review,
        "exports": Export.objects.filter(review=review, created_by=request.user)[:10],
        "full": Scope(review, request.membership).full,
        "records_form": RecordsExportForm(),
        "analyses": Analysis.objects.filter(review=review).order_by("pk"),
    }
    return render(request, "workspace/export.html", context)


@review_view(Ability.VIEW, methods=["GET", "HEAD"])
def export_status(request, review, export_id: int):
    """The fragment the page polls while a bundle is queued or building (a read only)."""
    export = _own_export(request, review, export_id)
    if export is None:
        return redirect("review_export", review.pk)
    response = render(request, "workspace/export_status.html", {"review": review, "export": export})
    if not export.in_progress and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the page shows the download link
    return response


@review_view(Ability.VIEW, methods=["GET", "HEAD"])
def export_download(request, review, export_id: int):
    export = _own_export(request, review, export_id)
    if export is None or export.status != Export.Status.DONE or not export.file:
        messages.info(request, "That bundle is not yours, or not ready yet.")
        return redirect("review_export", review.pk)
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.download_name)


@review_view(Ability.VIEW, methods=["GET", "HEAD"])
def export_records(request, review):
    """Records at a stage and result, as CSV or RIS, streamed."""
    form = RecordsExportForm(request.GET or RECORDS_DEFAULT)
    if not form.is_valid():
        messages.error(request, "Choose a stage, a result and a format.")
        return redirect("review_export", review.pk)
    stage, status, fmt = (form.cleaned_data[k] for k in ("stage", "status", "format"))
    scope = Scope(review, request.membership)
    records = exports_records.records_at(scope, stage, status)
    name = f"records-{Stage(stage).name.lower().replace('_', '-')}-{status}"
    if fmt == "ris":
        chunks = references.labelled(scope, records.order_by("batch_id", "position", "pk"))
        response = StreamingHttpResponse(chunks, content_type="application/x-research-info-systems")
    else:
        rows = exports_records.records_rows(records)
        chunks = csv_chunks(exports_records.RECORD_HEADER, rows)
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@review_view(Ability.MANAGE, methods=["GET", "HEAD"])
def export_conflicts(request, review):
    """Open and settled conflicts with each reviewer's vote: the lead's view only."""
    scope = Scope(review, request.membership)
    table = exports_records.conflict_votes_table(scope)
    response = StreamingHttpResponse(
        csv_chunks(table.header, table.rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="conflicts.csv"'
    return response


@review_view(Ability.VIEW, methods=["GET", "HEAD"])
def export_analysis(request, review, analysis_id: int):
    analysis = review_object(
        Analysis.objects.select_related("outcome__comparison"), review, analysis_id
    )
    response = HttpResponse(parts.analysis_zip(analysis), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="analysis-{analysis.pk}.zip"'
    return response


@review_view(Ability.VIEW, methods=["GET", "HEAD"])
def export_prisma2020(request, review):
    text = parts.prisma2020_csv(Scope(review, request.membership))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="PRISMA2020.csv"'
    return response
