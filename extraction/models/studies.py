from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reviews.models import Record, Review


class Study(models.Model):
    """One study, reported in one or more included full-text reports (records)."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="studies")
    name = models.CharField(
        max_length=120, help_text="How the study is cited, e.g. “Sigtermans 2009”."
    )
    reports = models.ManyToManyField(Record, related_name="studies", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "studies"
        constraints = [models.UniqueConstraint(fields=["review", "name"], name="study_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("study_detail", args=[self.review_id, self.pk])
