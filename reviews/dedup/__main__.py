"""Command line: ``python -m reviews.dedup FILE... [--pairs-out CSV]``.

Parses every file with `reviews.importers.read_records`, finds duplicates
within and across them, prints a summary and optionally writes every
duplicate and review pair to CSV. Exits 2 with the parser's message on bad input.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from reviews.dedup.duplicates import AUTO_THRESHOLD, REVIEW_THRESHOLD, DedupResult, find_duplicates
from reviews.importers.record import ParsedRecord, ParseError

CSV_COLUMNS = (
    "left_file",
    "left_line",
    "left_title",
    "right_file",
    "right_line",
    "right_title",
    "score",
    "decision",
    "reasons",
)


def read_files(
    paths: list[str],
) -> tuple[list[ParsedRecord], list[str], list[tuple[str, int, str]]]:
    """All records of all files, each record's file name, and per file (name, count, format)."""
    from reviews.importers import read_records

    records: list[ParsedRecord] = []
    sources: list[str] = []
    per_file = []
    for path in paths:
        parsed = read_records(path)
        file_records = list(parsed)
        records.extend(file_records)
        sources.extend([path] * len(file_records))
        detected = getattr(parsed, "format", "") or (
            file_records[0].source_format if file_records else ""
        )
        per_file.append((path, len(file_records), detected))
    return records, sources, per_file


def write_pairs(path: str, result: DedupResult, records, sources) -> None:
    """Write one CSV row per duplicate or review pair."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for pair in result.pairs:
            left, right = records[pair.left], records[pair.right]
            writer.writerow(
                [
                    sources[pair.left],
                    left.line,
                    left.title,
                    sources[pair.right],
                    right.line,
                    right.title,
                    f"{pair.score:.4f}",
                    pair.decision,
                    ";".join(pair.reasons),
                ]
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reviews.dedup",
        description="Find duplicate records within and across exports.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="export files (any supported format)"
    )
    parser.add_argument("--pairs-out", metavar="CSV", help="write duplicate and review pairs here")
    parser.add_argument("--auto-threshold", type=float, default=AUTO_THRESHOLD)
    parser.add_argument("--review-threshold", type=float, default=REVIEW_THRESHOLD)
    args = parser.parse_args(argv)
    try:
        records, sources, per_file = read_files(args.files)
    except ParseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = find_duplicates(
        records, auto_threshold=args.auto_threshold, review_threshold=args.review_threshold
    )
    for path, count, detected in per_file:
        print(f"{Path(path).name}: {count} records" + (f" ({detected})" if detected else ""))
    print(f"records: {len(records)}")
    print(f"auto-merged pairs: {len(result.duplicates)}")
    print(f"pairs for review: {len(result.for_review)}")
    print(f"unique records after merge: {result.unique_count}")
    if args.pairs_out:
        write_pairs(args.pairs_out, result, records, sources)
        print(f"pairs written to {args.pairs_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
