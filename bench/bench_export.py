"""Exporting a 100,000-record review: the bundle's time and peak memory, next to pandas.

    python bench/bench_export.py [--n 100000] [--reuse]

A fresh SQLite database gets a review with n records, each screened by two
reviewers (200,000 decisions), resolved (by agreement or by the lead), with a
history row for every decision and resolution. Then, each in a fresh process:

- the bundle: ``python manage.py export_review`` writing the whole zip (records,
  decisions, resolutions, history and the rest of data/, the workbook, RIS,
  methods.md, manifest), wall time and peak RSS;
- the peer: pandas ``read_sql`` + ``to_csv`` of the same rows (records, decisions,
  resolutions, decision and resolution history) into plain CSV files.

Targets (issue 13): bundle <= 30 s and <= 500 MB peak.
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import OUT, ROOT  # noqa: E402
from databases import database_env, fresh_sqlite  # noqa: E402

WORDS = "ketamine chronic pain randomised trial placebo adults neuropathic opioid dose".split()


def build(n: int) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from reviews.bulk import insert_rows
    from reviews.importers.record import ParsedRecord
    from reviews.models import ImportBatch, Membership, Record, Role
    from reviews.records import ROW_FIELDS, record_row
    from screening.models import Decision, Resolution
    from workspace.services import review_create

    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    users = get_user_model().objects
    lead = users.create(username="lead")
    review = review_create(user=lead, title="Benchmark review")
    pair = [users.create(username=f"reviewer{i}") for i in range(2)]
    Membership.objects.bulk_create(
        Membership(review=review, user=u, role=Role.REVIEWER) for u in pair
    )
    batch = ImportBatch.objects.create(
        review=review, source="medline", file_name="bench.nbib", sha256="0" * 64, status="done"
    )
    now = timezone.now()
    with transaction.atomic():
        records = (
            ParsedRecord(
                title=f"Trial {i}: " + " ".join(rng.choice(WORDS) for _ in range(12)),
                abstract=" ".join(rng.choice(WORDS) for _ in range(200)),
                authors=tuple(f"Author{j}, A." for j in range(rng.randint(1, 6))),
                year=rng.randint(1990, 2025),
                journal="Journal of Invented Results",
                doi=f"10.1000/bench.{i}",
                keywords=("ketamine", "pain"),
            )  # fmt: skip
            for i in range(n)
        )
        insert_rows(
            Record,
            ROW_FIELDS,
            (record_row(r, batch=batch, position=i) for i, r in enumerate(records)),
        )
        ids = list(Record.objects.filter(review=review).order_by("pk").values_list("pk", flat=True))
        decisions, resolutions = [], []
        for record in ids:
            verdict = rng.choices(["exclude", "include"], [8, 2])[0]
            other = verdict if rng.random() > 0.1 else "include"
            decisions += [(record, pair[0].pk, verdict), (record, pair[1].pk, other)]
            source = "agreement" if verdict == other else "lead"
            resolutions.append((record, verdict, source))
        fields = ["record", "reviewer", "verdict", "stage", "note", "labels", "created", "updated"]
        insert_rows(
            Decision, fields, ((r, u, v, "ta", "", "[]", now, now) for r, u, v in decisions)
        )
        history = ["id", "record", "reviewer", "verdict", "stage", "note", "labels", "created",
                   "history_date", "history_type", "history_user"]  # fmt: skip
        rows = Decision.objects.filter(record__review=review).values_list(
            "pk", "record_id", "reviewer_id", "verdict"
        )
        insert_rows(Decision.history.model, history,
                    ((pk, r, u, v, "ta", "", "[]", now, now, "+", u) for pk, r, u, v in rows.iterator()))  # fmt: skip
        insert_rows(Resolution, ["record", "stage", "verdict", "source", "note", "created"],
                    ((r, "ta", v, s, "", now) for r, v, s in resolutions))  # fmt: skip
        rows = Resolution.objects.filter(record__review=review).values_list(
            "pk", "record_id", "verdict", "source"
        )
        insert_rows(Resolution.history.model,
                    ["id", "record", "stage", "verdict", "source", "note", "created", "history_date", "history_type"],
                    ((pk, r, "ta", v, s, "", now, now, "+") for pk, r, v, s in rows.iterator()))  # fmt: skip
    return review.pk


def peer(review_id: int, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import pandas as pd
    from django.db import connection

    queries = {
        "records": f"SELECT * FROM reviews_record WHERE review_id = {review_id} ORDER BY batch_id, position",
        "decisions": "SELECT d.* FROM screening_decision d JOIN reviews_record r ON r.id = d.record_id "
        f"WHERE r.review_id = {review_id} ORDER BY d.record_id",
        "resolutions": "SELECT s.* FROM screening_resolution s JOIN reviews_record r ON r.id = s.record_id "
        f"WHERE r.review_id = {review_id}",
        "decision_history": "SELECT h.* FROM screening_historicaldecision h JOIN reviews_record r "
        f"ON r.id = h.record_id WHERE r.review_id = {review_id}",
        "resolution_history": "SELECT h.* FROM screening_historicalresolution h JOIN reviews_record r "
        f"ON r.id = h.record_id WHERE r.review_id = {review_id}",
    }
    connection.ensure_connection()
    for name, sql in queries.items():
        pd.read_sql(sql, connection.connection).to_csv(folder / f"{name}.csv", index=False)


def child(mode: str, n: int, review_id: int) -> None:
    started = time.perf_counter()
    figures: dict = {}
    if mode == "build":
        figures["review"] = build(n)
    elif mode == "export":
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        out = OUT / "export-bench.zip"
        call_command("export_review", review_id, "--out", str(out), stderr=open("/dev/null", "w"))
        figures["zip_mb"] = out.stat().st_size / 1e6
    else:
        folder = OUT / "export-peer"
        folder.mkdir(parents=True, exist_ok=True)
        peer(review_id, folder)
        figures["csv_mb"] = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
    figures["seconds"] = time.perf_counter() - started
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def run(mode: str, n: int, review_id: int, env: dict) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--n", str(n), "--review", str(review_id)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--child")
    parser.add_argument("--review", type=int, default=0)
    parser.add_argument(
        "--reuse", action="store_true", help="export the review an earlier run built for this n"
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.review)
        return 0
    name = f"export-{args.n}"
    built_file = OUT / f"{name}.json"
    if args.reuse and built_file.exists():
        env = database_env(f"sqlite:///{OUT / name}.sqlite3", MEDIA_ROOT=str(OUT / "media"))
        built = json.loads(built_file.read_text())
        print(f"reused the review of {args.n:,} records built in {built['seconds']:.1f} s")
    else:
        env = database_env(fresh_sqlite(name), MEDIA_ROOT=str(OUT / "media"))
        built = run("build", args.n, 0, env)
        built_file.write_text(json.dumps(built))
        print(
            f"built a review of {args.n:,} records, 2 decisions each, in {built['seconds']:.1f} s"
        )
    bundle = run("export", args.n, built["review"], env)
    other = run("peer", args.n, built["review"], env)
    print("| what | seconds | peak RSS | output |")
    print("|---|---:|---:|---:|")
    print(
        f"| bundle (export_review) | {bundle['seconds']:.1f} | {bundle['peak_mb']:.0f} MB | {bundle['zip_mb']:.0f} MB zip |"
    )
    print(
        f"| pandas read_sql + to_csv (peer) | {other['seconds']:.1f} | {other['peak_mb']:.0f} MB | {other['csv_mb']:.0f} MB CSV |"
    )
    print(
        f"ratio to the peer: time {bundle['seconds'] / other['seconds']:.2f}, peak memory {bundle['peak_mb'] / other['peak_mb']:.2f}"
    )
    ok = bundle["seconds"] <= 30 and bundle["peak_mb"] <= 500
    print(f"targets: <= 30 s and <= 500 MB: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
