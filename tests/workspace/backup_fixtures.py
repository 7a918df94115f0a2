"""A review with something in every table a backup carries, and a row-by-row comparison
of two reviews that a restore should have made the same."""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from reviews.history import review_history
from reviews.models import Label, Record, Review, Role
from reviews.services.invitations import invitation_create, invitation_revoke
from reviews.services.labels import label_apply
from screening.models import (
    PrioritisationSettings,
    RankedRecord,
    Ranking,
    ScreenerPreference,
    Stage,
    StoppingCheck,
    StoppingResult,
    StoppingSample,
    Verdict,
)
from screening.queue import open_for
from screening.services import decision_record, full_text_save
from synthesis import services as synthesis_services
from synthesis.models import Analysis
from tests.reviews.factories import ImportBatchFactory, RecordFactory
from workspace.backup.plan import review_plan
from workspace.demo import demo_load
from workspace.models import Export

PDF = b"%PDF-1.4\n% a full text, written by the backup tests\n" + bytes(range(256)) + b"\n%%EOF\n"
PDF_REPLACED = b"%PDF-1.4\n% the first upload, replaced\n%%EOF\n"
BUNDLE = b"PK\x05\x06" + b"\x00" * 18  # an empty zip, standing for an export bundle


def rich_review() -> Review:
    """The demo review, plus a full text uploaded twice, labels (one deleted), invitations,
    prioritisation with a ranking, a stopping check, an export and a queued analysis."""
    review, _ = demo_load()
    lead = review.memberships.get(role=Role.LEAD).user
    reviewer = review.memberships.filter(role=Role.REVIEWER).first().user
    records = list(Record.objects.filter(review=review, duplicate_of=None).order_by("pk")[:5])
    full_text_save(record=records[0], user=lead, file=ContentFile(PDF_REPLACED))
    full_text_save(record=records[0], user=lead, file=ContentFile(PDF))
    label_apply(review=review, records=Record.objects.filter(pk__in=[r.pk for r in records[:3]]),
                name="ask the authors", user=lead)  # fmt: skip
    Label.objects.create(review=review, name="made by mistake", created_by=lead).delete()
    site = "https://prismatic.example.org"
    invitation_create(review=review, email="pat@example.org", role=Role.VIEWER,
                      invited_by=lead, site_url=site)  # fmt: skip
    revoked = invitation_create(review=review, email="quinn@example.org", role=Role.REVIEWER,
                                invited_by=lead, site_url=site).invitation  # fmt: skip
    invitation_revoke(invitation=revoked)
    _prioritisation(review, reviewer, records)
    _exports(review, lead)
    return review


def _prioritisation(review: Review, reviewer, records: list[Record]) -> None:
    PrioritisationSettings.objects.update_or_create(review=review, defaults={"enabled": True})
    ScreenerPreference.objects.create(review=review, reviewer=reviewer)
    ranking = Ranking.objects.create(
        review=review, reviewer=reviewer, status=Ranking.Status.DONE, model="tfidf+logistic",
        settings={"seed": 1}, included=3, excluded=9, ranked=len(records), seconds=0.25,
        task_id="3f0c-ranking-task", finished=timezone.now(),
    )  # fmt: skip
    RankedRecord.objects.bulk_create(
        RankedRecord(ranking=ranking, record=r, rank=i + 1, score=0.9 - i / 10, words=["pain"])
        for i, r in enumerate(records)
    )
    check = StoppingCheck.objects.create(
        review=review, started_by=review.created_by, urn=40, relevant_before=3, planned=2,
        recall_target=0.95, confidence=0.95, seed=12345,
    )  # fmt: skip
    for position, record in enumerate(records[:2]):
        StoppingSample.objects.create(stopping_check=check, record=record, position=position)
    StoppingResult.objects.create(
        stopping_check=check, sample_screened=1, sample_relevant=0, k_target=1, p=0.4,
        stop=False, remaining=None, remaining_low=0, remaining_high=4,
    )  # fmt: skip


def _exports(review: Review, lead) -> None:
    export = Export.objects.create(
        review=review, created_by=lead, scope=Export.Scope.FULL, status=Export.Status.DONE,
        progress=100, size=len(BUNDLE), task_id="9a1e-export-task",
        finished=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    export.file.save("bundle.zip", ContentFile(BUNDLE))
    outcome = Analysis.objects.filter(review=review).first().outcome
    queued = synthesis_services.analysis_create(outcome=outcome, name="Queued, not run yet")
    Analysis.objects.filter(pk=queued.pk).update(
        status=Analysis.Status.QUEUED, task_id="c0ffee-analysis-task"
    )


def assert_same_review(source: Review, restored: Review) -> dict[str, int]:
    """Every planned model's rows of ``restored`` are ``source``'s, field by field, with ids
    mapped; uploaded files hold the same bytes. Returns the rows compared per model."""
    plan = review_plan()
    rows = {step.label: _rows(step, source, restored) for step in plan}
    ids = {
        step.model: {old["id"]: new["id"] for old, new in rows[step.label]}
        for step in plan
        if not step.history_of
    }
    paths = {}
    for step in plan:
        for old, new in rows[step.label]:
            for field in step.model._meta.concrete_fields:
                _compare(step, field, old, new, ids, paths)
    return {label: len(pairs) for label, pairs in rows.items()}


def _rows(step, source: Review, restored: Review) -> list[tuple[dict, dict]]:
    before = list(step.rows(source.pk).values())
    after = list(step.rows(restored.pk).values())
    assert len(before) == len(after), f"{step.label}: {len(before)} rows, {len(after)} restored"
    return list(zip(before, after, strict=True))


def _compare(step, field, old: dict, new: dict, ids: dict, paths: dict) -> None:
    a, b = old[field.attname], new[field.attname]
    where = f"{step.label}.{field.name} of row {old.get('id')}"
    user = get_user_model()
    if field.primary_key:
        return
    if field.name in step.fresh:  # a new task id where there was one
        assert (b != a and len(b) == 36) if a else b == "", where
    elif step.history_of and field.name == "id":
        _compare_id(step.history_of, a, b, ids, where)
    elif field.is_relation and field.related_model is user:
        assert a == b, where  # the same database: the same users
    elif field.is_relation:
        _compare_id(field.related_model, a, b, ids, where)
    elif isinstance(field, models.FileField) and a:
        storage = field.storage
        with storage.open(a) as before, storage.open(b) as after:
            assert before.read() == after.read(), where
        paths[a] = b
    elif step.history_of and _is_upload(step.history_of, field.name) and a:
        assert b == paths.get(a, a), where
    else:
        assert a == b, where


def _is_upload(model, name: str) -> bool:
    try:
        return isinstance(model._meta.get_field(name), models.FileField)
    except FieldDoesNotExist:
        return False


def _compare_id(model, a, b, ids: dict, where: str) -> None:
    if a is None:
        assert b is None, where
    elif a in ids.get(model, {}):
        assert b == ids[model][a], where
    else:  # a row deleted before the backup: a new id no row of this instance has
        assert b != a and not model._base_manager.filter(pk=b).exists(), where


def history_lines(review: Review, *, values: bool = True) -> list[tuple]:
    """The review's history page, without the ids that name rows (``Full text of 12``,
    ``#12 (deleted)``, ``fulltext/3/12.pdf``): a restore gives every row a new one.

    ``values=False`` leaves out the old and new values, for PostgreSQL, whose jsonb
    keeps the keys of a JSON value in an order of its own.
    """
    return [
        (
            entry.when, entry.who, entry.model, entry.action, entry.reason,
            re.sub(r"\d+", "#", entry.subject),
            tuple((c.field, _without_ids(c.old), _without_ids(c.new)) if values else c.field
                  for c in entry.changes),
        )
        for entry in review_history(review, limit=100_000)
    ]  # fmt: skip


def _without_ids(text: str) -> str:
    return re.sub(r"#\d+", "#", re.sub(r"^fulltext/\d+/\d+", "fulltext/#/#", text))


def queue_sizes(review: Review) -> dict[tuple[str, str], int]:
    """How many records each team member still has to screen at each stage."""
    return {
        (m.user.username, stage): open_for(review, m.user, stage).count()
        for m in review.memberships.select_related("user")
        for stage in Stage
    }


def small_review(cast) -> Review:
    """The cast's review with an import, decisions, a label and a full text uploaded."""
    review = cast.review
    batch = ImportBatchFactory(review=review)
    records = [RecordFactory(review=review, batch=batch, position=i) for i in range(3)]
    for reviewer in (cast.reviewer1, cast.reviewer2):
        decision_record(record=records[0], reviewer=reviewer, stage=Stage.TITLE_ABSTRACT,
                        verdict=Verdict.INCLUDE)  # fmt: skip
    full_text_save(record=records[0], user=cast.lead, file=ContentFile(PDF))
    label_apply(review=review, records=Record.objects.filter(pk=records[1].pk),
                name="animal study", user=cast.lead)  # fmt: skip
    return review
