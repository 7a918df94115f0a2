"""Stopping checks in the app: the lead starts one, the reviewers screen its random sample.

The lead starts a check; the app draws the simple random sample of the
records still unresolved at title/abstract that the hypergeometric test of
Callaghan & Müller-Hansen (2020) needs if it finds nothing new, and puts it
at the head of every reviewer's queue (dual screening and blinding as
usual). Each time a sampled record is resolved, the test is computed again
and recorded. If the sample turns up relevant records the test needs a larger
sample: the lead extends the check, and more records are drawn from the same
unscreened set.
"""

import random
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from reviews.models import Record, Review

from .models import Resolution, Stage, StoppingCheck, StoppingResult, StoppingSample
from .prioritisation.model import MODEL_NAME
from .prioritisation.schedule import RetrainSchedule
from .prioritisation.stopping import CITATION, METHOD, StoppingTest, sample_needed, stopping_test
from .queue import forward_verdicts, stage_records
from .rankings import prioritisation_for, schedule_for

TA = Stage.TITLE_ABSTRACT


def open_check(review: Review) -> StoppingCheck | None:
    return StoppingCheck.objects.filter(review=review, closed__isnull=True).first()


def unresolved_records(review: Review):
    """Title/abstract records without a resolution: the urn a check samples from."""
    resolved = Resolution.objects.filter(record=OuterRef("pk"), stage=TA)
    return stage_records(review, TA).filter(~Exists(resolved))


def relevant_found(review: Review) -> int:
    """Records resolved at title/abstract as going on to full text."""
    return Resolution.objects.filter(
        record__review=review,
        record__duplicate_of__isnull=True,
        stage=TA,
        verdict__in=forward_verdicts(review),
    ).count()


@transaction.atomic
def stopping_check_start(*, review: Review, lead) -> StoppingCheck:
    """Draw the random sample a check needs and queue it first for every reviewer."""
    Review.objects.select_for_update().filter(pk=review.pk).first()  # one check at a time
    if open_check(review) is not None:
        raise ValidationError("A stopping check is already open; close it before starting another.")
    urn = list(unresolved_records(review).values_list("pk", flat=True))
    if not urn:
        raise ValidationError("Every record is resolved at title/abstract: there is nothing left.")
    settings = prioritisation_for(review)
    found = relevant_found(review)
    planned = sample_needed(
        urn=len(urn),
        relevant_before=found,
        recall_target=settings.recall_target,
        confidence=settings.confidence,
    )
    check = StoppingCheck.objects.create(
        review=review,
        started_by=lead,
        urn=len(urn),
        relevant_before=found,
        planned=planned,
        recall_target=settings.recall_target,
        confidence=settings.confidence,
        seed=random.SystemRandom().randrange(2**62),
    )
    _draw(check, urn, planned)
    stopping_result_record(check=check)
    return check


def _draw(check: StoppingCheck, urn: list[int], size: int) -> None:
    """Sample ``size`` records in all from the urn as it was at the start (a fixed permutation)."""
    order = np.random.default_rng(check.seed).permutation(np.array(sorted(urn)))
    have = check.sample.count()
    StoppingSample.objects.bulk_create(
        StoppingSample(stopping_check=check, record_id=int(record_id), position=have + i)
        for i, record_id in enumerate(order[have:size])
    )


@transaction.atomic
def stopping_check_extend(*, check: StoppingCheck, lead) -> StoppingCheck:
    """Draw more of the same sample: as many as the test needs if nothing new turns up."""
    check = StoppingCheck.objects.select_for_update().get(pk=check.pk)
    if check.closed:
        raise ValidationError("This stopping check is closed.")
    state = check_state(check)
    needed = sample_needed(
        urn=check.urn,
        relevant_before=check.relevant_before,
        sample_relevant=state.test.sample_relevant,
        recall_target=check.recall_target,
        confidence=check.confidence,
    )
    if needed <= check.planned:
        raise ValidationError("The sample drawn is enough; screen it first.")
    urn = _urn_at_start(check)
    check.planned = needed
    check.save(update_fields=["planned"])
    _draw(check, urn, needed)
    return check


def _urn_at_start(check: StoppingCheck) -> list[int]:
    """The records unresolved when the check started: the unresolved ones now, and those resolved since."""
    since = Resolution.objects.filter(
        record__review=check.review, stage=TA, created__gte=check.started
    ).values_list("record_id", flat=True)
    now = unresolved_records(check.review).values_list("pk", flat=True)
    return sorted({*now, *since})


def stopping_check_close(*, check: StoppingCheck, lead) -> StoppingCheck:
    """Close the check: its sample leaves the head of the queue; its record stays."""
    if check.closed is None:
        check.closed = timezone.now()
        check.save(update_fields=["closed"])
    return check


@dataclass(frozen=True)
class CheckState:
    check: StoppingCheck
    test: StoppingTest
    sample_open: int

    @property
    def needs_more(self) -> bool:
        return not self.test.stop and self.sample_open == 0


def check_state(check: StoppingCheck) -> CheckState:
    """The test on the sampled records resolved so far."""
    verdicts = list(
        Resolution.objects.filter(stage=TA, record__in=check.sample.values("record")).values_list(
            "verdict", flat=True
        )
    )
    forward = set(forward_verdicts(check.review))
    test = stopping_test(
        urn=check.urn,
        relevant_before=check.relevant_before,
        sample_screened=len(verdicts),
        sample_relevant=sum(v in forward for v in verdicts),
        recall_target=check.recall_target,
        confidence=check.confidence,
    )
    return CheckState(check=check, test=test, sample_open=check.planned - len(verdicts))


def stopping_result_record(*, check: StoppingCheck) -> StoppingResult:
    """Record the test as it stands (once for each sample size and count of relevant records)."""
    test = check_state(check).test
    result, _ = StoppingResult.objects.get_or_create(
        stopping_check=check,
        sample_screened=test.sample_screened,
        sample_relevant=test.sample_relevant,
        defaults={
            "k_target": test.k_target,
            "p": test.p,
            "stop": test.stop,
            "remaining": None if np.isnan(test.remaining) else test.remaining,
            "remaining_low": test.remaining_low,
            "remaining_high": test.remaining_high,
        },
    )
    return result


def stopping_after_resolution(*, record: Record) -> None:
    """A title/abstract resolution: record the test again if the record is in an open sample."""
    sample = StoppingSample.objects.filter(record=record, stopping_check__closed__isnull=True)
    for entry in sample.select_related("stopping_check__review"):
        stopping_result_record(check=entry.stopping_check)


@dataclass(frozen=True)
class StoppingPanel:
    """The dashboard's stopping panel: found so far, the open check's test, what to do."""

    found: int
    unresolved: int
    planned_now: int
    recall_target: float
    confidence: float
    state: CheckState | None
    results: list
    method: str = METHOD
    citation: str = CITATION

    @property
    def recommendation(self) -> str:
        if self.state is None:
            return (
                f"Start a stopping check to test whether {self.recall_target:.0%} of the "
                f"relevant records have been found: it draws a random sample of "
                f"{self.planned_now} unscreened records for the reviewers to screen first."
            )
        test = self.state.test
        alpha = 1 - test.confidence
        if test.stop:
            return (
                f"You can stop screening: the hypothesis that recall is below "
                f"{test.recall_target:.0%} is rejected (p = {test.p:.3g} < {alpha:.2g})."
            )
        if self.state.needs_more:
            return (
                f"Keep screening: the sample found {test.sample_relevant} relevant records, "
                f"so the test needs a larger sample (p = {test.p:.3g}). Extend the check."
            )
        return (
            f"Keep screening the sample: {self.state.sample_open} of its records are not "
            f"resolved yet (p = {test.p:.3g}, stop below {alpha:.2g})."
        )


def stopping_panel(review: Review) -> StoppingPanel:
    settings = prioritisation_for(review)
    check = open_check(review)
    found = relevant_found(review)
    unresolved = unresolved_records(review).count()
    planned = (
        sample_needed(
            urn=unresolved,
            relevant_before=found,
            recall_target=settings.recall_target,
            confidence=settings.confidence,
        )
        if unresolved
        else 0
    )
    state = check_state(check) if check else None
    results = list(check.results.all()[:10]) if check else []
    return StoppingPanel(
        found=found,
        unresolved=unresolved,
        planned_now=planned,
        recall_target=settings.recall_target,
        confidence=settings.confidence,
        state=state,
        results=results,
    )


def methods_paragraph(review: Review) -> str:
    """What the methods section of a report says about prioritisation and stopping."""
    settings = prioritisation_for(review)
    check = StoppingCheck.objects.filter(review=review).first()
    if not settings.enabled and check is None:
        return ""
    words = []
    if settings.enabled:
        words.append(
            f"Titles and abstracts were screened in prioritised order: each reviewer's ranking "
            f"({MODEL_NAME}) learnt from the resolved records and that reviewer's own decisions, "
            f"retrained after {_retraining_words(schedule_for(settings))}."
        )
    if check is not None:
        test = check_state(check).test
        words.append(
            f"To decide when to stop, we used the {METHOD} for a target recall of "
            f"{check.recall_target:.0%} at {check.confidence:.0%} confidence: a simple random "
            f"sample of {test.sample_screened} of the {check.urn} records then unscreened held "
            f"{test.sample_relevant} relevant records (p = {test.p:.3g}; an estimated "
            f"{test.remaining_low} to {test.remaining_high} relevant records left unscreened)."
        )
        words.append(f"Reference: {CITATION}.")
    return " ".join(words)


def _retraining_words(schedule: RetrainSchedule) -> str:
    """The schedule in a sentence: 'every new decision, or ... 5% of those already learnt from'."""
    every = "every new decision" if schedule.every == 1 else f"every {schedule.every} new decisions"
    if not schedule.growth:
        return every
    return (
        f"{every}, or after new decisions numbering {schedule.growth:.0%} of those already "
        "learnt from when that was more"
    )
