"""The review's stage navigation, shown on every page under a review."""

from dataclasses import dataclass

from django.urls import reverse

from .permissions import Ability, has_ability


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str
    url: str


# (url name, label, ability needed to see the link), in pipeline order.
NAV = [
    ("review_dashboard", "Dashboard", Ability.VIEW),
    ("import_list", "Imports", Ability.VIEW),
    ("record_list", "Records", Ability.VIEW),
    ("duplicate_list", "Duplicates", Ability.MANAGE),
    ("review_team", "Team", Ability.VIEW),
    ("review_settings", "Settings", Ability.MANAGE),
    ("review_history", "History", Ability.MANAGE),
]


def review_nav(request) -> dict:
    """Context processor: ``review_nav`` for pages that a review view rendered."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    items = [
        NavItem(name, label, reverse(name, args=[membership.review_id]))
        for name, label, ability in NAV
        if has_ability(membership, ability)
    ]
    current = request.resolver_match.url_name if request.resolver_match else ""
    return {"review_nav": items, "review_nav_current": current, "membership": membership}
