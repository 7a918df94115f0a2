"""Quality on the generated corpus and on real exports of one library (shared fixtures)."""

import csv
import subprocess
import sys

from reviews.dedup import find_duplicates
from reviews.importers.record import ParsedRecord

from .fixture_files import EXPORTS, read_records_or_skip, shared_or_skip


def read_generated_ris(path):
    """Records and corpus ids of make_big_corpus.py's RIS, minimal reader for its own layout.

    The importer is not used here so that this test measures deduplication only.
    """
    records, ids, fields = [], [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        tag, value = line[:2], line[6:]
        if tag == "ER":
            first = {t: values[0] for t, values in fields.items()}
            medline = first.get("DB") == "MEDLINE"
            pages = first.get("SP", "") + ("-" + first["EP"] if "EP" in first else "")
            records.append(
                ParsedRecord(
                    title=first.get("TI", ""),
                    abstract=first.get("AB", ""),
                    authors=tuple(fields.get("AU", ())),
                    year=int(first["PY"]),
                    journal=first.get("T2", first.get("T3", "")),
                    volume=first.get("VL", ""),
                    pages=pages,
                    doi=first.get("DO", "").lower().removeprefix("https://doi.org/"),
                    pmid=first.get("AN", "") if medline else first.get("C5", ""),
                    embase_id="" if medline else first.get("AN", ""),
                )
            )
            ids.append(first["ID"])
            fields = {}
        elif line[2:6] == "  - ":
            fields.setdefault(tag, []).append(value)
    return records, ids


def test_it_meets_the_quality_targets_on_a_generated_corpus(tmp_path):
    shared = shared_or_skip()
    script = shared / "make_big_corpus.py"
    subprocess.run(
        [sys.executable, str(script), "--n", "2000", "--out", str(tmp_path), "--formats", "ris"],
        check=True,
        capture_output=True,
    )
    records, ids = read_generated_ris(tmp_path / "corpus.ris")
    with open(tmp_path / "duplicate_pairs.csv", encoding="utf-8") as handle:
        truth = {frozenset((r["record_id_a"], r["record_id_b"])) for r in csv.DictReader(handle)}

    result = find_duplicates(records)

    merged = {frozenset((ids[p.left], ids[p.right])) for p in result.duplicates}
    hits = len(merged & truth)
    assert hits / len(merged) >= 0.995  # precision
    assert hits / len(truth) >= 0.99  # recall


def test_every_pubmed_record_finds_its_endnote_copy():
    shared_or_skip()
    read_records = read_records_or_skip()
    pubmed = list(read_records(EXPORTS / "pubmed" / "reflib_blue-light.nbib"))
    endnote = list(read_records(EXPORTS / "ris_generic" / "reflib_blue-light_endnote.ris"))
    result = find_duplicates(pubmed + endnote)

    cross = {
        (p.left, p.right - len(pubmed))
        for p in result.duplicates
        if p.left < len(pubmed) <= p.right
    }
    # Established by inspection: the 80 PubMed PMIDs all occur among the 102
    # EndNote records' AN (= PMID) values, once each, and each such pair has the
    # same title, first author and year; no other pair is a duplicate.
    with_pmid = [i for i, r in enumerate(pubmed) if r.pmid]
    assert len(with_pmid) == 80
    assert len(cross) == 80
    for left, right in cross:
        assert pubmed[left].pmid == endnote[right].pmid
    assert {left for left, _ in cross} == set(with_pmid)
    assert len(result.duplicates) == 80
