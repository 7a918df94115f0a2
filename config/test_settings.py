"""Settings for the test suite: the real settings with a few small overrides."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from .settings import *  # noqa: E402,F403

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
ALLOWED_HOSTS = ["*"]
# No collected static files in tests; the finders serve them.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]  # noqa: F405

# A real Celery worker (REDIS_URL set) is another process: it can only share a
# test database that lives in a file, never SQLite's in-memory one.
if REDIS_URL and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-worker.sqlite3")}  # noqa: F405
# Requests and tasks log a line each at INFO; tests ask for them with caplog.
LOGGING["loggers"]["prismatic"]["level"] = "WARNING"  # noqa: F405
