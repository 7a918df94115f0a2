"""The demo review's analyses, run in-process so `make run` opens on finished figures."""

from extraction.models import Outcome
from reviews.models import Review

from .computation import default_settings
from .services import analysis_create, analysis_run, prisma_draw


def demo_analyses(review: Review) -> None:
    """One analysis per outcome (Cochrane defaults), a RevMan 5 variant, the PRISMA diagram."""
    outcomes = Outcome.objects.filter(comparison__review=review).select_related("comparison")
    analyses = [analysis_create(outcome=o, name=o.name) for o in outcomes]
    nausea = next((o for o in outcomes if o.name == "Nausea"), None)
    if nausea is not None:
        analyses.append(
            analysis_create(
                outcome=nausea,
                name="Nausea (RevMan 5 defaults)",
                settings=default_settings(nausea, preset="revman5"),
            )
        )
    for analysis in analyses:
        analysis_run(analysis_id=analysis.pk)
    prisma_draw(review_id=review.pk)
