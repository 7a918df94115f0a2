"""Field normalisation shared by every parser: whitespace, DOI, PMID, year, pages.

Each function takes the raw text of one field, as the export wrote it, and
returns the normalised value, or ``""`` / ``None`` when the text holds nothing
usable. None of them raise on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

_DOI = re.compile(r"10\.[0-9]{3,9}/[^\s\"<>]+")
_DOI_URL = re.compile(
    r"(?:doi\.org/|doi[=:]|doi%3a)(10(?:\.|%2e)[0-9]{3,9}(?:/|%2f)[^\s\"<>&]+)",
    re.IGNORECASE,
)
_PLAIN_DOI = re.compile(r"10\.[0-9]{3,9}/[^\s\"<>%]+")
_YEAR = re.compile(r"(?<![0-9])(1[5-9][0-9][0-9]|20[0-9][0-9])(?![0-9])")
_PMID_URL = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|[?&]list_uids=)([0-9]{1,9})(?![0-9])",
    re.IGNORECASE,
)
_OVID_MEDLINE_URL = re.compile(
    r"[?&]D=(?:med|mes|prem|ppez)\w*&.*?\bAN=([0-9]{1,9})(?![0-9-])", re.IGNORECASE
)
_PUBMED_PREFIXED = re.compile(r"\bPUBMED\s*:?\s*([0-9]{1,9})(?![0-9])", re.IGNORECASE)
_EMBASE_PREFIXED = re.compile(r"\bEMBASE\s*:?\s*L?([0-9]{6,12})(?![0-9])", re.IGNORECASE)
_CENTRAL = re.compile(r"\bCN-[0-9]{6,9}\b", re.IGNORECASE)
_DASHES = re.compile(r"\s*(?:-+|[\u2010-\u2015\u2212])\s*")
_DOI_TRAILING = ".,;:'\""


def is_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` accepts "²")."""
    return text.isascii() and text.isdigit()


def collapse(text: str) -> str:
    """Runs of whitespace (line breaks, tabs, double spaces) become one space."""
    if text.isprintable() and "  " not in text:
        return text.strip()  # the common case, without building a list of words
    return " ".join(text.split())


def paragraph(text: str) -> str:
    """Long text (an abstract): wrapped lines joined with a space, ends stripped.

    Unlike :func:`collapse`, double spaces inside one line are left alone: that
    scan costs more than it is worth on abstracts.
    """
    if "\n" in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text.strip()


def join_text(parts: Iterable[str]) -> str:
    """Several pieces of one field (wrapped lines, abstract sections) as one string."""
    return " ".join(" ".join(parts).split())


def first(*values: str) -> str:
    """The first non-empty value."""
    for value in values:
        if value:
            return value
    return ""


def doi(text: str) -> str:
    """The bare, lower-case DOI in ``text`` (a DOI, ``doi:`` form or a URL), or ``""``.

    Strips ``https://doi.org/``, ``http://dx.doi.org/``, ``doi:``, a trailing
    ``[doi]`` marker and trailing punctuation; percent-escapes are decoded.
    """
    if not text or "10." not in text and "10%2" not in text.lower():
        return ""
    if text[:3] == "10." and text[-1].isalnum() and _PLAIN_DOI.fullmatch(text):
        return text.lower()
    match = _DOI.search(text)
    if match is None and "%" in text:
        match = _DOI.search(unquote(text))
    if match is None:
        return ""
    value = match.group(0)
    if "%" in value:
        value = unquote(value)
    return _trim_doi(value).lower()


def doi_from_url(url: str) -> str:
    """A DOI carried by a link: a doi.org address or a ``doi=``/``id=doi:`` parameter."""
    match = _DOI_URL.search(url) if url else None
    if match is None:
        return ""
    return doi(unquote(match.group(1)))


def _trim_doi(value: str) -> str:
    while value:
        if value[-1] in _DOI_TRAILING:
            value = value[:-1]
        elif value[-1] == ")" and value.count("(") < value.count(")"):
            value = value[:-1]
        elif value[-1] == "]" and value.count("[") < value.count("]"):
            value = value[:-1]
        else:
            break
    return value


def pmid(text: str) -> str:
    """Digits-only PubMed id from ``12345``, ``PUBMED 12345`` or ``PMID: 12345``."""
    text = text.strip()
    if is_digits(text):
        return _valid_pmid(text)
    match = _PUBMED_PREFIXED.search(text)
    if match:
        return _valid_pmid(match.group(1))
    if text[:5].upper() == "PMID:" or text[:4].upper() == "PMID":
        digits = text[4:].lstrip(": ")
        return _valid_pmid(digits) if is_digits(digits) else ""
    return ""


def _valid_pmid(digits: str) -> str:
    digits = digits.lstrip("0")
    return digits if 0 < len(digits) <= 9 else ""


def pmid_from_url(url: str) -> str:
    """PMID from a PubMed link or an Ovid MEDLINE link (``D=medl...&AN=12345``)."""
    if not url:
        return ""
    match = _PMID_URL.search(url) or _OVID_MEDLINE_URL.search(url)
    return _valid_pmid(match.group(1)) if match else ""


def embase_id(text: str) -> str:
    """Embase accession as digits: ``L373791783``, ``EMBASE 643589775`` or ``621381829``."""
    text = text.strip()
    if text[:1] in "Ll" and is_digits(text[1:]):
        text = text[1:]
    if is_digits(text):
        return text.lstrip("0")
    match = _EMBASE_PREFIXED.search(text)
    return match.group(1).lstrip("0") if match else ""


def central_id(text: str) -> str:
    """Cochrane CENTRAL id (``CN-00778158``) in ``text``, or ``""``."""
    match = _CENTRAL.search(text) if text else None
    return match.group(0).upper() if match else ""


def year(*texts: str) -> int | None:
    """The first plausible four-digit year (1500-2099) in the given texts."""
    for text in texts:
        if (
            is_digits(text[:4])
            and text[4:5] in ("", "/", "-", " ")
            and 1500 <= int(text[:4]) < 2100
        ):
            return int(text[:4])
        if text:
            match = _YEAR.search(text)
            if match:
                return int(match.group(1))
    return None


def pages(start: str, end: str = "") -> str:
    """``start-end`` with any dash (``--``, en dash, U+2010) written as ``-``."""
    start, end = start.strip(), end.strip()
    if start and end and start != end:
        text = f"{start}-{end}"
    else:
        text = start or end
    if text.isascii() and "--" not in text and " " not in text:
        return text
    return _DASHES.sub("-", text)


def split_list(text: str, separators: str = ";") -> list[str]:
    """Split ``text`` on any of ``separators`` and on line breaks; drop empties."""
    for separator in separators:
        text = text.replace(separator, "\n")
    return [item for item in (collapse(part) for part in text.split("\n")) if item]


_SOURCE_YEAR = re.compile(r"^(.+?)\s+\((?:1[5-9]|20)[0-9][0-9]\)")
_OVID_CITATION = re.compile(
    r"(?<![0-9])([0-9]+[A-Za-z]?)\s*\(([^)]{1,20})\)\s*:\s*([A-Za-z]?[0-9]+(?:\s*-\s*[A-Za-z]?[0-9]+)?)"
)
_EMBASE_CITATION = re.compile(r"\)\s+([0-9A-Za-z]+)(?::([0-9A-Za-z-]+))?\s+\(([^)]{1,30})\)")


def journal_from_citation(text: str) -> str:
    """The journal name at the start of a citation line.

    ``Endoscopic Ultrasound (2014) 3:3 (152-160)`` (Embase) and
    ``International Journal of Dermatology. 57(1):94-103, 2018 Jan.`` (Ovid)
    both give the name; otherwise the text before the first ``". "``.
    """
    text = collapse(text)
    match = _SOURCE_YEAR.match(text)
    if match:
        return match.group(1)
    head, dot, _ = text.partition(". ")
    return head if dot else text.rstrip(".")


def citation_parts(text: str) -> tuple[str, str, str]:
    """``(volume, issue, pages)`` from an Ovid ``57(1):94-103`` or Embase
    ``(2014) 3:3 (152-160)`` citation; empty strings when not found."""
    match = _EMBASE_CITATION.search(text)
    if match:
        return match.group(1), match.group(2) or "", pages(match.group(3))
    match = _OVID_CITATION.search(text)
    if match:
        return match.group(1), match.group(2), pages(match.group(3))
    return "", "", ""
