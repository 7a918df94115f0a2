"""One form of a page, found and filled in as a user would (on tests.support.html_forms).

Tests type only into fields the page renders (a name it does not render fails
the test); every other value goes as rendered, to the form's own action.
"""

from tests.support import html_forms
from tests.support.html_forms import HtmlForm


def _forms(response) -> list[HtmlForm]:
    return html_forms.html_forms(response.content.decode())


def form_with(response, *names: str) -> HtmlForm:
    """The one form of the page that renders every field in ``names``."""
    forms = [form for form in _forms(response) if set(names) <= form.names]
    assert len(forms) == 1, f"{len(forms)} forms render the fields {names}"
    return forms[0]


def form_to(response, action: str) -> HtmlForm:
    """The one form of the page that posts to ``action``."""
    forms = [form for form in _forms(response) if form.action == action]
    assert len(forms) == 1, f"{len(forms)} forms post to {action!r}"
    return forms[0]


def submit(client, response, form: HtmlForm, **typed: str):
    """Send ``form`` from ``response``'s page with ``typed`` typed into its fields."""
    unknown = set(typed) - form.names
    assert not unknown, f"the page renders no field {sorted(unknown)}"
    return html_forms.submit(client, response.wsgi_request.path, form, **typed)
