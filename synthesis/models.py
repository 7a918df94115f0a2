"""Analyses: an outcome, its settings, and the stored result of the last run."""

from django.db import models
from simple_history.models import HistoricalRecords

from extraction.models import Outcome
from reviews.models import Review


class Analysis(models.Model):
    """One meta-analysis of an outcome; the row is the source of truth for its run."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    MAX_ATTEMPTS = 3

    review = models.ForeignKey(Review, models.CASCADE, related_name="analyses")
    outcome = models.ForeignKey(Outcome, models.CASCADE, related_name="analyses")
    name = models.CharField(max_length=200)
    settings = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    attempts = models.PositiveSmallIntegerField(default=0)
    input_hash = models.CharField(max_length=64, blank=True)
    results = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=50, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated", "task_id"])

    class Meta:
        ordering = ["review", "pk"]
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return self.name

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
