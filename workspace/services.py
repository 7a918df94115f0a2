"""Writes that span the stages: creating a review with every stage's defaults, saving
its settings with what each change does to the stages, and building a review's export
bundle in the background."""

import hashlib
import logging
import tempfile
import uuid

from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from config.celery import enqueue_row, resend_unsent
from extraction.services.form_builder import extraction_form_create_default
from reviews.models import Membership, Review, Role
from screening.highlight import parse_terms
from screening.models import Decision, Resolution
from screening.services import exclusion_reasons_create_defaults, records_settle

from .exports.bundle import PARTS, build_bundle
from .exports.scope import Scope
from .models import Export, export_path

logger = logging.getLogger(__name__)


@transaction.atomic
def review_create(*, user, **fields) -> Review:
    """Create a review with ``user`` as its first lead, and each stage's defaults.

    Screening gets its exclusion reasons and extraction its first form, each
    from the app's own service.
    """
    review = Review(created_by=user, **fields)
    review.full_clean()
    review.save()
    Membership.objects.create(review=review, user=user, role=Role.LEAD)
    exclusion_reasons_create_defaults(review=review)
    extraction_form_create_default(review=review, user=user)
    return review


# Exports: a bundle built in the background, its progress on the row the page polls


def export_create(*, review: Review, membership: Membership) -> Export:
    """Queue a bundle of ``review`` for ``membership``; the task is sent once this commits.

    A lead's bundle holds the whole review; anyone else's leaves out other
    reviewers' decisions on records not yet resolved (see ``exports.scope``).
    """
    scope = Export.Scope.FULL if Scope(review, membership).full else Export.Scope.MEMBER
    export = Export.objects.create(
        review=review, created_by=membership.user, scope=scope, task_id=str(uuid.uuid4())
    )
    export_id, task_id = export.pk, export.task_id
    transaction.on_commit(lambda: _send_export(export_id, task_id))
    return export


def _send_export(export_id: int, task_id: str) -> None:
    from .tasks import export_build_task

    enqueue_row(export_build_task, Export, export_id, task_id, label=f"export {export_id}")


def export_resend() -> list[int]:
    """Send again the exports queued while the broker was down (run by beat every minute)."""
    from .tasks import export_build_task

    queued = Export.objects.filter(status=Export.Status.QUEUED).order_by("pk")
    return resend_unsent(export_build_task, queued, label="export")


def export_build(*, export_id: int) -> Export:
    """Build the bundle into a temporary file, then store it; failures end as failed, in words."""
    export = Export.objects.select_related("review", "created_by").get(pk=export_id)
    if export.status == Export.Status.DONE:
        return export
    membership = Membership.objects.filter(review=export.review, user=export.created_by).first()
    if membership is None:
        return export_fail(export=export, error="You are no longer on this review's team.")
    export.status, export.error = Export.Status.RUNNING, ""
    export.save(update_fields=["status", "error"])
    scope = Scope(export.review, membership)
    try:
        with tempfile.TemporaryFile() as handle:
            build_bundle(scope, handle, progress=_progress_saver(export))
            handle.seek(0)
            digest = _sha256(handle)
            name = export_path(export, "")
            # The name comes from the ids: a file already there is a leftover of a database
            # since reset (or restored), never another export's, and would get the name taken.
            export.file.storage.delete(name)
            export.file.save(name, File(handle), save=False)
    except DatabaseError:
        raise
    except Exception as error:  # say what broke on the page; the log has the traceback
        logger.exception("export %s could not be built", export_id)
        return export_fail(export=export, error=f"The bundle could not be built: {error}")
    export.status, export.progress, export.step = Export.Status.DONE, 100, ""
    export.size, export.sha256, export.finished = export.file.size, digest, timezone.now()
    export.save(update_fields=["status", "progress", "step", "file", "size", "sha256", "finished"])
    return export


def _progress_saver(export: Export):
    def save(percent: int, step: str) -> None:
        export.progress, export.step = percent, step[:200]
        export.save(update_fields=["progress", "step"])

    return save


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def export_fail(*, export: Export, error: str) -> Export:
    export.status, export.error, export.finished = Export.Status.FAILED, error, timezone.now()
    export.save(update_fields=["status", "error", "finished"])
    return export


def export_write(
    *, review: Review, stream, membership: Membership | None = None, parts=PARTS, progress=None
) -> dict[str, str]:
    """Write ``review``'s bundle into ``stream`` now (the command line): {path: sha256}."""
    return build_bundle(Scope(review, membership), stream, progress=progress, parts=parts)


def review_settings_update(*, review: Review, form) -> list[str]:
    """Save the settings ``form`` (a valid ``ReviewSettingsForm``) and say what changed.

    Returns sentences for the lead: what a change of blinding, screeners per
    record, order or highlighting does to the review as it stands. Lowering
    the screeners per record settles the records that now have enough
    decisions. A change of blinding or screeners per record once screening
    has started is named as the change's reason in the history.
    """
    before = Review.objects.get(pk=review.pk)
    with transaction.atomic():
        review = form.save(commit=False)
        started = Decision.objects.filter(record__review=review).exists()
        effects = _effects(before, review, started=started)
        review._change_reason = _reason(before, review) if started else None
        review.save()
        if review.screeners_per_record < before.screeners_per_record:
            settled = records_settle(review=review)
            effects.append(
                f"{settled['resolved']} records that now have enough decisions were resolved"
                f" and {settled['conflicts']} went to the lead as conflicts."
            )
    return effects


def _reason(before: Review, after: Review) -> str | None:
    """The history's note (at most 100 characters) for changes made mid-screening."""
    notes = []
    if before.blinding != after.blinding:
        notes.append(f"blinding turned {'on' if after.blinding else 'off'}")
    if before.screeners_per_record != after.screeners_per_record:
        notes.append(
            f"screeners per record {before.screeners_per_record} → {after.screeners_per_record}"
        )
    return f"Changed during screening: {', '.join(notes)}." if notes else None


def _effects(before: Review, after: Review, *, started: bool) -> list[str]:
    effects = []
    if before.blinding != after.blinding:
        unresolved = _unresolved_with_decisions(after)
        effects.append(
            f"Blinding is off: reviewers now see each other's decisions, on the {unresolved}"
            " records not yet resolved too."
            if not after.blinding
            else "Blinding is on: each reviewer sees only their own decisions until a record is"
            " resolved."
        )
    if before.screeners_per_record != after.screeners_per_record and started:
        effects.append(
            f"Each record now needs {after.screeners_per_record} decision"
            f"{'s' if after.screeners_per_record > 1 else ''}; records already resolved stay"
            " resolved."
        )
    if (before.screening_order, before.order_seed) != (after.screening_order, after.order_seed):
        order = (
            f"in random order (seed {after.order_seed})"
            if after.screening_order == "random"
            else "in import order"
        )
        effects.append(f"Reviewers now meet the records still waiting {order}.")
    for label, field in (("for inclusion", "include_terms"), ("for exclusion", "exclude_terms")):
        if getattr(before, field) != getattr(after, field):
            terms = ", ".join(parse_terms(getattr(after, field))) or "nothing"
            effects.append(f"Highlighted {label} on the next card: {terms}.")
    return effects


def _unresolved_with_decisions(review: Review) -> int:
    resolved = Resolution.objects.filter(record=OuterRef("record"), stage=OuterRef("stage"))
    pending = Decision.objects.filter(record__review=review).exclude(Exists(resolved))
    return pending.values("record").distinct().count()
