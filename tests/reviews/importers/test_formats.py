"""Our own invented fixtures, one or more per format, and the broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviews.importers import FORMATS, ParseError, detect_format, read_records

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "importers"

# file, format, record count, {field: value} for the first record
CASES = [
    (
        "sample.ris",
        "ris",
        2,
        {
            "title": "Invented trial of a made-up intervention for an imaginary condition",
            "authors": ("Example, Alice B.", "Sample, Bob"),
            "year": 2021,
            "journal": "Journal of Illustrative Results",
            "pages": "101-109",
            "doi": "10.5555/example.2021.001",
            "pmid": "12345678",
            "keywords": ("testing", "fixtures", "examples"),
            "line": 2,
        },
    ),
    (
        "sample.nbib",
        "pubmed",
        2,
        {
            "title": "An invented MEDLINE record with a title that wraps onto a second line.",
            "abstract": "BACKGROUND: Invented. METHODS: Also invented. RESULTS: None, "
            "this is a test fixture.",
            "authors": ("Example, Alice Beatrice", "Sample, Bob", "Invented Study Group"),
            "journal": "Journal of illustrative results",
            "doi": "10.5555/invented.2020.010",
            "pmid": "11111111",
            "mesh_terms": ("Humans", "*Fixtures/methods"),
            "line": 2,
        },
    ),
    (
        "sample_ovid.ovd",
        "ovid",
        2,
        {
            "journal": "Journal of Illustrative Results",
            "abstract": "Background: invented. Method(s): not real.",
            "embase_id": "600000001",
            "doi": "10.5555/invented.2017.005",
            "year": 2017,
        },
    ),
    (
        "sample_ovid_display.txt",
        "ovid_display",
        1,
        {
            "year": 2012,
            "volume": "3",
            "issue": "4",
            "pages": "55-66",
            "journal": "Journal of Illustrative Results",
        },
    ),
    (
        "sample_cochrane.txt",
        "cochrane_txt",
        2,
        {
            "central_id": "CN-01000001",
            "pmid": "44444444",
            "embase_id": "600000002",
            "pages": "1-9",
            "keywords": ("*Fixtures", "Examples [methods]"),
        },
    ),
    (
        "sample_endnote.xml",
        "endnote_xml",
        2,
        {
            "title": "An invented record in EndNote XML & friends",
            "journal": "Journal of Illustrative Results",
            "doi": "10.5555/invented.2010.005",
            "pmid": "55555555",
            "publication_type": "Journal Article",
            "line": 4,
        },
    ),
    (
        "sample.bib",
        "bibtex",
        2,
        {
            "title": "An invented record with {Protected} capitals",
            "authors": ("Example, Alice", "Sample, Bob", "{Invented Study Group}"),
            "journal": "Journal of Illustrative Results",
            "pages": "11-22",
            "abstract": "Invented abstract with a line break.",
            "line": 4,
        },
    ),
    (
        "sample_scopus.csv",
        "scopus_csv",
        2,
        {"authors": ("Example A.", "Sample B."), "pmid": "66666666", "pages": "1-8"},
    ),
    (
        "sample_embase.csv",
        "embase_csv",
        1,
        {
            "journal": "Journal of Illustrative Results",
            "year": 2013,
            "volume": "6",
            "pages": "30-39",
        },
    ),
    (
        "sample_cochrane.csv",
        "cochrane_csv",
        1,
        {"central_id": "CN-01000003", "pmid": "77777777", "embase_id": "600000003"},
    ),
    (
        "sample_wos_tab.txt",
        "wos_tab",
        1,
        {"authors": ("Example, A", "Sample, B"), "pmid": "88888888", "pages": "12-19"},
    ),
    (
        "sample_wos.txt",
        "wos_txt",
        1,
        {"title": "An invented Web of Science record whose title wraps", "pmid": "88888888"},
    ),
    (
        "cp1252.ris",
        "ris",
        1,
        {
            "title": "Café au lait and crème brûlée – an invented cp1252 record",
            "authors": ("Müller, Jürgen",),
        },
    ),
]


def test_every_format_has_an_invented_fixture():
    assert {case[1] for case in CASES} == set(FORMATS)


@pytest.mark.parametrize("name,fmt,count,fields", CASES, ids=[c[0] for c in CASES])
def test_it_parses_our_fixtures(name, fmt, count, fields):
    reader = read_records(FIXTURES / name)
    records = list(reader)
    assert reader.format == fmt
    assert len(records) == count
    for field, value in fields.items():
        assert getattr(records[0], field) == value, field
    assert all(r.source_format == fmt for r in records)


@pytest.mark.parametrize("name,fmt,count,fields", CASES, ids=[c[0] for c in CASES])
def test_detect_format_agrees_with_the_reader(name, fmt, count, fields):
    assert detect_format((FIXTURES / name).read_bytes()[:65536]) == fmt


def test_it_honours_a_format_override():
    with pytest.raises(ParseError, match="no records found; is this really ris"):
        list(read_records(FIXTURES / "sample.nbib", format="ris"))
    assert len(list(read_records(FIXTURES / "sample.ris", format="ris"))) == 2


def test_it_records_skipped_lines_as_warnings():
    reader = read_records(FIXTURES / "sample.ris")
    list(reader)
    assert [line for line, _ in reader.warnings] == [1, 21, 23]
    assert "Link to the Ovid Full Text" in reader.warnings[1][1]


def test_it_reports_the_detected_encoding():
    reader = read_records(FIXTURES / "cp1252.ris")
    assert reader.encoding == "cp1252"
    assert read_records(FIXTURES / "sample_wos_tab.txt").encoding == "utf-8-sig"


BROKEN = [
    ("truncated.ris", 1, "no ER line (file truncated?)"),
    ("missing_er.ris", 1, "no ER line"),
    ("missing_er_wos.txt", 3, "no ER line"),
    ("truncated.xml", 17, "malformed XML"),
    ("entities.xml", 2, "EntitiesForbidden"),
    ("unclosed.bib", 1, "not closed"),
    ("short_row.csv", 2, "row has 4 columns, the header has 5"),
]


@pytest.mark.parametrize("name,line,problem", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_files_fail_naming_file_and_line(name, line, problem):
    with pytest.raises(ParseError) as caught:
        list(read_records(FIXTURES / name))
    assert caught.value.line == line
    assert problem in caught.value.message
    assert str(caught.value).startswith(f"{FIXTURES / name}, line {line}: ")


def test_an_unknown_format_is_refused_with_the_list_of_formats():
    with pytest.raises(ParseError) as caught:
        read_records(FIXTURES / "unknown.txt")
    message = str(caught.value)
    assert message.startswith(str(FIXTURES / "unknown.txt"))
    assert all(name in message for name in FORMATS)


def test_a_wrongly_declared_encoding_fails_naming_the_line():
    with pytest.raises(ParseError) as caught:
        list(read_records(FIXTURES / "cp1252.ris", encoding="utf-8"))
    assert caught.value.line == 2
    assert "cannot decode byte 0xE9 as utf-8" in caught.value.message


def test_it_refuses_files_over_the_size_limit(tmp_path):
    with pytest.raises(ParseError, match="larger than the limit of 100 bytes"):
        list(read_records(FIXTURES / "sample.ris", max_bytes=100))
    with (FIXTURES / "sample.ris").open("rb") as stream:
        with pytest.raises(ParseError, match="larger than the limit"):
            list(read_records(stream, max_bytes=100))


def test_it_reads_a_binary_file_object_and_leaves_it_open():
    with (FIXTURES / "sample.bib").open("rb") as stream:
        records = list(read_records(stream))
        assert not stream.closed
    assert len(records) == 2


def test_a_reader_is_iterated_once():
    reader = read_records(FIXTURES / "sample.bib")
    list(reader)
    with pytest.raises(RuntimeError):
        list(reader)


@pytest.mark.parametrize("chunk", [5, 64, 1 << 20])
def test_ris_records_do_not_depend_on_the_chunk_size(monkeypatch, chunk):
    from reviews.importers import ris

    expected = list(read_records(FIXTURES / "sample.ris"))
    monkeypatch.setattr(ris, "CHUNK_CHARS", chunk)
    reader = read_records(FIXTURES / "sample.ris")
    assert list(reader) == expected
    assert [line for line, _ in reader.warnings] == [1, 21, 23]
