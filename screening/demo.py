"""Screening for the demo review: both reviewers' decisions, a few conflicts, some full texts.

Illustrative only: the verdicts are made up to show every state a record can be in.
"""

from reviews.models import Record, Review

from . import services
from .models import Stage, Verdict

INC, EXC, MAY = Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT

# Title/abstract votes of the two reviewers on the first unique records, in
# import order; records past these are left for the visitor to screen.
TITLE_ABSTRACT_VOTES = [
    (INC, INC),
    (INC, INC),
    (EXC, EXC),
    (INC, INC),
    (INC, EXC),
    (INC, INC),
    (EXC, EXC),
    (EXC, INC),
    (INC, INC),
    (MAY, INC),
]
# Full-text votes (with the reason for exclusions) on the records that passed.
FULL_TEXT_VOTES = [
    ((INC, None), (INC, None)),
    ((EXC, "Wrong population"), (EXC, "Wrong population")),
    ((INC, None), (EXC, "Wrong outcomes")),
]


def demo_screening(review: Review, reviewer1, reviewer2, lead) -> None:
    records = list(Record.objects.filter(review=review, duplicate_of__isnull=True).order_by("pk"))
    for record, votes in zip(records, TITLE_ABSTRACT_VOTES, strict=False):
        for reviewer, verdict in zip((reviewer1, reviewer2), votes, strict=True):
            services.decision_record(record=record, reviewer=reviewer, stage=TA, verdict=verdict)
    reasons = {reason.label: reason for reason in review.exclusion_reasons.all()}
    passed = [r for r in records if r.resolutions.filter(stage=TA, verdict=INC).exists()]
    for record, votes in zip(passed, FULL_TEXT_VOTES, strict=False):
        for reviewer, (verdict, reason) in zip((reviewer1, reviewer2), votes, strict=True):
            services.decision_record(
                record=record,
                reviewer=reviewer,
                stage=FT,
                verdict=verdict,
                reason=reasons.get(reason),
                note="Illustrative demo decision.",
            )
    if len(passed) > len(FULL_TEXT_VOTES):
        services.full_text_save(
            record=passed[len(FULL_TEXT_VOTES)],
            user=lead,
            not_retrieved_reason="Illustrative: no copy found and the authors did not reply.",
        )
