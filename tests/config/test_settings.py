"""Settings read from the environment, checked in fresh interpreters."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import REPO

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-" + "k3y" * 20,
    "ALLOWED_HOSTS": "prismatic.example.org",
    "DATABASE_URL": "sqlite:////tmp/prismatic-deploy-check.sqlite3",
}


# The browser tests allow sync ORM calls beside Playwright's loop; never in a deployment.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")


def environment(**values) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return {**clean, **values, "DJANGO_SETTINGS_MODULE": "config.settings"}


def run_django(code: str, env: dict) -> subprocess.CompletedProcess:
    clean = environment(**env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=REPO,
        env=environment(**PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("", {"DEBUG": "0", "ALLOWED_HOSTS": "x.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_has_development_defaults():
    code = "from django.conf import settings as s; print(json.dumps([s.ALLOWED_HOSTS, bool(s.SECRET_KEY), s.CELERY_TASK_ALWAYS_EAGER]))"
    result = run_django("import json;" + code, {"DEBUG": "1"})
    assert json.loads(result.stdout) == [["localhost", "127.0.0.1", "[::1]"], True, True]


def test_sqlite_waits_for_writers_instead_of_failing():
    code = "from django.conf import settings as s; print(json.dumps(s.DATABASES['default']))"
    result = run_django(
        "import json;" + code, {"DEBUG": "1", "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}
    )
    db = json.loads(result.stdout)
    assert db["NAME"] == "/tmp/x.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_postgres_url_selects_psycopg():
    code = "from django.conf import settings as s; d=s.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], d['USER'])"
    result = run_django(
        code, {"DEBUG": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/prismatic"}
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "127.0.0.1",
        "5432",
        "prismatic",
        "postgres",
    ]


def test_redis_url_makes_redis_the_broker_and_turns_eager_off():
    code = "from django.conf import settings as s; print(s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.CELERY_TASK_ALWAYS_EAGER)"
    result = run_django(code, {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/5"})
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/5",
        "redis://127.0.0.1:6379/5",
        "False",
    ]


def test_celery_queue_names_the_queue_tasks_go_to():
    code = "from config.celery import app; print(app.conf.task_default_queue)"
    assert run_django(code, {"DEBUG": "1"}).stdout.split() == ["celery"]
    result = run_django(code, {"DEBUG": "1", "CELERY_QUEUE": "prismatic-staging"})
    assert result.stdout.split() == ["prismatic-staging"]


def test_argon2_is_the_first_password_hasher():
    import config.settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_the_suite_runs_on_the_configured_database():
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.parametrize("value", ["maybe", "2x"])
def test_a_bad_boolean_is_named(value):
    result = run_django("", {"DEBUG": value})
    assert "DEBUG must be a boolean" in result.stderr


EMAIL = "from django.conf import settings as s; print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL]))"


def test_mail_goes_to_the_console_by_default():
    result = run_django("import json;" + EMAIL, {"DEBUG": "1"})
    assert json.loads(result.stdout)[0] == "django.core.mail.backends.console.EmailBackend"


def test_mail_goes_through_smtp_when_a_host_is_named():
    values = {
        "DEBUG": "0",
        **PRODUCTION,
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "2525",
        "EMAIL_HOST_USER": "prismatic",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "DEFAULT_FROM_EMAIL": "Reviews <reviews@example.org>",
    }
    result = run_django("import json;" + EMAIL, values)
    assert json.loads(result.stdout) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        2525,
        "prismatic",
        True,
        "Reviews <reviews@example.org>",
    ]


def test_uploads_go_to_the_storage_the_environment_names():
    code = 'from django.core.files.storage import storages; d = storages["default"]; print(type(d).__name__, d.location, d.base_url)'
    options = '{"location": "/srv/shared/prismatic", "base_url": "/never-served/"}'
    result = run_django(code, {"DEBUG": "1", "STORAGE_OPTIONS": options})
    assert result.stdout.split() == ["FileSystemStorage", "/srv/shared/prismatic", "/never-served/"]


def test_bad_storage_options_are_named():
    result = run_django("", {"DEBUG": "1", "STORAGE_OPTIONS": "{location: x}"})
    assert "STORAGE_OPTIONS must be a JSON object" in result.stderr
