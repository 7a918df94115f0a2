"""The demo review's analyses, run in-process so `make run` opens on finished figures."""

from extraction.models import Outcome
from reviews.models import Review

from .computation import default_settings
from .models import Analysis
from .services import analysis_create, analysis_run, prisma_draw

REVMAN5_VARIANT = "Nausea"
"""The outcome also analysed with RevMan 5's defaults, beside the current guidance."""


def demo_analyses(review: Review) -> list[Analysis]:
    """One analysis per outcome (Cochrane defaults), a RevMan 5 variant, the PRISMA diagram."""
    outcomes = Outcome.objects.filter(comparison__review=review).select_related("comparison")
    analyses = [analysis_create(outcome=o, name=o.name) for o in outcomes]
    for outcome in outcomes:
        if outcome.name == REVMAN5_VARIANT:
            settings = default_settings(outcome, preset="revman5")
            name = f"{outcome.name} (RevMan 5 defaults)"
            analyses.append(analysis_create(outcome=outcome, name=name, settings=settings))
    ran = [analysis_run(analysis_id=analysis.pk) for analysis in analyses]
    prisma_draw(review_id=review.pk)
    return ran
