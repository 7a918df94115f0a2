"""Writing a review's backup: every planned model's rows, the users they name, the files."""

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from reviews.models import Review

from .archive import USERS, ArchiveWriter, encode, migration_state
from .plan import Step, review_plan

USER_FIELDS = ("id", "username", "email", "first_name", "last_name", "is_active")


@dataclass(frozen=True)
class BackupSummary:
    manifest: dict
    missing_files: tuple[str, ...]

    @property
    def rows(self) -> int:
        return sum(n for label, n in self.manifest["counts"].items() if label != USERS)

    @property
    def files(self) -> int:
        return sum(1 for name in self.manifest["members"] if name.startswith("files/"))


def review_backup(*, review: Review, stream) -> BackupSummary:
    """Write the whole of ``review`` to ``stream`` (a binary file open for writing).

    The rows are read in one transaction, on PostgreSQL a repeatable-read one, so the
    backup is one moment of the review even while its team works on it.
    """
    plan = review_plan()
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _write(review, plan, ArchiveWriter(stream))


def _write(review: Review, plan: tuple[Step, ...], writer: ArchiveWriter) -> BackupSummary:
    users: set[int] = set()
    missing: list[str] = []
    for step in plan:
        files: list[tuple[str, models.FileField, str]] = []
        writer.write_rows(step.label, _rows(step, review, users, files, missing))
        # one member is written at a time: a model's files follow its rows
        for member, field, name in files:
            with field.storage.open(name, "rb") as stored:
                writer.write_file(member, iter(lambda f=stored: f.read(1 << 20), b""))
    writer.write_rows(USERS, _users(users))
    apps = sorted({step.model._meta.app_label for step in plan} | {"auth"})
    manifest = writer.close(
        review={"id": review.pk, "title": review.title},
        database=connection.vendor,
        migrations=migration_state(apps),
    )
    return BackupSummary(manifest, tuple(missing))


def _rows(step: Step, review: Review, users: set, files: list, missing: list):
    fields = step.model._meta.concrete_fields
    user_model = get_user_model()
    uploads = [] if step.history_of else [f for f in fields if isinstance(f, models.FileField)]
    values = step.rows(review.pk).values_list(*(f.attname for f in fields))
    for row in values.iterator(chunk_size=2000):
        out = {
            field.attname: encode(field, value) for field, value in zip(fields, row, strict=True)
        }
        for field in fields:
            if field.is_relation and field.related_model is user_model and out[field.attname]:
                users.add(out[field.attname])
        for field in uploads:
            out[field.attname] = _upload(step, out, field, files, missing)
        yield out


def _upload(step: Step, row: dict, field: models.FileField, files: list, missing: list):
    """The row's file as ``{"name", "member"}``, queued for the archive; "" if none or lost."""
    name = row[field.attname]
    if not name:
        return ""
    if not field.storage.exists(name):
        missing.append(f"{step.model._meta.verbose_name} {row['id']}: {name}")
        return ""
    member = f"files/{step.label}/{row['id']}/{field.name}/{PurePosixPath(name).name}"
    files.append((member, field, name))
    return {"name": name, "member": member}


def _users(ids: set[int]):
    rows = get_user_model()._base_manager.filter(pk__in=ids).order_by("pk")
    yield from rows.values(*USER_FIELDS).iterator(chunk_size=2000)
