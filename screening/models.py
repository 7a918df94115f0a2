from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reviews.models import Record, Review


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "ta", "Title and abstract"
    FULL_TEXT = "ft", "Full text"


class Verdict(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"


DEFAULT_REASONS = (
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcomes",
    "Wrong study design",
    "Duplicate report",
    "Not retrievable",
    "Other",
)


class ExclusionReason(models.Model):
    """One of the review's eligibility criteria, as a reason to exclude."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="exclusion_reasons")
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "label"], name="reason_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label


class Decision(models.Model):
    """One reviewer's verdict on one record at one stage."""

    record = models.ForeignKey(Record, models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=2, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="decisions")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    reason = models.ForeignKey(
        ExclusionReason, models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    note = models.TextField(blank=True)
    labels = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "stage", "reviewer"], name="decision_one_per_reviewer"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "stage", "record"])]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.verdict} ({self.get_stage_display()})"


class Conflict(models.Model):
    """The required screeners disagreed on a record at a stage; the lead settles it."""

    record = models.ForeignKey(Record, models.CASCADE, related_name="conflicts")
    stage = models.CharField(max_length=2, choices=Stage.choices)
    created = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="conflict_one_per_stage"),
        ]
        indexes = [models.Index(fields=["stage", "resolved"])]

    def __str__(self) -> str:
        return f"Conflict on {self.record_id} ({self.get_stage_display()})"


class Resolution(models.Model):
    """The final verdict on a record at a stage: by agreement or by the lead."""

    class Source(models.TextChoices):
        AGREEMENT = "agreement", "Screeners agreed"
        SINGLE = "single", "Single screener"
        LEAD = "lead", "Resolved by the lead"

    record = models.ForeignKey(Record, models.CASCADE, related_name="resolutions")
    stage = models.CharField(max_length=2, choices=Stage.choices)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    reason = models.ForeignKey(
        ExclusionReason, models.PROTECT, null=True, blank=True, related_name="resolutions"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="resolution_one_per_stage"),
        ]
        indexes = [models.Index(fields=["stage", "verdict"])]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.get_source_display().lower()})"


def full_text_path(instance: "FullText", filename: str) -> str:
    return f"fulltext/{instance.record.review_id}/{instance.record_id}.pdf"


class FullText(models.Model):
    """The full text of a record: a PDF, a link, or the note that it could not be found."""

    record = models.OneToOneField(Record, models.CASCADE, related_name="full_text")
    file = models.FileField(upload_to=full_text_path, blank=True, max_length=300)
    url = models.URLField("link", max_length=1000, blank=True)
    not_retrieved = models.BooleanField(default=False)
    not_retrieved_reason = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated"])

    def __str__(self) -> str:
        return f"Full text of {self.record_id}"

    def get_file_url(self) -> str:
        return reverse("full_text_file", args=[self.record.review_id, self.record_id])


class QueueEntry(models.Model):
    """A record that may still need decisions at a stage: the rows the queue walks.

    Only an index: the queue re-checks every rule against the decisions, so a
    stale entry costs one skipped row, never a wrong record. Settled records
    leave it, so "what comes next" never steps over the thousands already done.
    """

    review = models.ForeignKey(Review, models.CASCADE, related_name="+", db_index=False)
    record = models.ForeignKey(Record, models.CASCADE, related_name="+", db_index=False)
    stage = models.CharField(max_length=2, choices=Stage.choices)
    # The record's place in the random order before the seed's rotation:
    # record id × 2654435761 mod 4294967311 (see screening/queue.py).
    shuffle = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "queue entries"
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="queue_entry_one_per_stage"),
        ]
        indexes = [
            models.Index(fields=["review", "stage", "record"], name="queue_entry_import_order"),
            models.Index(fields=["review", "stage", "shuffle"], name="queue_entry_random_order"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} waits at {self.get_stage_display()}"


class ScreenerTally(models.Model):
    """How many decisions a reviewer has made at a stage of a review.

    Kept by the decision services so the card's progress costs no count: with
    100,000 records, counting a reviewer's decisions joins every one of them to
    its record (200 ms on PostgreSQL). A missing row is rebuilt by counting.
    """

    review = models.ForeignKey(Review, models.CASCADE, related_name="+", db_index=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    stage = models.CharField(max_length=2, choices=Stage.choices)
    done = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reviewer", "stage"], name="screener_tally_one_per_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.done} ({self.get_stage_display()})"
