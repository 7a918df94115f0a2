"""Finding duplicate records: blocking, scoring, deciding and clustering, end to end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel
from rapidfuzz.process import cpdist

from reviews.dedup.blocking import decode, exact_key_pairs, sorted_neighbourhood_pairs, unique
from reviews.dedup.clusters import choose_kept, connected_components
from reviews.dedup.keys import MatchKeys, match_keys
from reviews.dedup.scoring import compare
from reviews.importers.record import ParsedRecord

DUPLICATE = "duplicate"
REVIEW = "review"

AUTO_THRESHOLD = 0.9
"""Default score at or above which a pair is merged without asking."""
REVIEW_THRESHOLD = 0.5
"""Default score at or above which a pair goes to the lead for a decision."""
WINDOW = 4
"""Default sorted-neighbourhood window: each record meets its next 4 in each order."""
MIN_TITLE_SIMILARITY = 0.8
"""Pairs whose titles are less similar are only scored if an identifier or a prefix links them."""
PREFIX_FLOOR = 0.45
"""Title pairs less similar than this are not checked for a dropped subtitle."""


@dataclass(frozen=True, slots=True)
class CandidatePair:
    """Two records that may describe the same paper.

    ``left`` and ``right`` are positions in the input sequence (``left <
    right``); ``decision`` is ``"duplicate"`` (merged automatically) or
    ``"review"`` (for the lead to decide); ``reasons`` name how each field
    compared (see `reviews.dedup.scoring.compare`).
    """

    left: int
    right: int
    score: float
    decision: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cluster:
    """Records merged into one: ``kept`` is the most complete member."""

    kept: int
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Every duplicate and review pair found, and the clusters of merged records."""

    pairs: tuple[CandidatePair, ...]
    clusters: tuple[Cluster, ...]
    n_records: int

    @property
    def duplicates(self) -> tuple[CandidatePair, ...]:
        """Pairs merged automatically."""
        return tuple(p for p in self.pairs if p.decision == DUPLICATE)

    @property
    def for_review(self) -> tuple[CandidatePair, ...]:
        """Pairs in the grey zone, for the lead to decide."""
        return tuple(p for p in self.pairs if p.decision == REVIEW)

    @property
    def unique_count(self) -> int:
        """Number of records left once every cluster is merged into its kept record."""
        return self.n_records - sum(len(c.members) - 1 for c in self.clusters)

    def rows(self) -> list[dict]:
        """One plain dict a pair (``left, right, score, decision, reasons``) for CSV."""
        return [
            {
                "left": p.left,
                "right": p.right,
                "score": round(p.score, 4),
                "decision": p.decision,
                "reasons": ";".join(p.reasons),
            }
            for p in self.pairs
        ]

    def to_frame(self):
        """The `rows` as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["left", "right", "score", "decision", "reasons"])


def find_duplicates(
    records: Sequence[ParsedRecord],
    *,
    auto_threshold: float = AUTO_THRESHOLD,
    review_threshold: float = REVIEW_THRESHOLD,
    window: int = WINDOW,
    min_title_similarity: float = MIN_TITLE_SIMILARITY,
    workers: int = -1,
) -> DedupResult:
    """Find records that describe the same paper, within and across exports.

    Parameters
    ----------
    records : sequence of ParsedRecord
        All records, from one or several files; results refer to positions here.
    auto_threshold : float, default 0.9
        Pairs scoring at least this are duplicates, merged without asking,
        unless their titles differ (see `reviews.dedup.scoring.Comparison`):
        then however much else agrees they go to review.
    review_threshold : float, default 0.5
        Pairs scoring at least this (but below ``auto_threshold``) go to
        review. A pair sharing a DOI, PMID, Embase or CENTRAL id goes to
        review whatever its score, unless it is a duplicate: two conference
        abstracts can share one DOI, so an identifier alone never merges.
    window : int, default 4
        Sorted-neighbourhood window (see `reviews.dedup.blocking`).
    min_title_similarity : float, default 0.8
        Candidate pairs from the sort orders with less similar titles are
        dropped before scoring, unless one title is the start of the other.
    workers : int, default -1
        Threads for the bulk title comparison (-1: all cores).

    Returns
    -------
    DedupResult
        Pairs at or above ``review_threshold`` (or linked by an identifier),
        and clusters of records joined by duplicate pairs.

    Notes
    -----
    Blocking is by exact keys and sorted neighbourhoods; titles of all
    candidate pairs are compared at once with rapidfuzz's Indel similarity;
    the surviving pairs are scored field by field with log-odds weights
    (`reviews.dedup.scoring`); duplicate pairs are joined by union-find, and
    each cluster keeps its most complete record.
    """
    keys = [match_keys(record) for record in records]
    candidates = _candidates(keys, window, min_title_similarity, workers)
    pairs = []
    for left, right, similarity in candidates:
        comparison = compare(keys[left], keys[right], similarity)
        if comparison.score >= auto_threshold and not comparison.titles_differ:
            decision = DUPLICATE
        elif comparison.score >= review_threshold or comparison.identifier_agrees:
            decision = REVIEW
        else:
            continue
        pairs.append(CandidatePair(left, right, comparison.score, decision, comparison.reasons))
    edges = ((p.left, p.right) for p in pairs if p.decision == DUPLICATE)
    clusters = tuple(
        Cluster(choose_kept(records, members), tuple(members))
        for members in connected_components(len(records), edges)
    )
    return DedupResult(tuple(pairs), clusters, len(records))


def _candidates(keys: Sequence[MatchKeys], window: int, min_similarity: float, workers: int):
    """Yield ``(left, right, title_similarity)`` for the pairs worth scoring."""
    n = len(keys)
    id_codes, title_codes = exact_key_pairs(keys, window=window)
    sorted_codes = sorted_neighbourhood_pairs(keys, window=window)
    codes = unique(np.concatenate([id_codes, title_codes, sorted_codes]))
    lefts, rights = decode(codes, n)
    titles = np.asarray([k.title for k in keys], dtype=object)
    # The cutoff lets rapidfuzz skip pairs that cannot reach it (returned as 0).
    similarities = cpdist(
        titles[lefts],
        titles[rights],
        scorer=Indel.normalized_similarity,
        score_cutoff=PREFIX_FLOOR,
        workers=workers,
    )
    linked = np.isin(codes, id_codes, assume_unique=True)
    worth = (
        (similarities >= min_similarity)
        | linked
        | _maybe_prefix(titles, lefts, rights, similarities)
    )
    for index in np.flatnonzero(worth).tolist():
        left, right = int(lefts[index]), int(rights[index])
        similarity = float(similarities[index])
        if linked[index] and similarity == 0.0:
            similarity = Indel.normalized_similarity(titles[left], titles[right])
        yield left, right, similarity


def _maybe_prefix(titles, lefts, rights, similarities) -> np.ndarray:
    """Mask of pairs where one title is the start of the other (a dropped subtitle).

    Such a pair's Indel similarity is exactly ``2 * short / (short + long)``
    in characters, which rules out almost every pair before comparing strings.
    """
    lengths = np.fromiter((len(t) for t in titles), dtype=np.float64, count=len(titles))
    short = np.minimum(lengths[lefts], lengths[rights])
    expected = 2 * short / np.maximum(short + np.maximum(lengths[lefts], lengths[rights]), 1)
    mask = (similarities > 0) & (np.abs(similarities - expected) < 1e-5)
    for index in np.flatnonzero(mask).tolist():
        a, b = sorted((titles[lefts[index]], titles[rights[index]]), key=len)
        mask[index] = b.startswith(a + " ")
    return mask
