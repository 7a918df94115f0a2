"""Embase.com CSV export.

Columns ``Title, Original Title, Author Names, ..., Source, Abstract, ...``.
Authors sit in one cell separated by ``", "`` (``Liu R., Adler D.G.``); year,
journal, volume, issue and pages only inside ``Source``
(``Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014``).
Newer exports add ``DOI``, ``Medline PMID`` and ``Embase Accession ID``
columns, used when present.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import normalise as norm
from .delimited import header, rows
from .record import ParsedRecord
from .source import TextSource

NAME = "embase_csv"
LABEL = "Embase.com CSV"


def sniff(sample: str) -> bool:
    """True for a CSV header with Embase's ``Author Names`` and ``Source``."""
    names = set(header(sample))
    return "Author Names" in names and "Source" in names and "Title" in names


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per row."""
    for line, row in rows(source):
        yield build(row, line)


def build(row: dict[str, str], line: int) -> ParsedRecord:
    """Map one Embase.com row onto a :class:`ParsedRecord`."""
    get = row.get
    citation = get("Source", "")
    volume, issue, pages = norm.citation_parts(citation)
    keywords = norm.split_list(get("keywords", "") or get("Author Keywords", ""), ",;")
    mesh = norm.split_list(get("Emtree Medical Index Terms", ""), ",") + norm.split_list(
        get("Emtree Drug Index Terms", ""), ","
    )
    return ParsedRecord(
        title=norm.collapse(get("Title", "")),
        abstract=norm.paragraph(get("Abstract", "")),
        authors=tuple(norm.split_list(get("Author Names", ""), ",")),
        year=norm.year(get("Publication Year", ""), citation),
        journal=norm.collapse(get("Source title", "")) or norm.journal_from_citation(citation),
        volume=get("Volume") or volume,
        issue=get("Issue") or issue,
        pages=norm.pages(get("First Page", ""), get("Last Page", "")) or pages,
        doi=norm.doi(get("DOI", "")),
        pmid=norm.pmid(get("Medline PMID", "") or get("PubMed ID", "")),
        embase_id=norm.embase_id(get("Embase Accession ID", "") or get("Embase ID", "")),
        accession=get("Embase Accession ID", ""),
        keywords=tuple(keywords),
        mesh_terms=tuple(mesh),
        language=get("Article Language", "") or get("Language", ""),
        publication_type=get("Publication Type", ""),
        url=get("Full Record Entry Link", ""),
        source_format=NAME,
        line=line,
        raw=tuple((name, value) for name, value in row.items() if value),
    )
