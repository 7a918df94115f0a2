from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from reviews.models import Review

from ..outcomes import measures
from .studies import Study


class Comparison(models.Model):
    """What is compared with what, e.g. IV ketamine vs control."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="comparisons")
    name = models.CharField(max_length=200)
    experimental = models.CharField("experimental arm", max_length=100, default="Intervention")
    control = models.CharField("control arm", max_length=100, default="Control")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


# Both come from the registry of effect measures (extraction/outcomes/measures.py):
# the data types people enter and the measures an outcome can be given.
DataType = models.TextChoices(
    "DataType", [(key.upper(), (key, label)) for key, label in measures.data_type_choices()]
)
EffectMeasure = models.TextChoices(
    "EffectMeasure", [(key, (key, label)) for key, label in measures.measure_choices()]
)


class Outcome(models.Model):
    comparison = models.ForeignKey(Comparison, models.CASCADE, related_name="outcomes")
    name = models.CharField(max_length=200)
    data_type = models.CharField(max_length=12, choices=DataType.choices)
    measure = models.CharField("effect measure", max_length=12, choices=EffectMeasure.choices)
    lower_is_better = models.BooleanField(
        default=True, help_text="Lower values favour the intervention (e.g. pain)."
    )
    unit = models.CharField(max_length=50, blank=True)
    timepoint = models.CharField("time point", max_length=100, blank=True)
    subgroup_variable = models.CharField(
        max_length=100, blank=True, help_text="e.g. “Dose”; leave blank for none."
    )
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["comparison", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class OutcomeData(models.Model):
    """One study's data on one outcome (in one subgroup), as the meta-analysis reads it.

    ``values`` holds the data type's fields by the conformance schema's names
    (``n_exp, mean_exp, sd_exp, ...``, ``events_exp, total_exp, ...`` or
    ``estimate, se``); ``derivations`` records every value computed from
    another statistic and the formula used.
    """

    outcome = models.ForeignKey(Outcome, models.CASCADE, related_name="data")
    study = models.ForeignKey(Study, models.CASCADE, related_name="outcome_data")
    subgroup = models.CharField(max_length=100, blank=True)
    values = models.JSONField(default=dict)
    derivations = models.JSONField(default=list, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        verbose_name_plural = "outcome data"
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "study", "subgroup"], name="outcome_data_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} · {self.outcome}"
