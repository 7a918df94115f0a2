"""Every form of every page, submitted unchanged as the page renders it, by each role.

A form that holds a field its page does not render fails validation with
nothing on the page to say why (the review settings page did, for months).
This walks every URL of the URL conf (the permission matrix's samples give the
objects), reads each POST form from the HTML, submits exactly what a browser
would send, and fails when

- the response re-renders with an error message the page does not show, or
- a form bound from the POST holds a field the page did not render.

New pages and forms are covered the moment they are routed.
"""

import pytest
from django.forms import BaseForm, BaseFormSet
from django.test.utils import ContextList
from django.urls import reverse
from django.utils.html import escape

from tests.support.html_forms import HtmlForm, post_forms, submit
from tests.test_permissions_matrix import REVIEW_PATTERNS, SITE_PATTERNS, login_as, url_for

ROLES = ["viewer", "reviewer", "lead"]
SKIP_FORMS = {reverse("logout")}


def page_forms(html: str) -> list[HtmlForm]:
    return [form for form in post_forms(html) if form.action not in SKIP_FORMS]


def bound_forms(response) -> list[BaseForm]:
    """The forms (and formsets' forms) the response rendered from submitted data."""
    found: dict[int, BaseForm] = {}
    contexts = response.context
    contexts = contexts if isinstance(contexts, ContextList) else [contexts] if contexts else []
    for context in contexts:
        for value in context.flatten().values():
            forms = [value] if isinstance(value, BaseForm) else []
            if isinstance(value, BaseFormSet):
                forms = [value, *value.forms]
            for form in forms:
                if getattr(form, "is_bound", False):
                    found[id(form)] = form
    return list(found.values())


def messages_of(form) -> list[str]:
    if isinstance(form, BaseFormSet):
        return list(form.non_form_errors())
    return [message for errors in form.errors.values() for message in errors]


def problems_after(response, sent: HtmlForm) -> list[str]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode()
    problems = []
    for form in bound_forms(response):
        for message in messages_of(form):
            if escape(message) not in html and message not in html:
                problems.append(f"error not shown on the page: {message!r}")
        if isinstance(form, BaseForm):
            missing = {form.add_prefix(name) for name in form.fields} - sent.names
            if missing:
                problems.append(f"{type(form).__name__} holds fields the page lacks: {missing}")
    return problems


def walk(client, url: str) -> list[str]:
    first = client.get(url)
    if first.status_code != 200 or "html" not in first.get("Content-Type", ""):
        return []
    problems = []
    for index in range(len(page_forms(first.content.decode()))):
        page = client.get(url)  # afresh: an earlier form may have changed the page
        forms = page_forms(page.content.decode()) if page.status_code == 200 else []
        if index >= len(forms):
            break
        response = submit(client, url, forms[index])
        problems += [
            f"form {index} ({forms[index].action or url}): {p}"
            for p in problems_after(response, forms[index])
        ]
    return problems


@pytest.mark.parametrize("visitor", ROLES)
@pytest.mark.parametrize("pattern", REVIEW_PATTERNS, ids=lambda p: p.name)
def test_review_page_forms_submit_as_rendered(client, cast, pattern, visitor):
    login_as(client, cast, visitor)
    assert walk(client, url_for(pattern, cast.review)) == []


@pytest.mark.parametrize("pattern", SITE_PATTERNS, ids=lambda p: p.name)
def test_site_page_forms_submit_as_rendered(client, cast, pattern):
    login_as(client, cast, "lead")
    assert walk(client, reverse(pattern.name)) == []


def test_it_catches_a_field_the_page_does_not_render(client, cast, monkeypatch):
    """The settings bug, put back: a required field left out of the layout."""
    from reviews.forms import ReviewSettingsForm

    original = ReviewSettingsForm.__init__

    def without_seed(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.helper.layout = self.helper.layout.__class__(
            *[f for f in self.helper.layout.fields if "order_seed" not in str(f)]
        )
        for fieldset in self.helper.layout.fields:
            if hasattr(fieldset, "fields") and "order_seed" in fieldset.fields:
                fieldset.fields.remove("order_seed")

    monkeypatch.setattr(ReviewSettingsForm, "__init__", without_seed)
    login_as(client, cast, "lead")
    problems = walk(client, reverse("review_settings", args=[cast.review.pk]))
    assert any("order_seed" in p for p in problems), problems
