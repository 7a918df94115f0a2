"""Cochrane Library (CENTRAL) CSV export.

Columns ``CENTRAL ID, Author(s), Title, Source, Year, Abstract, Volume, Issue,
Pages, Database Name, PubMed ID, Embase ID, ..., Keywords, DOI, URL``. The ids
carry a prefix (``PUBMED 21314913``, ``EMBASE 643589775``); authors and
keywords are ``"; "``-separated.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import normalise as norm
from .delimited import header, rows
from .record import ParsedRecord
from .source import TextSource

NAME = "cochrane_csv"
LABEL = "Cochrane Library CENTRAL CSV"


def sniff(sample: str) -> bool:
    """True for a CSV header starting with ``CENTRAL ID``."""
    names = header(sample)
    return bool(names) and names[0] == "CENTRAL ID"


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per row."""
    for line, row in rows(source):
        yield build(row, line)


def build(row: dict[str, str], line: int) -> ParsedRecord:
    """Map one Cochrane row onto a :class:`ParsedRecord`."""
    get = row.get
    return ParsedRecord(
        title=norm.collapse(get("Title", "")),
        abstract=norm.paragraph(get("Abstract", "")),
        authors=tuple(norm.split_list(get("Author(s)", ""))),
        year=norm.year(get("Year", "")),
        journal=norm.collapse(get("Source", "")),
        volume=get("Volume", ""),
        issue=get("Issue", ""),
        pages=norm.pages(get("Pages", "")),
        doi=norm.doi(get("DOI", "")),
        pmid=norm.pmid(get("PubMed ID", "")),
        embase_id=norm.embase_id(get("Embase ID", "")),
        central_id=norm.central_id(get("CENTRAL ID", "")),
        accession=get("CENTRAL ID", ""),
        keywords=tuple(norm.split_list(get("Keywords", ""))),
        publication_type=get("Publication Type", ""),
        url=get("URL", ""),
        source_format=NAME,
        line=line,
        raw=tuple((name, value) for name, value in row.items() if value),
    )
