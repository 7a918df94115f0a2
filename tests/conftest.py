"""The cast every test shares: a lead, two reviewers, a viewer and an outsider."""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviews.models import Review, Role
from tests.reviews.factories import MembershipFactory, ReviewFactory, UserFactory

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PASSWORD = "correct horse battery staple"


def require_service(name: str, reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI demands every service."""
    message = f"{name} is not available: {reason}"
    if os.environ.get("PRISMATIC_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (PRISMATIC_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(message)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not present (a fresh clone has no ../shared)")
    return SHARED


@dataclass
class Cast:
    lead: object
    reviewer1: object
    reviewer2: object
    viewer: object
    outsider: object
    review: Review

    def member(self, role: str):
        return {"lead": self.lead, "reviewer": self.reviewer1, "viewer": self.viewer}[role]


@pytest.fixture
def cast(db) -> Cast:
    lead = UserFactory(username="alice", first_name="Alice")
    review = ReviewFactory(created_by=lead, title="Ketamine for chronic pain")
    MembershipFactory(review=review, user=lead, role=Role.LEAD)
    reviewer1 = MembershipFactory(review=review, user__username="bob", role=Role.REVIEWER).user
    reviewer2 = MembershipFactory(review=review, user__username="carol", role=Role.REVIEWER).user
    viewer = MembershipFactory(review=review, user__username="victor", role=Role.VIEWER).user
    outsider = UserFactory(username="oscar")
    return Cast(lead, reviewer1, reviewer2, viewer, outsider, review)


@pytest.fixture
def other_review(db) -> Review:
    """A second review nobody in the cast belongs to: its ids must 404 for them."""
    review = ReviewFactory(title="Someone else's review")
    MembershipFactory(review=review, role=Role.LEAD)
    MembershipFactory(review=review, role=Role.REVIEWER)
    return review
