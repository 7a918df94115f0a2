"""Restoring a review from its backup, as a new review of this instance.

All or nothing: the rows go in one transaction, and the files written to storage
are deleted again if anything fails. Every row gets a new id from this instance;
the archive's ids only lead from a row to the rows it points to.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, models, transaction

from reviews.bulk import update_column
from reviews.models import Review
from screening.models import Stage
from screening.queue import queue_fill

from .archive import USERS, ArchiveReader, BackupError, decode, schema_problems
from .plan import Step, review_plan

BATCH = 500
NEW_USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active")


@dataclass
class RestoreSummary:
    review: Review
    counts: dict[str, int]
    users_matched: list[str]
    users_created: list[str]
    notes: list[str]
    files: int


def review_restore(*, path: Path | str) -> RestoreSummary:
    """Restore the review backed up in ``path``; refuse, in words, a file that is not a
    backup, a damaged or changed one, or one from a schema this instance lacks."""
    with ArchiveReader(path) as archive:
        if problems := schema_problems(archive.manifest["migrations"]):
            raise BackupError(f"{path} cannot be restored here: " + "; ".join(problems) + ".")
        plan = review_plan()
        _check_models(archive, plan)
        restorer = _Restorer(archive)
        try:
            with transaction.atomic(), _timestamps_as_written(plan):
                return restorer.run(plan)
        except (DatabaseError, ValidationError) as error:
            restorer.delete_files()
            # e.g. text PostgreSQL refuses (a NUL) from a backup made on SQLite
            raise BackupError(f"{path} could not be restored, so nothing was: {error}") from error
        except BaseException:
            restorer.delete_files()
            raise


def _check_models(archive: ArchiveReader, plan: tuple[Step, ...]) -> None:
    known = {step.label for step in plan} | {USERS}
    if unknown := sorted(set(archive.manifest["counts"]) - known):
        raise BackupError(
            f"{archive.path} holds rows of {unknown[0]}, which this instance does not keep "
            "in a review: it comes from another version of Prismatic."
        )


@contextmanager
def _timestamps_as_written(plan: tuple[Step, ...]):
    """Keep the backup's created and updated times: ``auto_now`` would set them to now.

    It changes the fields for the whole process, so restores run in a command, never
    in a web worker.
    """
    fields = [
        f
        for step in plan
        for f in step.model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@dataclass
class _Restorer:
    archive: ArchiveReader
    ids: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    ghosts: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    users: dict[int, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    written: list[tuple[object, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    matched: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user_model: type[models.Model] = field(default_factory=get_user_model)

    def run(self, plan: tuple[Step, ...]) -> RestoreSummary:
        self.restore_users()
        for step in plan:
            if step.history_of:
                self.restore_history(step)
            else:
                self.restore_rows(step)
        reviews = list(self.ids["reviews.Review"].values())
        if len(reviews) != 1:
            raise BackupError(f"{self.archive.path} holds {len(reviews)} reviews, not one.")
        review = Review.objects.get(pk=reviews[0])
        for stage in Stage:
            queue_fill(review=review, stage=stage)
        return RestoreSummary(
            review, self.counts, self.matched, self.created, self.notes, len(self.written)
        )

    def delete_files(self) -> None:
        for storage, name in self.written:
            storage.delete(name)

    def restore_users(self) -> None:
        """Match each user by username; create those missing, without a usable password."""
        for row in self.archive.rows(USERS):
            user = self.matching_user(row["username"])
            if user is None:
                user = self.new_user(row)
                self.created.append(user.username)
            else:
                self.matched.append(user.username)
            self.users[row["id"]] = user.pk

    def matching_user(self, username: str):
        """The user of that username; else the one whose differs only in case (sign-up
        refuses such a second account)."""
        users = self.user_model._base_manager
        if user := users.filter(username=username).first():
            return user
        similar = list(users.filter(username__iexact=username)[:2])
        return similar[0] if len(similar) == 1 else None

    def new_user(self, row: dict):
        # only these fields: a backup never makes anyone staff or superuser
        user = self.user_model(**{k: row[k] for k in NEW_USER_FIELDS if k in row})
        taken = user.email and self.user_model._base_manager.filter(email__iexact=user.email)
        if taken and taken.exists():
            # a second account under one address would take its password resets
            self.notes.append(
                f"{user.username}'s e-mail address {user.email} is another "
                "account's here: left empty"
            )
            user.email = ""
        user.set_unusable_password()
        user.save()
        return user

    def restore_rows(self, step: Step) -> None:
        model, count = step.model, 0
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        later: list[tuple[models.Field, int, int]] = []  # (field, new id, old target)
        for batch in _batches(self.archive.rows(step.label)):
            objects = [self.live_object(step, fields, row) for row in batch]
            model._base_manager.bulk_create(objects)
            for obj, row in zip(objects, batch, strict=True):
                self.ids[step.label][row["id"]] = obj.pk
                for f in fields:
                    if not row.get(f.attname):
                        continue
                    if f.is_relation and f.related_model is model:
                        later.append((f, obj.pk, row[f.attname]))
                    elif isinstance(f, models.FileField):
                        self.restore_file(obj, f, row[f.attname])
            count += len(objects)
        self.link_later(step, later)
        self.counts[step.label] = count

    def live_object(self, step: Step, fields: list[models.Field], row: dict) -> models.Model:
        _check_columns(step, row)
        return step.model(**{f.attname: self.live_value(step, f, row) for f in fields})

    def live_value(self, step: Step, f: models.Field, row: dict):
        if f.attname not in row:
            return f.get_default()
        raw = row[f.attname]
        if f.name in step.fresh:
            return str(uuid.uuid4()) if raw else f.get_default()
        if isinstance(f, models.FileField):
            return ""
        if not f.is_relation or raw is None:
            return decode(f, raw)
        if f.related_model is step.model:
            return None  # linked once every row of the model has its new id
        restored = (
            self.users
            if f.related_model is self.user_model
            else self.ids[f.related_model._meta.label]
        )
        if raw not in restored:
            raise BackupError(
                f"{self.archive.path} is inconsistent: a {step.label} row points to "
                f"{f.related_model._meta.label} {raw}, which it does not hold."
            )
        return restored[raw]

    def restore_file(self, obj: models.Model, f: models.FileField, upload: dict) -> None:
        members = self.archive.manifest["members"]
        if not (
            isinstance(upload, dict)
            and upload.get("member", "") in members
            and isinstance(upload.get("name"), str)
        ):
            raise BackupError(
                f"{self.archive.path} is inconsistent: the file of {obj._meta.label} row "
                f"is not in the archive ({upload!r})."
            )
        content = self.archive.read_file(upload["member"])
        name = f.generate_filename(obj, PurePosixPath(upload["name"]).name)
        saved = f.storage.save(name, ContentFile(content))
        self.written.append((f.storage, saved))
        type(obj)._base_manager.filter(pk=obj.pk).update(**{f.attname: saved})
        self.paths[upload["name"]] = saved

    def link_later(self, step: Step, later: list) -> None:
        """Set the links of a model to itself (a record's ``duplicate_of``), by new ids."""
        new = self.ids[step.label]
        changes: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for f, pk, old_target in later:
            if old_target not in new:
                raise BackupError(
                    f"{self.archive.path} is inconsistent: a {step.label} row points to "
                    f"{step.label} {old_target}, which it does not hold."
                )
            changes[f.name].append((new[old_target], pk))
        for name, pairs in changes.items():
            update_column(step.model, name, pairs)

    def restore_history(self, step: Step) -> None:
        model, count = step.model, 0
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        uploads = {
            f.name for f in step.history_of._meta.concrete_fields if isinstance(f, models.FileField)
        }
        for batch in _batches(self.archive.rows(step.label)):
            objects = []
            for row in batch:
                _check_columns(step, row)
                values = {f.attname: self.history_value(step, f, row, uploads) for f in fields}
                objects.append(model(**values))
            model._base_manager.bulk_create(objects)
            count += len(objects)
        self.counts[step.label] = count

    def history_value(self, step: Step, f: models.Field, row: dict, uploads: set[str]):
        if f.attname not in row:
            return f.get_default()
        raw = row[f.attname]
        if f.name in step.fresh:
            return str(uuid.uuid4()) if raw else f.get_default()
        if raw is None:
            return None
        if f.name == "id":
            return self.instance_id(step.history_of, raw)
        if f.name in uploads:
            return self.paths.get(raw, raw)
        if not f.is_relation:
            return decode(f, raw)
        if f.related_model is self.user_model:
            return self.users.get(raw)  # a user deleted before the backup: the history's null
        return self.instance_id(f.related_model, raw)

    def instance_id(self, model: type[models.Model], old: int) -> int:
        """The new id of a restored row, or a reserved one for a row since deleted."""
        label = model._meta.label
        if old in self.ids[label]:
            return self.ids[label][old]
        if old not in self.ghosts[label]:
            self.ghosts[label][old] = _reserve_id(model)
        return self.ghosts[label][old]


def _check_columns(step: Step, row: dict) -> None:
    known = {f.attname for f in step.model._meta.concrete_fields}
    if unknown := sorted(set(row) - known):
        raise BackupError(
            f"A {step.label} row of the backup has a column this instance does not have: "
            f"{unknown[0]}. It comes from another version of Prismatic."
        )


def _batches(rows: Iterator[dict]) -> Iterator[list[dict]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


def _reserve_id(model: type[models.Model]) -> int:
    """Take an id from the model's sequence without a row, so no row ever gets it.

    The history of a row deleted before the backup keeps the row's id; here it gets
    one that no live row of this instance has, or will have.
    """
    table, column = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
            return cursor.fetchone()[0]
        if connection.vendor != "sqlite":
            raise BackupError(f"Restoring needs SQLite or PostgreSQL, not {connection.vendor}.")
        # AUTOINCREMENT: the next id is one past the larger of sqlite_sequence and the table's
        cursor.execute(f"SELECT max({quote(column)}) FROM {quote(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        reserved = max(highest, seq[0] if seq else 0) + 1
        if seq:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [reserved, table])
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, reserved]
            )
        return reserved
