"""The PRISMA 2020 flow diagram's counts from a review's live records, screening and studies.

Every number comes from the selectors that own it (``reviews.selectors`` for
the records identified, ``screening.selectors.prisma_counts`` for screening and
full texts); this module only sorts them into the diagram's boxes and columns,
for :func:`synthesis.plots.prisma.plot_prisma` to draw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields, replace

from django.db.models import Exists, OuterRef, QuerySet

from extraction.models import Study
from extraction.selectors import included_reports
from reviews.models import Record, Review, Source
from reviews.selectors import identified_by_source
from screening.selectors import PrismaCounts, prisma_counts
from synthesis.plots.prisma import PrismaFlow

OTHER_METHODS = (Source.CITATION, Source.WEBSITE)
"""Sources of the "Identification of studies via other methods" column."""
SOURCE_ORDER = list(Source.values)  # databases, then registers, as Source lists them


def prisma_flow(review: Review) -> PrismaFlow:
    """The review's PRISMA 2020 flow diagram counts, as they stand now.

    Parameters
    ----------
    review : Review
        Any review; one without records gives an empty ``identified_by_source``,
        which :func:`~synthesis.plots.prisma.plot_prisma` refuses to draw.

    Returns
    -------
    PrismaFlow
        Left column ("databases and registers"): records imported from each
        database and each trial register, with the screening and full-text
        counts of the records they found. "Other methods" column, only when
        records came from citation searching or websites: the records of
        those imports, and the full-text counts of the records found only by
        them. The included box adds up both columns.

    Notes
    -----
    A unique record (one not marked ``duplicate_of``) stands for its whole
    group of duplicates. It belongs to the left column when any record of the
    group came from a database or register, so a paper that citation
    searching found again is not counted twice, whichever copy deduplication
    kept. Hence:

    - ``duplicates_removed`` is the number of database and register records
      minus the unique records of the left column, so that identified minus
      removed equals the records screened once all are screened. Without
      other methods this is every record marked ``duplicate_of``.
    - ``other_removed`` is 0: nothing in Prismatic removes a record before
      screening except deduplication.
    - Records screened and excluded count resolved title/abstract verdicts;
      reports sought are those sent on to full text, not retrieved those
      marked so, assessed and excluded (by reason) are resolved full-text
      verdicts (see :func:`screening.selectors.prisma_counts`). The
      PRISMA 2020 template has no screening box for other methods, so their
      title/abstract exclusions appear in no box.
    - ``studies_included`` counts the review's studies that have reports plus
      the included reports not yet in a study (each becomes a study of its own
      when studies are next built), so before any study exists it is the
      number of included reports. ``reports_included`` is the number of
      reports included at full text.

    References
    ----------
    Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an
    updated guideline for reporting systematic reviews. BMJ. 2021;372:n71.
    """
    by_source = identified_by_source(review)
    methods = [row for row in by_source if row.source in OTHER_METHODS]
    if methods:
        other_records = _found_only_by_other_methods(review)
        left = _unique(review).exclude(pk__in=other_records)
        searched = prisma_counts(review, records=left)
        other = prisma_counts(review, records=other_records)
        left_unique = left.count()
    else:  # the one column: no record to set apart (and no subquery to narrow each count)
        searched = prisma_counts(review)
        other = prisma_counts(review, records=Record.objects.none())
        left_unique = _unique(review).count()
    databases = [row for row in by_source if row.source not in OTHER_METHODS]
    identified = _by_label(sorted(databases, key=lambda row: SOURCE_ORDER.index(row.source)))
    flow = PrismaFlow(
        identified_by_source=identified,
        duplicates_removed=sum(identified.values()) - left_unique,
        records_screened=searched.records_screened,
        records_excluded=searched.records_excluded,
        reports_sought=searched.reports_sought,
        reports_not_retrieved=searched.reports_not_retrieved,
        reports_assessed=searched.reports_assessed,
        reports_excluded=searched.reports_excluded,
        studies_included=_studies_included(review),
        reports_included=searched.included + other.included,
        records_awaiting=searched.awaiting_title_abstract + other.awaiting_title_abstract,
        reports_awaiting=searched.awaiting_full_text + other.awaiting_full_text,
    )
    return _with_other_methods(flow, _by_label(methods), other) if methods else flow


def prisma_hash(flow: PrismaFlow) -> str:
    """A digest of the counts, to cache a drawn diagram until any of them changes.

    Parameters
    ----------
    flow : PrismaFlow
        The counts, e.g. from :func:`prisma_flow`.

    Returns
    -------
    str
        The SHA-256, in hex, of the counts as canonical JSON (sorted field
        names, no spaces). Mappings keep their order, since the diagram lists
        sources and reasons in that order.
    """
    counts = {f.name: _plain(getattr(flow, f.name)) for f in fields(flow)}
    canonical = json.dumps(counts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value):
    if isinstance(value, Mapping):
        return [[key, n] for key, n in value.items()]
    return value


def _unique(review: Review) -> QuerySet[Record]:
    return Record.objects.filter(review=review, duplicate_of__isnull=True)


def _found_only_by_other_methods(review: Review) -> QuerySet[Record]:
    """Unique records whose group of duplicates has no database or register record."""
    searched_copy = Record.objects.filter(duplicate_of=OuterRef("pk")).exclude(
        batch__source__in=OTHER_METHODS
    )
    return _unique(review).filter(batch__source__in=OTHER_METHODS).filter(~Exists(searched_copy))


def _by_label(rows) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.label] = counts.get(row.label, 0) + row.records
    return counts


def _studies_included(review: Review) -> int:
    studies = Study.objects.filter(review=review, reports__isnull=False).distinct().count()
    return studies + included_reports(review).filter(studies__isnull=True).count()


def _with_other_methods(
    flow: PrismaFlow, identified: dict[str, int], other: PrismaCounts
) -> PrismaFlow:
    return replace(
        flow,
        other_identified=identified,
        other_sought=other.reports_sought,
        other_not_retrieved=other.reports_not_retrieved,
        other_assessed=other.reports_assessed,
        other_excluded=other.reports_excluded,
    )
