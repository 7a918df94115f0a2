from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Review(models.Model):
    """A systematic review: its question, protocol and team settings."""

    title = models.CharField(max_length=300)
    population = models.TextField(blank=True, help_text="P: who the review is about.")
    intervention = models.TextField(blank=True, help_text="I: the treatment or exposure.")
    comparator = models.TextField(blank=True, help_text="C: what it is compared with.")
    outcomes = models.TextField(blank=True, help_text="O: the outcomes that matter.")
    study_designs = models.TextField(
        blank=True, help_text="Study designs eligible, e.g. randomised controlled trials."
    )
    protocol_id = models.CharField(
        "protocol registration",
        max_length=100,
        blank=True,
        help_text="Registration id, e.g. a PROSPERO number (CRD42024123456).",
    )
    blinding = models.BooleanField(
        default=True, help_text="Reviewers cannot see each other's decisions until resolved."
    )
    screeners_per_record = models.PositiveSmallIntegerField(
        default=2, help_text="How many reviewers screen each record independently."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(screeners_per_record__gte=1, screeners_per_record__lte=3),
                name="review_screeners_1_to_3",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("review_dashboard", args=[self.pk])


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role on one review."""

    review = models.ForeignKey(Review, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    added = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.review}"

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD

    @property
    def can_screen(self) -> bool:
        return self.role in (Role.LEAD, Role.REVIEWER)
