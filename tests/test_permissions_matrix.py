"""Every URL of the project, for every kind of visitor, with the status it must give.

The patterns come from the URL conf, so a new view is covered the moment it is
routed: a review-scoped view that is not guarded by ``review_view`` fails here,
and so does a URL keyword this file has no sample object for.
"""

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from extraction.models import Comparison, ExtractionForm, FormField, FormSection, Outcome, Study
from reviews.models import DuplicatePair, ImportBatch, Record, Review, Role, Source
from reviews.permissions import ROLE_ABILITY, SAFE_METHODS
from reviews.services import invitation_create
from screening.models import FullText, Ranking
from synthesis.models import Analysis
from synthesis.services import analysis_create
from workspace.models import Export

VISITORS = ["anonymous", "outsider", "viewer", "reviewer", "lead"]


def sample_batch(review: Review) -> ImportBatch:
    batch = review.import_batches.first()
    return batch or ImportBatch.objects.create(
        review=review,
        source=Source.MEDLINE,
        file_name="sample.nbib",
        sha256="0" * 64,
        status="done",
    )


def sample_record(review: Review, position: int = 0) -> Record:
    record = review.records.filter(position=position).first()
    if record is None:
        record = Record.objects.create(
            review=review,
            batch=sample_batch(review),
            position=position,
            title=f"Sample record {position}",
        )
        full_text = FullText(record=record)
        full_text.file.save("sample.pdf", ContentFile(b"%PDF-1.4 sample"), save=True)
    return record


def sample_pair(review: Review) -> DuplicatePair:
    left, right = sample_record(review, 0), sample_record(review, 1)
    return DuplicatePair.objects.get_or_create(
        review=review, left=left, right=right, defaults={"score": 0.7, "status": "undecided"}
    )[0]


def sample_study(review: Review) -> Study:
    study = review.studies.first()
    if study is None:
        study = Study.objects.create(review=review, name="Sample 2020")
        study.reports.add(sample_record(review))
    return study


def sample_outcome(review: Review) -> Outcome:
    comparison = review.comparisons.first() or Comparison.objects.create(
        review=review, name="Drug vs placebo"
    )
    return comparison.outcomes.first() or Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD"
    )


def sample_field(review: Review) -> FormField:
    form = review.extraction_forms.order_by("-version").first() or ExtractionForm.objects.create(
        review=review, version=1
    )
    section = form.sections.first() or FormSection.objects.create(form=form, title="Methods")
    return section.fields.first() or FormField.objects.create(
        section=section, key="design", label="Design"
    )


def sample_analysis(review: Review) -> Analysis:
    return review.analyses.first() or analysis_create(outcome=sample_outcome(review), name="Pain")


def invitation_link(review: Review, email: str) -> dict:
    """The URL keywords of a new invitation's link (its token is known only when made)."""
    sent = invitation_create(
        review=review,
        email=email,
        role=Role.REVIEWER,
        invited_by=None,
        site_url="http://testserver",
    )
    invitation_id, token = sent.link.rstrip("/").split("/")[-2:]
    return {"invitation_id": int(invitation_id), "token": token}


def sample_invitation(review: Review) -> int:
    invitation = review.invitations.first()
    return (
        invitation.pk
        if invitation
        else invitation_link(review, "sample@example.org")["invitation_id"]
    )


def sample_export(review: Review) -> Export:
    """The lead's bundle: only its maker downloads it, everyone else is sent back."""
    lead = review.memberships.filter(role=Role.LEAD).first().user
    return review.exports.first() or Export.objects.create(
        review=review, created_by=lead, scope=Export.Scope.FULL, status=Export.Status.DONE
    )


def sample_ranking(review: Review) -> Ranking:
    """A reviewer's failed retraining, which the lead may send again."""
    reviewer = review.memberships.filter(role=Role.REVIEWER).first().user
    return review.rankings.first() or Ranking.objects.create(
        review=review, reviewer=reviewer, status=Ranking.Status.FAILED, error="Sample failure."
    )


# How to find (or make) an object of a given review for each URL keyword besides review_id.
SAMPLES = {
    "member_id": lambda review: review.memberships.filter(role=Role.REVIEWER).first().pk,
    "batch_id": lambda review: sample_batch(review).pk,
    "record_id": lambda review: sample_record(review).pk,
    "pair_id": lambda review: sample_pair(review).pk,
    "stage_slug": lambda review: "title-abstract",  # not an object: see NOT_OBJECTS
    "reason_id": lambda review: review.exclusion_reasons.first().pk,
    "study_id": lambda review: sample_study(review).pk,
    "comparison_id": lambda review: sample_outcome(review).comparison_id,
    "outcome_id": lambda review: sample_outcome(review).pk,
    "section_id": lambda review: sample_field(review).section_id,
    "field_id": lambda review: sample_field(review).pk,
    "tool_key": lambda review: "rob2",  # not an object: see NOT_OBJECTS
    "analysis_id": lambda review: sample_analysis(review).pk,
    "invitation_id": sample_invitation,
    "export_id": lambda review: sample_export(review).pk,
    "ranking_id": lambda review: sample_ranking(review).pk,
    "kind": lambda review: "forest",  # not an object
    "fmt": lambda review: "png",  # not an object
}

NOT_OBJECTS = {"review_id", "stage_slug", "tool_key", "kind", "fmt"}


def names_an_object(pattern: URLPattern) -> bool:
    return bool(set(pattern.pattern.regex.groupindex) - NOT_OBJECTS)


# Views outside any review: the status each visitor gets on GET.
SITE_WIDE = {
    "login": {"anonymous": 200, "member": 200},
    "healthz": {"anonymous": 200, "member": 200},
    "logout": {"anonymous": 405, "member": 405},  # log out is POST only
    "password_change": {"anonymous": 302, "member": 200},
    "password_change_done": {"anonymous": 302, "member": 200},
    "review_list": {"anonymous": 302, "member": 200},
    "review_create": {"anonymous": 302, "member": 200},
    # Public pages: each answers without a login and tells nobody whether an address has an account.
    "password_reset": {"anonymous": 200, "member": 200},
    "password_reset_done": {"anonymous": 200, "member": 200},
    "password_reset_confirm": {"anonymous": 200, "member": 200},  # "this link cannot be used"
    "password_reset_complete": {"anonymous": 200, "member": 200},
    "signup": {"anonymous": 404, "member": 404},  # OPEN_SIGNUP is off by default
    "signup_complete": {"anonymous": 404, "member": 404},
    # A valid link: the new-account form, or (for bob, another address) a refusal in words.
    "invitation_accept": {"anonymous": 200, "member": 200},
}

# URL keywords of site-wide pages, by URL name, from a review.
SITE_KWARGS = {
    "password_reset_confirm": lambda review: {"uidb64": "MQ", "token": "forged-token"},
    "signup_complete": lambda review: {"token": "forged"},
    "invitation_accept": lambda review: invitation_link(
        review, f"invitee{review.invitations.count()}@example.org"
    ),
}


def site_url(pattern: URLPattern, review: Review) -> str:
    """The URL of a site-wide page, with sample keywords when it has any."""
    if not pattern.pattern.regex.groupindex:
        return reverse(pattern.name)
    assert pattern.name in SITE_KWARGS, f"add the URL keywords of {pattern.name!r} to SITE_KWARGS"
    return reverse(pattern.name, kwargs=SITE_KWARGS[pattern.name](review))


def iter_patterns(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin has its own staff checks, tested in test_admin
            yield from iter_patterns(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


PATTERNS = list(iter_patterns())
REVIEW_PATTERNS = [p for p in PATTERNS if "review_id" in p.pattern.regex.groupindex]
SITE_PATTERNS = [p for p in PATTERNS if p not in REVIEW_PATTERNS]


def url_for(pattern: URLPattern, review: Review, objects_from: Review | None = None) -> str:
    kwargs = {"review_id": review.pk}
    for name in pattern.pattern.regex.groupindex:
        if name == "review_id":
            continue
        assert name in SAMPLES, f"add a sample object for URL keyword {name!r} to SAMPLES"
        kwargs[name] = SAMPLES[name](objects_from or review)
    return reverse(pattern.name, kwargs=kwargs)


def login_as(client, cast, visitor: str):
    user = {
        "anonymous": None,
        "outsider": cast.outsider,
        "viewer": cast.viewer,
        "reviewer": cast.reviewer1,
        "lead": cast.lead,
    }[visitor]
    if user is not None:
        client.force_login(user)


def expected_status(view, visitor: str, method: str) -> int | None:
    """The status for a review-scoped view; None means "allowed" (200 or a redirect)."""
    if visitor == "anonymous":
        return 302
    if visitor == "outsider":
        return 404
    ability = view.review_ability if method in SAFE_METHODS else view.review_write_ability
    if ROLE_ABILITY[Role(visitor)] < ability:
        return 403
    if method not in view.review_methods:
        return 405
    return None


def test_every_review_view_goes_through_the_permissions_module():
    assert REVIEW_PATTERNS, "no review-scoped URL found"
    for pattern in REVIEW_PATTERNS:
        assert hasattr(pattern.callback, "review_ability"), (
            f"{pattern.name} is under a review but not decorated with reviews.permissions.review_view"
        )


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("pattern", REVIEW_PATTERNS, ids=lambda p: p.name)
def test_review_url_status(client, cast, pattern, visitor, method):
    login_as(client, cast, visitor)
    url = url_for(pattern, cast.review)
    response = client.get(url) if method == "GET" else client.post(url, {})
    expected = expected_status(pattern.callback, visitor, method)
    if expected is None:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "pattern",
    [p for p in REVIEW_PATTERNS if names_an_object(p)],
    ids=lambda p: p.name,
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_object_of_another_review_is_not_found(client, cast, other_review, pattern, method):
    """The lead of review A swapping in the id of an object from review B gets 404."""
    client.force_login(cast.lead)
    url = url_for(pattern, cast.review, objects_from=other_review)
    response = client.get(url) if method == "GET" else client.post(url, {"role": Role.VIEWER})
    if method not in pattern.callback.review_methods:
        assert response.status_code in (404, 405)
    else:
        assert response.status_code == 404
    assert other_review.memberships.filter(role=Role.REVIEWER).count() == 1


@pytest.mark.parametrize("visitor", ["anonymous", "member"])
@pytest.mark.parametrize("pattern", SITE_PATTERNS, ids=lambda p: p.name)
@override_settings(CELERY_TASK_ALWAYS_EAGER=True)  # /healthz: no worker needed to answer 200
def test_site_wide_url_status(client, cast, pattern, visitor):
    assert pattern.name in SITE_WIDE, f"add the expected statuses of {pattern.name!r} to SITE_WIDE"
    if visitor == "member":
        client.force_login(cast.reviewer1)
    response = client.get(site_url(pattern, cast.review))
    assert response.status_code == SITE_WIDE[pattern.name][visitor]
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
