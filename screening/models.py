from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reviews.models import Record, Review

from .prioritisation.schedule import RetrainSchedule


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


class ScreeningOrder(models.TextChoices):
    PRIORITISED = "prioritised", "Most likely relevant first"
    REVIEW = "review", "The review's order"


class PrioritisationSettings(models.Model):
    """A review's prioritised screening: whether it is on, how often it learns, the stopping test."""

    review = models.OneToOneField(Review, models.CASCADE, related_name="prioritisation")
    enabled = models.BooleanField(
        "prioritised screening",
        default=False,
        help_text="Learn from the title/abstract decisions and offer the likely relevant "
        "records first. Each reviewer can still choose the review's order.",
    )
    retrain_every = models.PositiveSmallIntegerField(
        "retrain after",
        default=RetrainSchedule.every,
        help_text="New decisions by a reviewer before their ranking is retrained; the interval "
        "grows with the review (a twentieth of the decisions already learnt from, if more).",
    )
    show_badge = models.BooleanField(
        "relevance badge",
        default=False,
        help_text="Show reviewers each record's place in their ranking and the words that drove it.",
    )
    recall_target = models.FloatField(
        default=0.95, help_text="Recall the stopping test checks for, e.g. 0.95."
    )
    confidence = models.FloatField(
        default=0.95, help_text="Confidence level of the stopping test, e.g. 0.95."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "prioritisation settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recall_target__gt=0, recall_target__lt=1),
                name="prioritisation_recall_target_fraction",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gt=0, confidence__lt=1),
                name="prioritisation_confidence_fraction",
            ),
            models.CheckConstraint(
                condition=models.Q(retrain_every__gte=1), name="prioritisation_retrain_every_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Prioritisation of {self.review_id} ({'on' if self.enabled else 'off'})"


class ScreenerPreference(models.Model):
    """The order a reviewer screens a review's titles and abstracts in."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    order = models.CharField(
        max_length=12, choices=ScreeningOrder.choices, default=ScreeningOrder.PRIORITISED
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "reviewer"], name="screener_preference_one"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.get_order_display()}"


class Ranking(models.Model):
    """One retraining of a reviewer's ranking: what it learnt from, with what, and when.

    A reviewer's model learns from the resolved title/abstract records and the
    reviewer's own decisions on unresolved ones, never from another reviewer's
    unresolved votes, so the order it gives reveals nothing blinded. The rows
    are kept after a newer ranking replaces them, as the record of what each
    reviewer was shown.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Training"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    review = models.ForeignKey(Review, models.CASCADE, related_name="rankings")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    model = models.CharField(max_length=200, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    decisions_at_request = models.PositiveIntegerField(
        default=0, help_text="The reviewer's decision count when the ranking was asked for."
    )
    included = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    ranked = models.PositiveIntegerField(default=0, help_text="Unscreened records ranked.")
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["review", "reviewer", "status", "-finished"])]

    def __str__(self) -> str:
        return f"Ranking {self.pk} for {self.reviewer} ({self.get_status_display()})"


class RankedRecord(models.Model):
    """A record's place in a reviewer's latest ranking, its score and the words behind it."""

    ranking = models.ForeignKey(Ranking, models.CASCADE, related_name="records", db_index=False)
    record = models.ForeignKey(Record, models.CASCADE, related_name="+", db_index=False)
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    words = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ranking", "record"], name="ranked_record_one"),
        ]
        indexes = [models.Index(fields=["ranking", "rank"], name="ranked_record_order")]

    def __str__(self) -> str:
        return f"{self.record_id} at {self.rank} in ranking {self.ranking_id}"


class StoppingCheck(models.Model):
    """A stopping check the lead started: the random sample and the numbers at its start.

    The test is Callaghan & Müller-Hansen (2020)'s hypergeometric test (see
    screening/prioritisation/stopping.py): ``urn`` records were unresolved at
    title/abstract when the check started, ``relevant_before`` were included.
    """

    review = models.ForeignKey(Review, models.CASCADE, related_name="stopping_checks")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    started = models.DateTimeField(auto_now_add=True)
    urn = models.PositiveIntegerField()
    relevant_before = models.PositiveIntegerField()
    planned = models.PositiveIntegerField(help_text="Records drawn into the random sample.")
    recall_target = models.FloatField()
    confidence = models.FloatField()
    seed = models.BigIntegerField()
    closed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started", "-pk"]

    def __str__(self) -> str:
        return f"Stopping check {self.pk} ({self.planned} of {self.urn})"


class StoppingSample(models.Model):
    """A record drawn into a stopping check's random sample, in the order drawn."""

    stopping_check = models.ForeignKey(StoppingCheck, models.CASCADE, related_name="sample")
    record = models.ForeignKey(Record, models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stopping_check", "record"], name="stopping_sample_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} in check {self.stopping_check_id}"


class StoppingResult(models.Model):
    """The test as it stood when a record of the sample was resolved: the check's record."""

    stopping_check = models.ForeignKey(StoppingCheck, models.CASCADE, related_name="results")
    created = models.DateTimeField(auto_now_add=True)
    sample_screened = models.PositiveIntegerField()
    sample_relevant = models.PositiveIntegerField()
    k_target = models.PositiveIntegerField()
    p = models.FloatField()
    stop = models.BooleanField()
    remaining = models.FloatField(null=True)
    remaining_low = models.PositiveIntegerField()
    remaining_high = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stopping_check", "sample_screened", "sample_relevant"],
                name="stopping_result_once",
            ),
        ]

    def __str__(self) -> str:
        return f"p = {self.p:.3f} after {self.sample_screened} sampled"
