"""Risk of bias: the tools setting, the overview per tool, assessment and consensus pages
and the live suggestion endpoint. The figures are drawn and served by synthesis
(``synthesis.views.rob_figure``), at the URL the overview links to.

Blinding, as in screening: while the review is blinded, a reviewer sees only
their own assessments and the consensus; the lead and viewers see everyone's.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from matplotlib.colors import to_rgb

from reviews.models import display_name
from reviews.permissions import Ability, has_ability, review_object, review_view

from .. import selectors
from ..forms.rob import RobAssessmentForm, RobToolsForm, question_field
from ..models import Outcome, RobAssessment, Study
from ..rob import ANSWER_LABELS, Tool
from ..selectors import StudyRob
from ..services import rob as services
from ..services.rob import OVERALL


def _tool(review, tool_key: str) -> Tool:
    tool = selectors.review_tool(review, tool_key)
    if tool is None:
        raise Http404("This review does not use that risk-of-bias tool.")
    return tool


def _outcome(review, outcome_id) -> Outcome:
    queryset = Outcome.objects.select_related("comparison")
    return review_object(queryset, review, outcome_id, field="comparison__review")


def _study_rows(review, membership, tool: Tool, outcome: Outcome | None) -> list[StudyRob]:
    rows = selectors.rob_study_rows(review, membership, tool, outcome)
    for row in rows:
        row.cells = _cells(tool, row.shown)
    return rows


def _badge(tool: Tool, key: str | None) -> dict | None:
    if not key:
        return None
    judgement = tool.judgement(key)
    red, green, blue = to_rgb(judgement.colour)
    text = "#000" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "#fff"
    return {
        "key": judgement.key,
        "label": judgement.label,
        "symbol": judgement.symbol,
        "style": f"background-color: {judgement.colour}; color: {text}",
    }


def _cells(tool: Tool, assessment: RobAssessment | None) -> list:
    if assessment is None:
        return [None] * (len(tool.domains) + 1)
    keys = [assessment.judgements.get(d.key) for d in tool.domains] + [assessment.overall]
    return [_badge(tool, key) for key in keys]


# Pages -------------------------------------------------------------------


@review_view(Ability.VIEW)
def rob_home(request, review):
    return redirect("rob_list", review.pk, selectors.review_tools(review)[0].key)


@review_view(Ability.MANAGE)
def rob_settings(request, review):
    initial = {"tools": [tool.key for tool in selectors.review_tools(review)]}
    data = request.POST if request.method == "POST" else None
    form = RobToolsForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rob_tools_update(review=review, tools=form.cleaned_data["tools"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Risk-of-bias tools saved.")
            return redirect("rob_home", review.pk)
    return render(request, "extraction/rob_settings.html", {"review": review, "form": form})


@review_view(Ability.VIEW)
def rob_list(request, review, tool_key: str):
    tool = _tool(review, tool_key)
    outcome = selectors.rob_outcome(review, tool, request.GET.get("outcome", ""))
    outcomes = Outcome.objects.filter(comparison__review=review).select_related("comparison")
    rows = _study_rows(review, request.membership, tool, outcome)
    figure_query = f"outcome={outcome.pk}" if outcome else ""
    context = {
        "review": review,
        "tool": tool,
        "tools": selectors.review_tools(review),
        "outcome": outcome,
        "outcomes": outcomes,
        "needs_outcome": tool.per_outcome,
        "rows": rows,
        "plotted": sum(row.shown is not None for row in rows),
        "figure_url": reverse("rob_figure", args=[review.pk, tool.key]),
        "figure_query": figure_query,
        "weight_note": selectors.rob_plotted(review, rows, outcome, by_participants=True)[1]
        if rows
        else "",
        "can_assess": has_ability(request.membership, Ability.CONTRIBUTE),
        "is_lead": has_ability(request.membership, Ability.MANAGE),
        "legend": [_badge(tool, j.key) for j in tool.judgements],
    }
    return render(request, "extraction/rob_list.html", context)


def _assess_url(name: str, review, tool: Tool, study, outcome) -> str:
    if outcome is None:
        return reverse(name, args=[review.pk, tool.key, study.pk])
    return reverse(f"{name}_outcome", args=[review.pk, tool.key, study.pk, outcome.pk])


def _target(review, tool_key: str, study_id: int, outcome_id: int | None):
    """The study, outcome (or None) and tool an assessment page is about; 404 outside the review."""
    study = review_object(Study, review, study_id)
    outcome = _outcome(review, outcome_id) if outcome_id is not None else None
    return study, outcome, _tool(review, tool_key)


@review_view(Ability.CONTRIBUTE)
def rob_assess(request, review, tool_key: str, study_id: int, outcome_id: int | None = None):
    study, outcome, tool = _target(review, tool_key, study_id, outcome_id)
    if outcome is None and tool.per_outcome:
        messages.info(request, f"{tool.name} judges a result: choose the outcome first.")
        return redirect("rob_list", review.pk, tool.key)
    mine = RobAssessment.objects.filter(
        study=study, outcome=outcome, tool=tool.key, assessor=request.user, consensus=False
    ).first()
    return _assessment_page(request, review, tool, study, outcome, mine, consensus=False)


@review_view(Ability.MANAGE)
def rob_consensus(request, review, tool_key: str, study_id: int, outcome_id: int | None = None):
    study, outcome, tool = _target(review, tool_key, study_id, outcome_id)
    if outcome is None and tool.per_outcome:
        messages.info(request, f"{tool.name} judges a result: choose the outcome first.")
        return redirect("rob_list", review.pk, tool.key)
    existing = RobAssessment.objects.filter(
        study=study, outcome=outcome, tool=tool.key, consensus=True
    ).first()
    return _assessment_page(request, review, tool, study, outcome, existing, consensus=True)


def _assessment_page(request, review, tool, study, outcome, existing, *, consensus: bool):
    others = selectors.independent_assessments(study, outcome, tool) if consensus else []
    initial = _initial(existing, others)
    data = request.POST if request.method == "POST" else None
    form = RobAssessmentForm(data, tool=tool, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _save(request, form, study, outcome, tool, existing, consensus=consensus):
            messages.success(request, "Consensus saved." if consensus else "Assessment saved.")
            return redirect(
                _list_url(review, tool, outcome) if "done" in request.POST else request.path
            )
    values = form.data if form.is_bound else initial
    answers, judgements = _answers_and_judgements(tool, values)
    context = {
        "review": review,
        "tool": tool,
        "study": study,
        "outcome": outcome,
        "form": form,
        "consensus": consensus,
        "domains": _domain_blocks(form, tool, answers, judgements, others, review),
        "overall": _overall_block(form, tool, answers, judgements, others, review),
        "others": others,
        "history": _history(existing),
        "suggest_url": reverse("rob_suggest", args=[review.pk, tool.key]),
        "assess_url": _assess_url("rob_assess", review, tool, study, outcome),
        "consensus_url": _assess_url("rob_consensus", review, tool, study, outcome),
        "is_lead": has_ability(request.membership, Ability.MANAGE),
        "list_url": _list_url(review, tool, outcome),
        "answer_labels": ANSWER_LABELS,
    }
    return render(request, "extraction/rob_assess.html", context)


def _list_url(review, tool: Tool, outcome) -> str:
    url = reverse("rob_list", args=[review.pk, tool.key])
    return url + (f"?outcome={outcome.pk}" if outcome else "")


def _initial(existing: RobAssessment | None, others: list[RobAssessment]) -> dict:
    """The saved values; for a new consensus, whatever every assessor agrees on."""
    if existing is not None:
        source = [existing]
    elif others:
        source = others
    else:
        return {}
    parts = []
    for name in ("answers", "judgements", "support"):
        values = [getattr(a, name) for a in source]
        parts.append({k: v for k, v in values[0].items() if all(o.get(k) == v for o in values)})
    overall = source[0].overall if all(a.overall == source[0].overall for a in source) else ""
    if existing is None:
        parts[2] = {}  # support texts are the assessors' words; the consensus writes its own
    return RobAssessmentForm.initial_from(*parts, overall)


def _save(request, form, study, outcome, tool, existing, *, consensus: bool) -> bool:
    payload = form.payload()
    if existing is None and not any(any(v for v in part.values()) for part in _parts(payload)):
        form.add_error(None, "Nothing to save yet: answer a question or judge a domain.")
        return False
    try:
        services.rob_save(
            study=study,
            outcome=outcome,
            tool=tool,
            assessor=request.user,
            consensus=consensus,
            **payload,
        )
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(form.field_for(key), problem)
        return False
    return True


def _parts(payload: dict) -> list[dict]:
    return [payload["answers"], payload["judgements"], payload["support"], {0: payload["overall"]}]


def _answers_and_judgements(tool: Tool, values) -> tuple[dict, dict]:
    answers = {
        q.key: values.get(question_field(q.key)) or ""
        for domain in tool.domains
        for q in domain.questions
    }
    judgements = {d.key: values.get(f"judgement_{d.key}") or "" for d in tool.domains}
    return answers, judgements


def _label(review, index: int, assessment: RobAssessment) -> str:
    if review.lead_sees_voters:
        return display_name(assessment.assessor)
    return f"Assessor {index + 1}"


def _domain_blocks(form, tool, answers, judgements, others, review) -> list[dict]:
    suggested = services.suggestions(tool, answers, judgements)
    asked = services.applicable(tool, answers)
    blocks = []
    for domain in tool.domains:
        questions = [
            {
                "question": q,
                "field": form[question_field(q.key)],
                "applies": q.key in asked[domain.key],
                "condition": q.asked_if.describe() if q.asked_if else "",
                "others": [o.answers.get(q.key, "") for o in others],
            }
            for q in domain.questions
        ]
        theirs = [
            {
                "label": _label(review, i, o),
                "badge": _badge(tool, o.judgements.get(domain.key)),
                "support": o.support.get(domain.key, ""),
            }
            for i, o in enumerate(others)
        ]
        blocks.append(
            {
                "domain": domain,
                "questions": questions,
                "suggested": _badge(tool, suggested[domain.key]),
                "has_algorithm": domain.algorithm is not None,
                "judgement": form[f"judgement_{domain.key}"],
                "support": form[f"support_{domain.key}"],
                "others": theirs,
            }
        )
    return blocks


def _overall_block(form, tool, answers, judgements, others, review) -> dict:
    suggested = services.suggestions(tool, answers, judgements)[OVERALL]
    return {
        "suggested": _badge(tool, suggested),
        "judgement": form[OVERALL],
        "support": form[f"support_{OVERALL}"],
        "others": [
            {
                "label": _label(review, i, o),
                "badge": _badge(tool, o.overall),
                "support": o.support.get(OVERALL, ""),
            }
            for i, o in enumerate(others)
        ],
    }


def _history(assessment: RobAssessment | None) -> list[dict]:
    """Every saved version of the assessment, newest first, with what changed."""
    if assessment is None:
        return []
    versions = list(assessment.history.select_related("history_user").order_by("-history_date"))
    entries = []
    for version, previous in zip(versions, [*versions[1:], None], strict=True):
        changed = (
            [c.field for c in version.diff_against(previous).changes] if previous else ["created"]
        )
        entries.append({"version": version, "changed": changed})
    return entries


@review_view(Ability.VIEW, methods=["GET"])
def rob_suggest(request, review, tool_key: str):
    """The suggested judgements and the applicable questions for the answers in the query."""
    tool = _tool(review, tool_key)
    answers, judgements = _answers_and_judgements(tool, request.GET)
    suggested = services.suggestions(tool, answers, judgements)
    return JsonResponse(
        {
            "suggested": {key: _badge(tool, value) for key, value in suggested.items()},
            "applicable": services.applicable(tool, answers),
        }
    )
