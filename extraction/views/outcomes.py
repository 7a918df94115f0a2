"""Comparisons and outcomes (the lead), outcome data grid, CSV upload and the derive helper."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render

from reviews.permissions import Ability, has_ability, review_object, review_view
from reviews.spreadsheets import csv_text

from .. import selectors
from ..forms.outcomes import ComparisonForm, DerivationForm, OutcomeCSVForm, OutcomeForm
from ..models import Comparison, Outcome
from ..outcomes import Derivation
from ..outcomes.data import field_label, field_names
from ..services import outcome_data as data_services
from ..services import outcomes as outcome_services


def _outcome(review, outcome_id: int) -> Outcome:
    queryset = Outcome.objects.select_related("comparison")
    return review_object(queryset, review, outcome_id, field="comparison__review")


@review_view(Ability.VIEW, write=Ability.MANAGE)
def outcome_list(request, review):
    form = ComparisonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome_services.comparison_create(review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Comparison “{form.cleaned_data['name']}” added.")
            return redirect("outcome_list", review.pk)
    outcomes = Outcome.objects.annotate(studies=Count("data__study", distinct=True))
    comparisons = review.comparisons.prefetch_related(Prefetch("outcomes", outcomes))
    context = {"review": review, "comparisons": comparisons, "form": form}
    return render(request, "extraction/outcome_list.html", context)


@review_view(Ability.MANAGE)
def comparison_edit(request, review, comparison_id: int):
    comparison = review_object(Comparison, review, comparison_id)
    form = ComparisonForm(request.POST or None, instance=comparison, submit_label="Save")
    if request.method == "POST" and form.is_valid():
        try:
            outcome_services.comparison_update(comparison=comparison, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Comparison saved.")
            return redirect("outcome_list", review.pk)
    context = {"review": review, "comparison": comparison, "form": form}
    return render(request, "extraction/comparison_edit.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def comparison_delete(request, review, comparison_id: int):
    comparison = review_object(Comparison, review, comparison_id)
    try:
        outcome_services.comparison_delete(comparison=comparison)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("comparison_edit", review.pk, comparison.pk)
    messages.success(request, f"Comparison “{comparison}” deleted.")
    return redirect("outcome_list", review.pk)


@review_view(Ability.MANAGE)
def outcome_create(request, review, comparison_id: int):
    comparison = review_object(Comparison, review, comparison_id)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = outcome_services.outcome_create(
                comparison=comparison, **form.outcome_fields()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Outcome “{outcome}” added.")
            return redirect("outcome_data", review.pk, outcome.pk)
    context = {"review": review, "comparison": comparison, "form": form}
    return render(request, "extraction/outcome_form.html", context)


@review_view(Ability.MANAGE)
def outcome_edit(request, review, outcome_id: int):
    outcome = _outcome(review, outcome_id)
    form = OutcomeForm(request.POST or None, instance=outcome, submit_label="Save")
    if request.method == "POST" and form.is_valid():
        try:
            outcome_services.outcome_update(outcome=outcome, **form.outcome_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Outcome saved.")
            return redirect("outcome_data", review.pk, outcome.pk)
    outcome.refresh_from_db()  # the form's failed validation may have touched the instance
    context = {"review": review, "comparison": outcome.comparison, "outcome": outcome, "form": form}
    return render(request, "extraction/outcome_form.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def outcome_delete(request, review, outcome_id: int):
    outcome = _outcome(review, outcome_id)
    outcome_services.outcome_delete(outcome=outcome)
    messages.success(request, f"Outcome “{outcome}” and its data deleted.")
    return redirect("outcome_list", review.pk)


@review_view(Ability.VIEW, write=Ability.CONTRIBUTE)
def outcome_data(request, review, outcome_id: int):
    outcome = _outcome(review, outcome_id)
    lines = selectors.outcome_grid(outcome)
    posted, problems = {}, []
    if request.method == "POST":
        rows = _grid_rows(request.POST, outcome, lines)
        try:
            data_services.outcome_data_save_grid(outcome=outcome, rows=rows, user=request.user)
        except data_services.OutcomeDataError as error:
            posted, problems = {row.study.pk: row for row in rows}, error.problems
        else:
            messages.success(request, f"Saved the data of {_studies(len(rows))}.")
            return redirect("outcome_data", review.pk, outcome.pk)
    context = _grid_context(request, outcome, lines, posted, problems)
    return render(request, "extraction/outcome_data.html", context)


@review_view(Ability.VIEW, write=Ability.CONTRIBUTE)
def outcome_data_csv(request, review, outcome_id: int):
    outcome = _outcome(review, outcome_id)
    form = OutcomeCSVForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"]
        try:
            saved = data_services.outcome_data_import_csv(
                outcome=outcome, data=data, user=request.user
            )
        except data_services.OutcomeDataError as error:
            problems = error.problems
        else:
            messages.success(request, f"Imported the data of {_studies(len(saved))}.")
            return redirect("outcome_data", review.pk, outcome.pk)
    context = {
        "review": review,
        "outcome": outcome,
        "comparison": outcome.comparison,
        "form": form,
        "problems": problems,
        "summary": _count_problems(problems) if problems else "",
        "header": _csv_header(outcome),
        "studies": review.studies.values_list("name", flat=True),
    }
    return render(request, "extraction/outcome_data_csv.html", context)


@review_view(Ability.VIEW, methods=["GET", "HEAD"])
def outcome_data_csv_template(request, review, outcome_id: int):
    """The upload's header, then a line per study with the data saved so far."""
    outcome = _outcome(review, outcome_id)
    rows = []
    for line in selectors.outcome_grid(outcome):
        values = line.data.values if line.data else {}
        subgroup = [line.data.subgroup if line.data else ""] if outcome.subgroup_variable else []
        cells = [
            "" if values.get(name) is None else values[name]
            for name in field_names(outcome.data_type)
        ]
        rows.append([line.study.name, *cells, *subgroup])
    text = csv_text(_csv_header(outcome), rows)  # formula-like cells neutralised
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = "".join(c if c.isalnum() else "-" for c in outcome.name.lower()).strip("-")
    response["Content-Disposition"] = f'attachment; filename="outcome-{name or outcome.pk}.csv"'
    return response


@review_view(Ability.CONTRIBUTE)
def outcome_derive(request, review, outcome_id: int):
    """The derive helper's fragment: a form for a method's numbers, then the result."""
    outcome = _outcome(review, outcome_id)
    source = (request.POST if request.method == "POST" else request.GET).copy()
    source.setdefault("level", "0.95")
    field = source.get("field", "")
    if field not in field_names(outcome.data_type) or field_label(field) not in ("SD", "SE"):
        field = "se" if outcome.data_type == "generic" else "sd_exp"
    target = "se" if field == "se" else "sd"
    form = DerivationForm(source, target=target)
    method, spec = form.method_spec()
    record, error = None, ""
    if request.method == "POST" and spec is not None:
        try:
            record = data_services.derivation_run(method=method, inputs=form.inputs(), field=field)
        except ValidationError as problem:
            error = " ".join(problem.messages)
    context = {
        "review": review,
        "outcome": outcome,
        "form": form,
        "field": field,
        "heading": _field_heading(field, outcome),
        "study": source.get("study", ""),
        "inputs": [form[name] for name in (*spec.inputs, *spec.options)] if spec else [],
        "record": record,
        "request_json": json.dumps({"method": method, "inputs": form.inputs()}) if record else "",
        "error": error,
    }
    return render(request, "extraction/outcome_derive.html", context)


def _grid_rows(post, outcome: Outcome, lines) -> list[data_services.GridRow]:
    """The rows the form sent (a study's row is sent only when its inputs were on the page)."""
    names, rows = field_names(outcome.data_type), []
    for line in lines:
        prefix = f"{line.study.pk}-"
        if prefix + "row" not in post:
            continue
        derivations = {}
        for name in names:
            try:
                request = json.loads(post.get(f"{prefix}derived-{name}") or "null")
            except ValueError:
                request = None
            if isinstance(request, dict):
                derivations[name] = request
        rows.append(
            data_services.GridRow(
                study=line.study,
                values={name: post.get(prefix + name, "") for name in names},
                subgroup=post.get(prefix + "subgroup", ""),
                derivations=derivations,
            )
        )
    return rows


def _grid_context(request, outcome, lines, posted, problems) -> dict:
    names = field_names(outcome.data_type)
    errors = {(p.study, p.field): p.message for p in problems}
    warnings = {(w.study_id, w.field): w.message for w in selectors.outcome_data_warnings(outcome)}
    rows = []
    for line in lines:
        saved = line.data.values if line.data else {}
        typed = posted.get(line.study.pk)
        derived = {
            d["field"]: {"text": _derivation_text(d, outcome)}
            for d in (line.data.derivations if line.data else [])
        }
        cells = []
        for name in names:
            value = typed.values.get(name, "") if typed else saved.get(name)
            if not typed and name in derived:
                value = round(value, 4)  # the full value is stored; the grid shows it rounded
            cells.append(
                {
                    "name": name,
                    "value": "" if value is None else value,
                    "error": errors.get((line.study.name, name), ""),
                    "warning": "" if typed else warnings.get((line.study.pk, name), ""),
                    "derivation": derived.get(name),
                    # A derivation typed into a rejected grid waits for the next save.
                    "request": json.dumps(typed.derivations[name])
                    if typed and name in typed.derivations
                    else "",
                    "derivable": field_label(name) in ("SD", "SE"),
                }
            )
        subgroup = typed.subgroup if typed else (line.data.subgroup if line.data else "")
        row_errors = [
            m
            for (study, f), m in errors.items()
            if study == line.study.name and f not in names and f != "subgroup"
        ]
        rows.append(
            {
                "study": line.study,
                "cells": cells,
                "subgroup": subgroup,
                "subgroup_error": errors.get((line.study.name, "subgroup"), ""),
                "row_errors": row_errors,
                "has_data": line.data is not None,
            }
        )
    return {
        "review": outcome.comparison.review,
        "outcome": outcome,
        "comparison": outcome.comparison,
        "columns": _columns(outcome),
        "arms": _arms(outcome),
        "rows": rows,
        "problems": problems,
        "summary": _count_problems(problems) if problems else "",
        "can_enter": has_ability(request.membership, Ability.CONTRIBUTE),
        "derivations": [
            (line.study.name, _derivation_text(d, outcome))
            for line in lines
            if line.data
            for d in line.data.derivations
        ],
    }


def _derivation_text(record: dict, outcome: Outcome) -> str:
    """``SD, Control: SD = SE × √n = 2 (se = 0.4, n = 25; Cochrane Handbook 6.5.2.2)``."""
    derivation = Derivation(record["formula"], record["inputs"], record["result"], record["method"])
    return f"{_field_heading(record['field'], outcome)}: {derivation}"


def _field_heading(name: str, outcome: Outcome) -> str:
    arm = {"exp": outcome.comparison.experimental, "ctrl": outcome.comparison.control}
    side = name.rsplit("_", 1)[-1]
    return f"{field_label(name)}, {arm[side]}" if side in arm else field_label(name)


def _columns(outcome: Outcome) -> list[dict]:
    """Column headings: the field's word and, for arm fields, the comparison's arm label."""
    columns, previous = [], ""
    for name in field_names(outcome.data_type):
        arm = name.rsplit("_", 1)[-1] if name.endswith(("_exp", "_ctrl")) else ""
        label = field_label(name)
        label = label if label in ("n", "SD", "SE") else label.capitalize()
        columns.append({"name": name, "label": label, "start": arm != previous})
        previous = arm
    return columns


def _arms(outcome: Outcome) -> list[tuple[str, int]]:
    """(arm label, number of columns) for the grid's first heading row; empty for generic."""
    if outcome.data_type == "generic":
        return []
    width = len(field_names(outcome.data_type)) // 2
    return [(outcome.comparison.experimental, width), (outcome.comparison.control, width)]


def _csv_header(outcome: Outcome) -> list[str]:
    subgroup = ["subgroup"] if outcome.subgroup_variable else []
    return ["study", *field_names(outcome.data_type), *subgroup]


def _count_problems(problems) -> str:
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found."


def _studies(count: int) -> str:
    return f"{count} stud{'y' if count == 1 else 'ies'}"
