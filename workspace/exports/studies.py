"""The studies part of ``data/``: studies and their reports, the extraction answers, the
outcomes and their data by arm with the derivations used."""

from __future__ import annotations

from extraction.forms.entries import display
from extraction.models import ExtractionEntry, FormField, Outcome, OutcomeData, Study
from extraction.outcomes.data import DataType, field_names
from extraction.services.entries import entry_result

from .scope import Scope
from .tables import Table, joined, number, when

# Every data type's fields, in the conformance schema's names: one column each.
DATA_FIELDS = tuple(dict.fromkeys(name for kind in DataType for name in field_names(kind)))


def studies_table(scope: Scope) -> Table:
    header = ("study_id", "study", "reports", "first_report_title", "year", "doi", "pmid")

    def rows():
        studies = Study.objects.filter(review=scope.review).prefetch_related("reports")
        for study in studies:
            reports = sorted(study.reports.all(), key=lambda r: r.pk)
            first = reports[0] if reports else None
            yield (
                study.pk, study.name, joined(r.pk for r in reports),
                first.title if first else "", (first.year or "") if first else "",
                first.doi if first else "", first.pmid if first else "",
            )  # fmt: skip

    return Table("studies", "Studies", header, rows)


def study_reports_table(scope: Scope) -> Table:
    header = ("study_id", "study", "record_id", "title", "authors", "year", "journal", "doi")

    def rows():
        for study in Study.objects.filter(review=scope.review).prefetch_related("reports"):
            for report in sorted(study.reports.all(), key=lambda r: r.pk):
                yield (
                    study.pk, study.name, report.pk, report.title, joined(report.authors),
                    report.year or "", report.journal, report.doi,
                )  # fmt: skip

    return Table("study_reports", "Study reports", header, rows)


def visible_entries(scope: Scope, study: Study) -> list[ExtractionEntry]:
    """Every entry for the lead; otherwise the study's result and the member's own entries."""
    entries = list(study.entries.select_related("reviewer", "form").order_by("consensus", "pk"))
    if scope.full:
        return entries
    result = entry_result(study)
    return [e for e in entries if e == result or e.reviewer_id == scope.user.pk]


def extraction_table(scope: Scope) -> Table:
    header = (
        "study_id", "study", "entry", "extractor", "form_version", "section", "field",
        "question", "answer",
    )  # fmt: skip

    def rows():
        for study in Study.objects.filter(review=scope.review):
            result = entry_result(study)
            for entry in visible_entries(scope, study):
                kind = "consensus" if entry.consensus else "result" if entry == result else "own"
                if scope.full and not entry.consensus and entry != result:
                    kind = "independent"
                yield from _answers(study, entry, kind)

    return Table("extraction", "Extraction", header, rows)


def _answers(study: Study, entry: ExtractionEntry, kind: str):
    fields = FormField.objects.filter(section__form=entry.form).select_related("section")
    for field in fields.order_by("section__position", "section__pk", "position", "pk"):
        if field.key not in entry.values:
            continue
        yield (
            study.pk, study.name, kind, entry.reviewer.username, entry.form.version,
            field.section.title, field.key, field.label, display(field, entry.values[field.key]),
        )  # fmt: skip


def outcomes_table(scope: Scope) -> Table:
    header = (
        "outcome_id", "comparison", "experimental_arm", "control_arm", "outcome", "data_type",
        "measure", "lower_is_better", "unit", "timepoint", "subgroup_variable",
    )  # fmt: skip

    def rows():
        outcomes = Outcome.objects.filter(comparison__review=scope.review).select_related(
            "comparison"
        )
        for o in outcomes.order_by("comparison__position", "comparison__pk", "position", "pk"):
            c = o.comparison
            yield (
                o.pk, c.name, c.experimental, c.control, o.name, o.data_type, o.measure,
                "yes" if o.lower_is_better else "no", o.unit, o.timepoint, o.subgroup_variable,
            )  # fmt: skip

    return Table("outcomes", "Outcomes", header, rows)


def outcome_data_rows(review):
    """The outcome data, a row per study, outcome and subgroup, in the analyses' order."""
    return (
        OutcomeData.objects.filter(outcome__comparison__review=review)
        .select_related("outcome", "study", "entered_by")
        .order_by(
            "outcome__comparison__position",
            "outcome__position",
            "outcome_id",
            "study__name",
            "study__pk",
            "subgroup",
        )  # fmt: skip
    )


def outcome_data_table(scope: Scope) -> Table:
    """The data every analysis reads, by arm: ``n_exp, mean_exp, sd_exp, ...`` as columns."""
    header = (
        "outcome_id", "outcome", "data_type", "study_id", "study", "subgroup", *DATA_FIELDS,
        "derived", "entered_by", "updated",
    )  # fmt: skip

    def rows():
        for row in outcome_data_rows(scope.review):
            values = [number(row.values.get(name)) for name in DATA_FIELDS]
            derived = joined(d["field"] for d in row.derivations)
            yield (
                row.outcome_id, row.outcome.name, row.outcome.data_type, row.study_id,
                row.study.name, row.subgroup, *values, derived,
                row.entered_by.username if row.entered_by else "", when(row.updated),
            )  # fmt: skip

    return Table("outcome_data", "Outcome data", header, rows)


def derivations_table(scope: Scope) -> Table:
    header = (
        "outcome_id", "study_id", "study", "field", "method", "formula", "inputs", "result",
    )  # fmt: skip

    def rows():
        for row in outcome_data_rows(scope.review):
            for d in row.derivations:
                inputs = joined(f"{k} = {v}" for k, v in (d.get("inputs") or {}).items())
                yield (
                    row.outcome_id, row.study_id, row.study.name, d["field"],
                    d.get("method", ""), d.get("formula", ""), inputs, number(d.get("result")),
                )  # fmt: skip

    return Table("outcome_derivations", "Derivations", header, rows)
