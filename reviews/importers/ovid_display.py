"""Ovid "display"/"Complete Reference" text with long field labels (Journals@Ovid).

Each record opens with ``<8>``; a label (``Author``, ``Title``, ``Source``,
``Abstract``, ``DOI Number``, ...) stands alone on its line and its value
follows on lines indented two spaces. The year, volume, issue and pages are
only inside ``Source`` (``Ecohydrology.   8(6):1048-1064, September 2015.``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from .record import ParsedRecord
from .source import TextSource

NAME = "ovid_display"
LABEL = "Ovid display / Complete Reference text with long labels (<1> Author Title ...)"

_HEADER = re.compile(r"<\s*[0-9]+\s*>\s*$")
_SNIFF = re.compile(r"^<\s*[0-9]+\s*>\s*\n(?:[A-Z][A-Za-z ]*\n  \S.*\n){2}", re.MULTILINE)


def sniff(sample: str) -> bool:
    """True when a ``<n>`` header is followed by ``Label`` / indented value pairs."""
    return _SNIFF.search(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``<n>`` record."""
    pairs: list[tuple[str, str]] | None = None
    start = 0
    for lineno, line in enumerate(source.lines(), 1):
        if _HEADER.match(line):
            if pairs:
                yield build(pairs, start)
            pairs, start = [], lineno
        elif line.isspace() or not line:
            if pairs and pairs[-1][1]:
                label, value = pairs[-1]
                pairs[-1] = (label, value + "\n")
        elif pairs is None:
            source.warn(lineno, f"text outside a record skipped: {line.strip()[:60]!r}")
        elif line[0] in " \t":
            if not pairs:
                raise source.error("value line before any field label", lineno)
            label, value = pairs[-1]
            pairs[-1] = (label, f"{value}\n{line.strip()}" if value else line.strip())
        else:
            pairs.append((line.strip(), ""))
    if pairs:
        yield build(pairs, start)
    elif pairs is not None:
        raise source.error("record has no fields (file truncated?)", start)


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one record's ``(label, value)`` pairs onto a :class:`ParsedRecord`."""
    pairs = [(label, value.strip()) for label, value in pairs]
    one = dict(reversed(pairs))
    get = one.get
    citation = norm.collapse(get("Source", ""))
    volume, issue, pages = norm.citation_parts(citation)
    return ParsedRecord(
        title=norm.collapse(get("Title", "")),
        abstract=norm.paragraph(get("Abstract", "")),
        authors=tuple(norm.split_list(get("Author") or get("Authors") or "")),
        year=norm.year(get("Year of Publication", ""), get("Date of Publication", ""), citation),
        journal=norm.collapse(get("Journal Name") or "") or norm.journal_from_citation(citation),
        volume=volume,
        issue=issue,
        pages=pages,
        doi=norm.doi(get("DOI Number") or get("Digital Object Identifier") or ""),
        pmid=norm.pmid(get("PubMed ID", "")) or _medline_pmid(one),
        accession=(get("Accession Number") or get("Unique Identifier") or "").rstrip("."),
        keywords=tuple(norm.split_list(get("Author Keywords") or get("Keywords") or "")),
        mesh_terms=tuple(norm.split_list(get("MeSH Subject Headings", ""), "\n")),
        language=get("Language", "").rstrip("."),
        publication_type=(get("Document Type") or get("Publication Type") or "").rstrip("."),
        url=get("URL", ""),
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )


def _medline_pmid(one: dict[str, str]) -> str:
    # "Unique Identifier" is the PMID only in MEDLINE records.
    if "MEDLINE" in one.get("Database", "").upper():
        return norm.pmid(one.get("Unique Identifier", ""))
    return ""
