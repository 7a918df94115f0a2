"""Clusters of duplicate records: union-find, the kept record, and merging fields."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reviews.importers.record import ParsedRecord

BIBLIOGRAPHIC_FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "embase_id",
    "central_id",
    "accession",
    "keywords",
    "mesh_terms",
    "language",
    "publication_type",
    "url",
)
"""The fields that describe the paper (not where or how it was exported)."""

_UNION_FIELDS = ("keywords", "mesh_terms")


def connected_components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Groups of two or more of the indices ``0..n-1`` joined by ``edges``.

    Union-find with path halving, over the indices that have an edge.

    Returns
    -------
    list of list of int
        Each group sorted, groups ordered by their smallest index.
    """
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[int]] = {}
    for i in sorted(parent):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def completeness(record: ParsedRecord) -> tuple[int, int]:
    """Sort key of how complete a record is: non-empty fields, then abstract length."""
    filled = sum(1 for name in BIBLIOGRAPHIC_FIELDS if getattr(record, name) not in ("", (), None))
    return filled, len(record.abstract)


def choose_kept(records: Sequence[ParsedRecord], members: Sequence[int]) -> int:
    """The member index of the most complete record (the first one on ties)."""
    return max(members, key=lambda i: (completeness(records[i]), -i))


def merge_fields(records: Sequence[ParsedRecord]) -> dict:
    """Bibliographic fields of one paper, merged from all its duplicate records.

    The most complete record (see `completeness`) gives every field it has;
    each empty field is filled from the next most complete record that has
    it. Keywords and MeSH terms are the union of all records', in order.

    Parameters
    ----------
    records : sequence of ParsedRecord
        The members of one duplicate cluster.

    Returns
    -------
    dict
        Field name to value for the fields in `BIBLIOGRAPHIC_FIELDS`.
    """
    if not records:
        return {}
    ranked = sorted(records, key=completeness, reverse=True)
    merged = {name: getattr(ranked[0], name) for name in BIBLIOGRAPHIC_FIELDS}
    for other in ranked[1:]:
        for name in BIBLIOGRAPHIC_FIELDS:
            value = getattr(other, name)
            if name in _UNION_FIELDS:
                merged[name] = tuple(dict.fromkeys(merged[name] + value))
            elif merged[name] in ("", (), None):
                merged[name] = value
    return merged
