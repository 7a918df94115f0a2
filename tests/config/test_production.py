"""The app as gunicorn serves it under production settings (DEBUG off, real values).

One server for the module: collectstatic, migrate, then gunicorn on a free port,
fetched over HTTP as a load balancer or a browser behind a TLS proxy would.
"""

import json

import pytest

from tests.conftest import REPO
from tests.support.servers import HOST, gunicorn, manage, production_env


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp)
    manage("collectstatic", "--no-input", env=env)
    manage("migrate", "--no-input", env=env)
    with gunicorn(env, tmp) as running:
        yield running


@pytest.fixture(scope="module")
def server_alone(tmp_path_factory):
    """The app with its database and Redis unreachable (nothing listens on port 1)."""
    tmp = tmp_path_factory.mktemp("alone")
    env = production_env(
        tmp,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/prismatic",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    with gunicorn(env, tmp) as running:
        yield running


def test_collectstatic_writes_a_manifest_of_every_vendored_file(server):
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())
    assert "vendor/bootstrap/bootstrap.bundle.min.js" in manifest["paths"]
    assert "vendor/htmx/htmx.min.js" in manifest["paths"]


def test_it_serves_the_login_page(server):
    status, _, body = server.get("/accounts/login/")
    assert status == 200, body.decode()[:2000]
    assert b"Log in" in body
    assert b"vendor/bootstrap/bootstrap.min." in body  # the hashed, collected name


def test_whitenoise_serves_the_collected_static_files(server):
    _, _, body = server.get("/accounts/login/")
    start = body.index(b"/static/vendor/htmx/htmx.min.")
    path = body[start : body.index(b'"', start)].decode()
    status, headers, script = server.get(path)
    assert status == 200
    assert script.startswith(b"var htmx=")
    assert "max-age=315360000" in headers["Cache-Control"]  # hashed names are immutable


def test_plain_http_is_redirected_to_https(server):
    status, headers, _ = server.get("/accounts/login/", **{"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/accounts/login/"


def test_vendored_files_name_no_missing_file():
    """Collectstatic follows every url() and sourceMappingURL; a vendored copy must ship what it names."""
    vendor = REPO / "static" / "vendor"
    for path in [*vendor.rglob("*.js"), *vendor.rglob("*.css")]:
        assert "sourceMappingURL" not in path.read_text(encoding="utf-8"), path


def test_healthz_answers_plain_http_from_a_load_balancer(server):
    status, headers, body = server.get("/healthz", **{"X-Forwarded-Proto": "http"})
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "database": {"status": "up"},
        "broker": {"status": "up"},
        "workers": {"status": "up", "count": 0},
    }


def test_healthz_names_the_database_and_the_broker_when_they_are_down(server_alone):
    status, _, body = server_alone.get("/healthz")
    assert status == 503
    assert json.loads(body) == {
        "database": {"status": "down"},
        "broker": {"status": "down"},
        "workers": {"status": "down", "count": 0},
    }


def test_every_page_carries_the_security_headers(server):
    _, headers, _ = server.get("/accounts/login/")
    policy = dict(
        part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_uploaded_files_are_not_served_from_media_url(server):
    upload = server.static_root.parent / "media" / "full_texts" / "trial.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.4 a full text")
    for path in ("/media/full_texts/trial.pdf", "/static/../media/full_texts/trial.pdf"):
        status, _, body = server.get(path)
        assert status == 404 and b"a full text" not in body


def test_requests_are_logged_as_one_json_object_a_line(server):
    server.get("/accounts/login/?next=/reviews/7/")
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line[:1] == "{"]
    logins = [line for line in lines if line.get("path") == "/accounts/login/"]
    assert logins, server.log.read_text()
    assert {"time", "level", "logger", "method", "status", "duration_ms"} <= logins[-1].keys()
    assert logins[-1]["status"] == 200
