"""A table of the bundle: written as ``data/<name>.csv`` and as a sheet of the workbook."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

CHUNK = 2000  # rows fetched from the database at a time


@dataclass(frozen=True)
class Table:
    """A table's file name (a fixed word, never user input), sheet title, header and rows.

    ``rows`` makes a fresh iterator each call; it streams from the database, so
    100,000 records never sit in memory at once.
    """

    name: str
    sheet: str
    header: tuple[str, ...]
    rows: Callable[[], Iterable[Sequence]]
    size: Callable[[], int] | None = None  # the row count of a table that may be large

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"


def joined(values) -> str:
    """A list cell: "Doe, Jane; Roe, Richard"."""
    return "; ".join(str(v) for v in values or () if v not in (None, ""))


def when(value) -> str:
    """A date or time as ISO 8601 text (times in UTC, to the second)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def number(value):
    """A stored number as it is; None as an empty cell."""
    return "" if value is None else value
