"""Importing a database export: upload, preview, then one atomic import with dedup."""

import hashlib
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from config.celery import enqueue_row, resend_unsent
from reviews.importers import read_records
from reviews.importers.record import ParsedRecord, ParseError

from ..bulk import insert_rows
from ..models import ImportBatch, Record, Review
from ..records import ROW_FIELDS, record_row
from ..signals import records_imported
from .duplicates import DedupSummary, dedup_run

PREVIEW_RECORDS = 5
# The preview reads files up to this size whole, to count their records (about a second).
COUNT_BYTES = 20 * 1024 * 1024
CHUNK = 5000
ANALYZE_AFTER = 1000  # records; smaller imports leave the planner's statistics alone

Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class ImportPreview:
    format: str
    encoding: str
    records: list[ParsedRecord] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    error: str = ""
    count: int | None = None  # every record of the file; None when too large to count here


@transaction.atomic
def import_batch_create(
    *,
    review: Review,
    user,
    upload: UploadedFile,
    source: str,
    source_name: str = "",
    interface: str = "",
    search_date=None,
    strategy: str = "",
    format: str = "",
) -> ImportBatch:
    """Store an uploaded export for preview; refuse files too large, unreadable or seen before."""
    _check_size(upload)
    digest = _sha256(upload)
    _check_not_imported(review, digest, upload.name)
    # The upload checks the start of the file; its page counts (and checks) the whole.
    preview = _preview(upload, format=format or None, filename=upload.name, count=False)
    if preview.error:
        raise ValidationError(preview.error)
    batch = ImportBatch(
        review=review,
        source=source,
        source_name=source_name.strip(),
        interface=interface.strip(),
        search_date=search_date,
        strategy=strategy,
        file_name=upload.name,
        file_size=upload.size,
        sha256=digest,
        format=preview.format,
        format_override=format,
        encoding=preview.encoding,
        created_by=user,
    )
    upload.seek(0)
    batch.file.save(upload.name, upload, save=False)
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:
        batch.file.delete(save=False)
        raise ValidationError(f"“{upload.name}” has just been imported into this review.") from None
    return batch


def import_preview(batch: ImportBatch, *, limit: int = PREVIEW_RECORDS) -> ImportPreview:
    with batch.file.open("rb") as handle:
        return _preview(
            handle, format=batch.format_override or None, filename=batch.file_name, limit=limit
        )


@transaction.atomic
def import_batch_commit(*, batch: ImportBatch) -> ImportBatch:
    """Queue the import of a previewed batch; the task starts once this transaction commits."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.UPLOADED:
        raise ValidationError(
            f"“{batch.file_name}” is already {batch.get_status_display().lower()}."
        )
    batch.status = ImportBatch.Status.QUEUED
    batch.task_id = str(uuid.uuid4())
    batch.save(update_fields=["status", "task_id"])
    transaction.on_commit(lambda: _enqueue(batch.pk, batch.task_id))
    return batch


@transaction.atomic
def import_batch_requeue(*, batch: ImportBatch) -> ImportBatch:
    """Send a queued import to the workers again (after the broker was down, say), or try
    a failed one again (after the database was unreachable, say)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportBatch.Status.FAILED:
        batch.status, batch.error, batch.error_line, batch.finished = "queued", "", None, None
        batch.task_id = str(uuid.uuid4())
        batch.save(update_fields=["status", "error", "error_line", "finished", "task_id"])
    elif batch.status != ImportBatch.Status.QUEUED:
        raise ValidationError(f"“{batch.file_name}” is not waiting for a worker.")
    transaction.on_commit(lambda: _enqueue(batch.pk, batch.task_id))
    return batch


@transaction.atomic
def import_batch_discard(*, batch: ImportBatch) -> None:
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.FAILED):
        raise ValidationError("Only an import that has not run, or that failed, can be discarded.")
    batch.file.delete(save=False)
    batch.delete()


def import_batch_run(*, batch_id: int, progress: Progress | None = None) -> ImportBatch:
    """Parse the batch's file and store every record and the duplicates, all or nothing.

    Idempotent: a finished batch is returned as it is. A malformed file leaves
    no record and a failed batch whose error names the file and the line.
    """
    batch = ImportBatch.objects.select_related("review").get(pk=batch_id)
    if batch.status == ImportBatch.Status.DONE:
        return batch
    batch.status, batch.attempts = ImportBatch.Status.RUNNING, batch.attempts + 1
    batch.save(update_fields=["status", "attempts"])
    try:
        with transaction.atomic():
            # A second task for the same batch (re-sent, or redelivered after a
            # worker died) waits here, then finds it done.
            locked = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if locked.status == ImportBatch.Status.DONE:
                return locked
            parsed, reader = _store_records(batch, progress)
            count = len(parsed)
            summary = dedup_run(review=batch.review, fresh=(batch, parsed))
            _finish(batch, count=count, reader=reader, summary=summary)
            records_imported.send(sender=ImportBatch, review=batch.review, batch=batch)
    except ParseError as error:
        _fail(batch, str(error), error.line)
        return batch
    except OperationalError:
        raise  # the database is briefly unreachable: the task tries again
    except Exception as error:  # anything else must still leave the batch failed, with words
        logging.getLogger(__name__).exception("import %s failed", batch_id)
        _fail(batch, _unexpected(batch, error), None)
        return batch
    if count >= ANALYZE_AFTER:
        analyze_tables()
    return batch


def analyze_tables() -> None:
    """Refresh PostgreSQL's planner statistics: stale ones make "next record" queries 100× slower."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Record, ImportBatch):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        cursor.execute("ANALYZE reviews_duplicatepair")


def _store_records(batch: ImportBatch, progress: Progress | None):
    with batch.file.open("rb") as handle:
        reader = read_records(
            handle,
            format=batch.format_override or None,
            filename=batch.file_name,
            max_bytes=settings.IMPORT_MAX_BYTES,
        )
        parsed: list[ParsedRecord] = []  # kept for deduplication, which needs them all at once
        records = iter(reader)
        while chunk := list(islice(records, CHUNK)):
            start = len(parsed)
            insert_rows(
                Record,
                ROW_FIELDS,
                (record_row(p, batch=batch, position=start + i) for i, p in enumerate(chunk)),
            )
            parsed += chunk
            if progress:
                progress(len(parsed), handle.tell() / max(batch.file_size, 1))
    return parsed, reader


def _finish(batch: ImportBatch, *, count: int, reader, summary: DedupSummary) -> None:
    batch.status = ImportBatch.Status.DONE
    batch.record_count = count
    batch.format, batch.encoding = reader.format, reader.encoding
    batch.warnings = [[line, message] for line, message in reader.warnings][:1000]
    batch.error, batch.error_line, batch.finished = "", None, timezone.now()
    batch.save()


def import_batch_fail(*, batch_id: int, reason: str) -> ImportBatch:
    """Mark an import failed that its task gave up on (the database stayed unreachable)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportBatch.Status.DONE:
        _fail(batch, reason, None)
    return batch


def _fail(batch: ImportBatch, message: str, line: int | None) -> None:
    batch.status = ImportBatch.Status.FAILED
    batch.error, batch.error_line, batch.finished = message, line, timezone.now()
    batch.save(update_fields=["status", "error", "error_line", "finished"])


def _unexpected(batch: ImportBatch, error: Exception) -> str:
    if isinstance(error, DatabaseError):
        return f"{batch.file_name}: the database refused a value of this file ({error})."
    return f"{batch.file_name}: the import stopped on an unexpected error ({type(error).__name__}: {error})."


def _enqueue(batch_id: int, task_id: str) -> None:
    from ..tasks import import_batch_task

    enqueue_row(import_batch_task, ImportBatch, batch_id, task_id, label=f"import {batch_id}")


def import_batch_resend() -> list[int]:
    """Send again the imports queued while the broker was down (run by beat every minute)."""
    from ..tasks import import_batch_task

    queued = ImportBatch.objects.filter(status=ImportBatch.Status.QUEUED).order_by("pk")
    return resend_unsent(import_batch_task, queued, label="import")


def _preview(
    handle, *, format: str | None, filename: str, limit: int = PREVIEW_RECORDS, count: bool = True
) -> ImportPreview:
    try:
        reader = read_records(
            handle, format=format, filename=filename, max_bytes=settings.IMPORT_MAX_BYTES
        )
        stream = iter(reader)
        records = list(islice(stream, limit))
        count = (
            len(records) + sum(1 for _ in stream)
            if count and _size(handle) <= COUNT_BYTES
            else None
        )
    except ParseError as error:
        return ImportPreview(format="", encoding="", error=str(error))
    return ImportPreview(
        reader.format, reader.encoding, records, list(reader.warnings), count=count
    )


def _size(handle) -> int:
    size = getattr(handle, "size", None)
    return size if size is not None else os.fstat(handle.fileno()).st_size


def _check_size(upload: UploadedFile) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"“{upload.name}” is {filesizeformat(upload.size)}, over the {filesizeformat(limit)} limit."
        )
    if upload.size == 0:
        raise ValidationError(f"“{upload.name}” is empty.")


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _check_not_imported(review: Review, digest: str, name: str) -> None:
    previous = (
        ImportBatch.objects.filter(review=review, sha256=digest)
        .exclude(status=ImportBatch.Status.FAILED)
        .first()
    )
    if previous:
        raise ValidationError(
            f"“{name}” has the same contents as “{previous.file_name}”, already "
            f"{'imported' if previous.status == 'done' else 'uploaded'} into this review on "
            f"{previous.created:%d %b %Y} ({previous.source_label}). It was not imported again."
        )
