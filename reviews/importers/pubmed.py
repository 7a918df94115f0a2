"""PubMed / MEDLINE tagged format (``.nbib``, PubMed's "PubMed format" ``.txt``).

Records start with ``PMID- `` and are separated by blank lines. Tags are padded
to four characters and followed by ``- ``; long values wrap onto lines
indented by six spaces. Authors come as ``FAU`` (full) and ``AU`` (initials)
pairs; we keep the full names when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from .record import ParsedRecord
from .source import TextSource

NAME = "pubmed"
LABEL = "PubMed / MEDLINE (.nbib, PMID- tagged text)"

_SNIFF = re.compile(r"\A\s*PMID- ?[0-9]", re.ASCII)
_TAG = re.compile(r"[A-Z][A-Z0-9 ]{1,3}- ")


def sniff(sample: str) -> bool:
    """True when the first non-blank line is a ``PMID- `` line."""
    return _SNIFF.match(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``PMID-`` record."""
    pairs: list[tuple[str, str]] = []
    start = 0
    for lineno, line in enumerate(source.lines(), 1):
        if line[4:6] == "- " and _TAG.match(line):
            tag = line[:4].rstrip()
            if tag == "PMID" and pairs:
                yield build(pairs, start)
                pairs = []
            if not pairs:
                start = lineno
                if tag != "PMID":
                    source.warn(lineno, f"record starts with {tag} instead of PMID")
            pairs.append((tag, line[6:].strip()))
        elif line.startswith(" ") and pairs and not line.isspace():
            tag, value = pairs[-1]
            pairs[-1] = (tag, f"{value} {line.strip()}" if value else line.strip())
        elif line.isspace() or not line:
            if pairs:
                yield build(pairs, start)
                pairs = []
        elif pairs:
            raise source.error(
                f"line is neither a tagged field nor a continuation: {line[:40]!r}", lineno
            )
        else:
            source.warn(lineno, f"text between records skipped: {line.strip()[:60]!r}")
    if pairs:
        yield build(pairs, start)


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one MEDLINE record's ``(tag, value)`` pairs onto a :class:`ParsedRecord`."""
    fields: dict[str, list[str]] = {}
    for tag, value in pairs:
        fields.setdefault(tag, []).append(value)
    one = {tag: values[0] for tag, values in fields.items()}
    get = one.get
    return ParsedRecord(
        title=norm.collapse(get("TI") or get("BTI") or get("TT") or ""),
        abstract=norm.join_text(fields.get("AB", ())),
        authors=tuple(_authors(pairs)),
        year=norm.year(get("DP", ""), get("DEP", ""), get("DA", ""), get("EDAT", "")),
        journal=norm.collapse(get("JT") or get("TA") or ""),
        volume=get("VI", ""),
        issue=get("IP", ""),
        pages=norm.pages(get("PG", "")),
        doi=_doi(fields),
        pmid=norm.pmid(get("PMID", "")),
        accession=get("PMID", ""),
        keywords=tuple(fields.get("OT", ())),
        mesh_terms=tuple(fields.get("MH", ())),
        language=get("LA", ""),
        publication_type=get("PT", ""),
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )


def _authors(pairs: list[tuple[str, str]]) -> list[str]:
    """``FAU`` names (with ``CN`` group authors) if present, else ``AU`` names."""
    full = any(tag == "FAU" for tag, _ in pairs)
    wanted = ("FAU", "CN") if full else ("AU", "CN")
    return [norm.collapse(value) for tag, value in pairs if tag in wanted and value]


def _doi(fields: dict[str, list[str]]) -> str:
    for tag in ("LID", "AID"):
        for value in fields.get(tag, ()):
            if value.endswith("[doi]"):
                found = norm.doi(value[:-5])
                if found:
                    return found
    for value in fields.get("SO", ()):
        position = value.find("doi:")
        if position >= 0:
            return norm.doi(value[position + 4 :])
    return ""
