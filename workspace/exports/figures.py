"""The ``figures/`` part: every forest, funnel and robustness plot, the risk-of-bias plots
and the PRISMA 2020 diagram, each as PNG, SVG and PDF, drawn from what is stored."""

from __future__ import annotations

from collections.abc import Iterator

from extraction.models import Outcome, RobAssessment
from extraction.selectors import review_tools, rob_plotted, rob_study_rows
from synthesis.figures import DRAW, ROB_PLOTS, prisma_figures, rob_figure
from synthesis.models import Analysis
from synthesis.plots.canvas import figure_bytes
from synthesis.prisma import prisma_flow

from .scope import Scope

FORMATS = ("png", "svg", "pdf")


def _all_formats(figure) -> Iterator[tuple[str, bytes]]:
    for fmt in FORMATS:
        yield fmt, figure_bytes(figure, fmt)


def analysis_figures(analysis: Analysis) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of a done analysis's forest, funnel and robustness plots."""
    if analysis.status != Analysis.Status.DONE or not analysis.results:
        return
    for kind, draw in DRAW.items():
        figure = draw(analysis)
        if figure is None:
            continue
        for fmt, data in _all_formats(figure):
            yield f"figures/analysis-{analysis.pk}-{kind}.{fmt}", data


def rob_figures(scope: Scope) -> Iterator[tuple[str, bytes]]:
    """Traffic-light and summary plots of each tool, per outcome for a tool judging results."""
    for tool in review_tools(scope.review):
        for outcome in _rob_targets(scope, tool):
            rows = rob_study_rows(scope.review, scope.viewer, tool, outcome)
            plotted, _ = rob_plotted(scope.review, rows, outcome, by_participants=False)
            if not plotted:
                continue
            where = f"-outcome-{outcome.pk}" if outcome else ""
            for plot in ROB_PLOTS:
                figure = rob_figure(tool, plotted, plot)
                for fmt, data in _all_formats(figure):
                    yield f"figures/rob-{tool.key}{where}-{plot}.{fmt}", data


def _rob_targets(scope: Scope, tool) -> list[Outcome | None]:
    assessed = RobAssessment.objects.filter(study__review=scope.review, tool=tool.key)
    outcome_ids = set(assessed.values_list("outcome_id", flat=True))
    targets: list[Outcome | None] = [None] if None in outcome_ids else []
    outcomes = Outcome.objects.filter(pk__in=outcome_ids - {None}).order_by("pk")
    return targets + list(outcomes)


def prisma_files(scope: Scope) -> Iterator[tuple[str, bytes]]:
    flow = prisma_flow(scope.review)
    if not flow.identified_by_source:
        return
    for fmt, data in prisma_figures(flow, FORMATS).items():
        yield f"figures/prisma-2020-flow-diagram.{fmt}", data
