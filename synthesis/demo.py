"""The demo review's analyses, run in-process so `make run` opens on finished figures."""

from extraction.models import Outcome
from reviews.models import Review

from .computation import default_settings
from .models import Analysis
from .services import analysis_create, analysis_run, prisma_draw

REVMAN5_VARIANT = "Nausea"
"""The outcome with a second analysis under RevMan 5's defaults, left for the visitor to run."""


def demo_analyses(review: Review) -> list[Analysis]:
    """One analysis per outcome (Cochrane defaults), run, and the PRISMA diagram drawn.

    A RevMan 5 variant of the nausea analysis is created but not run: a draft
    shows what a prepared analysis looks like, and each run (drawing its
    figures) is most of the demo's loading time.
    """
    outcomes = Outcome.objects.filter(comparison__review=review).select_related("comparison")
    ran = [analysis_run(analysis_id=analysis_create(outcome=o, name=o.name).pk) for o in outcomes]
    for outcome in outcomes:
        if outcome.name == REVMAN5_VARIANT:
            settings = default_settings(outcome, preset="revman5")
            name = f"{outcome.name} (RevMan 5 defaults)"
            analysis_create(outcome=outcome, name=name, settings=settings)
    prisma_draw(review_id=review.pk)
    return ran
