"""Conversions between the importers' ParsedRecord and the Record model."""

from reviews.dedup import normalise_title
from reviews.importers.record import ParsedRecord

from .models import ImportBatch, Record

# Record fields filled straight from ParsedRecord fields of the same name.
COPIED = (
    "title", "abstract", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "embase_id", "central_id", "accession", "language", "publication_type", "url",
)
LISTS = ("authors", "keywords", "mesh_terms")


def record_from_parsed(parsed: ParsedRecord, *, batch: ImportBatch, position: int) -> Record:
    values = {name: getattr(parsed, name) for name in COPIED}
    values.update({name: list(getattr(parsed, name)) for name in LISTS})
    values["journal"] = values["journal"][:500]
    values["publication_type"] = values["publication_type"][:255]
    return Record(
        review_id=batch.review_id,
        batch=batch,
        position=position,
        source_line=parsed.line,
        raw=[list(pair) for pair in parsed.raw],
        title_key=normalise_title(parsed.title)[:300],
        **values,
    )


def parsed_from_row(row: dict) -> ParsedRecord:
    """A ParsedRecord from ``Record.objects.values(*PARSED_FIELDS)``, for the matcher."""
    values = {name: row[name] or "" for name in COPIED if name != "year"}
    values.update({name: tuple(row[name] or ()) for name in LISTS})
    return ParsedRecord(year=row["year"], line=row["source_line"], **values)


PARSED_FIELDS = ("id", "source_line", *COPIED, *LISTS)
