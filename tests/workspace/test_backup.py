"""backup_review and restore_review: a whole review from one instance to another."""

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from reviews.models import Invitation, Membership, Review, Role
from reviews.services.invitations import invitation_create
from screening.models import FullText
from synthesis.models import Analysis, Figure
from synthesis.selectors import figure_kinds
from synthesis.services import analysis_is_stale, prisma_figure
from tests.conftest import REPO, require_service, worker_database_url
from tests.workspace.backup_fixtures import (
    PDF,
    assert_same_review,
    history_lines,
    queue_sizes,
    rich_review,
    small_review,
)
from workspace.backup.archive import MANIFEST, BackupError
from workspace.backup.plan import EXCLUDED, FRESH, review_plan
from workspace.backup.restore import review_restore
from workspace.backup.write import review_backup


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def backup(review: Review, path: Path) -> Path:
    with path.open("wb") as stream:
        review_backup(review=review, stream=stream)
    return path


def rewrite(path: Path, out: Path, change) -> Path:
    """A copy of the backup with ``change(name, data) -> data`` applied to each member."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out


def resealed(path: Path, out: Path, change) -> Path:
    """As :func:`rewrite`, with the manifest's sha256 of each member made to match again."""
    changed = rewrite(path, out, change)
    with zipfile.ZipFile(changed) as archive:
        members = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    manifest = json.loads(members.pop(MANIFEST))
    for name, data in members.items():
        manifest["members"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    members[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def review_rows(change):
    """A change to the rows of data/reviews.Review.jsonl, ``change(row) -> row``."""

    def apply(name, data):
        if name != "data/reviews.Review.jsonl":
            return data
        rows = [change(json.loads(line)) for line in data.splitlines()]
        return b"".join(json.dumps(row).encode() + b"\n" for row in rows)

    return apply


def table_counts() -> dict[str, int]:
    counts = {step.label: step.model._base_manager.count() for step in review_plan()}
    return counts | {"users": get_user_model().objects.count()}


def media_files(media: Path) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


# The plan


def test_every_model_of_the_project_is_planned_or_excluded():
    from workspace.backup.plan import project_models

    planned = {step.model for step in review_plan()}
    forgotten = [
        model._meta.label
        for model in project_models()
        if model not in planned and model._meta.label not in EXCLUDED
    ]
    assert forgotten == [], "add these to the backup's plan or to EXCLUDED, with the reason"
    assert set(EXCLUDED) <= {model._meta.label for model in project_models()}


def test_every_task_id_is_fresh_and_every_fresh_field_exists():
    for step in review_plan():
        names = {field.name for field in step.model._meta.concrete_fields}
        if "task_id" in names and not step.history_of:
            assert "task_id" in step.fresh, step.label
    for label, names in FRESH.items():
        model = next(step.model for step in review_plan() if step.label == label)
        for name in names:
            model._meta.get_field(name)


def test_the_plan_puts_each_model_after_those_it_points_to():
    seen = set()
    for step in review_plan():
        for field in step.model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and not step.history_of and target is not step.model:
                assert target in seen or target is get_user_model(), (step.label, field.name)
        seen.add(step.model)


# The file


@pytest.mark.django_db
def test_the_manifest_says_what_is_inside(tmp_path, cast):
    path = backup(small_review(cast), tmp_path / "review.zip")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        members = {name: archive.read(name) for name in archive.namelist() if name != MANIFEST}
    assert (manifest["format"], manifest["format_version"]) == ("prismatic-review-backup", 1)
    assert manifest["prismatic_version"] == "0.1.0"  # pyproject.toml's
    assert manifest["review"] == {"id": cast.review.pk, "title": "Ketamine for chronic pain"}
    latest = sorted(p.stem for p in (REPO / "reviews" / "migrations").glob("0*.py"))[-1]
    assert manifest["migrations"]["reviews"] == [latest]
    counts = manifest["counts"]
    # the cast: four members, the eight default reasons; three records, two decisions
    assert counts["reviews.Membership"] == 4 and counts["screening.ExclusionReason"] == 8
    assert (counts["reviews.Record"], counts["screening.Decision"]) == (3, 2)
    assert counts["auth.User"] == 4
    assert set(manifest["members"]) == set(members)
    for name, data in members.items():
        assert manifest["members"][name] == {
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }, name
    (pdf,) = [name for name in members if name.startswith("files/screening.FullText/")]
    assert members[pdf] == PDF
    lines = members["data/reviews.Record.jsonl"].decode().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["review_id"] == cast.review.pk


# The round trip


@pytest.mark.django_db
def test_a_restored_review_is_the_backed_up_one_row_by_row(tmp_path, media):
    # one rich review for several checks: the demo takes most of this test's time
    source = rich_review()
    path = backup(source, tmp_path / "review.zip")
    history, queues = history_lines(source), queue_sizes(source)
    before = Review.objects.count()

    # the same database already holds the source review: every id collides
    restored = review_restore(path=path).review

    assert Review.objects.count() == before + 1 and restored.pk != source.pk
    compared = assert_same_review(source, restored)
    assert compared["reviews.Record"] == source.records.count() > 100
    for label in ("screening.Decision", "screening.Resolution", "extraction.OutcomeData",
                  "extraction.RobAssessment", "synthesis.Figure", "reviews.RecordLabel",
                  "screening.RankedRecord", "workspace.Export", "screening.HistoricalDecision",
                  "reviews.HistoricalInvitation", "reviews.HistoricalLabel"):  # fmt: skip
        assert compared[label] > 0, label
    full_text = FullText.objects.get(record__review=restored, file__gt="")
    assert full_text.file.read() == PDF
    assert full_text.file.name == f"fulltext/{restored.pk}/{full_text.record_id}.pdf"
    assert history_lines(restored) == history
    assert queue_sizes(restored) == queues
    assert_analyses_as_they_were(source, restored)

    again = review_restore(path=path).review
    assert len({source.pk, restored.pk, again.pk}) == 3
    assert_same_review(restored, again)
    assert_deleted_rows_history_has_ids_no_row_takes(restored)


def assert_analyses_as_they_were(source: Review, restored: Review) -> None:
    done = Analysis.objects.filter(review=restored, status=Analysis.Status.DONE).order_by("pk")
    assert done.count() == Analysis.objects.filter(review=source, status="done").count() > 0
    for analysis in done:
        assert not analysis_is_stale(analysis), analysis.name
        assert figure_kinds(analysis), analysis.name
    assert prisma_figure(review=restored, fmt="svg") is not None
    queued = Analysis.objects.get(review=restored, name="Queued, not run yet")
    assert queued.status == Analysis.Status.QUEUED  # as it was, with a task id of its own
    assert queued.task_id not in ("", "c0ffee-analysis-task")


def assert_deleted_rows_history_has_ids_no_row_takes(restored: Review) -> None:
    assert not Invitation.objects.filter(review=restored).exists()  # their links never travel
    ghosts = set(Invitation.history.filter(review=restored).values_list("id", flat=True))
    assert len(ghosts) == 2
    lead = restored.memberships.get(role=Role.LEAD).user
    later = invitation_create(review=restored, email="pat@example.org", role=Role.VIEWER,
                              invited_by=lead, site_url="https://x.example").invitation  # fmt: skip
    assert later.pk not in ghosts and later.pk > max(ghosts)


# All or nothing


@pytest.mark.django_db
def test_a_restore_that_fails_midway_leaves_no_rows_and_no_files(
    tmp_path, media, monkeypatch, cast
):
    source = small_review(cast)
    path = backup(source, tmp_path / "review.zip")
    get_user_model().objects.filter(username="carol").update(username="caroline")
    counts, files = table_counts(), media_files(media)

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    # the last step: every row is in and every file written by then
    monkeypatch.setattr("workspace.backup.restore.queue_fill", broken)
    with pytest.raises(RuntimeError, match="the disk is full"):
        review_restore(path=path)

    assert table_counts() == counts
    assert media_files(media) == files
    assert not get_user_model().objects.filter(username="carol").exists()


# Refusals, in words


@pytest.mark.django_db
def test_it_refuses_a_backup_from_a_newer_schema(tmp_path, cast):
    path = backup(cast.review, tmp_path / "review.zip")

    def newer(name, data):
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"]["screening"] = ["0099_reviewers_dream_up"]
        return json.dumps(manifest).encode()

    counts = table_counts()
    with pytest.raises(BackupError) as refused:
        review_restore(path=rewrite(path, tmp_path / "newer.zip", newer))
    message = str(refused.value)
    assert "screening.0099_reviewers_dream_up" in message
    assert "newer Prismatic" in message and "upgrade" in message
    assert table_counts() == counts


@pytest.mark.django_db
def test_it_asks_for_migrate_when_this_instance_has_not_applied_a_migration(tmp_path, cast):
    path = backup(cast.review, tmp_path / "review.zip")
    with zipfile.ZipFile(path) as archive:
        (leaf,) = json.loads(archive.read(MANIFEST))["migrations"]["reviews"]
    MigrationRecorder.Migration.objects.filter(app="reviews", name=leaf).delete()
    with pytest.raises(BackupError, match=f"migration reviews.{leaf} is not applied here yet"):
        review_restore(path=path)


@pytest.mark.django_db
def test_it_names_the_member_changed_after_the_backup(tmp_path, cast):
    path = backup(cast.review, tmp_path / "review.zip")

    def tamper(name, data):
        return (
            data.replace(b"Ketamine", b"Ketamina") if name == "data/reviews.Review.jsonl" else data
        )

    with pytest.raises(BackupError) as refused:
        review_restore(path=rewrite(path, tmp_path / "tampered.zip", tamper))
    assert "data/reviews.Review.jsonl does not match the sha256" in str(refused.value)

    def extra(name, data):
        return data

    with zipfile.ZipFile(rewrite(path, tmp_path / "extra.zip", extra), "a") as archive:
        archive.writestr("files/payload.sh", b"echo hi")
    with pytest.raises(BackupError, match="does not list: files/payload.sh"):
        review_restore(path=tmp_path / "extra.zip")


@pytest.mark.django_db
def test_an_older_backup_gets_the_defaults_of_columns_added_since(tmp_path, cast):
    path = backup(cast.review, tmp_path / "review.zip")

    def older(row):
        row.pop("dual_extraction")
        return row

    restored = review_restore(path=resealed(path, tmp_path / "older.zip", review_rows(older)))
    assert restored.review.dual_extraction is False
    assert restored.review.title == cast.review.title


@pytest.mark.django_db
def test_it_refuses_a_column_this_instance_does_not_have(tmp_path, cast):
    path = backup(cast.review, tmp_path / "review.zip")
    counts = table_counts()
    with pytest.raises(BackupError, match="a column this instance does not have: colour"):
        review_restore(
            path=resealed(path, tmp_path / "x.zip", review_rows(lambda r: r | {"colour": 1}))
        )
    assert table_counts() == counts


@pytest.mark.django_db
def test_a_value_this_database_refuses_restores_nothing(tmp_path, cast, media):
    path = backup(small_review(cast), tmp_path / "review.zip")
    counts, files = table_counts(), media_files(media)
    bad = review_rows(lambda row: row | {"created": "the day before yesterday"})
    with pytest.raises(BackupError, match="could not be restored, so nothing was: .*day before"):
        review_restore(path=resealed(path, tmp_path / "bad.zip", bad))
    assert table_counts() == counts
    assert media_files(media) == files


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_a_backup(tmp_path, cast):
    text = tmp_path / "notes.txt"
    text.write_text("not a zip")
    with pytest.raises(BackupError, match="notes.txt is not a Prismatic review backup"):
        review_restore(path=text)
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("cat.jpg", b"\xff\xd8")
    with pytest.raises(BackupError, match="not a Prismatic review backup: it has no manifest"):
        review_restore(path=other)
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(MANIFEST, json.dumps({"format": "prismatic-export"}))
    with pytest.raises(BackupError, match="not a review backup's"):
        review_restore(path=export)


# The commands


@pytest.mark.django_db
def test_the_commands_round_trip_and_say_which_users_they_created(tmp_path, cast, capsys):
    path = tmp_path / "review.zip"
    call_command("backup_review", str(cast.review.pk), "--out", str(path))
    assert f"Backed up review {cast.review.pk}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="exists: choose another name, or pass --force"):
        call_command("backup_review", str(cast.review.pk), "--out", str(path))
    # on the new instance, bob is not known under that name (his address is robert's),
    # carol is Carol
    get_user_model().objects.filter(username="bob").update(username="robert")
    get_user_model().objects.filter(username="carol").update(username="Carol")

    call_command("restore_review", str(path))

    out = capsys.readouterr().out
    restored = Review.objects.exclude(pk=cast.review.pk).get()
    assert f"Restored review {restored.pk} “Ketamine for chronic pain”" in out
    assert "Created user bob without a usable password" in out
    assert "changepassword bob" in out and "alice" in out
    bob = get_user_model().objects.get(username="bob")
    assert not bob.has_usable_password() and not (bob.is_staff or bob.is_superuser)
    robert = get_user_model().objects.get(username="robert")
    assert bob.email == "" and f"bob's e-mail address {robert.email} is another account's" in out
    roles = dict(Membership.objects.filter(review=restored).values_list("user__username", "role"))
    assert roles == {"alice": "lead", "bob": "reviewer", "Carol": "reviewer", "victor": "viewer"}


@pytest.mark.django_db
def test_the_commands_refuse_in_words(tmp_path, cast):
    with pytest.raises(CommandError, match="No review with id 999999"):
        call_command("backup_review", "999999", "--out", str(tmp_path / "x.zip"))
    (tmp_path / "x.zip").write_bytes(b"garbage")
    with pytest.raises(CommandError, match="is not a Prismatic review backup"):
        call_command("restore_review", str(tmp_path / "x.zip"))


@pytest.mark.django_db
def test_a_file_lost_from_storage_is_left_out_with_a_warning(tmp_path, cast, capsys):
    review = small_review(cast)
    full_text = FullText.objects.get(record__review=review)
    full_text.file.storage.delete(full_text.file.name)
    path = tmp_path / "review.zip"

    call_command("backup_review", str(review.pk), "--out", str(path))

    err = capsys.readouterr().err
    assert f"a file is missing from storage, left out: full text {full_text.pk}: " in err
    restored = review_restore(path=path).review
    assert FullText.objects.get(record__review=restored).file.name == ""


# Across databases


def other_database(tmp_path: Path) -> str:
    """SQLite when the suite runs on PostgreSQL; PostgreSQL (from the environment) when not."""
    if url := os.environ.get("PRISMATIC_OTHER_DATABASE_URL"):
        return url
    if connection.vendor == "postgresql":
        return f"sqlite:///{tmp_path / 'other.sqlite3'}"
    require_service(
        "A second database",
        "set PRISMATIC_OTHER_DATABASE_URL=postgres://... to restore this SQLite backup there",
    )


# one process on the other database: migrate, restore, back the restored review up again
OTHER_INSTANCE = """
import sys, django
django.setup()
from django.core.management import call_command
from reviews.models import Review
call_command("migrate", verbosity=0)
call_command("restore_review", sys.argv[1])
call_command("backup_review", str(Review.objects.order_by("pk").last().pk), "--out", sys.argv[2])
"""


@pytest.mark.django_db
def test_a_review_goes_to_the_other_database_and_back(tmp_path):
    """Backed up here, restored and backed up again by another instance on the other
    engine (a real process: SQLite and PostgreSQL each way), restored here again."""
    url = other_database(tmp_path)
    assert url.split(":")[0] != worker_database_url(connection).split(":")[0]
    source = rich_review()
    there, back = backup(source, tmp_path / "there.zip"), tmp_path / "back.zip"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1",
           "DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "other-media")}  # fmt: skip
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", OTHER_INSTANCE, str(there), str(back)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Restored review" in done.stdout and "Backed up review" in done.stdout
    with zipfile.ZipFile(back) as archive:
        assert json.loads(archive.read(MANIFEST))["database"] != connection.vendor

    restored = review_restore(path=back).review

    assert_same_review(source, restored)
    assert history_lines(restored, values=False) == history_lines(source, values=False)
    assert Figure.objects.filter(review=restored).count() > 0
