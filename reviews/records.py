"""Conversions between the importers' ParsedRecord and the Record model."""

from reviews.dedup import normalise_title
from reviews.importers.record import ParsedRecord

from .bulk import to_json
from .models import ImportBatch, Record

# Record fields filled straight from ParsedRecord fields of the same name.
COPIED = (
    "title",
    "abstract",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "embase_id",
    "central_id",
    "accession",
    "language",
    "publication_type",
    "url",
)
LISTS = ("authors", "keywords", "mesh_terms")
# Columns written by an import, in the order of the tuples record_row returns.
ROW_FIELDS = ("review", "batch", "position", "source_line", *COPIED, *LISTS, "raw", "title_key")
PARSED_FIELDS = ("id", "source_line", *COPIED, *LISTS)

_LIMITS = {
    name: Record._meta.get_field(name).max_length
    for name in COPIED
    if getattr(Record._meta.get_field(name), "max_length", None)
}


def record_row(parsed: ParsedRecord, *, batch: ImportBatch, position: int) -> tuple:
    """The values of one Record row, in ROW_FIELDS order, cut to the columns' lengths."""
    copied = [_fit(name, getattr(parsed, name)) for name in COPIED]
    lists = [to_json(getattr(parsed, name)) for name in LISTS]  # tuples become JSON arrays
    title_key = normalise_title(parsed.title)[:300]
    return (
        batch.review_id,
        batch.pk,
        position,
        parsed.line,
        *copied,
        *lists,
        to_json(parsed.raw),
        title_key,
    )


def _fit(name: str, value):
    limit = _LIMITS.get(name)
    return value[:limit] if limit and value and len(value) > limit else value


def parsed_from_row(row: dict) -> ParsedRecord:
    """A ParsedRecord from ``Record.objects.values(*PARSED_FIELDS)``, for the matcher."""
    values = {name: row[name] or "" for name in COPIED if name != "year"}
    values.update({name: tuple(row[name] or ()) for name in LISTS})
    return ParsedRecord(year=row["year"], line=row["source_line"], **values)
