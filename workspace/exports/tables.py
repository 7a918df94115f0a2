"""A table of the bundle: written as ``data/<name>.csv`` and as a sheet of the workbook."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connections

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


def plain_rows(
    queryset, fields: Sequence[str], *, times: Sequence[str] = (), lists: Sequence[str] = ()
) -> Iterator[list]:
    """``queryset.values_list(*fields)`` streamed as the database driver returns the rows,
    the columns in ``times`` as :func:`when` text and those in ``lists`` (JSON) decoded.

    Django's per-value converters (every time made aware, every JSON value decoded
    through the field) were more than half the time of reading the large tables:
    1.4 of 2.4 s for 200,000 decisions. Here only the columns that need it are
    touched. Any other column comes as the driver gives it (an int, a str; SQLite
    gives booleans as 0/1), so callers pass only text, numbers and these two kinds.
    """
    values = queryset.values_list(*fields)
    query = values.query
    names = ["pk" if f == "id" else f for f in (*query.extra_select, *query.values_select)]
    if [*names, *query.annotation_select] != list(fields):
        raise ValueError(f"plain_rows needs model fields first, then annotations: {fields}")
    connection = connections[values.db]
    sql, params = query.get_compiler(connection=connection).as_sql()
    at = [fields.index(f) for f in times]
    decode = [fields.index(f) for f in lists]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            for row in chunk:
                row = list(row)
                for i in at:
                    row[i] = _utc(row[i])
                for i in decode:
                    if isinstance(row[i], str):
                        row[i] = json.loads(row[i])
                yield row


def _utc(value) -> str:
    """A stored time as :func:`when` writes it; SQLite's driver gives it naive, in UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.isoformat(timespec="seconds") + "+00:00"
    return when(value)
