"""Side-by-side comparison of two records, word by word, for the duplicates page."""

from dataclasses import dataclass
from difflib import SequenceMatcher

from .models import Record

COMPARED = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("journal", "Journal"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("abstract", "Abstract"),
)


@dataclass(frozen=True)
class Segment:
    text: str
    differs: bool


@dataclass(frozen=True)
class FieldComparison:
    label: str
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    same: bool


def compare_records(left: Record, right: Record) -> list[FieldComparison]:
    return [
        _compare(label, _text(getattr(left, name)), _text(getattr(right, name)))
        for name, label in COMPARED
    ]


def _text(value) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


def _compare(label: str, left: str, right: str) -> FieldComparison:
    if left.casefold() == right.casefold():
        return FieldComparison(label, (Segment(left, False),), (Segment(right, False),), True)
    a, b = left.split(), right.split()
    matcher = SequenceMatcher(
        None, [w.casefold() for w in a], [w.casefold() for w in b], autojunk=False
    )
    left_parts, right_parts = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        differs = tag != "equal"
        if i2 > i1:
            left_parts.append(Segment(" ".join(a[i1:i2]), differs))
        if j2 > j1:
            right_parts.append(Segment(" ".join(b[j1:j2]), differs))
    return FieldComparison(label, tuple(left_parts), tuple(right_parts), False)
