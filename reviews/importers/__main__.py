"""``python -m reviews.importers FILE [--format F] [--jsonl]``: print parsed records.

Default output is one short line a record (``line N  year  first author  title``)
followed by a summary on stderr; ``--jsonl`` prints one JSON object a record
(every normalised field; add ``--raw`` for the original tag/value pairs).
Exit status 0 on success, 2 with ``file, line N: problem`` on stderr when the
file is unsupported or malformed.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import FORMATS, ParseError, read_records
from .registry import supported


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        reader = read_records(args.file, format=args.format, max_bytes=args.max_bytes)
        count = 0
        for record in reader:
            count += 1
            sys.stdout.write(_render(record, jsonl=args.jsonl, raw=args.raw) + "\n")
    except ParseError as exc:
        sys.stdout.flush()
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    print(
        f"{reader.filename}: {count} records, format {reader.format}, encoding {reader.encoding}, "
        f"{len(reader.warnings)} warnings",
        file=sys.stderr,
    )
    for line, message in reader.warnings if args.verbose else ():
        print(f"{reader.filename}, line {line}: warning: {message}", file=sys.stderr)
    return 0


def _render(record, *, jsonl: bool, raw: bool) -> str:
    if jsonl:
        data = record.to_dict()
        if not raw:
            del data["raw"]
        return json.dumps(data, ensure_ascii=False)
    author = record.authors[0] if record.authors else "-"
    return f"line {record.line}\t{record.year or '-'}\t{author}\t{record.title}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reviews.importers",
        description="Parse a bibliographic export and print its normalised records. "
        "Without --jsonl: one tab-separated summary line a record (line, year, "
        "first author, title). Exit status 2 on unsupported or malformed input.",
        epilog=f"Supported formats: {supported()}",
    )
    parser.add_argument("file", help="the export file")
    parser.add_argument("--format", choices=sorted(FORMATS), help="skip auto-detection")
    parser.add_argument("--jsonl", action="store_true", help="one JSON object a record")
    parser.add_argument("--raw", action="store_true", help="with --jsonl: include raw fields")
    parser.add_argument("--max-bytes", type=int, help="refuse larger files")
    parser.add_argument("-v", "--verbose", action="store_true", help="list warnings")
    return parser


if __name__ == "__main__":
    sys.exit(main())
