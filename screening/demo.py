"""Screening for the demo review: both reviewers' decisions, the lead's resolutions, full texts.

Illustrative only: the verdicts are made up to show every state a record can
be in. Records are named by their demo number (``reviews.demo.demo_number``;
the list is in ``reviews/demo_data/README.md``). Of the 58 papers, 25 pass
title and abstract, 25 are excluded there, 3 wait as conflicts for the lead and
5 still wait for votes; at full text 17 reports of 16 studies are included, 5
excluded with a reason, 1 waits as a conflict, 1 for its second vote and 1 was
not retrieved.
"""

from reviews.demo import demo_records
from reviews.models import Record, Review

from . import services
from .models import Stage, Verdict

INC, EXC, MAY = Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT

STUDIES = (1, 2, 3, 4, 5, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
"""The reports included at full text: 16 trials, and a follow-up report (12) of trial 2."""

# Title/abstract votes of the first and the second reviewer; None: not voted yet.
TITLE_ABSTRACT = {
    **{n: (INC, INC) for n in (*STUDIES, 6, 8, 9, 10, 22, 23, 24, 25) if n != 18},
    18: (MAY, INC),  # a conflict the lead settled: include
    **{n: (EXC, EXC) for n in range(34, 59) if n != 45},
    45: (INC, EXC),  # a conflict the lead settled: exclude
    26: (INC, EXC),  # open conflicts for the lead
    27: (MAY, EXC),
    28: (MAY, MAY),  # everyone unsure: a maybe is a conflict
    30: (EXC, None),  # waiting for the second reviewer
    32: (INC, None),
}
TITLE_ABSTRACT_RESOLVED = {
    18: (INC, "A three-day infusion in fibromyalgia is in scope."),
    45: (EXC, "A retrospective cohort: not randomised."),
}

# Full-text votes: (verdict, exclusion reason) of each reviewer; None: not voted yet.
IN = (INC, None)
FULL_TEXT = {
    **{n: (IN, IN) for n in STUDIES if n != 3},
    3: (IN, (EXC, "Wrong comparator")),  # settled by the lead: lidocaine is an eligible control
    6: ((EXC, "Wrong outcomes"), (EXC, "Wrong outcomes")),
    8: ((EXC, "Wrong study design"), (EXC, "Duplicate report")),  # the lead picks the reason
    9: ((EXC, "Wrong population"), (EXC, "Wrong population")),
    22: ((EXC, "Wrong outcomes"), (EXC, "Wrong outcomes")),
    23: ((EXC, "Wrong intervention"), (EXC, "Wrong intervention")),
    10: (IN, (EXC, "Wrong comparator")),  # an open conflict for the lead
    25: (IN, None),  # waiting for the second reviewer
}
FULL_TEXT_RESOLVED = {
    3: (INC, None, "The protocol allows an active comparator such as lidocaine."),
    8: (EXC, "Wrong study design", "A pooled analysis of earlier trials, not a trial."),
}
FULL_TEXT_NOTES = {
    6: "Illustrative: only mood scores are reported, no pain outcome.",
    8: "Illustrative: the adverse events of two earlier trials pooled.",
    9: "Illustrative: migraine, which the protocol leaves out.",
    22: "Illustrative: pain measured only in the 48 hours after surgery.",
    23: "Illustrative: oral ketamine lozenges, no infusion.",
    10: "Illustrative: the factorial trial's control arm also received ketamine.",
}
LABELS = {3: ["active comparator"], 20: ["active comparator"], 12: ["follow-up report"]}
NOT_RETRIEVED = {24: "Illustrative: no library holds the journal and the authors did not reply."}


def demo_screening(review: Review, reviewer1, reviewer2, lead) -> None:
    """Both stages through the screening services, in the order a team would work."""
    records = demo_records(review)
    _vote(records, TITLE_ABSTRACT, TA, (reviewer1, reviewer2), reasons={})
    for number, (verdict, note) in TITLE_ABSTRACT_RESOLVED.items():
        services.conflict_resolve(
            record=records[number], stage=TA, verdict=verdict, lead=lead, note=note
        )
    for number, reason in NOT_RETRIEVED.items():
        services.full_text_save(record=records[number], user=lead, not_retrieved_reason=reason)
    reasons = {reason.label: reason for reason in review.exclusion_reasons.all()}
    _vote(records, FULL_TEXT, FT, (reviewer1, reviewer2), reasons=reasons)
    for number, (verdict, reason, note) in FULL_TEXT_RESOLVED.items():
        services.conflict_resolve(
            record=records[number],
            stage=FT,
            verdict=verdict,
            reason=reasons.get(reason),
            lead=lead,
            note=note,
        )


def _vote(records: dict[int, Record], votes: dict, stage: str, reviewers, *, reasons) -> None:
    for number, pair in votes.items():
        for reviewer, vote in zip(reviewers, pair, strict=True):
            if vote is None:
                continue
            verdict, reason = (vote, None) if stage == TA else vote
            services.decision_record(
                record=records[number],
                reviewer=reviewer,
                stage=stage,
                verdict=verdict,
                reason=reasons.get(reason),
                note=FULL_TEXT_NOTES.get(number, "") if stage == FT else "",
                labels=LABELS.get(number, []),
            )
