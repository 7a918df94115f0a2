"""Reads about reviews that hold real logic: a user's reviews and the pipeline counts."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from .models import Membership, Review


def memberships_for_user(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("review")
        .annotate(team_size=Count("review__memberships"))
        .order_by("-review__updated")
    )


@dataclass(frozen=True)
class PipelineStage:
    key: str
    label: str
    count: int | None  # None: the stage has no data yet in this review

    @property
    def started(self) -> bool:
        return self.count is not None


PIPELINE = (
    ("identified", "Records identified"),
    ("duplicates_removed", "Duplicates removed"),
    ("screened", "Records screened"),
    ("full_text", "Full texts assessed"),
    ("included", "Studies included"),
    ("extracted", "Studies extracted"),
    ("analysed", "Analyses run"),
)


def review_pipeline(review: Review) -> list[PipelineStage]:
    """The review's pipeline with live counts, in PRISMA order.

    Each stage's count comes from the app that owns it; a stage whose app has
    no data for this review yet reports None.
    """
    counts = review_counts(review)
    return [PipelineStage(key, label, counts.get(key)) for key, label in PIPELINE]


def review_counts(review: Review) -> dict[str, int]:
    """Counts per pipeline stage. Later apps add their stages here (one place)."""
    return {}
