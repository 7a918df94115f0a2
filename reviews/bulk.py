"""Bulk writes for large imports, without building model instances.

Written by hand because Django's ``bulk_create`` spent most of a 100,000-record
import building SQL (SQLite allows 999 parameters a statement, so about 35
rows each) and model instances. Here rows are plain tuples: SQLite gets one
prepared ``executemany``, PostgreSQL a ``COPY``. Both run inside the caller's
transaction, so an import stays all or nothing.
"""

from collections.abc import Iterable, Sequence

import orjson
from django.db import connection
from django.db.models import Model


def columns(model: type[Model], fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in fields]


def to_json(value) -> str:
    """A value for a JSON column, as the text ``insert_rows`` expects."""
    return orjson.dumps(value).decode()


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT every row into ``model``'s table.

    A row is a tuple of database-ready values in ``fields`` order: JSON columns
    take :func:`to_json` text, foreign keys the related primary key.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns(model, fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def update_column(model: type[Model], field: str, changes: Iterable[tuple[object, int]]) -> None:
    """Set ``field`` for many rows: ``changes`` holds (new value, primary key) pairs."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", list(changes))
