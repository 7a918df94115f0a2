"""How long sending a task waits when Redis cannot be reached (issue 15, "When a service is down").

``config.celery.enqueue`` with the project's settings, next to the peer: a Celery
app with Celery's default settings sending the same message, in the same run.
Two ways Redis can be unreachable, both on this machine: a port nobody listens
on (connection refused) and a server that accepts connections and never answers
(a hung Redis). Each send runs in a fresh process, bounded by ``LIMIT`` seconds.
"""

import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 60.0
SILENT_PORT = 8697

OURS = """
import time, uuid, django
django.setup()
from config.celery import enqueue
from reviews.tasks import review_summary_task
for _ in range(2):
    start = time.perf_counter()
    enqueue(review_summary_task, args=[1], task_id=str(uuid.uuid4()), label="bench")
    print(round(time.perf_counter() - start, 2))
"""

PEER = """
import sys, time
from celery import Celery
app = Celery("peer", broker=sys.argv[1], backend=sys.argv[1])
start = time.perf_counter()
try:
    app.send_task("reviews.tasks.review_summary_task", args=[1])
except Exception:
    pass
print(round(time.perf_counter() - start, 2))
"""


def silent_server() -> None:
    """Accept connections and never answer, as a hung Redis would."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", SILENT_PORT))
    server.listen(64)
    held = []

    def accept() -> None:
        while True:
            held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()


def timed(code: str, url: str) -> list[str]:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "REDIS_URL": url}
    env["PYTHONPATH"] = str(ROOT)
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, url],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=LIMIT,
        )
    except subprocess.TimeoutExpired:
        return [f"> {LIMIT:.0f} (stopped)"]
    return result.stdout.split()


def main() -> int:
    silent_server()
    cases = {
        "connection refused": "redis://127.0.0.1:1/0",
        "server never answers": f"redis://127.0.0.1:{SILENT_PORT}/0",
    }
    print("seconds until a send gives up, Redis unreachable")
    print(f"{'case':<22} {'enqueue':>8} {'next send':>10} {'Celery defaults (peer)':>24}")
    for name, url in cases.items():
        first, *rest = timed(OURS, url) + ["?"]
        (peer,) = timed(PEER, url)
        print(f"{name:<22} {first:>8} {rest[0]:>10} {peer:>24}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
