"""Who may do what on a review: the one place every review view asks.

A non-member gets 404 for every URL under a review (so ids reveal nothing), and
so does a member asking for an object that belongs to another review. A member
whose role is too weak for the action gets 403.
"""

from enum import IntEnum
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404

from .models import Membership, Role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Ability(IntEnum):
    VIEW = 1  # read everything a member may read
    CONTRIBUTE = 2  # screen, extract, assess: reviewers and leads
    MANAGE = 3  # team, settings, imports, resolutions, analyses: leads only


ROLE_ABILITY = {
    Role.VIEWER: Ability.VIEW,
    Role.REVIEWER: Ability.CONTRIBUTE,
    Role.LEAD: Ability.MANAGE,
}


def membership_for(user, review_id: int) -> Membership:
    """The user's membership of the review, or 404 when there is none."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("review").filter(review_id=review_id, user=user).first()
    )
    if membership is None:
        raise Http404("No such review.")
    return membership


def require(membership: Membership, ability: Ability) -> None:
    if ROLE_ABILITY[membership.role] < ability:
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")


def has_ability(membership: Membership, ability: Ability) -> bool:
    return ROLE_ABILITY[membership.role] >= ability


def review_view(ability: Ability = Ability.VIEW, *, write: Ability | None = None, methods=None):
    """Decorate a view under /reviews/<review_id>/.

    The view is called as ``view(request, review, **kwargs)`` with
    ``request.membership`` set. ``ability`` guards safe methods, ``write``
    (default: the same) guards POST. ``methods`` limits the HTTP methods; the
    check for it comes after authorisation so a refusal never leaks existence.
    """
    write = write or ability
    methods = tuple(methods or ("GET", "HEAD", "POST"))

    def decorator(view):
        @wraps(view)
        def wrapped(request, review_id: int, *args, **kwargs):
            membership = membership_for(request.user, review_id)
            require(membership, ability if request.method in SAFE_METHODS else write)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            request.membership = membership
            return view(request, membership.review, *args, **kwargs)

        wrapped.review_ability = ability
        wrapped.review_write_ability = write
        wrapped.review_methods = methods
        return login_required(wrapped)

    return decorator


def review_object(queryset: QuerySet | type[Model], review, pk: int, *, field: str = "review"):
    """The object with this pk *in this review*, or 404 (ids from other reviews 404 too)."""
    return get_object_or_404(queryset, pk=pk, **{field: review})
