"""The ``references/`` part: RIS files a reference manager (Zotero, EndNote) takes back,
with the review's labels (include, exclude, reason, stage) as keywords and notes.

The RIS written here reads back through ``reviews.importers.read_records`` to
the same records (a test checks it).
"""

from __future__ import annotations

import re
from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator

from extraction.models import Study
from reviews.importers.ris import REFERENCE_TYPES
from reviews.models import Record
from screening.models import Decision, Resolution, Stage, Verdict

from .scope import Scope
from .tables import CHUNK, plain_rows

TYPES = {label: tag for tag, label in REFERENCE_TYPES.items()}
STAGE_WORDS = {Stage.TITLE_ABSTRACT: "title/abstract", Stage.FULL_TEXT: "full text"}
_LOOKS_LIKE_A_TAG = re.compile(r"^[A-Z][A-Z0-9]  -")


def _line(tag: str, value) -> list[str]:
    if tag != "AB":  # one line: its white space, line breaks included, made single spaces
        text = " ".join(str(value).split())
        return [f"{tag}  - {text}"] if text else []
    text = str(value).strip()
    if not text:
        return []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # a continuation line that looks like a tag would open a field of its own
    rest = [f" {line}" if _LOOKS_LIKE_A_TAG.match(line) else line for line in lines[1:]]
    return [f"{tag}  - {lines[0]}", *rest]


def _pages(pages: str) -> list[str]:
    start, _, end = pages.partition("-")
    return _line("SP", start) + _line("EP", end)


def ris_entry(record, *, keywords: Iterable[str] = (), notes: Iterable[str] = ()) -> str:
    """One record (a ``Record`` or a row with its attribute names) as RIS, its own keywords
    first, then ``keywords`` and ``notes``."""
    lines = [f"TY  - {TYPES.get(record.publication_type, 'JOUR')}"]
    lines += _line("TI", record.title)
    for author in record.authors or ():
        lines += _line("AU", author)
    lines += _line("PY", record.year or "")
    lines += _line("T2", record.journal)
    lines += _line("VL", record.volume) + _line("IS", record.issue) + _pages(record.pages)
    lines += _line("DO", record.doi)
    lines += _identifiers(record)
    lines += _line("LA", record.language) + _line("UR", record.url)
    for keyword in [*(record.keywords or ()), *keywords]:
        lines += _line("KW", keyword)
    lines += _line("AB", record.abstract)
    for note in [f"Prismatic record {record.pk}", *notes]:
        lines += _line("N1", note)
    return "\n".join([*lines, "ER  - ", "", ""])


def _identifiers(record) -> list[str]:
    """CENTRAL id (or PMID) as AN, the PMID as C5 and the Embase number as U2, as
    the Cochrane Library and Embase.com write them."""
    lines = _line("AN", record.central_id or record.pmid)
    if record.central_id and record.pmid:
        lines += _line("C5", record.pmid)
    if record.embase_id:
        lines += _line("U2", f"L{record.embase_id}")
    return lines


RIS_FIELDS = (
    "pk", "publication_type", "title", "authors", "year", "journal", "volume", "issue",
    "pages", "doi", "central_id", "pmid", "embase_id", "language", "url", "keywords",
    "abstract",
)  # fmt: skip
VERDICTS = dict(Verdict.choices)
RisRow = namedtuple("RisRow", RIS_FIELDS)


def _labels(resolutions: dict[str, tuple[str, str | None]]) -> list[str]:
    labels = []
    for stage, (verdict, reason) in sorted(resolutions.items()):
        labels.append(f"Prismatic: {STAGE_WORDS[stage]}: {VERDICTS[verdict].lower()}")
        if reason:
            labels.append(f"Prismatic: reason: {reason}")
    return labels


def _resolutions(ids: list[int]) -> dict[int, dict[str, tuple[str, str | None]]]:
    found: dict[int, dict[str, tuple[str, str | None]]] = defaultdict(dict)
    rows = Resolution.objects.filter(record_id__in=ids).values_list(
        "record_id", "stage", "verdict", "reason__label"
    )
    for record, stage, verdict, reason in rows:
        found[record][stage] = (verdict, reason)
    return found


def _decision_notes(scope: Scope, ids: list[int]) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = defaultdict(list)
    # the ids are the review's own: a join to the records to check it again made SQLite walk
    # all 100,000 of them for every chunk (7 s of a large export)
    decisions = (
        scope.decisions(Decision.objects.filter(record_id__in=ids))
        .order_by("record_id", "stage", "reviewer__username")
        .values_list("record_id", "reviewer__username", "stage", "verdict", "reason__label", "note")
    )
    for record, who, stage, verdict, reason, note in decisions:
        reason = f" ({reason})" if reason else ""
        note = f": {note}" if note else ""
        notes[record].append(f"{who}, {STAGE_WORDS[stage]}: {VERDICTS[verdict]}{reason}{note}")
    return notes


def _chunks(queryset) -> Iterator[list]:
    """The records as rows with a record's attribute names (``ris_entry`` takes either),
    ``CHUNK`` at a time: model instances cost several times more to build."""
    batch: list = []
    for row in plain_rows(queryset, RIS_FIELDS, lists=("authors", "keywords")):
        batch.append(RisRow._make(row))
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def labelled(scope: Scope, queryset, *, decisions: bool = True) -> Iterator[str]:
    """RIS entries of ``queryset``'s records with their resolutions as keywords and, when
    ``decisions``, the decisions this scope may see as notes."""
    for records in _chunks(queryset):
        ids = [record.pk for record in records]
        resolutions = _resolutions(ids)
        notes = _decision_notes(scope, ids) if decisions else {}
        for record in records:
            yield ris_entry(
                record, keywords=_labels(resolutions[record.pk]), notes=notes.get(record.pk, ())
            )


def all_records(scope: Scope) -> Iterator[str]:
    """Every unique record (duplicates merged into it are not repeated)."""
    records = Record.objects.filter(review=scope.review, duplicate_of__isnull=True)
    yield from labelled(scope, records.order_by("batch_id", "position", "pk"))


def excluded_full_texts(scope: Scope) -> Iterator[str]:
    records = Record.objects.filter(
        review=scope.review,
        resolutions__stage=Stage.FULL_TEXT,
        resolutions__verdict=Verdict.EXCLUDE,
    ).order_by("pk")
    yield from labelled(scope, records)


def included_studies(scope: Scope) -> Iterator[str]:
    """Each study's reports, with the study's name as a keyword and a note."""
    for study in Study.objects.filter(review=scope.review).prefetch_related("reports"):
        for report in sorted(study.reports.all(), key=lambda r: r.pk):
            yield ris_entry(
                report,
                keywords=[f"Prismatic: study: {study.name}"],
                notes=[f"Study ID: {study.name}"],
            )
