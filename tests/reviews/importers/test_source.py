"""Decoding: byte-order marks, BOM-less UTF-16, cp1252, line endings, bad bytes."""

from __future__ import annotations

import codecs
import io

import pytest

from reviews.importers import ParseError, read_records
from reviews.importers.source import SAMPLE_BYTES, TextSource, detect_encoding

RIS = "TY  - JOUR\nTI  - Ångström and naïve café\nAU  -例, 子\nER  - \n"


@pytest.mark.parametrize(
    "data,name",
    [
        (RIS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + RIS.encode("utf-8"), "utf-8-sig"),
        (RIS.encode("utf-16"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + RIS.encode("utf-16-be"), "utf-16-be"),
        (RIS.encode("utf-16-le"), "utf-16-le"),
        (RIS.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_it_detects_the_encoding(data, name):
    reader = read_records(io.BytesIO(data))
    (record,) = reader
    assert reader.encoding == name
    assert record.title == "Ångström and naïve café"
    assert record.authors == ("例, 子",)


def test_it_falls_back_to_cp1252_and_latin1_for_undefined_bytes():
    data = "TY  - JOUR\nTI  - Müller – x\n".encode("cp1252") + b"AU  - A\x81B\nER  - \n"
    reader = read_records(io.BytesIO(data))
    (record,) = reader
    assert reader.encoding == "cp1252"
    assert record.title == "Müller – x"
    assert record.authors == ("A\x81B",)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_do_not_change_records_or_line_numbers(newline):
    text = "1.\nTY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\nER  - \n"
    reader = read_records(io.BytesIO(text.replace("\n", newline).encode()))
    assert [(r.title, r.line) for r in reader] == [("One", 2), ("Two", 6)]
    assert reader.warnings == [(1, "text between records skipped: '1.'")]


def test_a_bad_byte_after_the_detection_sample_names_its_line():
    filler = "TY  - JOUR\nTI  - Filler record\nER  - \n" * (SAMPLE_BYTES // 30)
    lines_before = filler.count("\n")
    data = filler.encode() + b"TY  - JOUR\nTI  - caf\xe9\nER  - \n"
    with pytest.raises(ParseError) as caught:
        list(read_records(io.BytesIO(data), filename="big.ris"))
    assert caught.value.line == lines_before + 2
    assert str(caught.value).startswith(f"big.ris, line {lines_before + 2}: cannot decode")


def test_detect_encoding_on_plain_ascii_is_utf8():
    assert detect_encoding(b"PMID- 1\n") == ("utf-8", "utf-8")


def test_lines_split_on_every_line_ending():
    source = TextSource(io.BytesIO(b"a\r\nb\rc\nd"))
    assert list(source.lines()) == ["a\n", "b\n", "c\n", "d"]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_byte_chunks_end_at_line_breaks_whatever_the_read_size(size):
    data = codecs.BOM_UTF8 + b"a\r\nbb\rc\n\r\nd"
    pieces = list(TextSource(io.BytesIO(data)).byte_chunks(size))
    assert b"".join(pieces) == b"a\nbb\nc\n\nd"
    assert all(piece.endswith(b"\n") for piece in pieces[:-1])


def test_byte_chunks_are_not_offered_for_utf16():
    assert TextSource(io.BytesIO("TY  - JOUR\n".encode("utf-16"))).byte_chunks() is None
