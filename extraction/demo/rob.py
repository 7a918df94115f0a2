"""RoB 2 judgements for the demo review.

Illustrative only: the answers and support texts are invented to show the
pages and figures, and describe no real trial.
"""

from reviews.models import Review

from ..models import Outcome, Study
from ..rob import suggest_domain, suggest_overall
from ..services.rob import rob_save
from ..services.studies import studies_sync

# Signalling-question answers that lead the RoB 2 algorithm to each judgement.
ANSWERS = {
    "D1": {
        "low": {"1.1": "Y", "1.2": "Y", "1.3": "N"},
        "some_concerns": {"1.1": "Y", "1.2": "NI", "1.3": "N"},
        "high": {"1.1": "PY", "1.2": "N", "1.3": "PY"},
    },
    "D2": {
        "low": {"2.1": "N", "2.2": "N", "2.6": "Y"},
        "some_concerns": {"2.1": "Y", "2.2": "Y", "2.3": "NI", "2.6": "Y"},
        "high": {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "Y", "2.5": "N", "2.6": "Y"},
    },
    "D3": {
        "low": {"3.1": "Y"},
        "some_concerns": {"3.1": "N", "3.2": "N", "3.3": "PY", "3.4": "N"},
        "high": {"3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "PY"},
    },
    "D4": {
        "low": {"4.1": "N", "4.2": "N", "4.3": "N"},
        "some_concerns": {"4.1": "N", "4.2": "NI", "4.3": "N"},
        "high": {"4.1": "N", "4.2": "N", "4.3": "Y", "4.4": "Y", "4.5": "PY"},
    },
    "D5": {
        "low": {"5.1": "Y", "5.2": "N", "5.3": "N"},
        "some_concerns": {"5.1": "NI", "5.2": "N", "5.3": "N"},
        "high": {"5.1": "N", "5.2": "PY", "5.3": "N"},
    },
}

SUPPORT = {
    "D1": {
        "low": "Illustrative: computer-generated list, central telephone allocation.",
        "some_concerns": "Illustrative: sealed envelopes, not said to be opaque.",
        "high": "Illustrative: allocation by date of visit; groups differ at baseline.",
    },
    "D2": {
        "low": "Illustrative: double-blind, matched saline placebo; ITT analysis.",
        "some_concerns": "Illustrative: open label; deviations not reported.",
        "high": "Illustrative: open label; rescue ketamine given mostly in the control group.",
    },
    "D3": {
        "low": "Illustrative: 2 of 60 participants missing at follow-up.",
        "some_concerns": "Illustrative: 15% missing, reasons balanced across groups.",
        "high": "Illustrative: 30% missing, more dropouts for pain in the control group.",
    },
    "D4": {
        "low": "Illustrative: self-reported pain, participants blinded.",
        "some_concerns": "Illustrative: unclear whether assessors knew the groups.",
        "high": "Illustrative: unblinded assessors rated pain at the visit.",
    },
    "D5": {
        "low": "Illustrative: matches the registered protocol.",
        "some_concerns": "Illustrative: no protocol or register entry found.",
        "high": "Illustrative: time point differs from the registered one.",
    },
}

L, S, H = "low", "some_concerns", "high"
# One profile per study, in study-name order: the judgement of D1 .. D5.
PROFILES = [
    (L, L, L, L, S),
    (S, L, L, L, L),
    (L, S, H, L, S),
    (L, L, L, L, L),
    (H, S, S, S, S),
    (L, L, S, L, L),
]


def demo_rob(review: Review, reviewer1, reviewer2, lead) -> list:
    """Two reviewers assess the first outcome's studies, blinded; the lead agrees a consensus.

    Call it after the demo's outcomes exist (RoB 2 judges a result). The
    second reviewer skips the last study and disagrees on the one before,
    which is left awaiting the lead's consensus.
    """
    studies_sync(review=review)
    outcome = Outcome.objects.filter(comparison__review=review).first()
    studies = list(Study.objects.filter(review=review).order_by("name", "pk")[: len(PROFILES)])
    if outcome is None or not studies:
        return []
    saved = []
    for number, (study, profile) in enumerate(zip(studies, PROFILES, strict=False)):
        last, disputed = number == len(studies) - 1, number == len(studies) - 2
        saved.append(_assess(study, outcome, reviewer1, profile))
        if last:
            continue
        second = (H, *profile[1:]) if disputed else profile
        saved.append(_assess(study, outcome, reviewer2, second))
        if not disputed:
            saved.append(_assess(study, outcome, lead, profile, consensus=True))
    return saved


def _assess(study, outcome, assessor, profile, *, consensus: bool = False):
    answers, judgements, support = {}, {}, {}
    for key, level in zip(ANSWERS, profile, strict=True):
        answers |= ANSWERS[key][level]
        judgements[key] = suggest_domain("rob2", key, ANSWERS[key][level])
        support[key] = SUPPORT[key][level]
    return rob_save(
        study=study,
        outcome=outcome,
        tool="rob2",
        assessor=assessor,
        answers=answers,
        judgements=judgements,
        support=support,
        overall=suggest_overall("rob2", judgements),
        consensus=consensus,
    )
