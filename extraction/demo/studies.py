"""The demo review's studies: one per trial included at full text, a follow-up report linked.

Studies are made from the included reports as the Studies page makes them
("Author year"); the lead then links the later report of one trial to it.
"""

from reviews.models import Review

from ..models import Study
from ..services.studies import studies_sync, study_merge

# A later report (its own study at first) and the trial it reports on.
FOLLOW_UP_REPORTS = {"Sato 2022": "Sato 2014"}


def demo_studies(review: Review) -> list[Study]:
    """Build the studies from the included reports and link the follow-up report."""
    studies_sync(review=review)
    for report, trial in FOLLOW_UP_REPORTS.items():
        later = Study.objects.filter(review=review, name=report).first()
        if later is not None:
            study_merge(into=Study.objects.get(review=review, name=trial), other=later)
    return list(Study.objects.filter(review=review).order_by("name", "pk"))
