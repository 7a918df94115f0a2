"""The ``revman/`` part: RevMan Web's study-centric import (study information, study arms,
study results, risk of bias), keyed by the study's name as its Study ID.

The file set and what a row is follow the Cochrane knowledge base's "Populate
study data" and "Data extraction templates" pages (study information: a row
per study with ``Char:`` characteristics and ``Cov:`` covariates; study arms
and study results: a row per arm of each study; risk of bias 1: a row per
study; risk of bias 2: a row per result). The exact column headings of
RevMan's own templates could not be checked here; ``revman/README.md`` says so.
"""

from __future__ import annotations

from collections import defaultdict

from extraction.forms.entries import display
from extraction.models import FormField, OutcomeData, Study
from extraction.selectors import review_tools
from extraction.services.entries import entry_result

from .rob import visible_assessments
from .scope import Scope

JUDGEMENTS = {
    "low": "Low risk",
    "some_concerns": "Some concerns",
    "unclear": "Unclear risk",
    "high": "High risk",
}
ARM_FIELDS = {
    "continuous": (("n", "Total"), ("mean", "Mean"), ("sd", "SD")),
    "dichotomous": (("events", "Events"), ("total", "Total")),
}


def study_information(scope: Scope) -> tuple[tuple, list]:
    """A row per study: Study ID, year, each extraction answer as a characteristic, and
    each outcome's subgroup variable as a covariate."""
    studies = list(Study.objects.filter(review=scope.review).prefetch_related("reports"))
    answers = {study.pk: _characteristics(study) for study in studies}
    labels = list(dict.fromkeys(label for found in answers.values() for label in found))
    covariates = _covariates(scope)
    names = list(dict.fromkeys(name for found in covariates.values() for name in found))
    header = ("Study ID", "Year", *(f"Char: {l}" for l in labels), *(f"Cov: {n}" for n in names))  # noqa: E741
    rows = []
    for study in studies:
        years = [r.year for r in study.reports.all() if r.year]
        row = [study.name, min(years) if years else ""]
        row += [answers[study.pk].get(label, "") for label in labels]
        row += ["; ".join(covariates[study.pk].get(name, [])) for name in names]
        rows.append(row)
    return header, rows


def _characteristics(study: Study) -> dict[str, str]:
    entry = entry_result(study)
    if entry is None:
        return {}
    fields = FormField.objects.filter(section__form=entry.form).order_by(
        "section__position", "position", "pk"
    )
    return {f.label: display(f, entry.values[f.key]) for f in fields if f.key in entry.values}


def _covariates(scope: Scope) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = OutcomeData.objects.filter(outcome__comparison__review=scope.review).exclude(subgroup="")
    for row in rows.select_related("outcome"):
        name = row.outcome.subgroup_variable
        if name and row.subgroup not in found[row.study_id][name]:
            found[row.study_id][name].append(row.subgroup)
    return found


def _data(scope: Scope):
    return (
        OutcomeData.objects.filter(outcome__comparison__review=scope.review)
        .select_related("study", "outcome__comparison")
        .order_by("study__name", "outcome__comparison__position", "outcome__position", "subgroup")
    )


def study_arms(scope: Scope) -> tuple[tuple, list]:
    """A row per arm of each study: the arms the study's data report on."""
    header = ("Study ID", "Arm", "Intervention")
    rows = []
    for row in _data(scope):
        c = row.outcome.comparison
        for arm in (c.experimental, c.control):
            line = [row.study.name, arm, arm]
            if line not in rows:
                rows.append(line)
    return header, rows


def study_results(scope: Scope) -> tuple[tuple, list]:
    """A row per arm of each study's result (dichotomous, continuous); one contrast row for
    generic inverse-variance data (estimate and SE on the analysis scale)."""
    header = (
        "Study ID", "Comparison", "Outcome", "Subgroup", "Arm", "Intervention",
        "Events", "Total", "Mean", "SD", "Estimate", "SE",
    )  # fmt: skip
    rows = []
    for row in _data(scope):
        o, c = row.outcome, row.outcome.comparison
        common = [row.study.name, c.name, o.name, row.subgroup]
        if o.data_type == "generic":
            values = row.values
            contrast = f"{c.experimental} vs {c.control}"
            rows.append(
                [
                    *common,
                    contrast,
                    contrast,
                    "",
                    "",
                    "",
                    "",
                    values.get("estimate"),
                    values.get("se"),
                ]
            )
            continue
        for side, arm in (("exp", c.experimental), ("ctrl", c.control)):
            cells = {
                label: row.values.get(f"{field}_{side}") for field, label in ARM_FIELDS[o.data_type]
            }
            rows.append([
                *common, arm, arm, cells.get("Events", ""), cells.get("Total", ""),
                cells.get("Mean", ""), cells.get("SD", ""), "", "",
            ])  # fmt: skip
    return header, rows


def risk_of_bias(scope: Scope) -> list[tuple[str, tuple, list]]:
    """``(file name, header, rows)`` for RoB 1 (a row per study) and RoB 2 (a row per result),
    from the assessments the analyses use or this member may see (the consensus first)."""
    files = []
    for tool in review_tools(scope.review):
        if tool.key not in ("rob1", "rob2"):
            continue
        header = ["Study ID"] + (["Outcome"] if tool.per_outcome else [])
        for domain in tool.domains:
            header += [f"{domain.name}: Judgement", f"{domain.name}: Support for judgement"]
        header += ["Overall: Judgement"]
        rows = []
        for a in _chosen(scope, tool).values():
            row = [a.study.name] + (
                [a.outcome.name if a.outcome else ""] if tool.per_outcome else []
            )
            for domain in tool.domains:
                row += [
                    JUDGEMENTS.get(a.judgements.get(domain.key, ""), ""),
                    a.support.get(domain.key, ""),
                ]
            rows.append([*row, JUDGEMENTS.get(a.overall, a.overall)])
        if rows:
            files.append((f"risk_of_bias_{tool.key}.csv", tuple(header), rows))
    return files


def _chosen(scope: Scope, tool) -> dict:
    """One assessment per study (and outcome): the consensus, else the first visible one."""
    chosen: dict = {}
    for t, a in visible_assessments(scope):
        if t.key != tool.key:
            continue
        key = (a.study.name, a.outcome_id)
        if key not in chosen or (a.consensus and not chosen[key].consensus):
            chosen[key] = a
    return dict(sorted(chosen.items(), key=lambda item: (item[0][0], item[0][1] or 0)))
