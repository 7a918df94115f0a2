"""Import a 100,000-record RIS export into a review, end to end, on SQLite and PostgreSQL.

    python bench/bench_import.py [--n 100000]

End to end means what the import page does: hash and preview the upload, then
parse every record, store it, and deduplicate the whole review, in one
transaction. Each database runs in a fresh process with a fresh database. The
peer in the same run is our own parse of the same file with no database, so
the ratio shows what storing and deduplicating add. Targets: 20 s on SQLite,
30 s on PostgreSQL.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROOT, corpus  # noqa: E402
from databases import database_env, fresh_postgres, fresh_sqlite  # noqa: E402

RUN = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import django
django.setup()
from django.core.management import call_command
from django.core.files import File
from django.contrib.auth import get_user_model
call_command("migrate", verbosity=0)
from reviews import services
user = get_user_model().objects.create(username="bench")
from workspace.services import review_create
review = review_create(user=user, title="Benchmark review")
start = time.perf_counter()
with open({path!r}, "rb") as handle:
    batch = services.import_batch_create(review=review, user=user, upload=File(handle, name="corpus.ris"), source="embase")
batch = services.import_batch_run(batch_id=batch.pk)
seconds = time.perf_counter() - start
removed = review.records.filter(duplicate_of__isnull=False).count()
print(json.dumps({{"records": batch.record_count, "status": batch.status, "seconds": seconds, "removed": removed}}))
"""

PARSE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from reviews.importers import read_records
start = time.perf_counter()
count = sum(1 for _ in read_records({path!r}))
print(json.dumps({{"records": count, "seconds": time.perf_counter() - start}}))
"""


def run(code: str, env: dict | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if result.returncode:
        sys.exit(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    path = str(corpus(args.n) / "corpus.ris")
    parse = run(PARSE.format(root=str(ROOT), path=path))
    print(
        f"parse only (peer)   {parse['records']:>7,} records  {parse['seconds']:6.1f} s  {parse['records'] / parse['seconds']:>8,.0f} records/s"
    )
    for name, url in (("SQLite", fresh_sqlite("bench-import")), ("PostgreSQL", fresh_postgres())):
        if url is None:
            continue
        result = run(RUN.format(root=str(ROOT), path=path), env=database_env(url))
        rate = result["records"] / result["seconds"]
        print(
            f"import {name:<12} {result['records']:>7,} records  {result['seconds']:6.1f} s  {rate:>8,.0f} records/s"
            f"  {result['seconds'] / parse['seconds']:4.1f}x parse  ({result['removed']:,} duplicates removed, {result['status']})"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s in all)")
