"""Analysis pages: the list, settings, results with figures, the PRISMA diagram, and the
risk-of-bias figures the extraction pages show."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from config.celery import broker_reachable
from extraction import selectors as extraction_selectors
from extraction.selectors import outcome_dataset
from reviews.permissions import Ability, review_object, review_view

from . import computation, figures, reporting, selectors, services
from .forms import AnalysisCreateForm, AnalysisSettingsForm
from .models import Analysis, Figure
from .plots.canvas import figure_bytes
from .prisma import prisma_flow


@review_view(Ability.VIEW, write=Ability.MANAGE)
def analysis_list(request, review):
    form = AnalysisCreateForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        outcome = form.cleaned_data["outcome"]
        settings = computation.default_settings(outcome, preset=form.cleaned_data["preset"])
        analysis = services.analysis_create(
            outcome=outcome, name=form.cleaned_data["name"] or outcome.name, settings=settings
        )
        messages.info(request, "Check the settings, then save and run.")
        return redirect("analysis_settings", review.pk, analysis.pk)
    rows = [(a, reporting.result_line(a)) for a in selectors.analyses(review)]
    context = {"review": review, "form": form, "rows": rows}
    return render(request, "synthesis/analysis_list.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def analysis_run_all(request, review):
    count = services.analysis_enqueue_all(review=review)
    messages.info(request, f"{count} analys{'i' if count == 1 else 'e'}s queued.")
    return redirect("analysis_list", review.pk)


def _analysis(review, analysis_id: int) -> Analysis:
    return review_object(
        Analysis.objects.select_related("outcome__comparison"), review, analysis_id
    )


@review_view(Ability.VIEW)
def analysis_detail(request, review, analysis_id: int):
    analysis = _analysis(review, analysis_id)
    if services.analysis_is_stale(analysis):
        services.analysis_enqueue(analysis=analysis)
        messages.info(request, "The data changed since the last run; the analysis runs again.")
    context = {
        "review": review,
        "analysis": analysis,
        "page": selectors.results_page(analysis),
        "figures": selectors.figure_kinds(analysis),
        "is_lead": request.membership.is_lead,
        "task_system_down": _task_system_down(analysis),
        "settings_words": reporting.settings_words(
            analysis.settings, subgroup_variable=analysis.outcome.subgroup_variable
        ),
    }
    return render(request, "synthesis/analysis_detail.html", context)


@review_view(Ability.VIEW)
def analysis_status(request, review, analysis_id: int):
    """The status fragment the results page polls while the analysis waits or runs.

    A read only: an analysis stuck in the queue is sent again by the reaper
    (a beat task) or by the lead's "Send it again" (``analysis_run``).
    """
    analysis = _analysis(review, analysis_id)
    context = {
        "review": review,
        "analysis": analysis,
        "is_lead": request.membership.is_lead,
        "task_system_down": _task_system_down(analysis),
    }
    response = render(request, "synthesis/analysis_status.html", context)
    if not analysis.in_progress:
        response["HX-Refresh"] = "true"  # reload the whole page to show the results
    return response


def _task_system_down(analysis: Analysis) -> bool:
    return analysis.status == Analysis.Status.QUEUED and not broker_reachable()


@review_view(Ability.VIEW, write=Ability.MANAGE)
def analysis_settings(request, review, analysis_id: int):
    analysis = _analysis(review, analysis_id)
    studies = list(dict.fromkeys(row["label"] for row in outcome_dataset(analysis.outcome)))
    for item in analysis.settings.get("excluded", []):  # a study since removed stays listed
        if item["study"] not in studies:
            studies.append(item["study"])
    form = AnalysisSettingsForm(
        request.POST or None,
        outcome=analysis.outcome,
        studies=studies,
        initial=AnalysisSettingsForm.initial_for(analysis.name, analysis.settings, studies),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.analysis_update(
                analysis=analysis, name=form.cleaned_data["name"], settings=form.settings()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            services.analysis_enqueue(analysis=analysis)
            return redirect("analysis_detail", review.pk, analysis.pk)
    context = {"review": review, "analysis": analysis, "form": form}
    return render(request, "synthesis/analysis_settings.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def analysis_run(request, review, analysis_id: int):
    analysis = _analysis(review, analysis_id)
    if not analysis.in_progress:
        services.analysis_enqueue(analysis=analysis)
    elif not services.analysis_reap(ids=[analysis.pk]):
        messages.info(
            request, "The analysis is on its way; it is sent again only once it is stuck."
        )
    return redirect("analysis_detail", review.pk, analysis.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def analysis_delete(request, review, analysis_id: int):
    analysis = _analysis(review, analysis_id)
    analysis.delete()
    messages.info(request, f"Analysis “{analysis.name}” deleted.")
    return redirect("analysis_list", review.pk)


def _figure_response(figure: Figure, filename: str, download: bool) -> HttpResponse:
    response = HttpResponse(bytes(figure.content), content_type=figure.content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}.{figure.format}"'
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = f'"{figure.input_hash[:32]}-{figure.format}"'
    return response


@review_view(Ability.VIEW)
def analysis_figure(request, review, analysis_id: int, kind: str, fmt: str):
    """A drawn figure of the analysis; while it is being drawn, back to the analysis."""
    analysis = _analysis(review, analysis_id)
    if kind not in Figure.Kind.values or fmt not in ("png", "svg"):
        raise Http404("No such figure.")
    figure = Figure.objects.filter(
        analysis=analysis, kind=kind, format=fmt, input_hash=analysis.input_hash
    ).first()
    if figure is None or analysis.status != Analysis.Status.DONE:
        messages.info(request, "That figure is not drawn yet.")
        return redirect("analysis_detail", review.pk, analysis.pk)
    name = f"{analysis.name} {Figure.Kind(kind).label}".lower().replace(" ", "-")
    return _figure_response(figure, name, "download" in request.GET)


@review_view(Ability.VIEW)
def prisma_diagram(request, review):
    flow = prisma_flow(review)
    drawn = services.prisma_figure(review=review, fmt="svg", flow=flow) is not None
    context = {"review": review, "flow": flow, "drawn": drawn}
    return render(request, "synthesis/prisma.html", context)


@review_view(Ability.VIEW)
def prisma_status(request, review):
    """Polled while the diagram is being drawn; reloads the page once it is."""
    drawn = services.prisma_figure(review=review, fmt="svg") is not None
    response = render(request, "synthesis/prisma_status.html", {"review": review, "drawn": drawn})
    if drawn:
        response["HX-Refresh"] = "true"
    return response


@review_view(Ability.VIEW)
def prisma_figure(request, review, fmt: str):
    if fmt not in Figure.Format.values:
        raise Http404("No such format.")
    figure = services.prisma_figure(review=review, fmt=fmt)
    if figure is None:
        messages.info(request, "The diagram is being drawn; it will be ready in a moment.")
        return redirect("prisma_diagram", review.pk)
    return _figure_response(figure, "prisma-2020-flow-diagram", "download" in request.GET)


ROB_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


@review_view(Ability.VIEW, methods=["GET"])
def rob_figure(request, review, tool_key: str):
    """``?plot=traffic-light|summary&format=png|svg&outcome=<id>&weights=equal|n``.

    Drawn from what the member may see: each study's consensus, or else its
    single assessment; studies awaiting consensus are left out. With
    ``weights=n`` the summary weighs each study by its participants in the
    outcome's data (summed over arms and subgroups; the largest outcome when
    the assessment is of the whole study), or equally when a study has none.
    """
    tool = extraction_selectors.review_tool(review, tool_key)
    plot = request.GET.get("plot", "traffic-light")
    fmt = request.GET.get("format", "png")
    if tool is None or plot not in figures.ROB_PLOTS or fmt not in ROB_FORMATS:
        raise Http404("Unknown figure.")
    outcome = extraction_selectors.rob_outcome(review, tool, request.GET.get("outcome", ""))
    rows = extraction_selectors.rob_study_rows(review, request.membership, tool, outcome)
    plotted, _ = extraction_selectors.rob_plotted(
        review, rows, outcome, by_participants=request.GET.get("weights") == "n"
    )
    figure = figures.rob_figure(tool, plotted, plot)
    response = HttpResponse(figure_bytes(figure, fmt), content_type=ROB_FORMATS[fmt])
    name = f"{tool.key}-{plot}" + (f"-outcome-{outcome.pk}" if outcome else "")
    response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    return response
