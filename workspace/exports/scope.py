"""Who an export is for, and what of the review it may hold.

The lead (or the command line, run by whoever runs the server) exports
everything. A reviewer or a viewer exports what they may read on the pages
and nothing more: their own decisions, and the others' only on a record and
stage that is resolved, so a bundle never breaks blinding; the extraction's
result (the consensus, or the shared entry) and their own entries; the
risk-of-bias assessments the overview shows them, and their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from reviews.models import Membership, Review, Role
from reviews.permissions import Ability, has_ability
from screening.models import Decision, Resolution


@dataclass(frozen=True)
class Scope:
    """The review, the member exporting (None: the command line) and what they may see."""

    review: Review
    membership: Membership | None = None

    @property
    def full(self) -> bool:
        """The whole review: the lead, or the command line."""
        return self.membership is None or has_ability(self.membership, Ability.MANAGE)

    @property
    def user(self):
        return self.membership.user if self.membership else None

    @property
    def who(self) -> str:
        if self.membership is None:
            return "command line (manage.py export_review)"
        return f"{self.membership.user.username} ({self.membership.get_role_display()})"

    @property
    def viewer(self) -> Membership:
        """The membership the pages' reads take; a lead's for the command line."""
        if self.membership is not None:
            return self.membership
        user = get_user_model()(username="command-line")
        return Membership(review=self.review, user=user, role=Role.LEAD)

    def decisions(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` of decisions (or their history) narrowed to what this member may see."""
        if self.full:
            return queryset
        resolved = Resolution.objects.filter(record=OuterRef("record_id"), stage=OuterRef("stage"))
        return queryset.filter(Q(reviewer=self.user) | Exists(resolved))


def review_decisions(scope: Scope) -> QuerySet[Decision]:
    """The review's decisions this scope may see, in record and stage order."""
    decisions = Decision.objects.filter(record__review=scope.review)
    return scope.decisions(decisions).order_by("record_id", "stage", "reviewer__username")
