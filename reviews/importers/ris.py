"""RIS: Embase.com, Ovid, Cochrane Library, EndNote, Zotero, Mendeley, Scopus, WoS.

Every dialect we have seen shares the ``XX  - value`` line, ``TY`` to open and
``ER`` to close a record. They differ in which tags they use (``TI``/``T1``,
``AU``/``A1``, ``AB``/``N2``, ``PY``/``Y1``, ``JF``/``T2``/``JA``) and in
what they write between records: Ovid puts a counter line (``1.``) and a
"Link to the Ovid Full Text" line there, the Cochrane Library a
``Record #3 of 18`` header. Those lines are skipped with a warning. A line
inside a record that has no tag continues the previous field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from . import normalise as norm
from .record import ParsedRecord
from .source import TextSource

NAME = "ris"
LABEL = "RIS (.ris; Embase.com, Ovid, Cochrane, EndNote, Zotero, Mendeley, Scopus, WoS)"

_SNIFF = re.compile(r"^\ufeff?TY  -", re.MULTILINE)
_TAG = re.compile(r"[A-Z][A-Z0-9]  -")


class _Marks(NamedTuple):
    """The markers _blocks_of looks for, as str or as bytes."""

    empty: str | bytes
    newline: str | bytes
    start: str | bytes
    opening: str | bytes
    closing: str | bytes
    bare_er: re.Pattern


_STR = _Marks("", "\n", "TY  -", "\nTY  -", "\nER  -", re.compile(r"^ER[ \t]*-?[ \t]*$", re.M))
_BYTES = _Marks(
    b"", b"\n", b"TY  -", b"\nTY  -", b"\nER  -", re.compile(rb"^ER[ \t]*-?[ \t]*$", re.M)
)
CHUNK_CHARS = 1 << 20
# Values keep any trailing blanks here (matching them costs a third of the regex
# time); build() strips the few fields it uses verbatim.
# "(?:\A|\n)" rather than "^" with MULTILINE: a pattern led by a newline lets the
# regex engine skip ahead to candidate lines: about 40 % faster on big files.
_FIELD = re.compile(r"(?:\A|\n)([A-Z][A-Z0-9])  -[ \t]*(.*)")

# Tags whose values are several items, one per line when a writer wraps them.
_LIST_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "KW", "AD", "UR", "L1", "L2", "N1"})
_DOI_TAGS = frozenset({"DO", "DI", "M3", "N1"})
_URL_TAGS = frozenset({"L2", "UR", "LK", "L1"})

REFERENCE_TYPES = {
    "ABST": "Abstract",
    "BOOK": "Book",
    "CHAP": "Book Section",
    "CONF": "Conference Proceeding",
    "CPAPER": "Conference Paper",
    "EJOUR": "Electronic Article",
    "ELEC": "Web Page",
    "GEN": "Generic",
    "JFULL": "Journal (Full)",
    "JOUR": "Journal Article",
    "MGZN": "Magazine Article",
    "NEWS": "Newspaper Article",
    "RPRT": "Report",
    "SER": "Serial",
    "THES": "Thesis",
    "UNPB": "Unpublished Work",
}


def sniff(sample: str) -> bool:
    """True when a ``TY  - `` line opens a record near the start of the file."""
    return _SNIFF.search(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``TY`` ... ``ER`` block."""
    for line, text, newlines in _blocks(source):
        pairs = _FIELD.findall(text)
        if len(pairs) != newlines + 1:  # some line has no tag: a continuation
            pairs = _pairs_slowly(text.split("\n"), line, source)
        yield build(pairs, line)


def _blocks(source: TextSource) -> Iterator[tuple[int, str, int]]:
    """``(first line, text, newlines in text)`` of every record, TY line to just before ER.

    Works on large chunks with ``find`` rather than line by line: this is where
    the time goes on a 100,000-record file. For UTF-8 and cp1252 files the
    chunks stay bytes and only each record is decoded, which keeps the text of
    most records in Python's compact one-byte form.
    """
    chunks = source.byte_chunks(CHUNK_CHARS)
    if chunks is None:
        yield from _blocks_of(source.chunks(CHUNK_CHARS), _STR, lambda text, line: text, source)
    else:
        yield from _blocks_of(chunks, _BYTES, source.decode, source)


def _blocks_of(chunks, marks: _Marks, decode, source: TextSource) -> Iterator[tuple[int, str, int]]:
    buffer, line, final = marks.empty, 1, False  # line: number of the line buffer[0] is on
    newline, opening, closing = marks.newline, marks.opening, marks.closing
    while not final:
        chunk = next(chunks, None)
        if chunk is None:
            final, chunk = True, newline  # so a last ER line needs no newline
        buffer = buffer + chunk if buffer else chunk
        pos = 0  # buffer[pos] starts the first line not yet dealt with
        while (start := _record_start(buffer, pos, marks)) >= 0:
            opened = line + buffer.count(newline, pos, start) if start > pos else line
            end = buffer.find(closing, start)
            if end < 0 or buffer.find(opening, start, end) >= 0:
                end = _unusual_record_end(buffer, start, opened, source, final, marks)
                if end < 0:
                    break
            if start > pos and not buffer[pos:start].isspace():
                _skip_between(decode(buffer[pos:start], line), line, source)
            newlines = buffer.count(newline, start, end)
            yield opened, decode(buffer[start:end], opened), newlines
            pos = buffer.find(newline, end + 1) + 1
            line = opened + newlines + 2  # the text's lines, then the ER line
            if pos == 0:  # the ER line ends the buffer without a newline
                pos, line = len(buffer), line - 1
        else:
            # No record opens in the rest: deal with its complete lines now.
            keep = len(buffer) if final else buffer.rfind(newline, pos) + 1
            if keep > pos:
                _skip_between(decode(buffer[pos:keep], line), line, source)
                line += buffer.count(newline, pos, keep)
                pos = keep
        buffer = buffer[pos:]


def _record_start(buffer, pos: int, marks: _Marks) -> int:
    start = buffer.find(marks.start, pos)
    while start > 0 and buffer[start - 1 : start] != marks.newline:
        start = buffer.find(marks.start, start + 1)
    return start


def _unusual_record_end(
    buffer, start: int, opened: int, source: TextSource, final: bool, marks: _Marks
) -> int:
    """End of a record with a bare ``ER`` line, -1 for "read more", or a ParseError.

    Returns the index of the line break before the ER line, as :func:`_blocks_of` expects.
    """
    end = buffer.find(marks.closing, start)
    limit = end if end >= 0 else len(buffer)
    after = buffer.find(marks.opening, start, limit)
    bare = marks.bare_er.search(buffer, start, after if after >= 0 else limit)
    if bare:
        return bare.start() - 1
    if after >= 0:
        raise source.error(f"record starting at line {opened} has no ER line", opened)
    if final:
        raise source.error(
            f"record starting at line {opened} has no ER line (file truncated?)", opened
        )
    return -1


def _skip_between(text: str, line: int, source: TextSource) -> None:
    if not text or text.isspace():
        return
    for offset, skipped in enumerate(text.split("\n")):
        skipped = skipped.strip()
        if skipped:
            source.warn(line + offset, f"text between records skipped: {skipped[:60]!r}")


def _pairs_slowly(lines: list[str], line: int, source: TextSource) -> list[tuple[str, str]]:
    """Line by line: untagged lines continue the previous field."""
    pairs: list[tuple[str, str]] = []
    for offset, text in enumerate(lines):
        if _TAG.match(text):
            pairs.append((text[:2], text[5:].lstrip(" \t")))
            continue
        text = text.strip()
        if not text:
            continue
        tag, value = pairs[-1]
        if tag == "TY":
            source.warn(line + offset, "text after TY skipped")
        elif tag in _LIST_TAGS:
            pairs.append((tag, text))
        else:
            pairs[-1] = (tag, f"{value}\n{text}" if value else text)
    return pairs


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one record's ``(tag, value)`` pairs onto a :class:`ParsedRecord`."""
    one = dict(reversed(pairs))  # the first value of every tag
    get = one.get
    authors, keywords = _repeated(pairs)
    kind = get("TY", "").strip()
    pmid, embase_id, central_id, accession = _identifiers(one, pairs)
    return ParsedRecord(
        title=norm.collapse(get("TI") or get("T1") or get("CT") or get("ST") or get("BT") or ""),
        abstract=norm.paragraph(get("AB") or get("N2") or ""),
        authors=authors,
        year=norm.year(get("PY", ""), get("Y1", ""), get("DA", ""), get("Y2", "")),
        journal=norm.collapse(get("JF") or get("T2") or get("JO") or get("JA") or get("J2") or ""),
        volume=get("VL", "").strip(),
        issue=(get("IS") or get("CP") or "").strip(),
        pages=_pages(get("SP", ""), get("EP", "")),
        doi=_doi(one, pairs),
        pmid=pmid,
        embase_id=embase_id,
        central_id=central_id,
        accession=accession,
        keywords=keywords,
        language=get("LA", "").strip(),
        publication_type=REFERENCE_TYPES.get(kind, kind),
        url=(get("UR") or get("L2") or get("LK") or "").strip(),
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )


def _repeated(pairs: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Authors (``AU``/``A1``) and keywords (``KW``, also ``;``-separated), in one pass."""
    authors: list[str] = []
    keywords: list[str] = []
    for tag, value in pairs:
        if tag == "AU" or tag == "A1":
            if value:
                authors.append(value.rstrip())
        elif tag == "KW" and value:
            keywords.append(value.rstrip())
    if keywords and ";" in "".join(keywords):
        keywords = [item for value in keywords for item in norm.split_list(value, ";")]
    return tuple(authors), tuple(keywords)


def _pages(start: str, end: str) -> str:
    start, end = start.strip(), end.strip()
    if start == "No" and end == "Specified":
        return ""  # Ovid PsycINFO writes "No"/"Specified" when there are no pages.
    return norm.pages(start, end)


def _doi(one: dict[str, str], pairs: list[tuple[str, str]]) -> str:
    value = one.get("DO")
    if value:
        found = norm.doi(value)
        if found:
            return found
    for tag, value in pairs:
        if tag in _DOI_TAGS:
            found = norm.doi(value) if tag == "DO" or tag == "DI" else _bare_doi(value)
            if found:
                return found
    for tag, value in pairs:
        if tag in _URL_TAGS:
            found = norm.doi_from_url(value)
            if found:
                return found
    return ""


def _bare_doi(value: str) -> str:
    # M3/N1 hold a DOI only in some writers; accept a value that is just a DOI.
    if value.lower().startswith(("10.", "doi:", "https://doi.org/", "http://dx.doi.org/")):
        return norm.doi(value)
    return ""


def _from_embase(one: dict[str, str]) -> bool:
    return "embase" in f"{one.get('DB', '')} {one.get('DP', '')}".lower()


def _identifiers(one: dict[str, str], pairs: list[tuple[str, str]]) -> tuple[str, str, str, str]:
    """``(pmid, embase_id, central_id, accession)``: the database's own number too.

    ``AN`` is a PMID in EndNote/PubMed exports, an Embase number when the record
    comes from Embase, a CENTRAL id from the Cochrane Library, and something
    else (``WOS:...``) elsewhere. Embase.com puts the PMID in ``C5`` and its
    L-number in ``U2``; the Cochrane Library writes ``C3  - PUBMED n,EMBASE n``.
    """
    pmid = embase_id = central = ""
    accession = one.get("AN", "").strip()
    if accession:
        if norm.is_digits(accession):
            if _from_embase(one):
                embase_id = norm.embase_id(accession)
            else:
                pmid = norm.pmid(accession)
        elif accession[:1] in "Ll" and norm.is_digits(accession[1:]):
            embase_id = norm.embase_id(accession)
        else:
            central = norm.central_id(accession)
    if "C5" in one:
        pmid = pmid or norm.pmid(one["C5"])
    if "U2" in one:
        embase_id = embase_id or norm.embase_id(one["U2"])
    if "C3" in one:
        for part in one["C3"].upper().split(","):
            if "PUBMED" in part and not pmid:
                pmid = norm.pmid(part)
            elif "EMBASE" in part and not embase_id:
                embase_id = norm.embase_id(part)
    if not pmid:
        for tag, value in pairs:
            if tag in _URL_TAGS:
                pmid = norm.pmid_from_url(value)
                if pmid:
                    break
    return pmid, embase_id, central, accession or (one.get("ID") or one.get("U2") or "").strip()
