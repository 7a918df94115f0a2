"""Open an export file, detect encoding and format, and stream its records."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from .record import ParsedRecord, ParseError
from .registry import FORMATS, detect_format, supported
from .source import TextSource


class RecordReader:
    """The records of one export file, parsed lazily as you iterate (once).

    Attributes
    ----------
    format : str
        The format name, detected or as given (a key of ``FORMATS``).
    encoding : str
        The detected (or given) text encoding, e.g. ``"utf-8-sig"``.
    warnings : list of (line, message)
        Lines skipped without stopping: Ovid counters, search history, headers.
        Complete once iteration has finished.
    filename : str
        The name used in errors.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        format: str | None,
        filename: str,
        max_bytes: int | None,
        encoding: str | None,
        close_stream: bool,
    ):
        self.filename = filename
        self._stream = stream if close_stream else None
        try:
            self._source = TextSource(
                stream, filename=filename, max_bytes=max_bytes, encoding=encoding
            )
            self.format = format or detect_format(self._source.sample, filename=filename)
        except BaseException:
            self.close()
            raise
        if self.format not in FORMATS:
            self.close()
            raise ParseError(
                f"unknown format {self.format!r}; supported formats: {supported()}",
                filename=filename,
            )
        self.encoding = self._source.encoding
        self.warnings = self._source.warnings
        self._started = False

    def __iter__(self) -> Iterator[ParsedRecord]:
        if self._started:
            raise RuntimeError("a RecordReader can be iterated only once")
        self._started = True
        count = 0
        try:
            for record in FORMATS[self.format].parse(self._source):
                count += 1
                yield self._without_nul(record)
            if count == 0 and self._source.sample.strip():
                raise self._source.error(f"no records found; is this really {self.format}?")
        except UnicodeDecodeError as exc:
            raise self._source.decode_error(exc) from None
        except RecursionError:
            raise self._source.error("structure nested too deeply") from None
        finally:
            self.close()

    def _without_nul(self, record: ParsedRecord) -> ParsedRecord:
        """The record with NUL characters removed, and a warning naming its line.

        A NUL is never part of a bibliographic field (it comes from a broken
        export or a binary pasted in), and databases refuse it in text.
        """
        if "\\x00" not in repr(record):  # repr escapes NUL: one scan of the whole record
            return record
        self._source.warn(record.line, "NUL characters removed from this record")
        return replace(
            record,
            **{
                name: _strip_nul(getattr(record, name))
                for name in record.__slots__
                if name not in ("year", "line")
            },
        )

    def __enter__(self) -> RecordReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the file if :func:`read_records` opened it."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def read_records(
    source: str | os.PathLike | BinaryIO,
    *,
    format: str | None = None,
    filename: str | None = None,
    max_bytes: int | None = None,
    encoding: str | None = None,
) -> RecordReader:
    """Open a bibliographic export and return a streaming :class:`RecordReader`.

    Parameters
    ----------
    source : path or binary file object
        The export. A path is opened (and closed when iteration ends); a file
        object must be opened in binary mode and is left open.
    format : str, optional
        A key of ``FORMATS`` to skip detection (``"ris"``, ``"pubmed"``, ...).
    filename : str, optional
        Name shown in errors; defaults to the path or the file object's name.
    max_bytes : int, optional
        Refuse files larger than this with a :class:`ParseError`.
    encoding : str, optional
        Skip encoding detection (any Python codec name).

    Returns
    -------
    RecordReader
        Iterate it for :class:`ParsedRecord` objects; ``.format``,
        ``.encoding`` and ``.warnings`` describe the file.

    Raises
    ------
    ParseError
        Unsupported format, file too large, or (while iterating) malformed or
        truncated content; the message names the file and the line.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name = filename or str(path)
        if max_bytes is not None and path.is_file() and path.stat().st_size > max_bytes:
            raise ParseError(f"file is larger than the limit of {max_bytes:,} bytes", filename=name)
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise ParseError(f"cannot open file: {exc.strerror}", filename=name) from None
        close_stream = True
    else:
        stream, close_stream = source, False
        name = filename or str(getattr(source, "name", "") or "<input>")
    return RecordReader(
        stream,
        format=format,
        filename=name,
        max_bytes=max_bytes,
        encoding=encoding,
        close_stream=close_stream,
    )


def _strip_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, tuple):
        return tuple(_strip_nul(item) for item in value)
    return value
