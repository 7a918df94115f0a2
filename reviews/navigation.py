"""The review's stage navigation, shown on every page under a review."""

from dataclasses import dataclass

from django.urls import reverse

from .permissions import Ability, has_ability


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (url name, url arguments after the review's id, label, ability needed to see
# the link, the url names that light it up), in pipeline order.
NAV = [
    ("review_dashboard", (), "Dashboard", Ability.VIEW, ()),
    ("import_list", (), "Imports", Ability.VIEW, ("import_detail",)),
    ("record_list", (), "Records", Ability.VIEW, ("record_detail", "record_bulk")),
    ("duplicate_list", (), "Duplicates", Ability.MANAGE, ()),
    ("screen", ("title-abstract",), "Title/abstract", Ability.CONTRIBUTE, ()),
    ("screen", ("full-text",), "Full text", Ability.CONTRIBUTE, ()),
    ("conflict_list", (), "Conflicts", Ability.MANAGE, ()),
    ("study_list", (), "Studies", Ability.VIEW, ("study_detail",)),
    ("extraction_list", (), "Extraction", Ability.VIEW, ("study_extract", "study_extract_compare")),
    (
        "outcome_list",
        (),
        "Outcomes",
        Ability.VIEW,
        ("outcome_data", "outcome_edit", "comparison_edit"),
    ),
    (
        "rob_home",
        (),
        "Risk of bias",
        Ability.VIEW,
        ("rob_list", "rob_assess", "rob_assess_outcome", "rob_consensus", "rob_consensus_outcome"),
    ),
    (
        "analysis_list",
        (),
        "Analyses",
        Ability.VIEW,
        ("analysis_detail", "analysis_settings"),
    ),
    ("prisma_diagram", (), "PRISMA", Ability.VIEW, ()),
    ("review_export", (), "Export", Ability.VIEW, ()),
]
# The review's own pages, in a menu beside the stages.
REVIEW_MENU = [
    ("review_team", (), "Team", Ability.VIEW, ("invitation_create", "invitation_resend")),
    ("reason_list", (), "Exclusion reasons", Ability.VIEW, ()),
    (
        "extraction_form",
        (),
        "Extraction form",
        Ability.VIEW,
        ("extraction_section", "extraction_field"),
    ),
    ("rob_settings", (), "Risk-of-bias tools", Ability.MANAGE, ()),
    ("review_settings", (), "Settings", Ability.MANAGE, ()),
    ("review_history", (), "History", Ability.MANAGE, ()),
]


def review_nav(request) -> dict:
    """Context processor: ``review_nav`` for pages that a review view rendered."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    # Callables, which a template calls when it shows them: the htmx fragments
    # (a screening card after every decision) have no menu to build.
    return {
        "review_nav": lambda: _items(request, membership, NAV),
        "review_menu": lambda: _items(request, membership, REVIEW_MENU),
        "membership": membership,
    }


def _items(request, membership, entries) -> list[NavItem]:
    match = request.resolver_match
    items = []
    for name, args, label, ability, also in entries:
        if has_ability(membership, ability):
            url = reverse(name, args=[membership.review_id, *args])
            active = match is not None and (request.path == url or match.url_name in also)
            items.append(NavItem(label, url, active))
    return items
