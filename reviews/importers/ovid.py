"""Ovid MEDLINE / Embase / PsycINFO in Ovid's own tagged layout (.ovd, .cgi, .txt).

Each record opens with a ``<1. >`` line (the number continues across the whole
result set), then ``XX  - value`` fields. Long values continue on the next
lines, indented (Citavi/"Complete Reference" export) or not (the EndNote
export keeps abstract paragraphs as bare lines). Anything before the first
record, such as the search history, is skipped with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from .blocks import header_blocks
from .record import ParsedRecord
from .source import TextSource

NAME = "ovid"
LABEL = "Ovid tagged export (.ovd/.cgi; MEDLINE, Embase, PsycINFO)"

_HEADER = re.compile(r"<\s*[0-9]+\.?\s*>\s*$")
_TAG = re.compile(r"([A-Z][A-Z0-9])  - ?(.*)", re.DOTALL)
_SNIFF = re.compile(r"^<\s*[0-9]+\.?\s*>\s*\n(?:.*\n){0,5}?[A-Z][A-Z0-9]  - ", re.MULTILINE)


def sniff(sample: str) -> bool:
    """True when a ``<n. >`` record header is followed by ``XX  - `` fields."""
    return _SNIFF.search(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``<n. >`` record."""
    for start, pairs in header_blocks(source, _HEADER, _TAG):
        yield build(pairs, start)


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one Ovid record's ``(tag, value)`` pairs onto a :class:`ParsedRecord`."""
    one = dict(reversed(pairs))
    get = one.get
    source_line = norm.collapse(get("SO", ""))
    volume, issue, pages = norm.citation_parts(source_line)
    database = get("DB", "").lower()
    ui = get("UI", "").strip()
    return ParsedRecord(
        title=norm.collapse(get("TI", "")),
        abstract=norm.paragraph(get("AB", "")),
        authors=tuple(norm.collapse(v) for t, v in pairs if t == "AU" and v),
        year=norm.year(get("YR", ""), get("DP", ""), get("PY", ""), source_line),
        journal=norm.collapse(get("JN") or get("JT") or get("JX") or "")
        or norm.journal_from_citation(source_line),
        volume=get("VI") or get("VO") or volume,
        issue=get("IP") or issue,
        pages=norm.pages(get("PG", "")) or pages,
        doi=norm.doi(get("DO", "")) or norm.doi(get("DI", "")),
        pmid=norm.pmid(ui) if "medline" in database else norm.pmid(get("PM", "")),
        embase_id=norm.embase_id(ui) if "embase" in database else "",
        accession=ui or get("AN", ""),
        keywords=tuple(_items(pairs, "KW", "ID")),
        mesh_terms=tuple(_items(pairs, "MH")),
        language=get("LG") or get("LA") or "",
        publication_type=get("PT", ""),
        url=get("UR") or get("XL") or "",
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )


def _items(pairs: list[tuple[str, str]], *tags: str) -> list[str]:
    return [item for t, v in pairs if t in tags for item in norm.split_list(v, "\n")]
