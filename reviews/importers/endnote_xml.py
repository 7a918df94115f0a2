"""EndNote XML (EndNote, Mendeley, RefWorks): ``<xml><records><record>...``.

Parsed as a stream with defusedxml: entity declarations and external
references are refused, and only one ``<record>`` is held in memory at a
time. Values may be wrapped in ``<style>`` elements (EndNote) or be direct
text (Mendeley); both read the same. EndNote separates several values in one
element with carriage returns (``&#xD;``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import ParseError as XMLParseError

from . import normalise as norm
from .record import ParsedRecord
from .source import TextSource

NAME = "endnote_xml"
LABEL = "EndNote XML (.xml with <records><record>)"

_SNIFF = re.compile(r"<xml>\s*<records>")

# Elements whose text we keep, named "parent/child" so that, say, the journal
# in <periodical><full-title> is not confused with <alt-periodical><full-title>.
_CONTAINERS = frozenset(
    {"record", "titles", "periodical", "alt-periodical", "contributors", "authors",
     "secondary-authors", "tertiary-authors", "subsidiary-authors", "translated-authors",
     "keywords", "dates", "pub-dates", "urls", "related-urls", "pdf-urls", "text-urls",
     "image-urls", "web-urls", "foreign-keys"}
)  # fmt: skip


def sniff(sample: str) -> bool:
    """True for an XML document whose root is ``<xml>`` holding ``<records>``."""
    return sample.lstrip().startswith("<") and _SNIFF.search(sample[:4096]) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per ``<record>`` element."""
    target = _RecordCollector()
    parser = DefusedXMLParser(target=target, forbid_dtd=False)
    target.parser = parser.parser
    try:
        for chunk in source.chunks():
            parser.feed(chunk)
            yield from _drain(target)
        parser.close()
    except XMLParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise source.error(f"malformed XML: {_reason(exc)}", line) from None
    except DefusedXmlException as exc:
        raise source.error(f"XML not accepted: {exc}", parser.parser.CurrentLineNumber) from None
    yield from _drain(target)
    if not target.saw_records:
        raise source.error("XML has no <records> element; not an EndNote XML export", 1)


def _drain(target: _RecordCollector) -> Iterator[ParsedRecord]:
    while target.done:
        pairs, line = target.done.pop(0)
        yield build(pairs, line)


def _reason(exc: XMLParseError) -> str:
    return re.sub(r": line [0-9]+, column [0-9]+$", "", str(exc))


class _RecordCollector:
    """ElementTree parser target: keeps ``(field, text)`` pairs for each record."""

    def __init__(self) -> None:
        self.parser = None
        self.done: list[tuple[list[tuple[str, str]], int]] = []
        self.saw_records = False
        self._pairs: list[tuple[str, str]] | None = None
        self._line = 0
        self._path: list[str] = []
        self._text: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == "records":
            self.saw_records = True
        elif tag == "record":
            self._pairs, self._line = [], self.parser.CurrentLineNumber
        elif self._pairs is not None and tag != "style":
            if tag == "ref-type" and attrib.get("name"):
                self._pairs.append(("ref-type", attrib["name"]))
            self._text = []
        if tag != "style":
            self._path.append(tag)

    def data(self, text: str) -> None:
        if self._pairs is not None:
            self._text.append(text)

    def end(self, tag: str) -> None:
        if tag == "style":
            return
        self._path.pop()
        if tag == "record" and self._pairs is not None:
            self.done.append((self._pairs, self._line))
            self._pairs = None
        elif self._pairs is not None and tag not in _CONTAINERS and tag != "ref-type":
            text = "".join(self._text).strip()
            if text:
                parent = self._path[-1] if self._path else ""
                self._pairs.append((f"{parent}/{tag}", text))
            self._text = []

    def close(self) -> None:
        return None


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one record's ``(parent/element, text)`` pairs onto a :class:`ParsedRecord`."""
    one = dict(reversed(pairs))
    get = one.get
    accession = get("record/accession-num", "")
    return ParsedRecord(
        title=norm.collapse(get("titles/title", "")),
        abstract=norm.paragraph(get("record/abstract", "")),
        authors=tuple(norm.collapse(v) for t, v in pairs if t == "authors/author"),
        year=norm.year(get("dates/year", ""), get("pub-dates/date", "")),
        journal=norm.collapse(get("periodical/full-title") or get("titles/secondary-title") or ""),
        volume=get("record/volume", ""),
        issue=get("record/number") or get("record/issue") or "",
        pages=norm.pages(get("record/pages", "")),
        doi=_doi(pairs),
        pmid=norm.pmid(accession) if norm.is_digits(accession) else "",
        accession=accession,
        keywords=tuple(
            item for t, v in pairs if t == "keywords/keyword" for item in norm.split_list(v, "\r")
        ),
        language=get("record/language", ""),
        publication_type=get("ref-type", ""),
        url=get("related-urls/url", ""),
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )


def _doi(pairs: list[tuple[str, str]]) -> str:
    for tag, value in pairs:
        if tag == "record/electronic-resource-num":
            found = norm.doi(value)
            if found:
                return found
    for tag, value in pairs:
        if tag.endswith("/url"):
            found = norm.doi_from_url(value)
            if found:
                return found
    return ""
