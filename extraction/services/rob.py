"""Risk of bias: the review's tools and saving one assessor's (or the consensus) judgements.

Validation rules of :func:`rob_save`, checked against the tool's definition in
:mod:`extraction.rob`:

- The tool must be one the review uses. RoB 2 judges a result, so it needs an
  outcome; RoB 1 and ROBINS-I take one optionally. The outcome must belong to
  the study's review.
- Unknown domains, signalling questions, answers and judgements are refused
  with a message naming them. Blank values mean "not yet" and are dropped, so
  an assessment can be saved half done.
- Answers to questions that do not apply (given the other answers) are dropped.
- A domain judgement that differs from the one the algorithm suggests from the
  answers is allowed, but only with a support text for that domain saying why.
  The same holds for the overall judgement against the tool's overall rule
  (key ``"overall"`` in ``support``).

Errors are raised as one ``ValidationError`` keyed by domain (``"D1"``),
``"overall"`` or ``"answers"``, so a form can show each message beside its field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from reviews.models import Review

from ..models import Outcome, RobAssessment, Study
from ..rob import TOOLS, Tool, applicable_questions, get_tool, suggest_domain, suggest_overall
from ..selectors import review_tools

OVERALL = "overall"


@transaction.atomic
def rob_tools_update(*, review: Review, tools: Iterable[str]) -> Review:
    """Set the review's tools. Assessments of a tool taken off stay, hidden, until it is back."""
    keys = list(dict.fromkeys(tools))
    if not keys:
        raise ValidationError("Choose at least one risk-of-bias tool.")
    for key in keys:
        if key not in TOOLS:
            raise ValidationError(f"“{key}” is not a risk-of-bias tool; known: {', '.join(TOOLS)}.")
    review.rob_tools = keys
    review.save(update_fields=["rob_tools", "updated"])
    return review


@transaction.atomic
def rob_save(
    *,
    study: Study,
    outcome: Outcome | None,
    tool: str | Tool,
    assessor,
    answers: Mapping[str, str | None],
    judgements: Mapping[str, str | None],
    support: Mapping[str, str | None],
    overall: str | None,
    consensus: bool = False,
) -> RobAssessment:
    """Validate and save one assessor's assessment (or the lead's consensus), keeping history.

    Returns the saved row; raises ``ValidationError`` (see the module docstring)
    with nothing saved.
    """
    tool = get_tool(tool)
    _check_target(study, outcome, tool)
    errors: dict[str, list[str]] = {}
    clean_answers = _clean_answers(tool, answers, errors)
    clean_judgements = _clean_judgements(tool, judgements, errors)
    clean_overall = _clean_overall(tool, overall, errors)
    clean_support = _clean_support(tool, support, errors)
    if not errors:
        _check_overrides(
            tool, clean_answers, clean_judgements, clean_overall, clean_support, errors
        )
    if errors:
        raise ValidationError(errors)
    assessment = RobAssessment.objects.select_for_update().filter(
        study=study, outcome=outcome, tool=tool.key, assessor=assessor, consensus=consensus
    ).first() or RobAssessment(
        study=study, outcome=outcome, tool=tool.key, assessor=assessor, consensus=consensus
    )
    assessment.answers = clean_answers
    assessment.judgements = clean_judgements
    assessment.support = clean_support
    assessment.overall = clean_overall
    assessment._history_user = assessor  # who changed it, also outside a request
    assessment.save()
    return assessment


def suggestions(
    tool: str | Tool, answers: Mapping[str, str | None], judgements: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Each domain's suggested judgement from the answers, and the overall one.

    The overall suggestion reads the assessor's domain judgements, falling back
    on the suggestion where a domain is not judged yet. Invalid answers count
    as unanswered here; :func:`rob_save` is where they are refused.
    """
    tool = get_tool(tool)
    result: dict[str, str | None] = {}
    for domain in tool.domains:
        own = _domain_answers(domain, answers)
        try:
            result[domain.key] = suggest_domain(tool.key, domain.key, own)
        except ValueError:
            result[domain.key] = None
    judged = {
        domain.key: _known_judgement(tool, judgements.get(domain.key)) or result[domain.key]
        for domain in tool.domains
    }
    result[OVERALL] = suggest_overall(tool.key, judged)
    return result


def applicable(tool: str | Tool, answers: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Per domain, the keys of the signalling questions that apply given the answers."""
    tool = get_tool(tool)
    result = {}
    for domain in tool.domains:
        try:
            asked = applicable_questions(tool.key, domain.key, _domain_answers(domain, answers))
        except ValueError:
            asked = applicable_questions(tool.key, domain.key, {})
        result[domain.key] = [question.key for question in asked]
    return result


def _check_target(study: Study, outcome: Outcome | None, tool: Tool) -> None:
    if tool.key not in {t.key for t in review_tools(study.review)}:
        raise ValidationError(
            f"This review does not use {tool.name}; the lead can add it in the risk-of-bias settings."
        )
    if outcome is None and tool.per_outcome:
        raise ValidationError(f"{tool.name} judges a result: choose the outcome it is about.")
    if outcome is not None and outcome.comparison.review_id != study.review_id:
        raise ValidationError("That outcome belongs to another review.")


def _domain_answers(domain, answers: Mapping[str, str | None]) -> dict[str, str | None]:
    keys = {question.key for question in domain.questions}
    return {key: value for key, value in answers.items() if key in keys}


def _clean_answers(
    tool: Tool, answers: Mapping[str, str | None], errors: dict[str, list[str]]
) -> dict[str, str]:
    """Valid answers to the questions that apply; unknown questions and answers are errors."""
    questions = {q.key: q for domain in tool.domains for q in domain.questions}
    given = {}
    for key, value in answers.items():
        value = (value or "").strip().upper()
        if not value:
            continue
        question = questions.get(key)
        if question is None:
            if not questions:
                message = f"{tool.name} has no signalling questions; judge each domain directly."
            else:
                message = f"{tool.name} has no signalling question “{key}”."
            errors.setdefault("answers", []).append(message)
        elif value not in question.options:
            options = "/".join(question.options)
            errors.setdefault("answers", []).append(
                f"“{value}” is not an answer to question {key} (choose {options})."
            )
        else:
            given[key] = value
    kept = {}
    for domain in tool.domains:
        own = _domain_answers(domain, given)
        for question in applicable_questions(tool.key, domain.key, own):
            if question.key in own:
                kept[question.key] = own[question.key]
    return kept


def _known_judgement(tool: Tool, value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return tool.judgement(value).key
    except ValueError:
        return None


def _judgement_error(tool: Tool, value: str) -> str:
    labels = ", ".join(j.label.lower() for j in tool.judgements)
    return f"“{value}” is not a {tool.name} judgement (choose {labels})."


def _clean_judgements(
    tool: Tool, judgements: Mapping[str, str | None], errors: dict[str, list[str]]
) -> dict[str, str]:
    domains = {domain.key for domain in tool.domains}
    clean = {}
    for key, value in judgements.items():
        if key not in domains:
            errors.setdefault(NON_FIELD_ERRORS, []).append(f"{tool.name} has no domain “{key}”.")
        elif value and value.strip():
            judgement = _known_judgement(tool, value)
            if judgement is None:
                errors.setdefault(key, []).append(_judgement_error(tool, value))
            else:
                clean[key] = judgement
    return clean


def _clean_overall(tool: Tool, overall: str | None, errors: dict[str, list[str]]) -> str:
    if not overall or not overall.strip():
        return ""
    judgement = _known_judgement(tool, overall)
    if judgement is None:
        errors.setdefault(OVERALL, []).append(_judgement_error(tool, overall))
        return ""
    return judgement


def _clean_support(
    tool: Tool, support: Mapping[str, str | None], errors: dict[str, list[str]]
) -> dict[str, str]:
    keys = {domain.key for domain in tool.domains} | {OVERALL}
    clean = {}
    for key, value in support.items():
        if key not in keys:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                f"Support text for “{key}”, which is not a {tool.name} domain."
            )
        elif value and value.strip():
            clean[key] = value.strip()
    return clean


def _check_overrides(
    tool: Tool,
    answers: dict[str, str],
    judgements: dict[str, str],
    overall: str,
    support: dict[str, str],
    errors: dict[str, list[str]],
) -> None:
    """A judgement other than the suggestion stands only with a reason in its support text."""
    suggested = suggestions(tool, answers, judgements)
    for key, given in [*judgements.items(), (OVERALL, overall)]:
        expected = suggested.get(key)
        if given and expected and given != expected and key not in support:
            name = "The overall judgement" if key == OVERALL else f"The judgement of {key}"
            errors.setdefault(key, []).append(
                f"{name} ({tool.judgement(given).label}) differs from the suggested "
                f"{tool.judgement(expected).label.lower()}: say why in the support text."
            )
