"""Scopus CSV export ("CSV", all fields).

A header row (``Authors, Author full names, Author(s) ID, Title, Year, Source
title, ..., DOI, Link, ..., Abstract, ..., PubMed ID, ..., EID``), every value
quoted, authors ``"; "``-separated as ``Wilson L.N.``.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import normalise as norm
from .delimited import header, rows
from .record import ParsedRecord
from .source import TextSource

NAME = "scopus_csv"
LABEL = "Scopus CSV"

_NO_ABSTRACT = "[No abstract available]"


def sniff(sample: str) -> bool:
    """True for a CSV header with Scopus's ``Source title`` and ``EID`` or ``Authors``."""
    names = set(header(sample))
    return "Source title" in names and ("EID" in names or "Authors" in names)


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per row."""
    for line, row in rows(source):
        yield build(row, line)


def build(row: dict[str, str], line: int) -> ParsedRecord:
    """Map one Scopus row onto a :class:`ParsedRecord`."""
    get = row.get
    abstract = get("Abstract", "")
    keywords = norm.split_list(get("Author Keywords", "")) + norm.split_list(
        get("Index Keywords", "")
    )
    return ParsedRecord(
        title=norm.collapse(get("Title", "")),
        abstract="" if abstract == _NO_ABSTRACT else norm.paragraph(abstract),
        authors=tuple(norm.split_list(get("Authors", ""))),
        year=norm.year(get("Year", "")),
        journal=norm.collapse(get("Source title", "")),
        volume=get("Volume", ""),
        issue=get("Issue", ""),
        pages=norm.pages(get("Page start", ""), get("Page end", "")) or get("Art. No.", ""),
        doi=norm.doi(get("DOI", "")),
        pmid=norm.pmid(get("PubMed ID", "")),
        accession=get("EID", ""),
        keywords=tuple(keywords),
        language=get("Language of Original Document", ""),
        publication_type=get("Document Type", ""),
        url=get("Link", ""),
        source_format=NAME,
        line=line,
        raw=tuple((name, value) for name, value in row.items() if value),
    )
