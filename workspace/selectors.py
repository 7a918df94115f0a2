"""Reads that span the stages: the dashboard's pipeline (from the PRISMA counts), the
background work that failed, and the records browser's filter."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse

from extraction.selectors import studies_extracted
from reviews.models import ImportBatch, Membership, Record, Review, display_name
from reviews.selectors import records_search
from screening.models import Stage
from screening.selectors import failed_rankings
from screening.standing import at_stage, filter_by_my_decision, filter_by_standing
from synthesis.models import Analysis
from synthesis.plots.prisma import PrismaFlow
from synthesis.prisma import prisma_flow
from synthesis.selectors import analysis_status_counts

from .models import Export


@dataclass(frozen=True)
class PipelineStage:
    key: str
    label: str
    count: int | None  # None: the stage has no data yet in this review
    note: str = ""

    @property
    def started(self) -> bool:
        return self.count is not None


PIPELINE = (
    ("identified", "Records identified"),
    ("duplicates_removed", "Duplicates removed"),
    ("screened", "Records screened"),
    ("full_text", "Full texts assessed"),
    ("included", "Studies included"),
    ("extracted", "Studies extracted"),
    ("analysed", "Analyses run"),
)


def review_pipeline(review: Review, flow: PrismaFlow | None = None) -> list[PipelineStage]:
    """The review's pipeline with live counts, in PRISMA order.

    The screening and inclusion counts are the PRISMA diagram's
    (:func:`synthesis.prisma.prisma_flow`, passed in when the caller has it),
    so the dashboard and the diagram never disagree. A stage with nothing in
    it yet reports None.
    """
    flow = flow or prisma_flow(review)
    statuses = analysis_status_counts(review)
    counts = _counts(review, flow, statuses)
    note = ", ".join(
        f"{n} {Analysis.Status(status).label.lower()}"
        for status, n in sorted(statuses.items())
        if status != Analysis.Status.DONE
    )
    return [
        PipelineStage(key, label, counts.get(key), note if key == "analysed" else "")
        for key, label in PIPELINE
    ]


def _counts(review: Review, flow: PrismaFlow, statuses: dict[str, int]) -> dict[str, int]:
    identified = sum(flow.identified_by_source.values()) + sum(
        (flow.other_identified or {}).values()
    )
    if not identified:
        return {}
    counts = {"identified": identified, "duplicates_removed": flow.duplicates_removed}
    later = {
        "screened": flow.records_screened,
        "full_text": flow.reports_assessed + flow.other_assessed,
        "included": flow.studies_included,
        "extracted": studies_extracted(review),
        "analysed": statuses.get(Analysis.Status.DONE, 0),
    }
    # A later stage shows a number once something has reached it.
    return counts | {key: n for key, n in later.items() if n}


@dataclass(frozen=True)
class FailedWork:
    """Background work that failed, for the lead: what, why, and where to try again."""

    kind: str  # "import", "analysis", "export", "retraining"
    label: str
    reason: str
    when: object
    retry_url: str  # POST here to try again
    page_url: str


def failed_work(review: Review) -> list[FailedWork]:
    """Every import, analysis, export and retraining of the review whose last run failed,
    newest first."""
    found = [
        FailedWork(
            "import",
            batch.file_name,
            batch.error,
            batch.finished or batch.created,
            reverse("import_requeue", args=[review.pk, batch.pk]),
            reverse("import_detail", args=[review.pk, batch.pk]),
        )
        for batch in ImportBatch.objects.filter(review=review, status=ImportBatch.Status.FAILED)
    ]
    found += [
        FailedWork(
            "analysis",
            analysis.name,
            analysis.error,
            analysis.updated,
            reverse("analysis_run", args=[review.pk, analysis.pk]),
            reverse("analysis_detail", args=[review.pk, analysis.pk]),
        )
        for analysis in Analysis.objects.filter(review=review, status=Analysis.Status.FAILED)
    ]
    found += [
        FailedWork(
            "export",
            f"Export {export.pk} ({export.get_scope_display().lower()})",
            export.error,
            export.finished or export.created,
            reverse("review_export", args=[review.pk]),
            reverse("review_export", args=[review.pk]),
        )
        for export in Export.objects.filter(review=review, status=Export.Status.FAILED)
    ]
    found += [
        FailedWork(
            "retraining",
            f"Prioritised ranking of {display_name(ranking.reviewer)}",
            ranking.error,
            ranking.finished or ranking.created,
            reverse("ranking_retry", args=[review.pk, ranking.pk]),
            reverse("prioritisation", args=[review.pk]),
        )
        for ranking in failed_rankings(review)
    ]
    return sorted(found, key=lambda work: work.when, reverse=True)


def records_browse(membership: Membership, filters: dict) -> QuerySet[Record]:
    """The records the browser shows for ``filters`` (RecordFilterForm's cleaned data).

    What reviews knows (text, database, import, label, duplicates, sort) comes
    from its records search; where records stand, within what the member may
    know, from screening.
    """
    review, stage = membership.review, filters["stage"]
    records = records_search(
        review,
        query=filters["q"],
        batch_id=filters["batch"].pk if filters["batch"] else None,
        database=filters["database"],
        label_id=filters["label"].pk if filters["label"] else None,
        show=filters["show"],
        sort=filters["sort"],
    )
    if stage == Stage.FULL_TEXT:
        records = at_stage(records, review=review, stage=stage)
    if filters["state"]:
        records = filter_by_standing(
            records, membership=membership, stage=stage, standing=filters["state"]
        )
    if filters.get("mine"):
        records = filter_by_my_decision(
            records, reviewer=membership.user, stage=stage, mine=filters["mine"]
        )
    return records


# What the list does not show: reading them for 50 rows is most of a page's work.
LONG_FIELDS = ("abstract", "raw", "keywords", "mesh_terms")


def records_page(
    records: QuerySet[Record], *, number: int, size: int, one_pass: bool = False
) -> Page:
    """Page ``number`` of ``records`` (past the end: the last), holding its records in order.

    The page is found among ids alone, which the indexes hold, and only its
    rows are read: skipping whole rows to reach page 1,000 would read every
    abstract on the way, since SQLite keeps them in the row. ``one_pass``
    reads every matching id at once, for filters no index answers (a text
    search reads every row): one scan for the count and the page, not two.
    """
    ids = records.values_list("pk", flat=True)
    paginator = Paginator(list(ids) if one_pass else ids, size)
    page = paginator.get_page(number)
    chosen = list(page.object_list)
    rows = Record.objects.filter(pk__in=chosen).select_related("batch").defer(*LONG_FIELDS)
    by_id = {record.pk: record for record in rows}
    return Page([by_id[pk] for pk in chosen], page.number, paginator)
