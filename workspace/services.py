"""Writes that span the stages: creating a review with every stage's defaults, and saving
its settings with what each change does to the stages."""

from django.db import transaction
from django.db.models import Exists, OuterRef

from extraction.services.form_builder import extraction_form_create_default
from reviews.models import Membership, Review, Role
from screening.highlight import parse_terms
from screening.models import Decision, Resolution
from screening.services import exclusion_reasons_create_defaults, records_settle


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
