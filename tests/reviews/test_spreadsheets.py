"""The one CSV and Excel writer: formula-like cells neutralised, and nothing else writes one."""

import ast
import csv
import io
from pathlib import Path

import openpyxl
import pytest

from reviews.spreadsheets import (
    CSVWriter,
    Workbook,
    csv_chunks,
    csv_text,
    safe_cell,
    sheet_title,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "reviews", "screening", "extraction", "synthesis", "workspace"]
PAYLOADS = [
    '=HYPERLINK("http://127.0.0.1/x","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
# Writes a CSV of the user's own files on their machine, from the command line; not served.
NOT_SERVED = {"reviews/dedup/__main__.py"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_neutralises_a_cell_a_spreadsheet_would_run(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Smith 2009", "-1.5", "+2", "1e-5", 3, -1.25, True, "a=b"])
def test_it_keeps_text_and_numbers_that_run_nothing(value):
    assert safe_cell(value) == value


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_a_csv_reads_back_with_the_payload_as_text():
    text = csv_text(["study", "n"], [[PAYLOADS[0], 20], ["Jones 2011", -3]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["study", "n"], ["'" + PAYLOADS[0], "20"], ["Jones 2011", "-3"]]


def test_the_streamed_csv_is_the_same_text():
    rows = [[f"=cmd{i}", i] for i in range(2500)]
    assert "".join(csv_chunks(["a", "b"], rows, lines=1000)) == csv_text(["a", "b"], rows)


def test_the_writer_neutralises_every_row():
    buffer = io.StringIO()
    writer = CSVWriter(buffer)
    writer.writerows([["@x"], ["ok"]])
    assert buffer.getvalue() == "'@x\nok\n"


def test_an_excel_cell_is_text_never_a_formula():
    data = workbook_bytes([("Studies", ["study", "n"], [[PAYLOADS[0], 20], ["-1.5", 2.5]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Studies"]
    payload, n = sheet["A2"], sheet["B2"]
    assert (payload.value, payload.data_type) == ("'" + PAYLOADS[0], "s")
    assert (n.value, n.data_type) == (20, "n")
    assert sheet["A3"].value == "-1.5" and sheet["B3"].value == 2.5


def test_an_excel_cell_drops_characters_xml_cannot_hold():
    data = workbook_bytes([("S", ["a"], [["bell\x07 here"]])])
    assert openpyxl.load_workbook(io.BytesIO(data))["S"]["A2"].value == "bell here"


def test_sheet_titles_are_valid_and_distinct():
    workbook = Workbook()
    workbook.add_sheet("Risk of bias: RoB 2 [per result] / outcome", ["a"])
    workbook.save(buffer := io.BytesIO())
    assert openpyxl.load_workbook(buffer).sheetnames == ["Risk of bias- RoB 2 -per result"]
    assert sheet_title("a/b") == "a-b"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("Records", ["records"]) == "Records (2)"


def _writes_a_spreadsheet(path: Path) -> list[str]:
    """The lines of ``path`` that write CSV or Excel other than through reviews.spreadsheets."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter"):
            if isinstance(node.value, ast.Name) and node.value.id == "csv":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} csv.{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in ("to_csv", "to_excel"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n.split(".")[0] in ("openpyxl", "xlsxwriter") for n in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports an Excel writer")
    return found


def test_no_module_but_the_one_writer_writes_csv_or_excel():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if "migrations" in path.parts or relative in NOT_SERVED | {"reviews/spreadsheets.py"}:
                continue
            offenders += _writes_a_spreadsheet(path)
    assert offenders == []


def test_the_check_finds_a_csv_writer(tmp_path):
    bad = ROOT / "reviews" / "spreadsheets.py"
    assert _writes_a_spreadsheet(bad), "the writer itself uses csv.writer and openpyxl"
