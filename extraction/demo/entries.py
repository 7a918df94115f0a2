"""The demo review's filled extraction form.

Illustrative only: every answer is invented to show the pages and matches no
real trial.
"""

from reviews.models import Review

from ..models import Study
from ..services import entries as services
from ..services.form_builder import extraction_form_current
from ..services.studies import studies_sync

# Answers to the default form, by field key, given to the studies in name order.
ANSWERS = [
    {
        "study_design": "Parallel-group RCT",
        "country": "Netherlands",
        "setting": "University hospital pain clinic",
        "recruitment_period_starts": "2006-02-01",
        "number_randomised": "60",
        "age_mean": "47.5",
        "women": "52",
        "inclusion_criteria": "Adults with complex regional pain syndrome type 1 for > 6 months.",
        "intervention_details": "IV S(+)-ketamine infusion over 4.2 days, titrated.",
        "dose": "0.35",
        "duration_of_treatment": "4.2",
        "comparator": "Saline placebo infusion, same schedule.",
        "outcomes_measured": ["Pain intensity", "Adverse events"],
        "follow_up": "12",
        "funding_source": "Public",
        "conflicts_of_interest_declared": "no",
    },
    {
        "study_design": "Parallel-group RCT",
        "country": "United States",
        "setting": "Outpatient infusion centre",
        "number_randomised": "19",
        "age_mean": "38.6",
        "intervention_details": "IV racemic ketamine, 4 hours a day for 10 days.",
        "dose": "0.35",
        "duration_of_treatment": "10",
        "comparator": "Saline placebo with midazolam.",
        "outcomes_measured": ["Pain intensity", "Sleep quality"],
        "follow_up": "12",
        "funding_source": "Industry",
        "conflicts_of_interest_declared": "yes",
        "notes": "Stopped early; numbers illustrative.",
    },
    {
        "study_design": "Cross-over RCT",
        "country": "Denmark",
        "number_randomised": "24",
        "age_mean": "52",
        "intervention_details": "Single IV ketamine infusion over 1 hour.",
        "dose": "0.5",
        "comparator": "Active placebo (midazolam).",
        "outcomes_measured": ["Pain intensity", "Adverse events"],
        "follow_up": "1",
        "funding_source": "Not reported",
    },
]


def demo_extraction(review: Review, reviewer1, reviewer2, lead) -> None:
    """Fill the form for the review's studies (made first from included reports).

    Without dual extraction, the first reviewer fills each study's shared
    entry. With it, both reviewers extract the first studies (disagreeing on a
    few answers) and the lead settles the first study; the next waits on the
    compare page.
    """
    studies_sync(review=review)
    if extraction_form_current(review) is None:
        return
    studies = list(Study.objects.filter(review=review).order_by("name", "pk"))
    for study, answers in zip(studies, ANSWERS, strict=False):
        services.entry_save(study=study, reviewer=reviewer1, data=answers)
        if review.dual_extraction:
            services.entry_save(study=study, reviewer=reviewer2, data=_second_opinion(answers))
    if review.dual_extraction and studies:
        _settle(studies[0], lead)


def _second_opinion(answers: dict) -> dict:
    """The second reviewer's answers: the same, but for a misread age and funding."""
    return {**answers, "age_mean": "45.7", "funding_source": "Not reported"}


def _settle(study: Study, lead) -> None:
    first = services.entries_independent(study)[0]
    services.entry_settle_agreements(study=study, lead=lead)
    for key in ("age_mean", "funding_source"):
        services.entry_settle(study=study, lead=lead, key=key, source=first)
