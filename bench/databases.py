"""Fresh benchmark databases and the production-like environment benchmarks run Django in."""

import os
import subprocess
from pathlib import Path

from corpus import OUT

POSTGRES = "postgres://postgres@127.0.0.1:5432/prismatic_bench"


def database_env(url: str, **extra: str) -> dict:
    """Production settings: DEBUG off (no query log), a real secret, tasks in-process."""
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "localhost,testserver",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REDIS_URL": "",
        **extra,
    }


def fresh_sqlite(name: str) -> str:
    """The URL of an empty SQLite file bench/out/<name>.sqlite3."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def fresh_postgres(name: str = "prismatic_bench") -> str | None:
    """The URL of an empty database ``name``, or None when PostgreSQL is not there."""
    sql = [
        f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
        f"CREATE DATABASE {name}",
    ]
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q"]
    for statement in sql:
        command += ["-c", statement]
    try:
        subprocess.run(command, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"PostgreSQL not reachable, skipped: {error}")
        return None
    return POSTGRES.rsplit("/", 1)[0] + f"/{name}"
