"""Prismatic settings. Laptop defaults; production values come only from the environment.

Environment: DEBUG, SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL,
REDIS_URL, BROKER_TIMEOUT, SECURE_SSL_REDIRECT, SECURE_PROXY_SSL_HEADER, MEDIA_ROOT,
STATIC_ROOT, STORAGE_BACKEND, STORAGE_OPTIONS, EMAIL_*, OPEN_SIGNUP, LOG_LEVEL, IMPORT_MAX_BYTES.
See README.md's configuration table.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from .env import envbool, envfloat, envint, envjson, envlist, envrequired, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("PRISMATIC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envrequired(
    "SECRET_KEY", debug=DEBUG, dev_default="dev-only-insecure-key-never-use-in-production"
)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "reviews",
    "screening",
    "extraction",
    "synthesis",
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.security.SvgPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.request_checks.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it turns locked-out login attempts into a clear page.
    "axes.middleware.AxesMiddleware",
]
if not DEBUG:
    MIDDLEWARE.insert(0, "config.logs.RequestLogMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reviews.navigation.review_nav",
            ],
        },
    },
]


def database_settings(url: str) -> dict:
    """DATABASE_URL (sqlite:///path or postgres://...) as Django settings.

    SQLite gets WAL, a busy timeout and IMMEDIATE transactions so that concurrent
    writers wait for each other instead of failing with "database is locked".
    """
    # With CONN_MAX_AGE > 0 a connection outlives the request; the health check pings
    # it before reuse, so a database restart costs a reconnect, not a 500.
    db = dj_database_url.parse(url, conn_max_age=envint("CONN_MAX_AGE", 0), conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.postgresql":
        # a page (and /healthz) says the database is down instead of hanging on it
        db.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", envint("DATABASE_CONNECT_TIMEOUT", 5)
        )
        # Parameters bound by the server, so psycopg prepares a statement a kept
        # connection (CONN_MAX_AGE) runs often: the screening card's next-record query
        # took longer to plan (0.8 ms) than to run (0.14 ms).
        db["OPTIONS"]["server_side_binding"] = True
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return db


if not envstr("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": database_settings(
        envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'prismatic.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "review_list"
LOGOUT_REDIRECT_URL = "login"

# Lock out a (username, IP) pair, never a username alone: nobody can lock
# another user out by typing wrong passwords for them from elsewhere.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_CALLABLE = "config.security.login_attempt_username"

# Open sign-up: anyone may make an account after proving their e-mail address.
# Off by default: people join by a lead's invitation.
OPEN_SIGNUP = envbool("OPEN_SIGNUP", False)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
# Uploaded files (full texts, import files). Several web machines need one store
# they all reach: MEDIA_ROOT on a shared mount, or another backend, e.g.
# STORAGE_BACKEND=storages.backends.s3.S3Storage with STORAGE_OPTIONS as JSON.
STORAGES = {
    "default": {
        "BACKEND": envstr("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": envjson("STORAGE_OPTIONS", {}),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))

# E-mail (invitations, password resets): printed to the console unless an SMTP
# server is named.
EMAIL_HOST = envstr("EMAIL_HOST")
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)  # port 465; otherwise STARTTLS
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Prismatic <prismatic@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Import size limit (bytes) for one uploaded export file.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
FULL_TEXT_MAX_BYTES = envint("FULL_TEXT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: Redis when REDIS_URL is set (run `celery -A config worker`); without
# it tasks run in-process, so a laptop needs nothing else.
REDIS_URL = envstr("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# The queue tasks are sent to and workers listen on: instances sharing one Redis
# keep their work apart by naming a queue each (the tests' servers do).
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_QUEUE", "celery")
# Sending a task gives up within about two seconds when Redis cannot be reached
# (one retry, BROKER_TIMEOUT seconds to connect or answer): the row stays queued,
# its page says so, and it is sent again once Redis is back. Celery's defaults
# (20 retries, the result store's pub/sub included) made a page wait 20 s.
BROKER_TIMEOUT = envfloat("BROKER_TIMEOUT", 0.5)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# /healthz waits this long for workers to answer its ping (over Redis they take
# up to about a second).
WORKER_PING_TIMEOUT = envfloat("WORKER_PING_TIMEOUT", 1.0)
# After a failed send, further sends from this process give up at once for this long.
BROKER_RETRY_AFTER = envfloat("BROKER_RETRY_AFTER", 5.0)
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = BROKER_TIMEOUT
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message not acknowledged within this many seconds (its worker died) is
# delivered again; short, because analyses take seconds (imports of 100,000
# records under a minute, and they are locked per batch).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 300),
    "socket_connect_timeout": BROKER_TIMEOUT,
    "socket_timeout": BROKER_TIMEOUT,
}
CELERY_BEAT_SCHEDULE = {
    "reap-stuck-analyses": {"task": "synthesis.tasks.analysis_reap_task", "schedule": 60.0},
    "resend-unsent-imports": {"task": "reviews.tasks.import_batch_resend_task", "schedule": 60.0},
    "resend-unsent-exports": {"task": "workspace.tasks.export_resend_task", "schedule": 60.0},
}
# Work queued this long with no worker taking it is sent again (its message was
# lost: Redis restarted without its data); an analysis also when it stops moving.
# ANALYSIS_STALE_SECONDS is this setting's earlier name, still read.
QUEUED_STALE_SECONDS = envint("QUEUED_STALE_SECONDS", envint("ANALYSIS_STALE_SECONDS", 120))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)

# Production hardening; every value can be relaxed from the environment.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The preload directive alone lists nothing: a site is listed only when submitted.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style element anywhere: page scripts are static/js files
# that read their data from data-* attributes or json_script. Style attributes
# stay allowed (they run nothing; progress widths and judgement colours use them).
# Off under DEBUG, whose error pages are inline.
CONTENT_SECURITY_POLICY = (
    None
    if DEBUG
    else {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "style-src-attr": [UNSAFE_INLINE],
            "img-src": [SELF, "data:"],
            "font-src": [SELF],
            "connect-src": [SELF],
            "frame-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
        },
    }
)
# Nothing here uses these browser features; no page or frame may ask for them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Production writes one JSON object a line (requests, tasks, errors) for a log
# collector; DEBUG keeps plain lines. Requests and tasks log at INFO.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain" if DEBUG else "json"}
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    "loggers": {"prismatic": {"level": envstr("LOG_LEVEL_APP", "INFO")}},
}
# Workers log through LOGGING too, rather than Celery's own plain format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
