"""Screening a 100,000-record review: "decide and load next", on SQLite and PostgreSQL.

    python bench/bench_screening.py [--n 100000] [--decisions 500] [--seconds 10]
        [--only sqlite|postgresql] [--no-gunicorn]

A fresh database per engine gets a review with n records and 10 reviewers,
half of it already screened (agreements, conflicts, a few records waiting for
their second vote). Then, in production settings with DEBUG off:

- server time of one "decide and load next" (the htmx POST the screening page
  sends), through Django's test Client, over `--decisions` decisions spread
  round-robin over the 10 reviewers, p50/p95; with the SQL queries it ran;
- the peer: the raw ORM cost of the two essential queries, a plain INSERT of
  the decision and a SELECT of the next record by id, in one transaction;
- two screeners without think time, in two processes, for `--seconds`;
- on PostgreSQL, the same again through gunicorn as ``make serve`` runs it
  (production settings, WEB_CONCURRENCY=2 sync workers, CONN_MAX_AGE=60), each
  request timed at the client over loopback with the reviewer's session cookie
  and CSRF token, as the page's htmx request sends them; then 200 keypresses in
  Debian's Chromium on the page gunicorn serves, keypress to abstract painted.

Settings: production (DEBUG off), CONN_MAX_AGE=60. Targets: p50 <= 10 ms and p95 <= 30 ms server time; >= 150 decisions/s on PostgreSQL.
"""

import argparse
import json
import multiprocessing
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import OUT, ROOT  # noqa: E402
from databases import database_env, fresh_postgres, fresh_sqlite  # noqa: E402

REVIEWERS = 10
NEXT = re.compile(rb'data-record="(\d*)"')
ERROR, NOTICE = b'id="card-error"', b'id="card-notice"'


def next_from(card: bytes) -> tuple[int, bool]:
    """(the next record's id, whether the decision was saved) from the card the server
    answered with. A record that another screener settled meanwhile saves nothing and
    brings the next record with a notice; a refusal is a fault of the benchmark."""
    if ERROR in card:
        raise RuntimeError(f"the decision was refused: {card[card.find(ERROR) :][:300]!r}")
    return int(NEXT.search(card).group(1)), NOTICE not in card


def turns(reviewers: int, decisions: int):
    """Which reviewer decides next: two at a time taking turns, pair after pair, each pair
    for its share of the decisions (the caller says when one was saved).

    Ten reviewers in turn in one queue order would mostly find their record settled by
    two others while they read it; a pair treads on nobody but the records that already
    wait for a second vote, which send the pair on with a notice.
    """
    share = -(-decisions // (reviewers // 2))
    saved = 0
    while saved < decisions:
        saved += yield 2 * (saved // share) + saved % 2


WORDS = (
    "ketamine chronic pain randomised trial placebo adults neuropathic opioid dose infusion "
    "outcome score week follow-up analysis patients rats mice cohort safety efficacy relief "
    "depression anaesthesia visual analogue scale baseline significant reduction"
).split()


def child(n: int, decisions: int, seconds: float, gunicorn: bool = False) -> None:
    """Build the review and measure, inside the process that owns the database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    review, reviewers = build(n)
    figures = {"view": measure_view(review, reviewers, decisions)}
    figures["peer"] = measure_peer(review, decisions)
    figures["pair"] = measure_pair(review, reviewers[:2], seconds)
    if gunicorn:
        figures["gunicorn"] = measure_gunicorn(review, reviewers, decisions, seconds)
    print(json.dumps(figures))


def build(n: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from reviews.bulk import insert_rows
    from reviews.models import ImportBatch, Membership, Record, Role
    from reviews.records import ROW_FIELDS, record_row
    from screening.queue import queue_fill
    from workspace.services import review_create

    rng = random.Random(4)
    users = get_user_model().objects
    lead = users.create(username="lead")
    review = review_create(
        user=lead,
        title="Benchmark review",
        include_terms="ketamine, randomi*",
        exclude_terms="rats, mice",
    )
    reviewers = [users.create(username=f"reviewer{i}") for i in range(REVIEWERS)]
    Membership.objects.bulk_create(
        Membership(review=review, user=user, role=Role.REVIEWER) for user in reviewers
    )
    batch = ImportBatch.objects.create(
        review=review, source="medline", file_name="bench.nbib", sha256="0" * 64, status="done"
    )
    with transaction.atomic():
        insert_rows(
            Record,
            ROW_FIELDS,
            (record_row(invented(rng, i), batch=batch, position=i) for i in range(n)),
        )
        ids = list(Record.objects.filter(review=review).order_by("pk").values_list("pk", flat=True))
        screen_half(review, reviewers, ids, rng)
    queue_fill(review=review, stage="ta")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return review, reviewers


def invented(rng: random.Random, i: int):
    from reviews.importers.record import ParsedRecord

    abstract = " ".join(rng.choice(WORDS) for _ in range(220))
    return ParsedRecord(
        title=f"Trial {i}: " + " ".join(rng.choice(WORDS) for _ in range(12)),
        abstract=abstract,
        authors=tuple(f"Author{j}, A." for j in range(rng.randint(1, 8))),
        year=rng.randint(1990, 2025),
        journal="Journal of Invented Results",
        keywords=("ketamine", "pain"),
    )


def screen_half(review, reviewers, ids, rng) -> None:
    """Both votes on the first half (agreements and about 10 % conflicts), one vote on 1,000 more."""
    from django.utils import timezone

    from reviews.bulk import insert_rows
    from screening.models import Conflict, Decision, Resolution

    now = timezone.now()
    half = len(ids) // 2
    votes, resolutions, conflicts = [], [], []
    for k, record in enumerate(ids[:half]):
        first, second = reviewers[(2 * k) % REVIEWERS], reviewers[(2 * k + 1) % REVIEWERS]
        verdict = rng.choices(["exclude", "include"], [8, 2])[0]
        other = (
            verdict if rng.random() > 0.1 else ("include" if verdict == "exclude" else "exclude")
        )
        votes += [(record, first.pk, verdict), (record, second.pk, other)]
        if verdict == other:
            resolutions.append((record, "ta", verdict, "agreement", "", now))
        else:
            conflicts.append((record, "ta", now, False))
    for k, record in enumerate(ids[half : half + 1000]):
        votes.append((record, reviewers[k % REVIEWERS].pk, "exclude"))
    insert_rows(
        Decision,
        ["record", "reviewer", "verdict", "stage", "note", "labels", "created", "updated"],
        ((r, u, v, "ta", "", "[]", now, now) for r, u, v in votes),
    )
    insert_rows(
        Resolution, ["record", "stage", "verdict", "source", "note", "created"], resolutions
    )
    insert_rows(Conflict, ["record", "stage", "created", "resolved"], conflicts)


def measure_view(review, reviewers, decisions: int) -> dict:
    """Server time of the htmx "decide" POST, which answers with the next record's card."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("screen_decide", args=[review.pk, "title-abstract"])
    clients = []
    for user in reviewers:
        client = Client()
        client.force_login(user)
        clients.append(client)
    queries = []

    def post(k: int, record: int, verdict: str) -> tuple[float, bytes, int]:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = clients[k].post(
                url, {"record": record, "verdict": verdict}, HTTP_HX_REQUEST="true", secure=True
            )
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return elapsed, response.content, len(captured)

    figures = decide_in_turns(review, reviewers, decisions, post, random.Random(7))
    queries = figures.pop("extras")
    return figures | {"queries": statistics.mean(queries), "max_queries": max(queries)}


def decide_in_turns(review, reviewers, decisions: int, post, rng, warm_up: int = 50) -> dict:
    """``decisions`` saved decisions (after ``warm_up`` more), the reviewers taking turns
    (see turns); ``post(k, record, verdict)`` sends reviewer k's and answers (seconds, the
    card, anything to keep). The times and what post kept are of the saved decisions only;
    the requests whose record another screener settled meanwhile are counted as moved on."""
    from screening.models import Decision
    from screening.queue import next_record

    current = [None] * len(reviewers)
    times, extras = [], []
    history = Decision.history.count()
    order, saved, moved = turns(len(reviewers), warm_up + decisions), 0, 0
    k = next(order)
    while True:
        if current[k] is None:  # the reviewer's turn begins where the queue stands now
            current[k] = next_record(review, reviewers[k], "ta").pk
        verdict = rng.choices(["exclude", "include"], [8, 2])[0]
        elapsed, card, extra = post(k, current[k], verdict)
        current[k], was_saved = next_from(card)
        if was_saved and saved >= warm_up:
            times.append(elapsed * 1000)
            extras.append(extra)
        saved, moved = saved + was_saved, moved + (not was_saved)
        try:
            k = order.send(int(was_saved))
        except StopIteration:
            break
    _check_history(history, saved)
    return summary(times) | {"moved_on": moved, "extras": extras}


def _check_history(before: int, decisions: int) -> None:
    """Every decision made left its row in the history."""
    from screening.models import Decision

    made = Decision.history.count() - before
    if made != decisions:
        raise RuntimeError(f"{decisions} decisions made, {made} history rows written")


def measure_peer(review, decisions: int) -> dict:
    """The floor: INSERT one decision and SELECT the next record by id, in one transaction."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from reviews.models import Record
    from screening.models import Decision

    peer = get_user_model().objects.create(username="peer")
    ids = list(
        Record.objects.filter(review=review)
        .order_by("-pk")
        .values_list("pk", flat=True)[: decisions + 50]
    )[::-1]
    times = []
    for i, record_id in enumerate(ids[:-1]):
        start = time.perf_counter()
        with transaction.atomic():
            Decision.objects.bulk_create(
                [Decision(record_id=record_id, stage="ta", reviewer=peer, verdict="exclude")]
            )
            Record.objects.filter(pk__gt=record_id).order_by("pk").first()
        if i >= 50:
            times.append((time.perf_counter() - start) * 1000)
    return summary(times)


def measure_pair(review, pair, seconds: float) -> dict:
    """Two screeners deciding as fast as the server answers, each in a process of its own."""
    from django.db import connections

    from screening.models import Decision

    history = Decision.history.count()
    connections.close_all()  # the children open their own
    pair = run_screeners(screener, [(review.pk, user.pk) for user in pair], seconds)
    _check_history(history, pair["decisions"])
    return pair


def run_screeners(target, arguments: list[tuple], seconds: float) -> dict:
    """One process per screener, ``target(*args, seconds, start, results)``, started together
    at a barrier; the decisions they made in ``seconds``."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(arguments) + 1)
    results = context.Queue()
    workers = [
        context.Process(target=target, args=(*args, seconds, start, results)) for args in arguments
    ]
    for worker in workers:
        worker.start()
    start.wait()
    counts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return {"decisions": sum(counts), "seconds": seconds, "per_second": sum(counts) / seconds}


def screener(review_id: int, user_id: int, seconds: float, start, results) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from reviews.models import Review
    from screening.queue import next_record

    user = get_user_model().objects.get(pk=user_id)
    client = Client()
    client.force_login(user)
    record = next_record(Review.objects.get(pk=review_id), user, "ta").pk
    url = reverse("screen_decide", args=[review_id, "title-abstract"])
    rng = random.Random(user_id)
    done = 0
    start.wait()
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        verdict = rng.choices(["exclude", "include"], [8, 2])[0]
        response = client.post(
            url, {"record": record, "verdict": verdict}, HTTP_HX_REQUEST="true", secure=True
        )
        record, saved = next_from(response.content)
        done += saved
    results.put(done)


class Browser:
    """One reviewer's HTTP client for gunicorn: their session cookie and a CSRF secret, as
    the page's htmx requests send them (gunicorn's sync workers close each connection)."""

    def __init__(self, port: int, user, review_id: int):
        from django.test import Client
        from django.urls import reverse

        client = Client()
        client.force_login(user)  # a session row in the database gunicorn reads
        secret = "b" * 32  # Django takes the unmasked 32-character secret as the token
        self.port = port
        self.path = reverse("screen_decide", args=[review_id, "title-abstract"])
        self.cookie = client.cookies["sessionid"].value
        self.headers = {
            "Host": "localhost",
            "Origin": "http://localhost",
            "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}",
            "X-CSRFToken": secret,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def decide(self, record: int, verdict: str) -> bytes:
        """POST the decision; the card gunicorn answers with."""
        import http.client
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(
            "POST", self.path, urlencode({"record": record, "verdict": verdict}), self.headers
        )
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"gunicorn answered {response.status}: {body[:300]!r}")
        return body


def measure_gunicorn(review, reviewers, decisions: int, seconds: float) -> dict:
    """The same decisions through gunicorn (``make serve``'s server, WEB_CONCURRENCY=2 sync
    workers, production settings, CONN_MAX_AGE=60), timed at the client over loopback."""
    import os
    import socket

    from django.db import connections

    from screening.models import Decision
    from screening.queue import next_record

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    browsers = [Browser(port, user, review.pk) for user in reviewers]
    connections.close_all()
    # TLS is the proxy's in a deployment; here plain HTTP on loopback, as the story test runs it
    env = {**os.environ, "WEB_CONCURRENCY": "2", "ALLOWED_HOSTS": "localhost",
           "LOG_LEVEL": "WARNING", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
           "CSRF_COOKIE_SECURE": "0", "STATIC_ROOT": str(OUT / "static-bench")}  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    log = (OUT / "bench-screening-gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(300):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)

        def post(k: int, record: int, verdict: str) -> tuple[float, bytes, None]:
            start = time.perf_counter()
            card = browsers[k].decide(record, verdict)
            return time.perf_counter() - start, card, None

        figures = decide_in_turns(review, reviewers, decisions, post, random.Random(11))
        del figures["extras"]
        pair_records = [next_record(review, user, "ta").pk for user in reviewers[:2]]
        connections.close_all()
        history = Decision.history.count()
        pair = run_screeners(
            _http_screener, list(zip(browsers[:2], pair_records, strict=True)), seconds
        )
        _check_history(history, pair["decisions"])
        paint = _keypresses(port, browsers[2], review.pk, KEYPRESSES)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures | {"pair": pair, "paint": paint}


KEYPRESSES = 200
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _keypresses(port: int, browser: Browser, review_id: int, presses: int) -> dict:
    """Keypress to the next abstract painted, in Debian's Chromium on the screening page that
    gunicorn serves: ``presses`` decisions from the keyboard (i and e in turn)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.support.paint import ARM_PAINT_PROBE

    base = f"http://localhost:{port}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = chromium.new_context(viewport={"width": 1366, "height": 850}, base_url=base)
        context.add_cookies([{"name": "sessionid", "value": browser.cookie, "url": base}])
        page = context.new_page()
        page.goto(f"/reviews/{review_id}/screen/title-abstract/")
        page.wait_for_selector("#card[data-record]")
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUT / "bench-screening-gunicorn.png"))
        times = []
        for n in range(20 + presses):
            before = page.evaluate(ARM_PAINT_PROBE)
            page.keyboard.press("ie"[n % 2])
            painted = page.evaluate("window.__painted")
            if painted["record"] in (None, before):
                raise RuntimeError(f"keypress {n} did not swap in a new card")
            if n >= 20:
                times.append(painted["ms"])
        chromium.close()
    return summary(times) | {"presses": presses}


def _http_screener(browser: Browser, record: int, seconds: float, start, results) -> None:
    rng = random.Random(record)
    done = 0
    start.wait()
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        card = browser.decide(record, rng.choices(["exclude", "include"], [8, 2])[0])
        record, saved = next_from(card)
        done += saved
    results.put(done)


def summary(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "mean": statistics.mean(times),
    }


def screening_env(url: str) -> dict:
    # Persistent connections, as a deployment keeps them: CONN_MAX_AGE=0 opens a
    # connection for every request, which PostgreSQL then plans from cold.
    return database_env(url, CONN_MAX_AGE="60", PRISMATIC_VAR_DIR=str(OUT / "var-screening"))


def report(name: str, figures: dict, n: int) -> None:
    view, peer, pair = figures["view"], figures["peer"], figures["pair"]
    print(
        f"{name:<11} decide and load next  p50 {view['p50']:5.1f} ms  p95 {view['p95']:5.1f} ms"
        f"  ({view['queries']:.1f} SQL queries a decision on average, at most {view['max_queries']};"
        f" {view['moved_on']} records found settled meanwhile, not timed)"
    )
    print(
        f"{'':<11} raw ORM peer          p50 {peer['p50']:5.1f} ms  p95 {peer['p95']:5.1f} ms"
        f"  (INSERT decision + SELECT next by id)"
    )
    print(
        f"{'':<11} two screeners         {pair['per_second']:5.0f} decisions/s"
        f"  ({pair['decisions']:,} in {pair['seconds']:.0f} s, {n:,} records, half screened)"
    )
    if "gunicorn" in figures:
        web = figures["gunicorn"]
        print(
            f"{'':<11} under gunicorn        p50 {web['p50']:5.1f} ms  p95 {web['p95']:5.1f} ms"
            f"  (at the client; {web['p50'] / peer['p50']:.1f}x the peer's p50;"
            f" {web['moved_on']} found settled, not timed)"
        )
        print(
            f"{'':<11} gunicorn, two screeners {web['pair']['per_second']:5.0f} decisions/s"
            f"  (2 sync workers)"
        )
        paint = web["paint"]
        print(
            f"{'':<11} keypress to painted   p50 {paint['p50']:5.1f} ms  p95 {paint['p95']:5.1f} ms"
            f"  (Chromium, {paint['presses']} keypresses against gunicorn)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-gunicorn", action="store_true", help="skip the PostgreSQL run under gunicorn"
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--gunicorn", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        child(args.n, args.decisions, args.seconds, args.gunicorn)
        return
    started = time.perf_counter()
    engines = {"sqlite": ("SQLite", fresh_sqlite), "postgresql": ("PostgreSQL", fresh_postgres)}
    for key, (name, fresh) in engines.items():
        if args.only and key != args.only:
            continue
        url = fresh("bench-screening") if key == "sqlite" else fresh()
        if url is None:
            continue
        command = [sys.executable, __file__, "--child", f"--n={args.n}"]
        command += [f"--decisions={args.decisions}", f"--seconds={args.seconds}"]
        if key == "postgresql" and not args.no_gunicorn:
            command.append("--gunicorn")
        result = subprocess.run(
            command, capture_output=True, text=True, env=screening_env(url), cwd=ROOT
        )
        if result.returncode:
            sys.exit(result.stderr[-3000:])
        report(name, json.loads(result.stdout.strip().splitlines()[-1]), args.n)
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
