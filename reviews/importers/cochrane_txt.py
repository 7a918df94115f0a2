"""Cochrane Library CENTRAL plain-text export.

Records open with ``Record #1 of 18``; fields are ``XX: value`` lines
(``DOI:`` has three letters) with ``AU`` repeated per author, ``KY`` holding
``"; "``-separated keywords and ``PM: PUBMED n`` / ``XR: EMBASE n``
cross-references. Lines without a tag continue the previous field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from .blocks import header_blocks
from .record import ParsedRecord
from .source import TextSource

NAME = "cochrane_txt"
LABEL = "Cochrane Library CENTRAL plain text (Record #1 of N, ID: CN-...)"

_HEADER = re.compile(r"Record #[0-9]+ of [0-9]+\s*$")
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,2}): ?(.*)", re.DOTALL)
_SNIFF = re.compile(r"^Record #[0-9]+ of [0-9]+\s*\n(?:.*\n){0,3}?(?:ID|AU|TI): ", re.MULTILINE)


def sniff(sample: str) -> bool:
    """True when a ``Record #n of N`` line is followed by ``ID:``/``AU:``/``TI:`` fields."""
    return _SNIFF.search(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``Record #n of N`` block."""
    for start, pairs in header_blocks(source, _HEADER, _TAG):
        yield build(pairs, start)


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one CENTRAL record's ``(tag, value)`` pairs onto a :class:`ParsedRecord`."""
    one = dict(reversed(pairs))
    get = one.get
    return ParsedRecord(
        title=norm.collapse(get("TI", "")),
        abstract=norm.paragraph(get("AB", "")),
        authors=tuple(norm.collapse(v) for t, v in pairs if t == "AU" and v),
        year=norm.year(get("YR", "")),
        journal=norm.collapse(get("SO", "")),
        volume=get("VL", ""),
        issue=get("NO", ""),
        pages=norm.pages(get("PG", "")),
        doi=norm.doi(get("DOI", "")),
        pmid=norm.pmid(get("PM", "")),
        embase_id=norm.embase_id(get("XR", "")) if "EMBASE" in get("XR", "").upper() else "",
        central_id=norm.central_id(get("ID", "")),
        accession=get("ID", ""),
        keywords=tuple(k for t, v in pairs if t == "KY" for k in norm.split_list(v)),
        language=get("LA", ""),
        publication_type=get("PT", ""),
        url=get("US", ""),
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )
