"""The records browser on a 100,000-record review: one page of each filter, on SQLite and PostgreSQL.

    python bench/bench_records.py [--n 100000] [--repeat 15]

A fresh database per engine gets bench_screening's review (n records with
220-word abstracts, half screened by 10 reviewers, about 10 % of those in
conflict, 1,000 waiting for their second vote), 2,000 of them labelled.
Then, with production settings (DEBUG off), each case is one GET of the
records page through Django's test Client (session, membership, form, count,
page, standings, labels, template), median and p95 of ``--repeat`` runs.

The peer, measured in the same run on the same connection, is the raw SQL of
the same page: the statements the view's paging sends (the COUNT, the page's
ids, its 50 rows), as the ORM wrote them, sent straight to the cursor. So the
ratio, page / peer, is what the rest of the page costs (session, form,
standings, labels, template) against its SQL.
Also: a record's story page, and the lead's bulk exclusion of 1,000 records
next to plain INSERTs of the same decision and resolution rows.

Target: every page under 200 ms on SQLite.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import OUT, ROOT  # noqa: E402
from databases import database_env, fresh_postgres, fresh_sqlite  # noqa: E402

PAGE = 50  # workspace.record_pages.PAGE_SIZE
LABELLED = 2_000
BULK = 1_000
# (name, who asks, filter; "page" may be "middle" or "last" of the filter's pages)
CASES = [
    ("first page", "lead", {}),
    ("last page", "lead", {"page": "last"}),
    ("title A-Z, middle page", "lead", {"sort": "title", "page": "middle"}),
    ("newest first, middle page", "lead", {"sort": "year-desc", "page": "middle"}),
    ("awaiting, middle page", "lead", {"state": "awaiting", "page": "middle"}),
    ("in conflict", "lead", {"state": "conflict"}),
    ("excluded, last page", "lead", {"state": "excluded", "page": "last"}),
    ("full text stage", "lead", {"stage": "ft"}),
    ("label", "lead", {"label": "LABEL"}),
    ("reviewer: not resolved, not mine", "reviewer", {"state": "unresolved", "mine": "none"}),
    ("reviewer: I excluded, page 20", "reviewer", {"mine": "exclude", "page": "20"}),
    ("search: a common word", "lead", {"q": "depression"}),
    ("search: no match", "lead", {"q": "zzzq"}),
]


def child(n: int, repeat: int) -> None:
    """Build the review and measure, inside the process that owns the database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Production settings serve static files from collectstatic's manifest, which a fresh
    # checkout has not built; the plain storage costs the same per {% static %} tag.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
    call_command("migrate", verbosity=0)
    review, users, label = build(n)
    figures = {"pages": [measure_case(review, users, label, case, repeat) for case in CASES]}
    figures["story"] = measure_story(review, users["lead"], repeat)
    figures["dashboard"] = measure_dashboard(review, users["lead"], max(3, repeat // 3))
    figures["bulk"] = measure_bulk(review, users["lead"])
    print(json.dumps(figures))


def build(n: int):
    from bench_screening import build as screening_review
    from django.db import connection

    from reviews.models import Record
    from reviews.services import label_apply

    review, reviewers = screening_review(n)
    lead = review.created_by
    ids = Record.objects.filter(review=review).order_by("pk").values_list("pk", flat=True)
    records = Record.objects.filter(pk__in=list(ids)[::50][:LABELLED])
    label = label_apply(review=review, records=records, name="Bench label", user=lead).label
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return review, {"lead": lead, "reviewer": reviewers[0]}, label


def measure_case(review, users, label, case, repeat: int) -> dict:
    from django.test import Client

    name, who, params = case
    params = {k: (str(label.pk) if v == "LABEL" else v) for k, v in params.items()}
    membership = review.memberships.get(user=users[who])
    queryset, count = browse(membership, params)
    pages = max(1, -(-count // PAGE))
    page = {"middle": pages // 2 or 1, "last": pages}.get(params.get("page"), params.get("page"))
    params["page"] = str(page or 1)
    client = Client()
    client.force_login(users[who])
    url = f"/reviews/{review.pk}/records/"

    def view():
        response = client.get(url, params, secure=True)
        assert response.status_code == 200, (name, response.status_code)
        assert b"Fix the filter" not in response.content, name

    statements = page_sql(queryset, int(params["page"]), one_pass=bool(params.get("q")))

    def peer():
        raw_page(statements)

    return {"name": name, "records": count, "page": int(params["page"])} | {
        "view": timings(view, repeat),
        "peer": timings(peer, repeat),
    }


def browse(membership, params: dict):
    from workspace.forms import RecordFilterForm
    from workspace.selectors import records_browse

    form = RecordFilterForm(params, membership=membership)
    assert form.is_valid(), form.errors
    queryset = records_browse(membership, form.cleaned_data)
    return queryset, queryset.count()


def page_sql(queryset, page: int, one_pass: bool) -> list[str]:
    """The page's statements as the view sends them: the COUNT, the page's ids, its 50 rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workspace.selectors import records_page

    with CaptureQueriesContext(connection) as captured:
        records_page(queryset, number=page, size=PAGE, one_pass=one_pass)
    return [query["sql"] for query in captured.captured_queries]


def raw_page(statements: list[str]) -> None:
    """The page's statements, sent straight to the database cursor."""
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()


def measure_story(review, lead, repeat: int) -> dict:
    from django.test import Client

    from screening.models import Conflict

    record = Conflict.objects.filter(record__review=review).order_by("pk").first().record
    client = Client()
    client.force_login(lead)

    def view():
        assert client.get(record.get_absolute_url(), secure=True).status_code == 200

    return timings(view, repeat)


def measure_dashboard(review, lead, repeat: int) -> dict:
    """The review's dashboard for the lead (PRISMA counts, agreement, stopping panel), next to
    the raw SQL of the statements one GET of it sends."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(lead)
    url = f"/reviews/{review.pk}/"

    def view():
        assert client.get(url, secure=True).status_code == 200

    with CaptureQueriesContext(connection) as captured:
        view()
    statements = [query["sql"] for query in captured.captured_queries]
    statements = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    return {
        "statements": len(statements),
        "view": timings(view, repeat),
        "peer": timings(lambda: raw_page(statements), repeat),
    }


def measure_bulk(review, lead) -> dict:
    """The lead's exclusion of 1,000 awaiting records, then plain INSERTs of the same rows; both
    rolled back, so each starts from the same data."""
    from django.db import transaction
    from django.utils import timezone

    from reviews.bulk import insert_rows
    from reviews.models import Record
    from screening.models import Decision, Resolution
    from screening.services import records_exclude

    membership = review.memberships.get(user=lead)
    awaiting, _ = browse(membership, {"state": "awaiting"})
    ids = list(awaiting.values_list("pk", flat=True)[:BULK])
    reason = review.exclusion_reasons.first()
    records = Record.objects.filter(pk__in=ids)
    with transaction.atomic():
        start = time.perf_counter()
        records_exclude(review=review, records=records, reason=reason, note="bench", lead=lead)
        service = time.perf_counter() - start
        transaction.set_rollback(True)
    now = timezone.now()
    with transaction.atomic():
        start = time.perf_counter()
        fields = ["record", "reviewer", "verdict", "reason", "stage", "note", "labels"]
        fields += ["created", "updated"]
        decision = (lead.pk, "exclude", reason.pk, "ta", "bench", "[]", now, now)
        insert_rows(Decision, fields, ((pk, *decision) for pk in ids))
        fields = ["record", "stage", "verdict", "reason", "source", "resolved_by", "note"]
        insert_rows(
            Resolution,
            [*fields, "created"],
            ((pk, "ta", "exclude", reason.pk, "lead", lead.pk, "bench", now) for pk in ids),
        )
        peer = time.perf_counter() - start
        transaction.set_rollback(True)
    return {"records": len(ids), "service": service * 1000, "peer": peer * 1000}


def timings(call, repeat: int) -> dict:
    for _ in range(2):
        call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))]}


def report(engine: str, figures: dict) -> None:
    print(f"\n{engine}: records page, ms (p50 / p95), next to the raw SQL of the same page")
    print(f"  {'case':<34} {'records':>8} {'page':>5} {'view':>15} {'raw SQL':>15} {'ratio':>6}")
    for case in figures["pages"]:
        view, peer = case["view"], case["peer"]
        print(
            f"  {case['name']:<34} {case['records']:>8,} {case['page']:>5}"
            f" {view['p50']:6.1f} / {view['p95']:6.1f} {peer['p50']:6.1f} / {peer['p95']:6.1f}"
            f" {view['p50'] / max(peer['p50'], 0.01):6.1f}"
        )
    story, bulk = figures["story"], figures["bulk"]
    slowest = max(figures["pages"], key=lambda case: case["view"]["p50"])
    print(f"  slowest page: {slowest['name']} at {slowest['view']['p50']:.1f} ms (target < 200 ms)")
    print(f"  story page of a record in conflict: {story['p50']:.1f} / {story['p95']:.1f} ms")
    dash = figures["dashboard"]
    print(
        f"  dashboard (lead): {dash['view']['p50']:.0f} / {dash['view']['p95']:.0f} ms;"
        f" raw SQL of its {dash['statements']} SELECTs {dash['peer']['p50']:.0f} ms,"
        f" ratio {dash['view']['p50'] / max(dash['peer']['p50'], 0.01):.1f}"
    )
    print(
        f"  bulk exclusion of {bulk['records']:,} records: {bulk['service']:.0f} ms"
        f" (plain INSERTs of the same rows: {bulk['peer']:.0f} ms,"
        f" ratio {bulk['service'] / max(bulk['peer'], 0.01):.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        child(args.n, args.repeat)
        return
    started = time.perf_counter()
    for engine, url in (
        ("SQLite", fresh_sqlite("bench-records")),
        ("PostgreSQL", fresh_postgres("prismatic_bench_records")),
    ):
        if url is None:
            continue
        command = [sys.executable, __file__, "--child", f"--n={args.n}", f"--repeat={args.repeat}"]
        env = database_env(url, CONN_MAX_AGE="60", PRISMATIC_VAR_DIR=str(OUT / "var-records"))
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
        if result.returncode:
            sys.exit(result.stderr[-3000:])
        report(engine, json.loads(result.stdout.strip().splitlines()[-1]))
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
