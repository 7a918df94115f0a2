"""Every real export in ../shared/fixtures/exports parses to what EXPECTED.md says."""

from __future__ import annotations

import codecs
import io

import pytest

from reviews.importers import ParsedRecord, read_records
from reviews.importers.normalise import collapse
from reviews.importers.source import detect_encoding

from .expected import EXPORTS, SKIP_REASON, ExpectedFile, expected_files

# Without ../shared there is nothing to compare: one placeholder case skips with the reason.
FILES: list[ExpectedFile | None] = expected_files() or [None]
IDS = [f.path if f else "shared-fixtures-absent" for f in FILES]

# EXPECTED.md leaves the year blank for this file because the year is only inside
# the Source line ("Ecohydrology. 8(6):1048-1064, September 2015."); we read it there.
YEAR_FROM_SOURCE_LINE = {("ovid_display/jabref_OvidImporterTest4.txt", 1): 2015}


@pytest.fixture(scope="module")
def parsed() -> dict[str, list[ParsedRecord]]:
    return {}


def _records(
    expected: ExpectedFile | None, cache: dict[str, list[ParsedRecord]]
) -> list[ParsedRecord]:
    if expected is None or not EXPORTS.is_dir():
        pytest.skip(SKIP_REASON)
    if expected.path not in cache:
        cache[expected.path] = list(read_records(EXPORTS / expected.path))
    return cache[expected.path]


def test_expected_md_lists_every_export():
    if not EXPORTS.is_dir():
        pytest.skip(SKIP_REASON)
    on_disk = {
        str(p.relative_to(EXPORTS)) for p in EXPORTS.rglob("*") if p.is_file() and p.suffix != ".md"
    }
    assert on_disk == {f.path for f in FILES if f}


@pytest.mark.parametrize("expected", FILES, ids=IDS)
def test_it_reads_the_expected_number_of_records(expected, parsed):
    assert len(_records(expected, parsed)) == expected.count


@pytest.mark.parametrize("expected", FILES, ids=IDS)
def test_it_reads_the_expected_field_values(expected, parsed):
    records = _records(expected, parsed)
    for want in expected.records:
        got = records[want.number - 1]
        where = f"{expected.path} record {want.number}"
        assert collapse(got.title) == want.title, where
        assert (got.authors[0] if got.authors else "") == want.first_author, where
        year = YEAR_FROM_SOURCE_LINE.get((expected.path, want.number), want.year)
        assert got.year == year, where
        assert got.journal == want.journal, where
        assert got.doi == want.doi.lower(), where
        assert got.pmid == want.pmid, where
        assert bool(got.abstract) == want.has_abstract, where


@pytest.mark.parametrize("expected", FILES, ids=IDS)
def test_every_record_knows_its_format_and_line(expected, parsed):
    records = _records(expected, parsed)
    assert all(r.source_format for r in records)
    assert all(r.line >= 1 for r in records)
    assert [r.line for r in records] == sorted(r.line for r in records)


def _text_of(path) -> str:
    data = path.read_bytes()
    return data.decode(detect_encoding(data)[1])


ENCODINGS = [
    ("utf-8-sig", lambda text: codecs.BOM_UTF8 + text.encode("utf-8")),
    ("utf-16 (BOM)", lambda text: text.encode("utf-16")),
    ("utf-16-le (no BOM)", lambda text: text.encode("utf-16-le")),
    ("cp1252", lambda text: text.encode("cp1252")),
]


@pytest.mark.parametrize("encode", [e[1] for e in ENCODINGS], ids=[e[0] for e in ENCODINGS])
@pytest.mark.parametrize("expected", FILES, ids=IDS)
def test_it_reads_the_same_records_in_another_encoding(expected, encode, parsed):
    original = _records(expected, parsed)
    text = _text_of(EXPORTS / expected.path).lstrip("\ufeff")
    try:
        data = encode(text)
    except UnicodeEncodeError:
        pytest.skip("not representable in this encoding")
    again = list(read_records(io.BytesIO(data), filename=expected.path))
    assert again == original
