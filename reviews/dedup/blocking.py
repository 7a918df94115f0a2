"""Blocking: the few pairs of records worth comparing, out of all n(n-1)/2.

Two records become a candidate pair when they share an exact key (DOI, PMID,
Embase or CENTRAL id, accession number, or the whole normalised title), or
when they sit within a small window of each other in one of two sort
orders (sorted-neighbourhood blocking, Hernández and Stolfo 1995): by
normalised title, and by the title read backwards (so a difference in the
first words still leaves the ends adjacent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from reviews.dedup.keys import MatchKeys

MAX_BLOCK = 40
"""Exact-key blocks larger than this are compared only within the sorted window."""


IDENTIFIER_FIELDS = ("doi", "pmid", "embase_id", "central_id", "accession")


def _groups(values: Sequence[str]) -> list[list[int]]:
    """Indices sharing each non-empty value, for values held by two records or more."""
    shared = {value for value, count in Counter(values).items() if count > 1 and value}
    groups: dict[str, list[int]] = {}
    for index in [i for i, value in enumerate(values) if value in shared]:
        groups.setdefault(values[index], []).append(index)
    return list(groups.values())


def exact_key_pairs(keys: Sequence[MatchKeys], *, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs sharing an identifier or a whole normalised title.

    Returns
    -------
    (identifier_pairs, title_pairs) : tuple of ndarray
        Each an int64 array of pair codes ``low * n + high`` (see `decode`).
    """
    id_blocks = [
        members
        for name in IDENTIFIER_FIELDS
        for members in _groups([getattr(k, name) for k in keys])
    ]
    title_blocks = _groups([k.title for k in keys])
    n = len(keys)
    return _block_pairs(id_blocks, keys, n, window), _block_pairs(title_blocks, keys, n, window)


def _block_pairs(blocks, keys: Sequence[MatchKeys], n: int, window: int) -> np.ndarray:
    lows, highs = [], []
    for members in blocks:
        size = len(members)
        if size < 2:
            continue
        if size > MAX_BLOCK:
            members = sorted(members, key=lambda i: (keys[i].author, keys[i].year or 0))
            lows_block, highs_block = _window_pairs(np.asarray(members), window)
            lows.extend(lows_block.tolist())
            highs.extend(highs_block.tolist())
            continue
        for a in range(size):
            for b in range(a + 1, size):
                lows.append(members[a])
                highs.append(members[b])
    return encode(np.asarray(lows, dtype=np.int64), np.asarray(highs, dtype=np.int64), n)


def _window_pairs(order: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    lefts, rights = [], []
    for step in range(1, window + 1):
        lefts.append(order[:-step])
        rights.append(order[step:])
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


def sorted_neighbourhood_pairs(keys: Sequence[MatchKeys], *, window: int) -> np.ndarray:
    """Pairs of titled records within ``window`` places of each other, by title and reversed title.

    Returns
    -------
    ndarray
        int64 pair codes ``low * n + high``.
    """
    titled = [i for i, k in enumerate(keys) if k.title]
    codes = []
    for sort_key in (lambda i: keys[i].title, lambda i: keys[i].title[::-1]):
        order = np.asarray(sorted(titled, key=sort_key), dtype=np.int64)
        codes.append(encode(*_window_pairs(order, window), len(keys)))
    return unique(np.concatenate(codes))


def encode(lefts: np.ndarray, rights: np.ndarray, n: int) -> np.ndarray:
    """Unique, order-free int64 codes ``low * n + high`` for pairs of distinct indices."""
    lows = np.minimum(lefts, rights)
    highs = np.maximum(lefts, rights)
    distinct = lows != highs
    return unique(lows[distinct] * n + highs[distinct])


def unique(codes: np.ndarray) -> np.ndarray:
    """Sorted unique values of an int64 array (faster here than ``np.unique``)."""
    codes = np.sort(codes)
    if codes.size:
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return codes


def decode(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(low, high)`` of pair codes made by `encode`."""
    return codes // n, codes % n
