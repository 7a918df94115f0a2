"""Rows of a delimited export (CSV, tab-delimited) as dicts keyed by the header.

Shared by the Scopus, Embase.com, Cochrane and Web of Science tab parsers.
Rows are read one at a time; quoted values may span lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from .source import TextSource


def header(sample: str, delimiter: str = ",") -> list[str]:
    """The column names of the first row of ``sample`` (for format detection)."""
    first_line = sample.lstrip("\ufeff\r\n").split("\n", 1)[0]
    try:
        return [name.strip() for name in next(csv.reader([first_line], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []


def rows(
    source: TextSource, *, delimiter: str = ",", quoting: bool = True
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(first line of the row, {column: value})`` for every data row.

    Raises :class:`ParseError` (via ``source.error``) on broken quoting or a row
    with fewer columns than the header (a truncated file).
    """
    reader = csv.reader(
        source.lines(),
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
        strict=quoting,
    )
    names: list[str] | None = None
    line = 1
    try:
        for row in reader:
            if names is None:
                names = [name.strip().lstrip("\ufeff") for name in row]
            elif any(row):
                yield line, _as_dict(names, row, line, source)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise source.error(f"malformed {_kind(delimiter)}: {exc}", reader.line_num) from None


def _as_dict(names: list[str], row: list[str], line: int, source: TextSource) -> dict[str, str]:
    if len(row) < len(names):
        raise source.error(
            f"row has {len(row)} columns, the header has {len(names)} (file truncated?)", line
        )
    if len(row) > len(names) and any(value.strip() for value in row[len(names) :]):
        raise source.error(f"row has {len(row)} columns, the header has {len(names)}", line)
    return {name: value.strip() for name, value in zip(names, row, strict=False)}


def _kind(delimiter: str) -> str:
    return "tab-delimited text" if delimiter == "\t" else "CSV"
