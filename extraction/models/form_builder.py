from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from reviews.models import Review

from .studies import Study


class FieldType(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    NUMBER = "number", "Number (with unit)"
    INTEGER = "integer", "Whole number"
    YES_NO = "yes_no", "Yes / no"
    SINGLE_CHOICE = "single_choice", "One of a list"
    MULTIPLE_CHOICE = "multiple_choice", "Several of a list"
    DATE = "date", "Date"


class ExtractionForm(models.Model):
    """One version of the review's extraction form. Data keep the version they were entered under."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="extraction_forms")
    version = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["review", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["review", "version"], name="form_unique_version")
        ]

    def __str__(self) -> str:
        return f"Extraction form v{self.version}"


class FormSection(models.Model):
    form = models.ForeignKey(ExtractionForm, models.CASCADE, related_name="sections")
    title = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class FormField(models.Model):
    """A question of the form. ``key`` names the value in every entry, across versions."""

    section = models.ForeignKey(FormSection, models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=FieldType.choices, default=FieldType.SHORT_TEXT)
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=300, blank=True)
    choices = models.JSONField(default=list, blank=True, help_text="Options of a choice field.")
    unit = models.CharField(max_length=30, blank=True, help_text="Unit of a number, e.g. mg/kg.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class ExtractionEntry(models.Model):
    """One reviewer's extracted values for one study (or the lead's consensus of two)."""

    study = models.ForeignKey(Study, models.CASCADE, related_name="entries")
    form = models.ForeignKey(ExtractionForm, models.PROTECT, related_name="entries")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    consensus = models.BooleanField(default=False)
    values = models.JSONField(default=dict, blank=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        verbose_name_plural = "extraction entries"
        constraints = [
            models.UniqueConstraint(
                fields=["study", "reviewer", "consensus"], name="entry_one_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} by {self.reviewer}"
