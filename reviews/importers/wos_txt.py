"""Web of Science plain text / "Other reference software" / EndNote Desktop (.ciw).

The file opens with ``FN Clarivate Analytics Web of Science`` and ``VR 1.0``;
each record runs from ``PT`` to ``ER``; the file ends with ``EF``. A tag is two
characters and ONE space; continuation lines are indented three spaces. For
list fields (authors, addresses, cited references) each continuation line is
another item; for text fields it is the same text wrapped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from .record import ParsedRecord
from .source import TextSource

NAME = "wos_txt"
LABEL = "Web of Science plain text / .ciw (FN, PT ... ER)"

LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "CR", "C1", "C3"})
_TAG = re.compile(r"([A-Z][A-Z0-9])(?: (.*)|\s*$)", re.DOTALL)
_SNIFF = re.compile(r"\A\s*(?:FN [^\n]*\n\s*(?:VR [^\n]*\n\s*)?)?PT [A-Z]\s*\n[A-Z][A-Z0-9] ")


def sniff(sample: str) -> bool:
    """True for an ``FN``/``VR`` header or a first record opening with ``PT J``."""
    return _SNIFF.match(sample) is not None or sample.lstrip().startswith("FN Clarivate")


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``PT`` ... ``ER`` block."""
    pairs: list[tuple[str, str]] | None = None
    start = 0
    for lineno, line in enumerate(source.lines(), 1):
        match = _TAG.match(line)
        if match:
            tag, value = match.group(1), (match.group(2) or "").strip()
            if tag == "PT":
                if pairs is not None:
                    raise source.error(f"record of line {start} has no ER line", lineno)
                pairs, start = [], lineno
            elif tag == "ER":
                if pairs is None:
                    raise source.error("ER line outside a record", lineno)
                yield build(_fields(pairs), pairs, start)
                pairs = None
                continue
            elif pairs is None:
                if tag not in ("FN", "VR", "EF"):
                    source.warn(lineno, f"{tag} line outside a record skipped")
                continue
            pairs.append((tag, value))
        elif line.isspace() or not line:
            continue
        elif pairs and line.startswith(" "):
            tag, value = pairs[-1]
            text = line.strip()
            if tag in LIST_TAGS:
                pairs.append((tag, text))
            else:
                pairs[-1] = (tag, f"{value}\n{text}" if value else text)
        else:
            source.warn(lineno, f"line skipped: {line.strip()[:60]!r}")
    if pairs is not None:
        raise source.error(
            f"record starting at line {start} has no ER line (file truncated?)", start
        )


def _fields(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for tag, value in pairs:
        fields.setdefault(tag, []).append(value)
    return fields


def build(
    fields: dict[str, list[str]],
    pairs: list[tuple[str, str]],
    line: int,
    source_format: str = NAME,
) -> ParsedRecord:
    """Map WoS fields (tag -> values, list fields one item a value) onto a record.

    Shared with the tab-delimited export, whose rows carry the same tags.
    """

    def get(tag: str) -> str:
        values = fields.get(tag)
        return values[0] if values else ""

    keywords = [k for tag in ("DE", "ID") for v in fields.get(tag, ()) for k in norm.split_list(v)]
    return ParsedRecord(
        title=norm.collapse(get("TI")),
        abstract=norm.paragraph(get("AB")),
        authors=tuple(fields.get("AU") or fields.get("AF") or ()),
        year=norm.year(get("PY"), get("PD"), get("EA")),
        journal=norm.collapse(get("SO")),
        volume=get("VL"),
        issue=get("IS"),
        pages=norm.pages(get("BP"), get("EP")) or get("AR"),
        doi=norm.doi(get("DI")) or norm.doi(get("D2")),
        pmid=norm.pmid(get("PM")),
        accession=get("UT"),
        keywords=tuple(keywords),
        language=get("LA"),
        publication_type=get("DT"),
        source_format=source_format,
        line=line,
        raw=tuple(pairs),
    )
