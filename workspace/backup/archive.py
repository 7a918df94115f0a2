"""The backup file: a zip of ``manifest.json``, one JSON-lines file per model and the
uploaded files.

``manifest.json`` holds the format and its version, the Prismatic version, when the
backup was made, the latest applied migration of each app, the rows per model and
the sha256 and size of every other member. ``data/<app>.<Model>.jsonl`` holds one
object a row, keyed by column (``review_id``), in the types JSON has: dates in ISO
8601, binary as base64. ``files/`` holds the uploaded files, named in their rows.
"""

import base64
import datetime
import decimal
import hashlib
import json
import tomllib
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "prismatic-review-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
USERS = "auth.User"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be made or restored, in words for the person running it."""


def data_member(label: str) -> str:
    return f"data/{label}.jsonl"


def prismatic_version() -> str:
    """The version in pyproject.toml (Prismatic runs from its checkout, not as a package)."""
    try:
        pyproject = (Path(settings.BASE_DIR) / "pyproject.toml").read_text()
    except OSError:
        return "unknown"
    return tomllib.loads(pyproject)["project"]["version"]


def migration_state(app_labels: Iterable[str]) -> dict[str, list[str]]:
    """The latest applied migrations of each app: the leaves of what was applied."""
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    state = {}
    for app in app_labels:
        mine = {key for key in applied if key[0] == app}
        parents = {parent for key in mine for parent in loader.graph.node_map[key].parents}
        state[app] = sorted(name for _, name in mine - parents)
    return state


def schema_problems(state: dict[str, list[str]]) -> list[str]:
    """What this instance lacks of the migrations a backup was made with, in words."""
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    problems = []
    for app, names in sorted(state.items()):
        for name in names:
            if (app, name) in applied:
                continue
            if (app, name) in loader.disk_migrations:
                problems.append(
                    f"migration {app}.{name} is not applied here yet: run "
                    "`python manage.py migrate` first"
                )
            else:
                problems.append(
                    f"it was made with migration {app}.{name}, which this instance does not "
                    "have: the backup comes from a newer Prismatic; upgrade this one first"
                )
    return problems


def encode(field: models.Field, value):
    """A column's value as JSON can hold it (the JSON field's own value as it is)."""
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()  # in full: Django's JSON encoder drops microseconds
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    return value


def decode(field: models.Field, value):
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    return field.to_python(value)


class ArchiveWriter:
    """Writes members to the zip, keeping the sha256 and size of each for the manifest."""

    def __init__(self, stream):
        self.zip = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED)
        self.date_time = timezone.localtime().timetuple()[:6]
        self.members: dict[str, dict] = {}
        self.counts: dict[str, int] = {}

    def write_rows(self, label: str, rows: Iterable[dict]) -> int:
        name, count = data_member(label), 0
        digest, size = hashlib.sha256(), 0
        with self.zip.open(self._info(name), "w", force_zip64=True) as member:
            for row in rows:
                line = (json.dumps(row, ensure_ascii=False) + "\n").encode()
                member.write(line)
                digest.update(line)
                size += len(line)
                count += 1
        self.members[name] = {"sha256": digest.hexdigest(), "size": size}
        self.counts[label] = count
        return count

    def write_file(self, name: str, chunks: Iterable[bytes]) -> None:
        digest, size = hashlib.sha256(), 0
        with self.zip.open(self._info(name), "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.members[name] = {"sha256": digest.hexdigest(), "size": size}

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def close(self, **about) -> dict:
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "prismatic_version": prismatic_version(),
            "created": timezone.now().isoformat(),
            **about,
            "counts": self.counts,
            "members": self.members,
        }
        self.zip.writestr(self._info(MANIFEST), json.dumps(manifest, indent=1, ensure_ascii=False))
        self.zip.close()
        return manifest


class ArchiveReader:
    """An opened backup whose manifest and every member's sha256 have been checked."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as error:
            raise BackupError(f"{self.path} is not a Prismatic review backup: {error}.") from None
        try:
            self.manifest = self._manifest()
            self._check_members()
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.zip.close()

    def rows(self, label: str) -> Iterator[dict]:
        """The rows of model ``label``, as written (none if the backup has no such member)."""
        name = data_member(label)
        if name not in self.manifest["members"]:
            return
        with self.zip.open(name) as member:
            for line in member:
                yield json.loads(line)

    def read_file(self, name: str) -> bytes:
        return self.zip.read(name)

    def _manifest(self) -> dict:
        not_backup = f"{self.path} is not a Prismatic review backup"
        try:
            manifest = json.loads(self.zip.read(MANIFEST))
        except KeyError:
            raise BackupError(f"{not_backup}: it has no {MANIFEST}.") from None
        except (ValueError, zipfile.BadZipFile) as error:
            raise BackupError(f"{not_backup}: its {MANIFEST} cannot be read ({error}).") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{not_backup}: its {MANIFEST} is not a review backup's.")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"{self.path} is a backup of format version {version}, newer than this "
                f"Prismatic reads ({FORMAT_VERSION}): upgrade Prismatic first."
            )
        if not all(isinstance(manifest.get(k), dict) for k in ("members", "counts", "migrations")):
            raise BackupError(f"{not_backup}: its {MANIFEST} lacks members, counts or migrations.")
        return manifest

    def _check_members(self) -> None:
        listed = self.manifest["members"]
        present = {info.filename for info in self.zip.infolist() if not info.is_dir()}
        if extra := sorted(present - set(listed) - {MANIFEST}):
            raise BackupError(f"{self.path} has a member its manifest does not list: {extra[0]}.")
        if missing := sorted(set(listed) - present):
            raise BackupError(f"{self.path} lacks {missing[0]}, which its manifest lists.")
        for name, expected in sorted(listed.items()):
            if self._sha256(name) != expected.get("sha256"):
                raise BackupError(
                    f"{self.path} is damaged or was changed: {name} does not match the "
                    "sha256 in its manifest."
                )

    def _sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        try:
            with self.zip.open(name) as member:
                while chunk := member.read(CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            # the zip's own CRC check: bytes changed inside a member
            raise BackupError(f"{self.path} is damaged: {name} cannot be read ({error}).") from None
        return digest.hexdigest()
