"""Benchmark reviews.dedup against bib-dedupe: speed and pair precision/recall.

    python bench/bench_dedup.py [--n 100000] [--peer-n 10000] [--skip-peer]

Builds the generated corpora with ../shared/fixtures/make_big_corpus.py into
bench/out/ (git-ignored) when missing, then prints, for the RIS corpus:
seconds of deduplication (parsing excluded), precision and recall of the
automatically merged pairs against duplicate_pairs.csv, and how many true
pairs sit only in the review zone. bib-dedupe 0.11.0 runs on the smaller
corpus. Last, both tools run on the real cross-database exports in
../shared/fixtures/exports, where there is no truth file: the cross-file
pairs each finds are counted and the disagreements printed for inspection.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from corpus import corpus  # noqa: E402

sys.path.insert(0, str(ROOT))

from reviews.dedup import find_duplicates  # noqa: E402
from reviews.dedup.clusters import connected_components  # noqa: E402
from reviews.importers.record import ParsedRecord  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures"
OUT = ROOT / "bench" / "out"
REAL_SETS = {
    "blue-light": [
        "pubmed/reflib_blue-light.nbib",
        "ris_generic/reflib_blue-light_endnote.ris",
        "endnote_xml/reflib_blue-light.xml",
    ],
    "cff_baseline": None,  # every cff_baseline_* file, found by glob
}


def read_corpus(path: Path) -> tuple[list[ParsedRecord], list[str]]:
    """Records and corpus ids (RIS ``ID``) of a generated corpus.

    Uses reviews.importers.read_records when it exists; until then a minimal
    reader of the generator's own RIS layout (this file only, never real exports).
    """
    try:
        from reviews.importers import read_records
    except ImportError:
        print("  (reviews.importers.read_records not available: minimal corpus reader)")
        return _read_generated_ris(path)
    records = list(read_records(path))
    ids = [next((v for t, v in r.raw if t == "ID"), "") for r in records]
    return records, ids


def _read_generated_ris(path: Path) -> tuple[list[ParsedRecord], list[str]]:
    records, ids, fields = [], [], {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            tag, value = line[:2], line[6:].rstrip("\n")
            if tag == "ER":
                records.append(_generated_record(fields))
                ids.append(fields["ID"][0])
                fields = {}
            elif line[2:6] == "  - ":
                fields.setdefault(tag, []).append(value)
    return records, ids


def _generated_record(f: dict) -> ParsedRecord:
    first = lambda tag: f.get(tag, [""])[0]  # noqa: E731
    doi = first("DO").lower().removeprefix("https://doi.org/")
    medline = first("DB") == "MEDLINE"
    pages = first("SP") + ("-" + first("EP") if first("EP") else "")
    return ParsedRecord(
        title=first("TI"),
        abstract=first("AB"),
        authors=tuple(f.get("AU", ())),
        year=int(first("PY")) if first("PY") else None,
        journal=first("T2") or first("T3"),
        volume=first("VL"),
        issue=first("IS"),
        pages=pages,
        doi=doi,
        pmid=first("AN") if medline else first("C5"),
        embase_id="" if medline else first("AN"),
    )


def true_pairs(folder: Path) -> tuple[set[frozenset], dict[str, str]]:
    """True duplicate pairs (corpus ids), and the corpus id of each PMID listed."""
    pairs, id_of_pmid = set(), {}
    with open(folder / "duplicate_pairs.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pairs.add(frozenset((row["record_id_a"], row["record_id_b"])))
            id_of_pmid[row["pmid_a"]] = row["record_id_a"]
            id_of_pmid[row["pmid_b"]] = row["record_id_b"]
    return pairs, id_of_pmid


def closure(pairs: set[frozenset]) -> set[frozenset]:
    """Every pair within the connected components of ``pairs``."""
    names = sorted({name for pair in pairs for name in pair})
    index = {name: i for i, name in enumerate(names)}
    edges = [tuple(index[name] for name in pair) for pair in pairs]
    result = set()
    for group in connected_components(len(names), edges):
        for a, left in enumerate(group):
            for right in group[a + 1 :]:
                result.add(frozenset((names[left], names[right])))
    return result


def quality(predicted: set[frozenset], truth: set[frozenset]) -> tuple[float, float]:
    hits = len(predicted & truth)
    return hits / max(1, len(predicted)), hits / max(1, len(truth))


def bench_ours(n: int, format: str = "ris") -> None:
    folder = corpus(n)
    truth, id_of_pmid = true_pairs(folder)
    if format == "ris":
        records, ids = read_corpus(folder / "corpus.ris")
    else:
        from reviews.importers import read_records

        records = list(read_records(folder / "corpus.nbib"))
        ids = [id_of_pmid.get(r.pmid, "PMID" + r.pmid) for r in records]
    started = time.perf_counter()
    result = find_duplicates(records)
    seconds = time.perf_counter() - started
    auto = {frozenset((ids[p.left], ids[p.right])) for p in result.duplicates}
    review = {frozenset((ids[p.left], ids[p.right])) for p in result.for_review}
    precision, recall = quality(auto, truth)
    c_precision, c_recall = quality(closure(auto), truth)
    print(
        f"ours {format:<5} n={n:>7,}  {seconds:6.2f} s  precision {precision:.4f}"
        f"  recall {recall:.4f}  (clusters: {c_precision:.4f} / {c_recall:.4f})"
        f"  auto {len(auto):,}  review {len(review):,} ({len(review & truth):,} true,"
        f" {len(truth - auto - review):,} true pairs missed)"
    )


def bib_dedupe_frame(records: list[ParsedRecord], ids: list[str]):
    import pandas as pd

    return pd.DataFrame(
        {
            "ID": ids,
            "ENTRYTYPE": ["article"] * len(records),
            "title": [r.title for r in records],
            "author": [" and ".join(r.authors) for r in records],
            "year": [str(r.year or "") for r in records],
            "journal": [r.journal for r in records],
            "volume": [r.volume for r in records],
            "number": [r.issue for r in records],
            "pages": [r.pages for r in records],
            "abstract": [r.abstract for r in records],
            "doi": [r.doi.upper() for r in records],
        }
    )


def run_bib_dedupe(records: list[ParsedRecord], ids: list[str]) -> tuple[float, set, set]:
    """Seconds, duplicate pairs and maybe pairs found by bib-dedupe."""
    import bib_dedupe.bib_dedupe as bd

    frame = bib_dedupe_frame(records, ids)
    started = time.perf_counter()
    prepared = bd.prep(frame, verbosity_level=0, cpu=2)
    blocked = bd.block(prepared, verbosity_level=0, cpu=2)
    matched = bd.match(blocked, verbosity_level=0, cpu=2)
    seconds = time.perf_counter() - started
    found = {"duplicate": set(), "maybe": set()}
    for row in matched.itertuples(index=False):
        label = row.duplicate_label
        found.setdefault(label, set()).add(frozenset((row.ID_1, row.ID_2)))
    return seconds, found["duplicate"], found["maybe"]


def bench_peer(n: int) -> None:
    folder = corpus(n)
    records, ids = read_corpus(folder / "corpus.ris")
    truth, _ = true_pairs(folder)
    try:
        seconds, auto, maybe = run_bib_dedupe(records, ids)
    except Exception as error:  # report why the peer could not run, keep the rest
        print(f"bib-dedupe      n={n:>7,}  could not run: {type(error).__name__}: {error}")
        return
    precision, recall = quality(closure(auto), truth)
    print(
        f"bib-dedupe      n={n:>7,}  {seconds:6.2f} s  precision {precision:.4f}"
        f"  recall {recall:.4f}  (clusters)  duplicate pairs {len(auto):,}  maybe {len(maybe):,}"
    )


def importer_available() -> bool:
    try:
        from reviews.importers import read_records  # noqa: F401
    except ImportError:
        return False
    return True


def real_files(name: str) -> list[Path]:
    exports = SHARED / "exports"
    if REAL_SETS[name] is None:
        return sorted(exports.glob("*/cff_baseline_*"))
    return [exports / path for path in REAL_SETS[name]]


def bench_real() -> None:
    try:
        from reviews.importers import read_records
    except ImportError:
        print("real exports: skipped, reviews.importers.read_records does not exist yet")
        return
    for name in REAL_SETS:
        records, labels = [], []
        for path in real_files(name):
            file_records = list(read_records(path))
            records.extend(file_records)
            # record number in its file (EndNote XML puts every record on line 1)
            labels.extend(f"{path.name}#{k}" for k in range(1, len(file_records) + 1))
            print(f"  {path.relative_to(SHARED / 'exports')}: {len(file_records)} records")
        compare_on_real(name, records, labels)


def compare_on_real(name: str, records: list[ParsedRecord], labels: list[str]) -> None:
    def cross(pairs):
        return {p for p in pairs if len({label.split("#")[0] for label in p}) == 2}

    result = find_duplicates(records)
    ours = cross({frozenset((labels[p.left], labels[p.right])) for p in result.duplicates})
    ours_review = cross({frozenset((labels[p.left], labels[p.right])) for p in result.for_review})
    try:
        _, peer, peer_maybe = run_bib_dedupe(records, labels)
    except Exception as error:
        print(f"{name}: bib-dedupe could not run: {type(error).__name__}: {error}")
        peer, peer_maybe = set(), set()
    peer, peer_maybe = cross(closure(peer)), cross(peer_maybe)
    ours = cross(closure(ours))
    print(
        f"{name}: cross-file duplicate pairs: ours {len(ours)} (+{len(ours_review)} review),"
        f" bib-dedupe {len(peer)} (+{len(peer_maybe)} maybe), both {len(ours & peer)}"
    )
    by_label = dict(zip(labels, records, strict=True))
    for title, only in (("only ours", ours - peer), ("only bib-dedupe", peer - ours)):
        for pair in sorted(only, key=sorted):
            left, right = sorted(pair)
            print(f"  {title}: {left} | {right}")
            for label in (left, right):
                r = by_label[label]
                print(f"      {r.year} {r.authors[:1]} {r.title[:90]!r} doi={r.doi} pmid={r.pmid}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="big corpus size (default 100000)")
    parser.add_argument("--peer-n", type=int, default=10_000, help="corpus size for bib-dedupe")
    parser.add_argument("--skip-peer", action="store_true", help="do not run bib-dedupe")
    args = parser.parse_args(argv)
    if not SHARED.exists():
        sys.exit(f"{SHARED} is missing: the benchmark needs the shared fixtures")
    for n in sorted({args.n, args.peer_n}, reverse=True):
        bench_ours(n)
    if importer_available():
        bench_ours(args.n, "nbib")
    if not args.skip_peer:
        bench_peer(args.peer_n)
    bench_real()


if __name__ == "__main__":
    main()
