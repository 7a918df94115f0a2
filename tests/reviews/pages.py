"""A page's forms read from its HTML and submitted as a browser would submit them.

Tests fill only fields the page renders (a name it does not render fails the
test), keep every other value as rendered, and post to the form's own action.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

TEXT_INPUTS = {"text", "email", "password", "hidden", "number", "search", "url", "tel", "date"}


@dataclass
class PageForm:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    buttons: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[PageForm] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append(PageForm(action=attrs.get("action") or "", method=method))
        elif not self.forms:
            return
        elif tag == "input":
            self._input(attrs)
        elif tag == "button":
            self.forms[-1].buttons.append(attrs.get("name") or "")
        elif tag == "select":
            self._select = attrs.get("name")
            self.forms[-1].names.add(self._select)
        elif tag == "option" and self._select:
            self._option(attrs)
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.forms[-1].names.add(self._textarea)
            self.forms[-1].values[self._textarea] = ""

    def _input(self, attrs):
        form, name, kind = self.forms[-1], attrs.get("name"), (attrs.get("type") or "text")
        if kind == "submit":
            form.buttons.append(name or "")
        if not name or kind == "submit":
            return
        form.names.add(name)
        if kind in TEXT_INPUTS:
            form.values[name] = attrs.get("value") or ""
        elif kind in ("checkbox", "radio") and "checked" in attrs:
            form.values[name] = attrs.get("value") or "on"

    def _option(self, attrs):
        values = self.forms[-1].values
        if "selected" in attrs or self._select not in values:
            values[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].values[self._textarea] += data


def page_forms(html: str) -> list[PageForm]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def form_with(response, *names: str) -> PageForm:
    """The one form of the page that renders every field in ``names``."""
    forms = [f for f in page_forms(response.content.decode()) if set(names) <= f.names]
    assert len(forms) == 1, f"{len(forms)} forms render the fields {names}"
    return forms[0]


def form_to(response, action: str) -> PageForm:
    """The one form of the page that posts to ``action``."""
    forms = [f for f in page_forms(response.content.decode()) if f.action == action]
    assert len(forms) == 1, f"{len(forms)} forms post to {action}"
    return forms[0]


def submit(client, response, form: PageForm, **fill: str):
    """Post ``form`` as rendered on ``response``'s page, with the fields in ``fill`` typed in."""
    unknown = set(fill) - form.names
    assert not unknown, f"the page renders no field {sorted(unknown)}"
    url = urljoin(response.wsgi_request.path, form.action)
    data = {**form.values, **fill}
    return client.post(url, data) if form.method == "post" else client.get(url, data)
