from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .outcomes import Outcome
from .studies import Study


class RobAssessment(models.Model):
    """One assessor's risk-of-bias judgements of a study (per outcome for RoB 2).

    ``tool`` is a key of ``extraction.rob.TOOLS``. ``answers`` maps signalling
    question ids to Y/PY/PN/N/NI; ``judgements`` and ``support`` map domain
    keys to the judgement and its supporting quote or reason.
    """

    study = models.ForeignKey(Study, models.CASCADE, related_name="rob_assessments")
    outcome = models.ForeignKey(
        Outcome, models.CASCADE, null=True, blank=True, related_name="rob_assessments"
    )
    tool = models.CharField(max_length=20)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    consensus = models.BooleanField(default=False)
    answers = models.JSONField(default=dict, blank=True)
    judgements = models.JSONField(default=dict, blank=True)
    support = models.JSONField(default=dict, blank=True)
    overall = models.CharField(max_length=30, blank=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        # Two constraints, since SQLite cannot treat NULL outcomes as equal.
        constraints = [
            models.UniqueConstraint(
                fields=["study", "outcome", "tool", "assessor", "consensus"],
                condition=models.Q(outcome__isnull=False),
                name="rob_one_per_assessor_outcome",
            ),
            models.UniqueConstraint(
                fields=["study", "tool", "assessor", "consensus"],
                condition=models.Q(outcome__isnull=True),
                name="rob_one_per_assessor_study",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tool} of {self.study}"
