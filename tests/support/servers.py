"""The app as ``make serve`` runs it: gunicorn on a free port under production settings.

Shared by the deployment tests (``tests/config/test_production.py``) and the whole story in
Chromium (``tests/browser/test_whole_story.py``).
"""

import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.config.test_settings import PRODUCTION, environment
from tests.conftest import REPO

HOST = "prismatic.example.org"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect instead of following it off this machine."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


@dataclass
class Server:
    url: str
    log: Path
    static_root: Path

    def get(self, path: str, **headers) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(
            self.url + path,
            headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers},
        )
        try:
            with OPENER.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def free_port() -> int:
    """A free port in 8600-8699, the range this project's test servers use.

    Tried in random order, so that test processes running side by side (pytest-xdist)
    seldom reach for the same one.
    """
    for port in random.sample(range(8600, 8700), 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8600-8699")


def manage(*args: str, env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail("gunicorn exited:\n" + log.read_text())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("gunicorn did not start:\n" + log.read_text())


def production_env(tmp: Path, **extra) -> dict:
    values = {
        **PRODUCTION,
        "DATABASE_URL": f"sqlite:///{tmp / 'prismatic.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "SECURE_PROXY_SSL_HEADER": "1",
        "LOG_LEVEL": "INFO",
    }
    return environment(**{**values, **extra})


@contextmanager
def gunicorn(env: dict, tmp: Path, *args: str):
    """gunicorn serving ``config.wsgi`` on a free port; ``args`` go on its command line."""
    port, log = free_port(), tmp / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(port, process, log)
        yield Server(f"http://127.0.0.1:{port}", log, tmp / "static")
    finally:
        process.terminate()
        process.wait(timeout=30)
