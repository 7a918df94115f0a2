"""Normalised matching keys: the comparable form of a record's title, author, source and ids."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import NamedTuple

from reviews.importers.record import ParsedRecord

# Letters NFKD does not decompose into a base letter plus a mark.
_LETTERS = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}
# Greek letters become their names, so "TNF-α" and "TNF-alpha" agree.
_GREEK = {
    chr(code): " " + unicodedata.name(chr(code)).split()[-1].lower() + " "
    for code in range(0x0391, 0x03CA)
    if unicodedata.name(chr(code), "").startswith("GREEK")
}
_FOLD = str.maketrans(_LETTERS | _GREEK | {"\u00b5": " mu "})
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,80}>")
_LATEX_FORMAT = re.compile(
    r"\\(?:textit|textbf|textrm|textsc|emph|mathrm|mathit|mathbf|textsuperscript|textsubscript)\b"
)
_LATEX_ACCENT = re.compile(r"""\\[`'^"~=.uvHckrb]\s*\{?\s*([a-zA-Z])\}?""")
_LATEX_COMMAND = re.compile(r"\\([a-zA-Z]+)")
_NON_WORD = re.compile(r"[\W_]+")
# Byte table: ASCII upper case to lower case, letters and digits kept, the rest a space.
_ASCII_WORDS = bytes(
    ch + 32 if 65 <= ch <= 90 else ch if ch < 128 and chr(ch).isalnum() else 32 for ch in range(256)
)

# Notes that databases add to titles: "[Article in German]", "(author's transl)".
_NOTE_WORDS = (
    r"article|abstract|text|letter|editorial|comment|erratum|errata|corrected|correction|"
    r"process|citation|transl|translation|author|published|retracted|retraction|see|"
    r"english|german|french|spanish|italian|portuguese|russian|chinese|japanese|polish|"
    r"dutch|czech|hungarian|turkish|korean|danish|swedish|norwegian|finnish|croatian|serbian"
)
_TRAILING_NOTE = re.compile(
    r"\s*(?:\[[^\[\]]*\b(?:" + _NOTE_WORDS + r")\b[^\[\]]*\]"
    r"|\([^()]*\b(?:author'?s'? transl|article in)\b[^()]*\))\s*[.;]?\s*$",
    re.IGNORECASE,
)
_WRAPPED = re.compile(r"^\s*\[(.*)\]\s*\.?\s*$", re.DOTALL)

_LEADING_ARTICLES = frozenset({"the", "der", "die", "das", "la", "le", "les", "el", "il"})
_JOURNAL_SPLIT = re.compile(r"\s*[:.;]\s+|\s+=\s+|\s+-\s+|(?<=[A-Z]{2})-(?=[A-Z]{2})")
_JOURNAL_STOP = frozenset(
    "the of and for in on a de la le les du des et di del der die das fur und".split()
)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_PAGE = re.compile(r"[a-z]*\d+[a-z]*")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


class MatchKeys(NamedTuple):
    """The normalised, comparable fields of one record.

    Empty strings and ``None`` mean "not known"; comparisons treat them as
    neither agreement nor disagreement. (A named tuple rather than a frozen
    dataclass because 100,000 of them are built per run, three times faster.)
    """

    title: str
    author: str
    year: int | None
    journal: str
    journal_parts: tuple[str, ...]
    volume: str
    first_page: str
    doi: str
    pmid: str
    embase_id: str
    central_id: str
    accession: str

    @property
    def title_words(self) -> int:
        """Number of words in the normalised title."""
        return self.title.count(" ") + 1 if self.title else 0


def fold_text(text: str) -> str:
    """Lower-case ``text`` and fold accents, ligatures and Greek letters to ASCII words.

    Punctuation and runs of whitespace become one space; letters of other
    scripts (Cyrillic, CJK) are kept.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD))
        if not text.isascii():
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
        if not text.isascii():
            return " ".join(_NON_WORD.sub(" ", text.lower()).split())
    # bytes.translate is several times faster than a regular expression here.
    return " ".join(text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split())


def strip_markup(text: str) -> str:
    """Remove HTML entities and tags and LaTeX formatting from ``text``."""
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "\\" in text:
        text = _LATEX_FORMAT.sub(" ", text)
        text = _LATEX_ACCENT.sub(r"\1", text)
        text = _LATEX_COMMAND.sub(r" \1 ", text)
    if "{" in text or "$" in text:
        text = text.replace("{", "").replace("}", "").replace("$", "")
    return text


def normalise_title(title: str) -> str:
    """Comparable form of a title.

    Markup is stripped, database notes such as "[Article in German]" or
    "(author's transl)" are dropped, a title wrapped whole in brackets (MEDLINE's
    translated titles) is unwrapped, then the text is folded by `fold_text`.

    Examples
    --------
    >>> normalise_title("[Évaluation <i>in vivo</i> du TNF-α]. [Article in French]")
    'evaluation in vivo du tnf alpha'
    """
    text = strip_markup(title).replace("&", " and ").strip()
    while text.rstrip(" .;")[-1:] in ("]", ")"):
        shorter = _TRAILING_NOTE.sub("", text)
        if shorter == text or not shorter.strip(" .[]"):
            break
        text = shorter
    if not text.startswith("["):
        return fold_text(text)
    wrapped = _WRAPPED.match(text)
    if wrapped and "[" not in wrapped.group(1):
        text = wrapped.group(1)
    return fold_text(text)


def author_surname(author: str) -> str:
    """Folded surname of one author name, whatever the export's name style.

    Handles "Surname, Given", "Surname AB" (PubMed, Scopus "Wilson L.N."),
    and "Given Surname".
    """
    name = strip_markup(author).strip()
    if "," in name:
        surname = name.split(",", 1)[0]
    else:
        parts = name.split()
        if len(parts) > 1 and _INITIALS.match(parts[-1]):
            surname = " ".join(parts[:-1])
        else:
            surname = parts[-1] if parts else ""
    return fold_text(surname)


@functools.lru_cache(maxsize=65536)
def normalise_journal(journal: str) -> str:
    """Folded journal name without a leading article ("The", "Der") or words in parentheses."""
    text = re.sub(r"\([^()]*\)", " ", strip_markup(journal).replace("&", " and "))
    folded = fold_text(text)
    first, _, rest = folded.partition(" ")
    return rest if rest and first in _LEADING_ARTICLES else folded


@functools.lru_cache(maxsize=65536)
def journal_parts(journal: str) -> tuple[str, ...]:
    """Normalised pieces of a journal name split at ":", ";", ".", "=", "-" (and ", ").

    Databases add subtitles ("J Vet Cardiol : the official journal of ..."),
    acronyms ("Veterinary surgery : VS", "DTW. Deutsche tierarztliche
    Wochenschrift") or a second language ("JAVMA-JOURNAL OF THE AMERICAN
    ..."); one matching piece is enough (see `journals_compatible`).
    Empty when the name is one piece.
    """
    text = strip_markup(journal)
    major = _JOURNAL_SPLIT.split(text)
    minor = [piece for part in major for piece in part.split(", ")]
    pieces = list(dict.fromkeys(normalise_journal(p) for p in major + minor))
    pieces = [p for p in pieces if len(p) > 5]
    return tuple(pieces) if pieces != [normalise_journal(journal)] else ()


def journals_compatible(a: str, b: str) -> bool:
    """Whether two normalised journal names can name the same journal.

    True when they are equal or when one reads as an abbreviation of the other:
    every word of the shorter abbreviates the next unused word of the longer
    (same first letter, its letters in order: "clin" for "clinical", "dtsch"
    for "deutschen"), skipping only words like "of", "and" or "fur"
    ("am j clin dermatol" and "american journal of clinical dermatology").
    """
    if a == b:
        return True
    if not a or not b:
        return False
    short, long = (w.split() for w in sorted((a, b), key=len))
    short = [w for w in short if w not in _JOURNAL_STOP]
    position = 0
    for word in long:
        if position < len(short) and _abbreviates(short[position], word):
            position += 1
        elif word not in _JOURNAL_STOP:
            return False
    return position == len(short)


def _abbreviates(short: str, word: str) -> bool:
    if word.startswith(short):
        return True
    if short[0] != word[0] or len(short) > len(word):
        return False
    letters = iter(word)
    return all(letter in letters for letter in short)


def first_page(pages: str) -> str:
    """First page of a page range, lower case: "1234-56" gives "1234", "e1001" itself."""
    if pages.isdigit():
        return pages.lstrip("0")
    found = _PAGE.search(pages.lower())
    return found.group(0).lstrip("0") if found else ""


def normalise_volume(volume: str) -> str:
    """The volume's first number, without leading zeros ("Vol. 012" gives "12")."""
    if volume.isdigit():
        return volume.lstrip("0")
    found = re.search(r"\d+", volume)
    return found.group(0).lstrip("0") if found else ""


def normalise_doi(doi: str) -> str:
    """Bare, lower-case DOI (parsers already do this; URLs and "doi:" are tolerated)."""
    return _DOI_PREFIX.sub("", doi.strip()).lower()


def match_keys(record: ParsedRecord) -> MatchKeys:
    """Compute the `MatchKeys` of one record."""
    pmid = record.pmid.strip()
    embase_id = record.embase_id.strip().lower()
    central_id = record.central_id.strip().lower()
    accession = record.accession.strip().lower()
    # An accession number that repeats a PMID or Embase id is not separate evidence.
    if accession and (accession in (pmid, embase_id, central_id) or accession[1:] == embase_id):
        accession = ""
    return MatchKeys(
        title=normalise_title(record.title),
        author=author_surname(record.authors[0]) if record.authors else "",
        year=record.year,
        journal=normalise_journal(record.journal),
        journal_parts=journal_parts(record.journal),
        volume=normalise_volume(record.volume),
        first_page=first_page(record.pages),
        doi=normalise_doi(record.doi),
        pmid=pmid,
        embase_id=embase_id,
        central_id=central_id,
        accession=accession,
    )
