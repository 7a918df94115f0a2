"""The risk-of-bias part of ``data/``: every judgement with its support, and the answers
to the signalling questions, as far as the member exporting may see them."""

from __future__ import annotations

from extraction.models import Outcome, RobAssessment
from extraction.rob import Tool
from extraction.selectors import final_assessments, review_tools, rob_study_rows

from .scope import Scope
from .tables import Table


def visible_assessments(scope: Scope) -> list[tuple[Tool, RobAssessment]]:
    """The assessments this scope may see, tool by tool, study and outcome order."""
    tools = review_tools(scope.review)
    if scope.full:
        keys = {tool.key: tool for tool in tools}
        assessments = (
            RobAssessment.objects.filter(study__review=scope.review, tool__in=keys)
            .select_related("study", "outcome", "assessor")
            .order_by("tool", "study__name", "outcome_id", "consensus", "pk")
        )
        return [(keys[a.tool], a) for a in assessments]
    outcomes = [None, *Outcome.objects.filter(comparison__review=scope.review)]
    seen: list[tuple[Tool, RobAssessment]] = []
    for tool in tools:
        for outcome in outcomes:
            for row in rob_study_rows(scope.review, scope.membership, tool, outcome):
                shown = [row.shown] if row.shown else []
                for a in dict.fromkeys([*shown, *([row.mine] if row.mine else [])]):
                    seen.append((tool, a))
    return seen


def _final_ids(scope: Scope) -> set[int]:
    """The assessments the analyses use: per outcome, its own or the study-level one."""
    ids = set()
    for outcome in Outcome.objects.filter(comparison__review=scope.review).select_related(
        "comparison__review"
    ):
        for by_tool in final_assessments(outcome).values():
            ids |= {a.pk for a in by_tool.values()}
    return ids


def _label(tool: Tool, value: str | None) -> str:
    if not value:
        return ""
    try:
        return tool.judgement(value).label
    except ValueError:
        return value


def _kind(a: RobAssessment) -> str:
    return "consensus" if a.consensus else "assessor"


def rob_table(scope: Scope) -> Table:
    header = (
        "study_id", "study", "outcome_id", "outcome", "tool", "assessor", "kind",
        "used_in_analyses", "domain", "domain_name", "judgement", "support",
    )  # fmt: skip

    def rows():
        final = _final_ids(scope)
        for tool, a in visible_assessments(scope):
            outcome = (a.outcome_id or "", a.outcome.name if a.outcome else "")
            common = (a.study_id, a.study.name, *outcome, tool.name, a.assessor.username)
            used = "yes" if a.pk in final else "no"
            for domain in tool.domains:
                judgement = _label(tool, a.judgements.get(domain.key))
                support = a.support.get(domain.key, "")
                yield (*common, _kind(a), used, domain.key, domain.name, judgement, support)
            yield (*common, _kind(a), used, "overall", "Overall", _label(tool, a.overall), "")

    return Table("risk_of_bias", "Risk of bias", header, rows)


def rob_answers_table(scope: Scope) -> Table:
    header = (
        "study_id", "study", "outcome_id", "tool", "assessor", "kind", "question", "answer",
    )  # fmt: skip

    def rows():
        for tool, a in visible_assessments(scope):
            for question, answer in sorted(a.answers.items(), key=lambda item: _order(item[0])):
                yield (
                    a.study_id, a.study.name, a.outcome_id or "", tool.name,
                    a.assessor.username, _kind(a), question, answer or "",
                )  # fmt: skip

    return Table("risk_of_bias_answers", "Signalling questions", header, rows)


def _order(key: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in key.split("."))
