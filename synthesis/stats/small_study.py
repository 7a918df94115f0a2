"""Small-study effects: Egger's regression, Begg's rank correlation, trim-and-fill."""

from __future__ import annotations


def small_study_block(result) -> dict:
    raise NotImplementedError("small-study effects are not implemented yet")
