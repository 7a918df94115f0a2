"""The records part of ``data/``: the searches, the records with their source and duplicate
links, and the screening history (decisions, resolutions, conflicts and every change)."""

from __future__ import annotations

from django.db.models import F, FilteredRelation, Q

from reviews.models import ImportBatch, Record, Source
from screening.models import Conflict, Decision, Resolution, Stage
from screening.queue import forward_verdicts

from .scope import Scope, review_decisions
from .tables import CHUNK, Table, joined, plain_rows, when

SOURCE_LABELS = dict(Source.choices)
STAGES = dict(Stage.choices)


def imports_table(scope: Scope) -> Table:
    header = (
        "import_id", "source", "database", "interface", "search_date", "strategy",
        "file_name", "file_sha256", "format", "records", "imported_by", "imported",
    )  # fmt: skip

    def rows():
        batches = ImportBatch.objects.filter(
            review=scope.review, status=ImportBatch.Status.DONE
        ).select_related("created_by")
        for batch in batches.order_by("created", "pk"):
            yield (
                batch.pk, batch.source, batch.source_label, batch.interface,
                when(batch.search_date), batch.strategy, batch.file_name, batch.sha256,
                batch.format, batch.record_count,
                batch.created_by.username if batch.created_by else "", when(batch.created),
            )  # fmt: skip

    return Table("searches", "Searches", header, rows)


RECORD_FIELDS = (
    "pk", "batch_id", "batch__source", "batch__source_name", "position", "duplicate_of_id",
    "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "embase_id", "central_id", "accession", "language", "publication_type", "keywords",
    "mesh_terms", "url", "abstract",
)  # fmt: skip
RECORD_HEADER = (
    "record_id", "import_id", "source", "database", "position", "duplicate_of",
    "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "embase_id", "central_id", "accession", "language", "publication_type", "keywords",
    "mesh_terms", "url", "abstract",
    "title_abstract_result", "title_abstract_reason", "full_text_result", "full_text_reason",
    "full_text", "not_retrieved_reason",
)  # fmt: skip


def records_queryset(scope: Scope):
    """Every record of the review (duplicates too) with its resolutions and full text.

    Each stage's resolution is one LEFT JOIN (at most one a stage), not a
    subquery a column: at 100,000 records that was a tenth of the export.
    """
    ta, ft = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
    return (
        Record.objects.filter(review=scope.review)
        .alias(
            ta=FilteredRelation("resolutions", condition=Q(resolutions__stage=ta)),
            ft=FilteredRelation("resolutions", condition=Q(resolutions__stage=ft)),
        )
        .annotate(
            ta_verdict=F("ta__verdict"),
            ta_reason=F("ta__reason__label"),
            ft_verdict=F("ft__verdict"),
            ft_reason=F("ft__reason__label"),
            ft_file=F("full_text__file"),
            ft_url=F("full_text__url"),
            ft_missing=F("full_text__not_retrieved"),
            ft_missing_reason=F("full_text__not_retrieved_reason"),
        )
        .order_by("batch_id", "position", "pk")
    )


def _full_text(file: str | None, url: str | None, missing: bool | None) -> str:
    if missing:
        return "not retrieved"
    if file:
        return "PDF attached"
    return url or ""


def record_row(row: tuple) -> tuple:
    """One ``records.csv`` row from ``records_queryset(...).values_list(*RECORD_FIELDS, ...)``."""
    (
        pk, batch_id, source, source_name, position, duplicate_of, title, authors, year,
        journal, volume, issue, pages, doi, pmid, embase_id, central_id, accession, language,
        publication_type, keywords, mesh_terms, url, abstract,
        ta_verdict, ta_reason, ft_verdict, ft_reason, ft_file, ft_url, ft_missing, ft_reason2,
    ) = row  # fmt: skip
    return (
        pk, batch_id, source, source_name or SOURCE_LABELS.get(source, source), position,
        duplicate_of or "", title, joined(authors), year or "", journal, volume, issue, pages,
        doi, pmid, embase_id, central_id, accession, language, publication_type,
        joined(keywords), joined(mesh_terms), url, abstract,
        ta_verdict or "", ta_reason or "", ft_verdict or "", ft_reason or "",
        _full_text(ft_file, ft_url, ft_missing), ft_reason2 or "",
    )  # fmt: skip


RESOLUTION_ANNOTATIONS = (
    "ta_verdict", "ta_reason", "ft_verdict", "ft_reason",
    "ft_file", "ft_url", "ft_missing", "ft_missing_reason",
)  # fmt: skip


def records_table(scope: Scope) -> Table:
    def rows():
        return records_rows(records_queryset(scope))

    return Table("records", "Records", RECORD_HEADER, rows, size=records_queryset(scope).count)


def decisions_table(scope: Scope) -> Table:
    header = (
        "record_id", "stage", "reviewer", "verdict", "reason", "note", "labels",
        "decided", "updated",
    )  # fmt: skip

    def rows():
        fields = (
            "record_id", "stage", "reviewer__username", "verdict", "reason__label", "note",
            "labels", "created", "updated",
        )  # fmt: skip
        values = plain_rows(
            review_decisions(scope), fields, times=("created", "updated"), lists=("labels",)
        )
        for record, stage, who, verdict, reason, note, labels, created, updated in values:
            yield (
                record, STAGES[stage], who, verdict, reason or "", note, joined(labels),
                created, updated,
            )  # fmt: skip

    return Table("decisions", "Decisions", header, rows, size=review_decisions(scope).count)


def resolutions_table(scope: Scope) -> Table:
    header = ("record_id", "stage", "verdict", "reason", "how", "resolved_by", "note", "resolved")

    def rows():
        resolutions = Resolution.objects.filter(record__review=scope.review)
        fields = (
            "record_id", "stage", "verdict", "reason__label", "source", "resolved_by__username",
            "note", "created",
        )  # fmt: skip
        values = plain_rows(resolutions.order_by("record_id", "stage"), fields, times=("created",))
        how = dict(Resolution.Source.choices)
        for record, stage, verdict, reason, source, who, note, created in values:
            yield (
                record, STAGES[stage], verdict, reason or "", how.get(source, source),
                who or "", note, created,
            )  # fmt: skip

    size = Resolution.objects.filter(record__review=scope.review).count
    return Table("resolutions", "Resolutions", header, rows, size=size)


def conflicts_table(scope: Scope) -> Table:
    """Open conflicts tell how others voted, so only a full export holds them."""
    header = ("record_id", "stage", "raised", "resolved")
    conflicts = Conflict.objects.filter(record__review=scope.review)
    if not scope.full:
        conflicts = conflicts.filter(resolved=True)

    def rows():
        values = conflicts.order_by("record_id", "stage").values_list(
            "record_id", "stage", "created", "resolved"
        )
        for record, stage, created, resolved in values.iterator(chunk_size=CHUNK):
            yield record, STAGES[stage], when(created), "yes" if resolved else "no"

    return Table("conflicts", "Conflicts", header, rows, size=conflicts.count)


HISTORY_HEADER = (
    "when", "who", "what", "action", "record_id", "stage", "reviewer", "verdict", "reason",
    "note",
)  # fmt: skip
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def history_table(scope: Scope) -> Table:
    """Every version of every decision and resolution: who, when, and the values then."""

    def rows():
        yield from _history(scope, "decision")
        yield from _history(scope, "resolution")

    def size() -> int:
        return _versions(scope, "decision").count() + _versions(scope, "resolution").count()

    return Table("screening_history", "Screening history", HISTORY_HEADER, rows, size=size)


def _versions(scope: Scope, what: str):
    if what == "decision":
        return scope.decisions(Decision.history.filter(record__review=scope.review))
    return Resolution.history.filter(record__review=scope.review)


def _history(scope: Scope, what: str):
    reviewer = "reviewer__username" if what == "decision" else "resolved_by__username"
    fields = (
        "history_date", "history_user__username", "history_type", "record_id", "stage",
        reviewer, "verdict", "reason__label", "note",
    )  # fmt: skip
    versions = _versions(scope, what).order_by("history_date", "history_id")
    for date, who, kind, record, stage, by, verdict, reason, note in plain_rows(
        versions, fields, times=("history_date",)
    ):
        yield (
            date, who or "system", what, ACTIONS[kind], record, STAGES[stage], by or "",
            verdict, reason or "", note,
        )  # fmt: skip


RECORD_STATUSES = {
    "all": "All",
    "include": "Included",
    "exclude": "Excluded",
    "maybe": "Maybe",
    "awaiting": "Not resolved yet",
}


def records_at(scope: Scope, stage: str, status: str):
    """The unique records at ``stage`` (full text: those sent on to it) with ``status``.

    ``status`` is a key of :data:`RECORD_STATUSES`: a resolved verdict, or
    "awaiting" for records without a resolution at the stage. Resolutions are
    what every member sees; nobody's unresolved votes decide what is listed.
    """
    records = records_queryset(scope).filter(duplicate_of__isnull=True)
    if stage == Stage.FULL_TEXT:
        records = records.filter(
            resolutions__stage=Stage.TITLE_ABSTRACT,
            resolutions__verdict__in=forward_verdicts(scope.review),
        )
    if status == "awaiting":
        return records.exclude(resolutions__stage=stage)
    if status in ("include", "exclude", "maybe"):
        return records.filter(
            pk__in=Resolution.objects.filter(
                record__review=scope.review, stage=stage, verdict=status
            ).values("record_id")
        )
    return records


def records_rows(queryset):
    fields = (*RECORD_FIELDS, *RESOLUTION_ANNOTATIONS)
    for row in plain_rows(queryset, fields, lists=("authors", "keywords", "mesh_terms")):
        yield record_row(row)


def conflict_votes_table(scope: Scope) -> Table:
    """Every conflict with each reviewer's vote beside it (the lead's conflicts page as a file)."""
    header = ("record_id", "title", "stage", "resolved", "reviewer", "verdict", "reason", "note")
    conflicts = Conflict.objects.filter(record__review=scope.review)
    if not scope.full:
        conflicts = conflicts.filter(resolved=True)

    def rows():
        for conflict in conflicts.select_related("record").order_by("record_id", "stage"):
            votes = (
                scope.decisions(
                    Decision.objects.filter(record=conflict.record, stage=conflict.stage)
                )
                .select_related("reviewer", "reason")
                .order_by("reviewer__username")
            )
            for vote in votes:
                yield (
                    conflict.record_id, conflict.record.title, STAGES[conflict.stage],
                    "yes" if conflict.resolved else "no", vote.reviewer.username, vote.verdict,
                    vote.reason.label if vote.reason_id else "", vote.note,
                )  # fmt: skip

    return Table("conflict_votes", "Conflict votes", header, rows)
