"""From the click on "Run again" to the forest plot painted on the analysis page.

A real server (``manage.py runserver``) on a fresh SQLite database with the demo
review plus an outcome of 16 invented studies, driven by Playwright in Debian's
Chromium. With Redis on 127.0.0.1:6379 a real Celery worker runs the task (the
page polls its status); without it the task runs in the web process. The peer
is a plain reload of the same page with its figures, in the same run.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from databases import database_env, fresh_sqlite

ROOT = Path(__file__).resolve().parent.parent
PORT = 8791
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SETUP = """
import numpy as np
from extraction.models import Comparison, Outcome, OutcomeData, Study
from reviews.models import Review
from synthesis.services import analysis_create, analysis_run
review = Review.objects.get()
comparison = Comparison.objects.get(review=review)
outcome = Outcome.objects.create(
    comparison=comparison, name="Pain relief (16 studies)", data_type="dichotomous", measure="RR"
)
rng = np.random.default_rng(16)
for i in range(16):
    study, _ = Study.objects.get_or_create(review=review, name=f"Bench trial {i + 1:02d} {2000 + i}")
    n1, n2 = (int(n) for n in rng.integers(20, 200, 2))
    values = {"events_exp": int(rng.binomial(n1, 0.22)), "total_exp": n1,
              "events_ctrl": int(rng.binomial(n2, 0.3)), "total_ctrl": n2}
    OutcomeData.objects.create(outcome=outcome, study=study, values=values)
analysis = analysis_run(analysis_id=analysis_create(outcome=outcome, name="Sixteen").pk)
print(review.pk, analysis.pk)
"""


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not start on port {port}")


def start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def measure(base: str, review: int, analysis: int, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    clicks, reloads = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=base)
        page.set_default_timeout(60_000)
        page.goto("/accounts/login/")
        page.fill("#id_username", "demo-lead")
        page.fill("#id_password", "prismatic-demo")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("heading", name="My reviews").wait_for()
        url = f"/reviews/{review}/analyses/{analysis}/"
        page.goto(url)
        painted = "() => { const i = document.querySelector('#forest img');"
        painted += " return i && i.complete && i.naturalWidth > 0 }"
        for _ in range(repeats + 1):  # the first of each warms up
            started = time.perf_counter()
            page.get_by_role("button", name="Run again").click()
            page.wait_for_selector("#status [data-status=done]")
            page.wait_for_function(painted)
            clicks.append(time.perf_counter() - started)
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_function(painted)
            reloads.append(time.perf_counter() - started)
        browser.close()
    return {"click": clicks[1:], "reload": reloads[1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args, _ = parser.parse_known_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install -y chromium): skipped")
        return
    worker_mode = redis_up()
    extra = {"DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    extra["MEDIA_ROOT"] = str(ROOT / "bench" / "out" / "media")
    if worker_mode:
        extra["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    env = database_env(fresh_sqlite("bench-analysis-page"), **extra)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "demo"],
        cwd=ROOT,
        env=env | {"REDIS_URL": ""},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ids = subprocess.run(
        [python, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env | {"REDIS_URL": ""},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    review, analysis = int(ids[-2]), int(ids[-1])
    processes = [start([python, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"], env)]
    if worker_mode:
        worker = [python, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "warning"]
        processes.append(start(worker, env))
    try:
        wait_for_port(PORT)
        times = measure(f"http://127.0.0.1:{PORT}", review, analysis, args.repeats)
    finally:
        for process in processes:
            stop(process)
    click, reload = statistics.median(times["click"]), statistics.median(times["reload"])
    where = "a Celery worker on Redis" if worker_mode else "the web process (no Redis)"
    print(f"16-study analysis, task in {where}; median of {args.repeats}, target ≤ 2 s")
    print(f"  click 'Run again' → forest painted: {click:.2f} s (max {max(times['click']):.2f} s)")
    print(f"  peer, reload of the page → forest painted: {reload:.2f} s")
    print(f"  ratio: {click / reload:.1f}×")


if __name__ == "__main__":
    main()
