"""BibTeX (.bib) from Zotero, Scopus, JabRef, Web of Science and others.

Entries are read one at a time: ``@article{key, field = {value}, ...}`` with
values in braces, quotes, bare numbers or ``@string`` macros joined by ``#``.
Values are kept as written (protective braces and LaTeX escapes such as
``\\&`` stay), apart from collapsed whitespace and ``--`` in page ranges.
``@comment`` and ``@preamble`` are skipped; text outside entries is a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from .record import ParsedRecord
from .source import TextSource

NAME = "bibtex"
LABEL = "BibTeX (.bib)"

_ENTRY = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t]*([{(])")
_NAME = re.compile(r"\s*([^=,{}\"#()]+?)\s*=")
_BARE = re.compile(r"\s*([^\s,#{}\"()]+)\s*")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_SNIFF = re.compile(r"\A(?:\s*%[^\n]*\n)*\s*@[ \t]*[A-Za-z]+[ \t]*[{(]")
_MONTHS = {m: m.capitalize() for m in "jan feb mar apr may jun jul aug sep oct nov dec".split()}


def sniff(sample: str) -> bool:
    """True when the first thing that is not a ``%`` comment is ``@type{``."""
    return _SNIFF.match(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per entry (``@string`` defines macros)."""
    macros = dict(_MONTHS)
    for line, kind, body in _entries(source):
        if kind in ("comment", "preamble"):
            continue
        if kind == "string":
            for name, value in _fields(body, macros, source, line):
                macros[name.lower()] = value
            continue
        key, _, rest = body.partition(",")
        if "=" in key:  # no key: the first field starts at once
            key, rest = "", body
        pairs = [("ENTRYTYPE", kind), ("ID", key.strip())]
        pairs += _fields(rest, macros, source, line)
        yield build(pairs, line)


def _entries(source: TextSource) -> Iterator[tuple[int, str, str]]:
    """``(first line, entry type, text between the outer delimiters)`` per entry."""
    parts: list[str] = []
    start = depth = 0
    kind = closer = ""
    for lineno, line in enumerate(source.lines(), 1):
        rest = line
        while rest:
            if not parts:
                match = _ENTRY.search(rest)
                if match is None:
                    break
                start, kind, closer = (
                    lineno,
                    match.group(1).lower(),
                    ")" if match.group(2) == "(" else "}",
                )
                parts, depth, rest = [""], 1, rest[match.end() :]
                continue
            end = _closing(rest, depth, closer)
            if end < 0:
                depth += rest.count("{") - rest.count("}")
                parts.append(rest)
                break
            parts.append(rest[:end])
            yield start, kind, "".join(parts)
            parts, rest = [], rest[end + 1 :]
    if parts:
        raise source.error(f"entry starting at line {start} is not closed (file truncated?)", start)


def _closing(text: str, depth: int, closer: str) -> int:
    """Index in ``text`` of the delimiter that closes the entry, or -1."""
    if closer == "}" and text.count("}") < depth:
        return -1  # the common case: the entry goes on past this line
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and closer == "}":
                return index
        elif char == ")" and depth == 1 and closer == ")":
            return index
    return -1


def _fields(
    body: str, macros: dict[str, str], source: TextSource, line: int
) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    pos = 0
    while True:
        while pos < len(body) and (body[pos].isspace() or body[pos] == ","):
            pos += 1
        if pos >= len(body):
            return fields
        match = _NAME.match(body, pos)
        if match is None:
            raise source.error(
                f"entry: expected 'field = value' near {body[pos : pos + 30]!r}", line
            )
        name = " ".join(match.group(1).lower().split())
        value, pos = _value(body, match.end(), macros, source, line)
        fields.append((name, value))


def _value(
    body: str, pos: int, macros: dict[str, str], source: TextSource, line: int
) -> tuple[str, int]:
    """Parse ``{...}``, ``"..."``, a number or a macro, joined by ``#``."""
    parts: list[str] = []
    while True:
        while pos < len(body) and body[pos].isspace():
            pos += 1
        char = body[pos : pos + 1]
        if char == "{" or char == '"':
            end = _delimited_end(body, pos)
            if end < 0:
                raise source.error("entry: unbalanced braces or quotes in a value", line)
            parts.append(body[pos + 1 : end])
            pos = end + 1
        else:
            match = _BARE.match(body, pos)
            if match is None:
                raise source.error(f"entry: missing value near {body[pos : pos + 30]!r}", line)
            word = match.group(1)
            parts.append(word if norm.is_digits(word) else macros.get(word.lower(), word))
            pos = match.end()
        while pos < len(body) and body[pos].isspace():
            pos += 1
        if body[pos : pos + 1] != "#":
            return "".join(parts), pos
        pos += 1


def _delimited_end(text: str, pos: int) -> int:
    depth = 0
    quoted = text[pos] == '"'
    for index in range(pos + 1 if quoted else pos, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and not quoted:
                return index
            if depth < 0:
                return -1
        elif char == '"' and quoted and depth == 0:
            return index
    return -1


def build(pairs: list[tuple[str, str]], line: int) -> ParsedRecord:
    """Map one entry's ``(field, value)`` pairs onto a :class:`ParsedRecord`."""
    one = dict(reversed(pairs))
    get = one.get
    keywords = norm.split_list(get("keywords", ""), ",;") + norm.split_list(
        get("author_keywords", ""), ";"
    )
    pmid = get("pmid", "")
    if not pmid and get("eprinttype", "").lower() == "pubmed":
        pmid = get("eprint", "")
    return ParsedRecord(
        title=norm.collapse(get("title", "")),
        abstract=norm.paragraph(get("abstract", "")),
        authors=tuple(_authors(get("author", ""))),
        year=norm.year(get("year", ""), get("date", "")),
        journal=norm.collapse(get("journal") or get("journaltitle") or get("booktitle") or ""),
        volume=get("volume", ""),
        issue=get("number") or get("issue") or "",
        pages=norm.pages(get("pages", "")),
        doi=norm.doi(get("doi", "")) or norm.doi_from_url(get("url", "")),
        pmid=norm.pmid(pmid),
        accession=get("unique-id") or get("eid") or get("accession") or "",
        keywords=tuple(keywords),
        language=get("language", ""),
        publication_type=get("ENTRYTYPE", ""),
        url=get("url", ""),
        source_format=NAME,
        line=line,
        raw=tuple(pairs),
    )


def _authors(text: str) -> list[str]:
    """Split ``A and B and {C and D Ltd}`` on ``and`` outside braces."""
    if not text:
        return []
    names, depth, last = [], 0, 0
    for match in _AND.finditer(text):
        depth = text.count("{", 0, match.start()) - text.count("}", 0, match.start())
        if depth == 0:
            names.append(text[last : match.start()])
            last = match.end()
    names.append(text[last:])
    return [name for name in (norm.collapse(n) for n in names) if name]
