"""The risk-of-bias judgements analyses use: the final assessment of each study for an
outcome, the studies at high risk (left out in the robustness panel) and the
judgements drawn beside the forest plot.
"""

from __future__ import annotations

from django.db.models import Q

from extraction.models import Outcome, RobAssessment
from extraction.rob import Tool, rob1, rob2, robins_i, suggest_overall
from extraction.services.rob import review_tools

#: The final overall judgements that count as high risk of bias, per tool.
HIGH_RISK = {
    rob2.TOOL.key: {rob2.HIGH},
    rob1.TOOL.key: {rob1.HIGH},
    robins_i.TOOL.key: {robins_i.SERIOUS, robins_i.CRITICAL},
}


def high_risk_studies(outcome: Outcome) -> dict[str, str]:
    """The studies whose final risk-of-bias judgement for ``outcome`` is high.

    Parameters
    ----------
    outcome : Outcome
        The outcome analysed.

    Returns
    -------
    dict of str to str
        Study name (as in :func:`extraction.selectors.outcome_dataset`) to the
        judgement's wording, e.g. ``{"Smith 2010": "High"}``.

    Notes
    -----
    For each tool the review uses, the assessment of this outcome is read,
    or the study-level one (no outcome) when there is none for the outcome.
    The final assessment is the consensus, or the only assessment when one
    assessor judged alone; two or more assessments without a consensus are
    not settled and count as nothing yet. High risk is RoB 2 "high", RoB 1
    "high" (overall, or in any domain, every domain being key), ROBINS-I
    "serious" or "critical". The first tool (in the review's order) that
    judges a study high gives the wording.
    """
    found: dict[str, str] = {}
    for name, by_tool in final_assessments(outcome).items():
        for tool in review_tools(outcome.comparison.review):
            judgement = _high_judgement(tool, by_tool.get(tool.key))
            if judgement:
                found[name] = judgement
                break
    return found


def final_assessments(outcome: Outcome) -> dict[str, dict[str, RobAssessment]]:
    """Study name → tool key → the final assessment that applies to ``outcome``.

    The outcome's own assessment, else the study-level one; the consensus, or
    the single assessment. Studies still awaiting a consensus are left out.
    """
    review = outcome.comparison.review
    tools = review_tools(review)
    assessments = (
        RobAssessment.objects.filter(study__review=review, tool__in=[t.key for t in tools])
        .filter(Q(outcome=outcome) | Q(outcome__isnull=True))
        .select_related("study")
        .order_by("study__name", "pk")
    )
    by_target: dict[tuple, list[RobAssessment]] = {}
    for assessment in assessments:
        key = (assessment.study.name, assessment.tool, assessment.outcome_id is not None)
        by_target.setdefault(key, []).append(assessment)
    final: dict[str, dict[str, RobAssessment]] = {}
    for name in dict.fromkeys(key[0] for key in by_target):
        for tool in tools:
            target = by_target.get((name, tool.key, True)) or by_target.get(
                (name, tool.key, False), []
            )
            if (assessment := _final(target)) is not None:
                final.setdefault(name, {})[tool.key] = assessment
    return final


def forest_rob(outcome: Outcome) -> dict | None:
    """The judgements the forest plot shows beside the studies, as plain data.

    ``{"tool": "rob2", "studies": {name: {"judgements": {...}, "overall": ...}}}``
    for the review's first tool that has a final assessment; None when none has.
    """
    final = final_assessments(outcome)
    for tool in review_tools(outcome.comparison.review):
        studies = {
            name: {
                "judgements": dict(by_tool[tool.key].judgements),
                "overall": by_tool[tool.key].overall
                or suggest_overall(tool.key, by_tool[tool.key].judgements),
            }
            for name, by_tool in final.items()
            if tool.key in by_tool
        }
        if studies:
            return {"tool": tool.key, "studies": studies}
    return None


def _final(assessments: list[RobAssessment]) -> RobAssessment | None:
    """The consensus, or the single assessment; None while assessors await a consensus."""
    consensus = [a for a in assessments if a.consensus]
    if consensus:
        return consensus[0]
    return assessments[0] if len(assessments) == 1 else None


def _high_judgement(tool: Tool, assessment: RobAssessment | None) -> str | None:
    if assessment is None:
        return None
    overall = assessment.overall or suggest_overall(tool.key, assessment.judgements)
    if tool.key == rob1.TOOL.key and rob1.HIGH in assessment.judgements.values():
        overall = rob1.HIGH
    if overall in HIGH_RISK.get(tool.key, ()):
        return tool.judgement(overall).label
    return None
