"""CSV and Excel files the app serves, with formula injection neutralised: the one writer.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some, a tab or a carriage return) as a formula, so a study renamed
``=HYPERLINK("http://…","click")``, or an author name in an imported file,
would come out live for every member who opens the download. Every such text
cell is written with a leading apostrophe, the neutralisation OWASP
recommends, so it reads as text. Numbers (and text that is only a number,
such as ``-1.5``) are written as they are.

Every CSV and Excel file the app serves goes through :class:`CSVWriter`,
:func:`csv_chunks` or :class:`Workbook`; ``tests/reviews/test_spreadsheets.py``
checks that no other module writes one.

Plain Python (openpyxl, no Django), so any layer and any pure package
may use it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO, TextIO

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
EXCEL_MAX_CHARS = 32_767  # a cell holds no more
EXCEL_MAX_ROWS = 1_048_576
_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")


def safe_cell(value):
    """``value`` as a cell: text that a spreadsheet would run gets a leading apostrophe.

    Parameters
    ----------
    value : str, int, float, bool or None
        None becomes an empty cell; numbers and booleans are kept as they are.

    Returns
    -------
    str, int, float or bool
        ``"=1+1"`` → ``"'=1+1"``, ``"@SUM(A1)"`` → ``"'@SUM(A1)"``,
        ``"-1.5"`` → ``"-1.5"`` (only a number), ``3`` → ``3``.

    References
    ----------
    OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection).
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


_TRIGGER_CHARS = frozenset(TRIGGERS)


def safe_row(row: Iterable) -> list:
    """:func:`safe_cell` of every value; text whose first character is no trigger, the
    usual case, passes with one set lookup (a large export writes millions of cells)."""
    return [
        safe_cell(value)
        if value is None or (isinstance(value, str) and value[:1] in _TRIGGER_CHARS)
        else value
        for value in row
    ]


_QUOTE = re.compile(r'[",\r\n]')


def _quoted(text: str) -> str:
    """One cell's text as ``csv.writer`` (minimal quoting) writes it."""
    if _QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class CSVWriter:
    """CSV over ``stream`` whose every cell goes through :func:`safe_cell`.

    Rows are joined here, as ``csv.writer`` (the excel dialect, minimal
    quoting, "\\n" line ends) writes them, which a test holds over generated
    rows: csv's C loop looks at each character through a function call and ran
    at 45 MB/s, a sixth of a 100,000-record export; a regular expression's scan
    and one join are twice as fast. One difference, on purpose: a carriage
    return is quoted too (csv leaves it bare, and a spreadsheet breaks the row
    there).
    """

    def __init__(self, stream: TextIO):
        self._stream = stream

    def writerow(self, row: Iterable) -> None:
        cells = safe_row(row)
        if cells == [""]:
            line = '""'  # csv's rule: a lone empty cell, so the line is not read as no cells
        else:
            texts = [c if c.__class__ is str else str(c) for c in cells]
            line = ",".join(texts)
            # a row none of whose cells needs quotes, the usual one, is checked in one pass
            if line.count(",") != len(texts) - 1 or '"' in line or "\n" in line or "\r" in line:
                line = ",".join([_quoted(text) for text in texts])
        self._stream.write(line + "\n")

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(header: Sequence[str], rows: Iterable[Iterable]) -> str:
    """A whole CSV file as text: ``header`` then ``rows``, neutralised."""
    buffer = io.StringIO()
    writer = CSVWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_chunks(
    header: Sequence[str], rows: Iterable[Iterable], *, lines: int = 1000
) -> Iterator[str]:
    """The CSV text in pieces of ``lines`` rows, for a streaming response."""
    buffer = io.StringIO()
    writer = CSVWriter(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % lines == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused Excel sheet title: at most 31 characters, none of ``[]:*?/\\``."""
    base = _SHEET_TITLE.sub("-", name).strip("'") or "Sheet"
    title, n = base[:31], 1
    taken = {t.lower() for t in taken}
    while title.lower() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    return title


class Sheet:
    """One sheet of a :class:`Workbook`: append rows, each cell neutralised and typed."""

    def __init__(self, worksheet):
        self._worksheet = worksheet
        self.rows = 0

    def append(self, row: Iterable) -> None:
        if self.rows >= EXCEL_MAX_ROWS:
            raise ValueError(f"an Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows")
        self._worksheet.append([self._cell(value) for value in row])
        self.rows += 1

    def _cell(self, value):
        value = safe_cell(value)
        if not isinstance(value, str):
            return value
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CHARS]
        cell = WriteOnlyCell(self._worksheet, value=text)
        cell.data_type = "s"  # text, never a formula, whatever it starts with
        return cell


class Workbook:
    """An Excel workbook written row by row (openpyxl's write-only mode: flat memory)."""

    def __init__(self):
        self._workbook = OpenpyxlWorkbook(write_only=True)
        self._titles: list[str] = []

    def add_sheet(self, name: str, header: Sequence[str]) -> Sheet:
        title = sheet_title(name, self._titles)
        self._titles.append(title)
        sheet = Sheet(self._workbook.create_sheet(title))
        sheet.append(header)
        return sheet

    def save(self, stream: BinaryIO) -> None:
        if not self._titles:
            self.add_sheet("Empty", ["This workbook has no data."])
        self._workbook.save(stream)


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Iterable]]]) -> bytes:
    """A workbook of ``(name, header, rows)`` sheets, as the bytes of an .xlsx file."""
    workbook = Workbook()
    for name, header, rows in sheets:
        sheet = workbook.add_sheet(name, header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
