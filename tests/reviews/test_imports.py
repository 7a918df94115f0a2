"""Importing exports into a review: preview, atomic import, identifiers, PRISMA counts."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import selectors, services
from reviews.demo import DEMO_DATA, demo_imports
from reviews.models import DuplicatePair, ImportBatch, Record, Source
from workspace.selectors import review_pipeline

pytestmark = pytest.mark.django_db


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def import_file(review, user, path: Path, source=Source.MEDLINE, **fields) -> ImportBatch:
    batch = services.import_batch_create(
        review=review, user=user, upload=upload(path), source=source, **fields
    )
    return services.import_batch_run(batch_id=batch.pk)


def test_it_imports_every_record_with_its_identifiers(cast):
    batch = import_file(cast.review, cast.lead, DEMO_DATA / "demo_medline.nbib", interface="PubMed")
    assert (batch.status, batch.record_count, batch.format) == ("done", 10, "pubmed")
    first = Record.objects.get(batch=batch, position=0)
    assert (
        first.title
        == "Intravenous ketamine infusion for chronic low back pain: a randomised placebo-controlled trial"
    )
    assert first.authors == ["Harrow, Elin", "Okafor, Daniel", "Lindqvist, Maja"]
    assert (first.year, first.journal, first.volume, first.issue, first.pages) == (
        2012,
        "Pain Medicine Reports",
        "14",
        "3",
        "211-219",
    )
    assert (first.doi, first.pmid, first.language) == ("10.5555/demo.2012.0001", "99900001", "eng")
    assert first.abstract.startswith("BACKGROUND: ILLUSTRATIVE DEMO RECORD")
    assert "Chronic Pain/drug therapy" in first.mesh_terms
    assert ["PMID", "99900001"] in first.raw


def test_the_three_demo_searches_give_prisma_counts(cast):
    demo_imports(cast.review, cast.lead)
    by_source = {row.label: row.records for row in selectors.identified_by_source(cast.review)}
    assert by_source == {"MEDLINE": 10, "Embase": 9, "Cochrane CENTRAL": 6}
    # 14 different invented trials: Embase repeats 6 of MEDLINE's, CENTRAL 4 of theirs
    # and adds one more, one Embase duplicate has no DOI and is matched on PMID and title.
    assert selectors.duplicates_removed(cast.review) == 11
    assert Record.objects.filter(review=cast.review, duplicate_of__isnull=True).count() == 14
    counts = {stage.key: stage.count for stage in review_pipeline(cast.review)}
    assert (counts["identified"], counts["duplicates_removed"]) == (25, 11)


def test_the_kept_record_is_the_most_complete_and_remembers_its_sources(cast):
    demo_imports(cast.review, cast.lead)
    medline = Record.objects.get(review=cast.review, pmid="99900001", batch__source=Source.MEDLINE)
    group = selectors.record_sources(medline)
    assert sorted(r.batch.source for r in group) == ["central", "embase", "medline"]
    kept = [r for r in group if r.duplicate_of_id is None]
    assert len(kept) == 1
    assert all(r.duplicate_of_id == kept[0].pk for r in group if r != kept[0])


def test_it_refuses_the_same_file_twice(cast):
    import_file(cast.review, cast.lead, DEMO_DATA / "demo_embase.ris", source=Source.EMBASE)
    with pytest.raises(
        ValidationError, match="has the same contents as “demo_embase.ris”, already imported"
    ):
        services.import_batch_create(
            review=cast.review,
            user=cast.lead,
            upload=upload(DEMO_DATA / "demo_embase.ris"),
            source=Source.EMBASE,
        )
    assert ImportBatch.objects.filter(review=cast.review).count() == 1


def test_the_same_file_may_go_into_another_review(cast, other_review):
    import_file(cast.review, cast.lead, DEMO_DATA / "demo_central.txt", source=Source.CENTRAL)
    batch = import_file(
        other_review, cast.lead, DEMO_DATA / "demo_central.txt", source=Source.CENTRAL
    )
    assert batch.record_count == 6


def test_a_file_in_no_known_format_is_refused_with_its_name(cast):
    with pytest.raises(ValidationError, match="notes.txt"):
        services.import_batch_create(
            review=cast.review,
            user=cast.lead,
            source=Source.OTHER_DATABASE,
            upload=SimpleUploadedFile("notes.txt", b"Dear colleague,\nhere are the results.\n"),
        )
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused(cast, settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as refused:
        services.import_batch_create(
            review=cast.review,
            user=cast.lead,
            upload=upload(DEMO_DATA / "demo_medline.nbib"),
            source=Source.MEDLINE,
        )
    assert refused.value.messages == [
        "“demo_medline.nbib” is 9.5\xa0KB, over the 1000\xa0bytes limit."
    ]


def test_the_preview_shows_the_format_and_first_records(cast):
    batch = services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        upload=upload(DEMO_DATA / "demo_central.txt"),
        source=Source.CENTRAL,
    )
    preview = services.import_preview(batch)
    assert (batch.status, preview.format) == ("uploaded", "cochrane_txt")
    assert len(preview.records) == 5
    assert preview.records[0].central_id == "CN-90000001"
    assert not Record.objects.exists()


def test_running_a_finished_import_again_changes_nothing(cast):
    batch = import_file(cast.review, cast.lead, DEMO_DATA / "demo_medline.nbib")
    again = services.import_batch_run(batch_id=batch.pk)
    assert again.record_count == 10
    assert Record.objects.filter(batch=batch).count() == 10


def test_the_leads_verdicts_survive_a_later_import(cast):
    import_file(cast.review, cast.lead, DEMO_DATA / "demo_medline.nbib")
    import_file(cast.review, cast.lead, DEMO_DATA / "demo_embase.ris", source=Source.EMBASE)
    pair = DuplicatePair.objects.filter(review=cast.review, status="auto").first()
    services.pair_decide(pair=pair, duplicate=False, user=cast.lead)
    removed = selectors.duplicates_removed(cast.review)
    import_file(cast.review, cast.lead, DEMO_DATA / "demo_central.txt", source=Source.CENTRAL)
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.DISTINCT
    assert selectors.duplicates_removed(cast.review) > removed


def test_splitting_a_record_puts_it_back_among_the_unique(cast):
    demo_imports(cast.review, cast.lead)
    duplicate = Record.objects.filter(review=cast.review, duplicate_of__isnull=False).first()
    assert services.record_split(record=duplicate, user=cast.lead) >= 1
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of is None
    assert selectors.duplicates_removed(cast.review) == 10


def test_the_demo_files_are_our_own_illustrative_records():
    for name in ("demo_medline.nbib", "demo_embase.ris", "demo_central.txt"):
        text = (DEMO_DATA / name).read_text()
        assert (
            text.count("ILLUSTRATIVE DEMO RECORD")
            == {"demo_medline.nbib": 10, "demo_embase.ris": 9, "demo_central.txt": 6}[name]
        )


def test_a_django_file_works_as_an_upload(cast):
    with open(DEMO_DATA / "demo_medline.nbib", "rb") as handle:
        batch = services.import_batch_create(
            review=cast.review,
            user=cast.lead,
            upload=File(handle, name="demo_medline.nbib"),
            source=Source.MEDLINE,
        )
    assert batch.file_name == "demo_medline.nbib" and batch.file_size > 1000


def test_a_queued_import_can_be_sent_again(cast, eager_tasks):
    batch = services.import_batch_create(
        review=cast.review,
        user=cast.lead,
        upload=upload(DEMO_DATA / "demo_medline.nbib"),
        source=Source.MEDLINE,
    )
    # As if the broker had been down when the lead confirmed: queued, never started.
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.QUEUED, task_id="lost-task"
    )
    batch.refresh_from_db()
    services.import_batch_requeue(batch=batch)  # in-process, by the eager_tasks fixture
    batch.refresh_from_db()
    assert (batch.status, batch.record_count) == ("done", 10)
    with pytest.raises(ValidationError, match="is not waiting for a worker"):
        services.import_batch_requeue(batch=batch)


def test_the_dashboard_shows_records_per_database(client, cast):
    demo_imports(cast.review, cast.lead)
    client.force_login(cast.viewer)
    page = client.get(cast.review.get_absolute_url()).content.decode()
    assert "MEDLINE: <strong>10</strong>" in page and "Embase: <strong>9</strong>" in page
