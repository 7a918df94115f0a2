"""Odd input never gets a 500: every query and form parameter of every page, as each role.

For each URL of the URL conf (objects from the permission matrix's samples)
the page is read, the names of its parameters collected (every form's fields,
and the query parameters its links use), and each is sent junk: a NUL byte, a
number too big for any column, a negative number, a very long string, a
wrong type. Query parameters are tried one at a time; each POST form is sent
with every field set to the junk at once. Any response of 500 or more fails
(the test client raises the view's exception, which names it).
"""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from tests.support.html_forms import html_forms
from tests.test_permissions_matrix import REVIEW_PATTERNS, SITE_PATTERNS, login_as, url_for

ROLES = ["viewer", "reviewer", "lead"]
JUNK = ["\x00", "99999999999999999999", "-1", "x" * 3000, "[object Object]"]
SKIP_FORMS = {reverse("logout")}


def link_params(html: str, path: str) -> set[str]:
    """Query parameter names of the page's links back to its own path."""
    names = set()
    for href in re.findall(r'href="([^"]*\?[^"]*)"', html):
        parts = urlsplit(unescape(href))
        if parts.path in ("", path):
            names |= {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return names


def fuzz(client, url: str) -> list[str]:
    page = client.get(url)
    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
        return []
    html = page.content.decode()
    forms = html_forms(html)
    query = link_params(html, url) | {n for f in forms if f.method == "get" for n in f.names}
    seen = []
    for name in sorted(query):
        for junk in JUNK:
            response = client.get(url, {name: junk})
            seen.append(f"GET {name}={junk[:10]!r}: {response.status_code}")
            assert response.status_code < 500, seen[-1]
    for form in forms:
        if form.method != "post" or form.action in SKIP_FORMS:
            continue
        for junk in JUNK:
            changes = {name: junk for name in form.names - form.files}
            response = client.post(form.action or url, form.payload(**changes))
            seen.append(f"POST {form.action or url} with {junk[:10]!r}: {response.status_code}")
            assert response.status_code < 500, seen[-1]
    return seen


@pytest.mark.parametrize("visitor", ROLES)
@pytest.mark.parametrize("pattern", REVIEW_PATTERNS, ids=lambda p: p.name)
def test_review_pages_take_junk_without_a_500(client, cast, pattern, visitor):
    login_as(client, cast, visitor)
    fuzz(client, url_for(pattern, cast.review))


@pytest.mark.parametrize("pattern", SITE_PATTERNS, ids=lambda p: p.name)
def test_site_pages_take_junk_without_a_500(client, cast, pattern):
    login_as(client, cast, "lead")
    fuzz(client, reverse(pattern.name))


def test_a_nul_byte_is_refused_in_words(client, cast):
    login_as(client, cast, "lead")
    response = client.get(reverse("record_list", args=[cast.review.pk]), {"q": "\x00"})
    assert response.status_code == 400
    assert "The field “q” holds a NUL character" in response.content.decode()


def test_the_fuzzer_reaches_the_forms_of_a_page(client, cast):
    login_as(client, cast, "lead")
    seen = fuzz(client, reverse("review_settings", args=[cast.review.pk]))
    assert sum(line.startswith("POST") for line in seen) == len(JUNK)


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "x", ""])
def test_a_history_page_number_out_of_range_shows_a_page(client, cast, page):
    login_as(client, cast, "lead")
    response = client.get(reverse("review_history", args=[cast.review.pk]), {"page": page})
    assert response.status_code == 200
