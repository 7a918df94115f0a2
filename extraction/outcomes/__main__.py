"""``python -m extraction.outcomes FILE --type TYPE``: check an outcome-data CSV.

Prints one JSON object a row (``study``, ``subgroup`` and the data type's
fields) and exits 0, or prints every problem (``line 4, sd_exp: ...``) on
stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import DataType, OutcomeCSVError, parse_outcome_csv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extraction.outcomes", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--type", required=True, choices=[str(t) for t in DataType])
    args = parser.parse_args(argv)
    try:
        rows = parse_outcome_csv(args.file.read_bytes(), args.type)
    except OutcomeCSVError as exc:
        print(f"{args.file}: {len(exc.problems)} problems\n{exc}", file=sys.stderr)
        return 2
    for row in rows:
        print(json.dumps(row.to_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
