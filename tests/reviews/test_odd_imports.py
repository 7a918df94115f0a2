"""Odd files get words: NUL bytes, archives, and imports that fail for any reason."""

import gzip
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews import services
from reviews.importers import read_records
from reviews.importers.record import ParseError
from reviews.models import ImportBatch, Record, Source

RIS = b"TY  - JOUR\nTI  - First trial\nER  - \n\nTY  - JOUR\nTI  - Second\x00 trial\nAU  - Smith, J\nER  - \n"


def upload(cast, name: str, data: bytes) -> ImportBatch:
    return services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        source=Source.EMBASE,
        upload=SimpleUploadedFile(name, data),
    )


def test_nul_bytes_are_removed_and_the_line_named():
    reader = read_records(io.BytesIO(RIS), filename="nul.ris")
    titles = [record.title for record in reader]
    assert titles == ["First trial", "Second trial"]
    assert reader.warnings == [(5, "NUL characters removed from this record")]


def test_a_record_with_a_nul_byte_imports(cast):
    batch = services.import_batch_run(batch_id=upload(cast, "nul.ris", RIS).pk)
    assert batch.status == ImportBatch.Status.DONE
    assert Record.objects.get(title="Second trial").authors == ["Smith, J"]


def zipped(data: bytes, compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("export.ris", data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (zipped(RIS, zipfile.ZIP_STORED), r"a ZIP archive \(or an Office document\)"),
        (zipped(RIS, zipfile.ZIP_DEFLATED), r"a ZIP archive \(or an Office document\)"),
        (gzip.compress(RIS), "a gzip-compressed file"),
        (b"%PDF-1.7\n" + RIS, "a PDF"),
    ],
    ids=["zip-stored", "zip-deflated", "gzip", "pdf"],
)
def test_archives_are_refused_by_their_first_bytes(cast, data, kind):
    with pytest.raises(ParseError, match=f"line 1: this is {kind}"):
        list(read_records(io.BytesIO(data), filename="export.ris"))
    with pytest.raises(ValidationError, match=f"this is {kind}.*, not a text export"):
        upload(cast, "export.ris", data)
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            RuntimeError("disk full"),
            "the import stopped on an unexpected error (RuntimeError: disk full)",
        ),
        (__import__("django.db").db.DataError("value too long"), "the database refused a value"),
    ],
)
def test_an_import_that_fails_for_any_reason_ends_failed_and_discardable(
    cast, monkeypatch, client, error, words
):
    def broken(**kwargs):
        raise error

    monkeypatch.setattr("reviews.services.imports.dedup_run", broken)
    batch = services.import_batch_run(batch_id=upload(cast, "export.ris", RIS).pk)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error.startswith("export.ris: ") and words in batch.error
    assert not Record.objects.exists()
    client.force_login(cast.lead)
    page = client.get(reverse("import_detail", args=[cast.review.pk, batch.pk])).content.decode()
    assert words in page
    client.post(reverse("import_discard", args=[cast.review.pk, batch.pk]))
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()


def test_a_task_out_of_retries_leaves_the_batch_failed(cast):
    batch = upload(cast, "export.ris", RIS)
    services.import_batch_fail(batch_id=batch.pk, reason="the database stayed unreachable: gone")
    batch.refresh_from_db()
    assert (batch.status, batch.error) == ("failed", "the database stayed unreachable: gone")
