"""Scoring one candidate pair: field-by-field agreement turned into a score in [0, 1].

Each compared field adds a weight to a log-odds total, in the manner of
Fellegi and Sunter's record-linkage weights: agreement on a field that
rarely agrees by chance (DOI, an exact title) adds a lot, disagreement on a
field that rarely differs between copies of one paper (year by more than one,
first author, DOI) subtracts a lot, and a missing value adds nothing. The
score is the logistic of the total, so it reads like a probability of being
the same paper. The weights were set by hand from what differs between
databases' exports of one paper (case, punctuation, abbreviated journals,
epub versus print year, author name styles), not fitted.

Worked examples with the default thresholds (duplicate at 0.9, review at 0.5):
an exact title alone is -5 + 6 = 1, score 0.73, review; with the same first
author and year it is 3.5, score 0.97, duplicate; the same title by another
first author five years apart is -6, score 0.002, dropped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from reviews.dedup.keys import MatchKeys, journals_compatible

PRIOR = -5.0
"""Log-odds before any field is compared: a candidate pair is usually not a duplicate."""

TITLE_EXACT = 6.0
TITLE_PREFIX = 2.5
IDENTIFIER_AGREES = 5.0
DOI_DIFFERS = -6.0
OTHER_ID_DIFFERS = -1.0
ACCESSION_AGREES = 3.0
AUTHOR_AGREES, AUTHOR_SIMILAR, AUTHOR_DIFFERS = 1.5, 0.5, -3.0
YEAR_AGREES, YEAR_DIFFERS = 1.0, -4.0
JOURNAL_AGREES, JOURNAL_DIFFERS = 1.0, -0.5
VOLUME_AGREES, VOLUME_DIFFERS = 0.5, -1.5
PAGE_AGREES, PAGE_DIFFERS = 1.0, -2.0
NOTICE_ONE_SIDED = -4.0
FULL_WEIGHT_TITLE_WORDS = 4
"""Titles shorter than this ("Editorial", "Reply") count for proportionally less."""


# Titles of errata, retractions and replies often repeat the paper's title,
# but they are separate records.
_NOTICE = re.compile(
    r"\b(?:erratum|errata|corrigendum|correction|retraction|retracted|withdrawn|"
    r"expression of concern|reply|response to|comment on|commentary on)\b"
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Outcome of comparing two records' keys.

    ``reasons`` name each compared field and its state, for example
    ``("title:exact", "doi:agrees", "year:close", "pages:differ")``.
    ``identifier_agrees`` is true when DOI, PMID, Embase or CENTRAL id agree;
    ``titles_differ`` when both titles are known and neither similar (0.8 or
    more) nor one the start of the other, or when only one of them announces an
    erratum, retraction, comment or reply.
    """

    score: float
    reasons: tuple[str, ...]
    identifier_agrees: bool
    titles_differ: bool


def title_weight(left: MatchKeys, right: MatchKeys, similarity: float) -> tuple[float, str]:
    """Log-odds weight and reason for two normalised titles of a given similarity.

    ``similarity`` is the normalised Indel similarity (rapidfuzz ``ratio``/100).
    Equal titles weigh `TITLE_EXACT`; the weight falls linearly to -1 at 0.8 and
    keeps falling below it (-8 at 0.45 or less). A title that is the other's
    start (a dropped subtitle) weighs `TITLE_PREFIX`.
    """
    if not left.title or not right.title:
        return 0.0, "title:missing"
    words = min(left.title_words, right.title_words)
    shrink = min(1.0, (words + 1) / (FULL_WEIGHT_TITLE_WORDS + 1))
    if left.title == right.title:
        return TITLE_EXACT * shrink, "title:exact"
    if similarity < 0.8 and words >= 4 and _is_prefix(left.title, right.title):
        return TITLE_PREFIX * shrink, "title:prefix"
    if similarity >= 0.8:
        weight = -1.0 + (similarity - 0.8) / 0.2 * (TITLE_EXACT + 1.0)
        return (weight * shrink if weight > 0 else weight), f"title:{similarity:.2f}"
    return max(-8.0, -1.0 - (0.8 - similarity) * 20.0), f"title:differs({similarity:.2f})"


def _is_prefix(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return long.startswith(short + " ")


def _identifier_weights(left: MatchKeys, right: MatchKeys):
    for name, a, b, differs in (
        ("doi", left.doi, right.doi, DOI_DIFFERS),
        ("pmid", left.pmid, right.pmid, OTHER_ID_DIFFERS),
        ("embase", left.embase_id, right.embase_id, OTHER_ID_DIFFERS),
        ("central", left.central_id, right.central_id, OTHER_ID_DIFFERS),
    ):
        if a and b:
            yield (IDENTIFIER_AGREES, f"{name}:agrees") if a == b else (differs, f"{name}:differs")
    if left.accession and left.accession == right.accession:
        yield ACCESSION_AGREES, "accession:agrees"


def _author_weight(left: MatchKeys, right: MatchKeys):
    a, b = left.author, right.author
    if not a or not b:
        return None
    if a == b:
        return AUTHOR_AGREES, "author:agrees"
    if Indel.normalized_similarity(a, b) >= 0.8 or set(a.split()) & set(b.split()):
        return AUTHOR_SIMILAR, "author:similar"
    return AUTHOR_DIFFERS, "author:differs"


def _year_weight(left: MatchKeys, right: MatchKeys):
    if left.year is None or right.year is None:
        return None
    gap = abs(left.year - right.year)
    if gap == 0:
        return YEAR_AGREES, "year:agrees"
    # Epub and print years of one paper often differ by one.
    return (0.0, "year:close") if gap == 1 else (YEAR_DIFFERS, "year:differs")


def _source_weights(left: MatchKeys, right: MatchKeys):
    if left.journal and right.journal:
        if _same_journal(left, right):
            yield JOURNAL_AGREES, "journal:agrees"
        else:
            yield JOURNAL_DIFFERS, "journal:differs"
    if left.volume and right.volume:
        agree = left.volume == right.volume
        yield (VOLUME_AGREES, "volume:agrees") if agree else (VOLUME_DIFFERS, "volume:differs")
    if left.first_page and right.first_page:
        agree = left.first_page == right.first_page
        yield (PAGE_AGREES, "pages:agree") if agree else (PAGE_DIFFERS, "pages:differ")


def _same_journal(left: MatchKeys, right: MatchKeys) -> bool:
    return any(
        journals_compatible(a, b)
        for a in (left.journal, *left.journal_parts)
        for b in (right.journal, *right.journal_parts)
    )


def compare(left: MatchKeys, right: MatchKeys, title_similarity: float) -> Comparison:
    """Score how likely two records describe the same paper.

    Parameters
    ----------
    left, right : MatchKeys
        Keys of the two records.
    title_similarity : float
        Normalised Indel similarity of the two normalised titles, in [0, 1]
        (computed in bulk by the caller).

    Returns
    -------
    Comparison
        ``score`` in [0, 1] (logistic of the summed log-odds weights), the
        reasons, whether an exact identifier agrees and whether the titles differ.
    """
    weight, reason = title_weight(left, right, title_similarity)
    total, reasons = PRIOR + weight, [reason]
    identifier_agrees = False
    for part_weight, part_reason in _identifier_weights(left, right):
        total += part_weight
        reasons.append(part_reason)
        identifier_agrees |= part_reason.endswith(":agrees") and not part_reason.startswith("acc")
    for part in (_author_weight(left, right), _year_weight(left, right)):
        if part is not None:
            total += part[0]
            reasons.append(part[1])
    for part_weight, part_reason in _source_weights(left, right):
        total += part_weight
        reasons.append(part_reason)
    titles_differ = reasons[0].startswith("title:differs")
    if bool(_NOTICE.search(left.title)) != bool(_NOTICE.search(right.title)):
        total += NOTICE_ONE_SIDED
        reasons.append("notice:one-sided")
        titles_differ = True
    score = 1.0 / (1.0 + math.exp(-total))
    return Comparison(score, tuple(reasons), identifier_agrees, titles_differ)
