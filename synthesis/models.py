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
    progress = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # the history keeps who changed what and when it ran, not every stored result
    history = HistoricalRecords(excluded_fields=["updated", "task_id", "progress", "results"])

    class Meta:
        ordering = ["review", "pk"]
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return self.name

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Figure(models.Model):
    """A drawn figure, kept until its inputs change (``input_hash``).

    Analyses own their forest, funnel and robustness plots; the PRISMA
    diagram belongs to the review (``analysis`` is empty).
    """

    class Kind(models.TextChoices):
        FOREST = "forest", "Forest plot"
        FUNNEL = "funnel", "Funnel plot"
        ROBUSTNESS = "robustness", "Robustness"
        PRISMA = "prisma", "PRISMA 2020 flow diagram"

    class Format(models.TextChoices):
        PNG = "png", "PNG"
        SVG = "svg", "SVG"
        PDF = "pdf", "PDF"

    CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}

    review = models.ForeignKey(Review, models.CASCADE, related_name="figures")
    analysis = models.ForeignKey(
        Analysis, models.CASCADE, null=True, blank=True, related_name="figures"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    format = models.CharField(max_length=3, choices=Format.choices)
    input_hash = models.CharField(max_length=64)
    content = models.BinaryField()
    created = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "kind", "format"],
                condition=models.Q(analysis__isnull=False),
                name="figure_unique_per_analysis",
            ),
            models.UniqueConstraint(
                fields=["review", "kind", "format"],
                condition=models.Q(analysis__isnull=True),
                name="figure_unique_per_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.format})"

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.format]
