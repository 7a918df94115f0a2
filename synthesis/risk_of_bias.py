"""The risk-of-bias judgements analyses use: the final assessment of each study for an
outcome, the studies at high risk (left out in the robustness panel) and the
judgements drawn beside the forest plot.
"""

from __future__ import annotations

from extraction.models import Outcome
from extraction.rob import suggest_overall
from extraction.selectors import final_assessments, review_tools


def high_risk_studies(outcome: Outcome, final: dict | None = None) -> dict[str, str]:
    """The studies whose final risk-of-bias judgement for ``outcome`` is high.

    Parameters
    ----------
    outcome : Outcome
        The outcome analysed.
    final : dict, optional
        Its :func:`~extraction.selectors.final_assessments`, when the caller
        has read them already.

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
    not settled and count as nothing yet (see
    :func:`extraction.selectors.final_assessments`). High risk is each tool's
    ``high_risk`` judgements (RoB 2 "high"; RoB 1 "high", overall or in any
    domain, every domain being key; ROBINS-I "serious" or "critical"). The
    first tool (in the review's order) that judges a study high gives the
    wording.
    """
    found: dict[str, str] = {}
    final = final_assessments(outcome) if final is None else final
    for name, by_tool in final.items():
        for tool in review_tools(outcome.comparison.review):
            judgement = _high_judgement(tool, by_tool.get(tool.key))
            if judgement:
                found[name] = judgement
                break
    return found


def forest_rob(outcome: Outcome, final: dict | None = None) -> dict | None:
    """The judgements the forest plot shows beside the studies, as plain data.

    ``{"tool": "rob2", "studies": {name: {"judgements": {...}, "overall": ...}}}``
    for the review's first tool that has a final assessment; None when none has.
    """
    final = final_assessments(outcome) if final is None else final
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


def _high_judgement(tool, assessment) -> str | None:
    if assessment is None:
        return None
    judgement = tool.high_risk_judgement(assessment.judgements, assessment.overall)
    return judgement.label if judgement else None
