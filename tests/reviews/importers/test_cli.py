"""``python -m reviews.importers`` as users and scripts call it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "importers"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reviews.importers", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_prints_one_json_object_a_record():
    result = run(str(FIXTURES / "sample.nbib"), "--jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["pmid"] for r in records] == ["11111111", "22222222"]
    assert records[0]["doi"] == "10.5555/invented.2020.010"
    assert records[0]["authors"][0] == "Example, Alice Beatrice"
    assert {"title", "abstract", "year", "journal"} <= records[0].keys()
    assert "raw" not in records[0]
    assert "2 records, format pubmed" in result.stderr


def test_it_prints_summary_lines_by_default_and_accepts_a_format():
    result = run(str(FIXTURES / "sample.ris"), "--format", "ris")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[:3] == ["line 2", "2021", "Example, Alice B."]


def test_malformed_input_exits_2_naming_the_line():
    result = run(str(FIXTURES / "truncated.ris"), "--jsonl")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{FIXTURES / 'truncated.ris'}, line 1: "
        "record starting at line 1 has no ER line (file truncated?)"
    )


def test_an_unsupported_file_exits_2_listing_formats():
    result = run(str(FIXTURES / "unknown.txt"))
    assert result.returncode == 2
    assert "not a supported bibliographic export" in result.stderr
    assert "ris" in result.stderr and "endnote_xml" in result.stderr
