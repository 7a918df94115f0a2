"""A malformed record deep in a large file leaves no rows and a failed batch naming the line."""

from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import services
from reviews.models import ImportBatch, Record, Source
from tests.reviews.corpus import record_start_line, ris_corpus


def test_an_error_at_record_50000_of_100000_saves_nothing(cast):
    data = ris_corpus(100_000, unclosed=50_000)
    # The first records are fine, so the preview passes and the import starts.
    batch = services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        source=Source.EMBASE,
        upload=SimpleUploadedFile("big-embase.ris", data),
    )
    batch = services.import_batch_run(batch_id=batch.pk)
    line = record_start_line(50_000)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error_line == line
    assert (
        batch.error == f"big-embase.ris, line {line}: record starting at line {line} has no ER line"
    )
    assert Record.objects.count() == 0
    assert batch.record_count == 0


def test_a_failed_file_can_be_imported_again_once_fixed(cast):
    broken = SimpleUploadedFile("small.ris", ris_corpus(20, unclosed=10))
    batch = services.import_batch_run(
        batch_id=services.import_batch_create(
            review=cast.review, user=cast.lead, source=Source.EMBASE, upload=broken
        ).pk
    )
    assert batch.status == "failed"
    fixed = services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        source=Source.EMBASE,
        upload=SimpleUploadedFile("small.ris", ris_corpus(20)),
    )
    assert services.import_batch_run(batch_id=fixed.pk).record_count == 20
    # The broken file, byte for byte, is refused no more than any failed file would be.
    again = services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        source=Source.EMBASE,
        upload=SimpleUploadedFile("small.ris", ris_corpus(20, unclosed=10)),
    )
    assert again.status == "uploaded"
