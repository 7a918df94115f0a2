"""Bibliographic import: parse database exports into normalised records (no Django).

Public API
----------
``read_records(source, *, format=None, filename=None, max_bytes=None)``
    Open a path or binary file and return a ``RecordReader``: iterate it for
    ``ParsedRecord`` objects, one at a time (memory stays flat on big files);
    ``.format``, ``.encoding`` and ``.warnings`` describe the file.
``detect_format(first_bytes_or_text)``
    The format name of a file from its first bytes, or ``ParseError``.
``FORMATS``
    Every supported format by short name: ``pubmed``, ``ris``, ``ovid``,
    ``ovid_display``, ``cochrane_txt``, ``endnote_xml``, ``bibtex``,
    ``scopus_csv``, ``embase_csv``, ``cochrane_csv``, ``wos_tab``, ``wos_txt``.
``ParsedRecord``, ``ParseError``
    The record every parser yields and the one error they raise (it names the
    file and the line).

Command line: ``python -m reviews.importers FILE [--format F] [--jsonl]``.

Adding a format
---------------
1. ``reviews/importers/<name>.py`` with ``NAME``, ``LABEL``, ``sniff(sample)``
   and ``parse(source) -> Iterator[ParsedRecord]`` (use ``normalise`` for
   DOIs, PMIDs, years and whitespace; raise via ``source.error``).
2. One line in ``FORMATS`` in ``reviews/importers/registry.py`` (its place in
   the list is its place in detection order).
3. A small invented fixture in ``tests/fixtures/importers/`` and a row in
   ``tests/reviews/importers/test_formats.py``.
"""

from .reader import RecordReader, read_records
from .record import ParsedRecord, ParseError
from .registry import FORMATS, detect_format

__all__ = [
    "FORMATS",
    "ParseError",
    "ParsedRecord",
    "RecordReader",
    "detect_format",
    "read_records",
]
