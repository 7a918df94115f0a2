"""python -m reviews.dedup, run as a subprocess."""

import csv
import subprocess
import sys
from pathlib import Path

from .fixture_files import EXPORTS, read_records_or_skip, shared_or_skip

ROOT = Path(__file__).resolve().parents[3]


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "reviews.dedup", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_it_summarises_and_writes_pairs(tmp_path):
    shared_or_skip()
    read_records_or_skip()
    pubmed = EXPORTS / "pubmed" / "reflib_blue-light.nbib"
    endnote = EXPORTS / "ris_generic" / "reflib_blue-light_endnote.ris"
    out = tmp_path / "pairs.csv"

    done = run(pubmed, endnote, "--pairs-out", out)

    assert done.returncode == 0, done.stderr
    assert "reflib_blue-light.nbib: 80 records" in done.stdout
    assert "reflib_blue-light_endnote.ris: 102 records" in done.stdout
    assert "auto-merged pairs: 80" in done.stdout
    assert "unique records after merge: 102" in done.stdout
    with open(out, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 80
    first = rows[0]
    assert first["left_file"] == str(pubmed) and first["right_file"] == str(endnote)
    assert first["left_title"] and int(first["left_line"]) >= 1
    assert first["decision"] in {"duplicate", "review"}
    assert "title:" in first["reasons"]


def test_it_exits_2_on_bad_input(tmp_path):
    read_records_or_skip()
    bad = tmp_path / "broken.ris"
    bad.write_text("this is not a bibliographic export\n", encoding="utf-8")

    done = run(bad)

    assert done.returncode == 2
    assert "broken.ris" in done.stderr


def test_it_exits_2_on_a_missing_file(tmp_path):
    read_records_or_skip()
    done = run(tmp_path / "absent.ris")
    assert done.returncode == 2
    assert "absent.ris" in done.stderr
