"""Deduplication of bibliographic records: pure Python, no Django.

``find_duplicates(records)`` takes `ParsedRecord` objects from any mix of
exports and returns a `DedupResult`: candidate pairs scored in [0, 1] and
decided as ``"duplicate"`` (merged automatically) or ``"review"`` (for the
lead), and clusters of merged records with the most complete one kept.
``merge_fields`` fills a kept record's gaps from its duplicates.

Modules: `keys` (normalised matching keys), `blocking` (which pairs to
compare), `scoring` (field-by-field weights), `clusters` (union-find, kept
record, merging), `duplicates` (the whole pipeline); ``python -m
reviews.dedup FILE...`` runs it on export files.
"""

from reviews.dedup.clusters import merge_fields
from reviews.dedup.duplicates import (
    AUTO_THRESHOLD,
    DUPLICATE,
    REVIEW,
    REVIEW_THRESHOLD,
    CandidatePair,
    Cluster,
    DedupResult,
    find_duplicates,
)
from reviews.dedup.keys import MatchKeys, match_keys, normalise_title

__all__ = [
    "AUTO_THRESHOLD",
    "DUPLICATE",
    "REVIEW",
    "REVIEW_THRESHOLD",
    "CandidatePair",
    "Cluster",
    "DedupResult",
    "MatchKeys",
    "find_duplicates",
    "match_keys",
    "merge_fields",
    "normalise_title",
]
