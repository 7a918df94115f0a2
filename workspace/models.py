"""Exports: a review's bundle, built in the background, with its progress and file."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from reviews.models import Review


def export_path(instance: "Export", filename: str) -> str:
    """A generated name: never a review title or anything else a user typed."""
    return f"exports/{instance.review_id}/export-{instance.pk}.zip"


class Export(models.Model):
    """One bundle of a review, for the member who asked for it (only they download it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Building"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    class Scope(models.TextChoices):
        FULL = "full", "Whole review"
        MEMBER = "member", "Without other reviewers' unresolved decisions"

    review = models.ForeignKey(Review, models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=export_path, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # Its task could not be sent (the broker was down), or was sent long ago and is
    # still queued (the message was lost): the beat sends it again.
    send_failed = models.BooleanField(default=False)
    sent = models.DateTimeField(null=True, blank=True, help_text="When its task was last sent.")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.review} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("export_download", args=[self.review_id, self.pk])

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def download_name(self) -> str:
        return f"prismatic-review-{self.review_id}-export-{self.pk}.zip"
